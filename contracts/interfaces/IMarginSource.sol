// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IMarginSource
/// @notice What a market registered with the MarginVault reports about one account, so the
/// vault can sum margin across markets (cross margin) and decide what may be withdrawn.
/// @dev All amounts are in collateral token units, rounded against the account: values down
/// (toward minus infinity), margin requirements up.
interface IMarginSource {
    /// @param openPositions the account's open positions in this market
    /// @param markValue sum over positions of size x multiplier x mark price (signed)
    /// @param withdrawalValue sum over positions of the lower of the mark value and the value at
    /// entry: losses count at once, unrealised profit does not count until it is realised
    /// @param initialMargin sum of the positions' initial margin requirements
    /// @param maintenanceMargin sum of the positions' maintenance margin requirements
    /// @param indexStale whether any open position's index is stale (no margin-checked withdrawal)
    struct Margin {
        uint256 openPositions;
        int256 markValue;
        int256 withdrawalValue;
        uint256 initialMargin;
        uint256 maintenanceMargin;
        bool indexStale;
    }

    /// @notice The account's positions in this market, summed. Must not revert, and must not
    /// read an oracle for an account without positions: the vault calls it on every withdrawal.
    function marginOf(address account) external view returns (Margin memory);
}
