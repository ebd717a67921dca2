// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Basis
/// @notice The time-weighted basis of a dated future: how far its trades sit from the index.
/// The premium (trade price - index) of fills is blended into `premium`, each fill with weight
/// min(1, its notional / reference notional), so dust trades barely move it. The basis then
/// follows the premium over time with time constant `tau`:
///
///     basis(t) = premium + (basis(t0) - premium) x tau / (tau + t - t0)
///
/// A new premium therefore takes effect gradually: after one `tau` it has moved the basis half
/// way. Fills in the same block leave the basis where it is (t = t0) and only the premium they
/// leave behind counts, so many fills in a block move it no more than one. The result is clamped
/// to +/- maxBasisBps of the index, scaled down linearly to zero at expiry, so the mark
/// (index + basis) converges to the index. See docs/market.md.
library Basis {
    uint256 internal constant WAD = 1e18;

    /// @dev One slot: the stored basis and premium fit int112 (|x| < 2^111 WAD is far above any
    /// index value the oracle accepts, 2^80), updatedAt fits 32 bits until 2106.
    struct State {
        int112 basis;
        int112 premium;
        uint32 updatedAt;
    }

    /// @notice The basis at time `now` before clamping.
    function at(State memory s, uint256 tau, uint256 now_) internal pure returns (int256) {
        if (s.updatedAt == 0) return 0;
        uint256 elapsed = now_ - s.updatedAt;
        int256 gap = int256(s.basis) - int256(s.premium);
        // gap x tau / (tau + elapsed), rounded toward zero: the basis only ever moves toward
        // the premium.
        return int256(s.premium) + gap * int256(tau) / int256(tau + elapsed);
    }

    /// @notice Records a fill at `price` when the index is `index`: brings the basis up to `now`
    /// and blends the fill's premium in with weight min(1, notional / refNotional).
    function observe(
        State memory s,
        uint256 price,
        uint256 index,
        uint256 notional,
        uint256 refNotional,
        uint256 tau,
        uint256 now_
    ) internal pure returns (State memory next) {
        int256 premium = int256(price) - int256(index);
        int256 basisNow = at(s, tau, now_);
        int256 blended;
        if (s.updatedAt == 0 || notional >= refNotional) {
            blended = premium;
        } else {
            // premium_old + (premium - premium_old) x notional / refNotional, toward zero change.
            blended = int256(s.premium) + (premium - int256(s.premium)) * int256(notional) / int256(refNotional);
        }
        // Casts are safe: |basis| and |premium| are below the oracle's MAX_VALUE (2^80).
        next = State({basis: int112(basisNow), premium: int112(blended), updatedAt: uint32(now_)});
    }

    /// @notice The largest |basis| allowed at `now`: maxBasisBps of the index while the series
    /// is young, shrinking linearly from `listedAt` to zero at `expiry`.
    function cap(uint256 index, uint256 maxBasisBps, uint256 listedAt, uint256 expiry, uint256 now_)
        internal
        pure
        returns (uint256)
    {
        if (now_ >= expiry) return 0;
        return index * maxBasisBps * (expiry - now_) / (10_000 * (expiry - listedAt));
    }

    /// @notice index + basis clamped to +/- cap.
    function mark(int256 basis, uint256 index, uint256 cap_) internal pure returns (uint256) {
        if (basis > int256(cap_)) basis = int256(cap_);
        if (basis < -int256(cap_)) basis = -int256(cap_);
        // cap_ <= index (maxBasisBps <= 10,000), so the mark is never negative.
        return uint256(int256(index) + basis);
    }
}
