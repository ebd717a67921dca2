// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title PositionMath
/// @notice Average-cost position accounting for cash-settled futures, in WAD (1e18) USD.
/// A position is a signed size in contracts (positive long) and a signed entry notional: what
/// opening it cost, size x multiplier x average entry price, with the sign of the size. Every
/// trade's cash moves at once (the buyer pays size x multiplier x price), so the entry
/// notional is bookkeeping: it splits a position's value into what was paid and what is
/// unrealised, and never moves cash by itself. See docs/market.md.
/// @dev Every rounding is toward minus infinity on values an account may withdraw or be
/// credited, and up on requirements, so it never favours the account.
library PositionMath {
    /// @notice Applies a trade of `delta` contracts (positive buys) at `price` to the position
    /// (`size`, `entry`) and returns the new position and the realised PnL of any closed part.
    /// @param multiplier index units per contract
    /// @return newSize the size after the trade
    /// @return newEntry the entry notional after the trade: increases add delta x multiplier x
    /// price exactly; reductions keep the average entry price, rounded toward minus infinity;
    /// a flip closes the whole position and opens the rest at `price`
    /// @return realised the closed part's PnL: its cash flow minus the entry notional it removes
    function applyTrade(int256 size, int256 entry, int256 delta, uint256 price, uint256 multiplier)
        internal
        pure
        returns (int256 newSize, int256 newEntry, int256 realised)
    {
        newSize = size + delta;
        int256 tradeNotional = delta * int256(multiplier) * int256(price); // what the buyer pays
        if (size == 0 || (size > 0) == (delta > 0)) {
            // Opening or adding: the entry notional grows by exactly what was paid.
            return (newSize, entry + tradeNotional, 0);
        }
        if ((newSize > 0) == (size > 0) && newSize != 0) {
            // Reducing: keep the average entry price on what is left.
            newEntry = mulDivFloor(entry, newSize, size);
            realised = -tradeNotional - (entry - newEntry);
            return (newSize, newEntry, realised);
        }
        // Closing exactly, or flipping: the whole old position closes at `price`.
        int256 closingNotional = -size * int256(multiplier) * int256(price);
        realised = -closingNotional - entry;
        newEntry = newSize * int256(multiplier) * int256(price);
    }

    /// @notice size x multiplier x price, signed (positive for a long).
    function value(int256 size, uint256 price, uint256 multiplier) internal pure returns (int256) {
        return size * int256(multiplier) * int256(price);
    }

    /// @notice |size| x multiplier x price x bps / 10,000, rounded up: a margin requirement.
    function requirement(int256 size, uint256 price, uint256 multiplier, uint256 bps) internal pure returns (uint256) {
        uint256 notional = abs(size) * multiplier * price;
        return Math.mulDiv(notional, bps, 10_000, Math.Rounding.Ceil);
    }

    /// @notice a x b / d rounded toward minus infinity, for d != 0 (b and d may be negative).
    function mulDivFloor(int256 a, int256 b, int256 d) internal pure returns (int256) {
        bool negative = (a < 0) != (b < 0) != (d < 0);
        uint256 magnitude = Math.mulDiv(abs(a), abs(b), abs(d), negative ? Math.Rounding.Ceil : Math.Rounding.Floor);
        // Reverts when the result does not fit int256 (-2^255 itself is refused too).
        int256 m = SafeCast.toInt256(magnitude);
        return negative ? -m : m;
    }

    /// @notice a / d rounded toward minus infinity, for 0 < d < 2^255.
    function divFloor(int256 a, uint256 d) internal pure returns (int256) {
        int256 divisor = SafeCast.toInt256(d);
        int256 q = a / divisor;
        return (a % divisor < 0) ? q - 1 : q;
    }

    function abs(int256 x) internal pure returns (uint256) {
        return x < 0 ? uint256(-x) : uint256(x);
    }
}
