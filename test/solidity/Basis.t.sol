// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Basis} from "../../contracts/libraries/Basis.sol";
import {Test} from "./Vm.sol";

/// @notice Exposes the internal `Basis` functions.
contract BasisHarness {
    function at(Basis.State memory s, uint256 tau, uint256 now_) external pure returns (int256) {
        return Basis.at(s, tau, now_);
    }

    function observe(
        Basis.State memory s,
        uint256 price,
        uint256 index,
        uint256 notional,
        uint256 refNotional,
        uint256 tau,
        uint256 now_
    ) external pure returns (Basis.State memory) {
        return Basis.observe(s, price, index, notional, refNotional, tau, now_);
    }

    function cap(uint256 index, uint256 maxBasisBps, uint256 listedAt, uint256 expiry, uint256 now_)
        external
        pure
        returns (uint256)
    {
        return Basis.cap(index, maxBasisBps, listedAt, expiry, now_);
    }

    function mark(int256 basis, uint256 index, uint256 cap_) external pure returns (uint256) {
        return Basis.mark(basis, index, cap_);
    }
}

contract BasisTest is Test {
    int256 internal constant MAX_BASIS = 1e24; // |basis|, |premium| in the `at` fuzz
    uint256 internal constant MAX_TAU = 1e6;
    uint256 internal constant MAX_ELAPSED = 1e8;
    uint256 internal constant MAX_INDEX = 2 ** 80; // the oracle's MAX_VALUE
    uint256 internal constant MAX_PRICE = type(uint96).max; // an order's limitPrice is a uint96
    uint256 internal constant MAX_REF_NOTIONAL = type(uint128).max; // basisRefNotional is a uint128
    uint256 internal constant MAX_TIME = type(uint32).max; // updatedAt is a uint32

    BasisHarness internal h;

    function setUp() public {
        h = new BasisHarness();
    }

    // ================================================================ at

    function testFuzz_at_isZeroBeforeAnyObservation(int112 basis, int112 premium, uint256 tauRaw, uint256 nowRaw)
        public
        view
    {
        uint256 tau = bound(tauRaw, 1, MAX_TAU);
        assertEqInt(h.at(Basis.State(basis, premium, 0), tau, nowRaw), 0, "never observed");
    }

    /// @dev basis(t) = premium + gap x tau / (tau + elapsed), rounded toward the premium: it
    /// starts at the stored basis, only ever approaches the premium, never crosses it, and is
    /// within 1 of the exact value.
    function testFuzz_at_movesMonotonicallyTowardPremium(
        int256 basisRaw,
        int256 premiumRaw,
        uint256 tauRaw,
        uint256 updatedAtRaw,
        uint256 elapsedA,
        uint256 elapsedB
    ) public view {
        Basis.State memory s = _state(basisRaw, premiumRaw, updatedAtRaw);
        uint256 tau = bound(tauRaw, 1, MAX_TAU);
        uint256 e1 = bound(elapsedA, 0, MAX_ELAPSED);
        uint256 e2 = bound(elapsedB, 0, MAX_ELAPSED);
        if (e1 > e2) (e1, e2) = (e2, e1);

        assertEqInt(h.at(s, tau, s.updatedAt), s.basis, "at elapsed 0 is the stored basis");
        int256 v1 = _checkAt(s, tau, e1);
        int256 v2 = _checkAt(s, tau, e2);
        // Later is never further from the premium.
        assertLeInt(_absInt(v2 - s.premium), _absInt(v1 - s.premium), "moved away from the premium");
    }

    /// @dev Checks one value of `at` against the exact rational value; returns it.
    function _checkAt(Basis.State memory s, uint256 tau, uint256 elapsed) internal view returns (int256 v) {
        v = h.at(s, tau, uint256(s.updatedAt) + elapsed);
        int256 gap = int256(s.basis) - int256(s.premium);
        int256 moved = v - s.premium; // what is left of the gap
        // Between the premium and the stored basis (inclusive): no overshoot.
        if (gap >= 0) {
            assertGeInt(moved, 0, "crossed the premium from above");
            assertLeInt(moved, gap, "above the stored basis");
        } else {
            assertLeInt(moved, 0, "crossed the premium from below");
            assertGeInt(moved, gap, "below the stored basis");
        }
        // Exact: moved = gap x tau / (tau + elapsed). Rounded toward the premium (|moved| is
        // not above the exact value) by less than 1.
        int256 d = int256(tau + elapsed);
        int256 exact = _absInt(gap) * int256(tau); // |moved| x d, exactly
        assertLeInt(_absInt(moved) * d, exact, "rounded away from the premium");
        assertLtInt(exact, (_absInt(moved) + 1) * d, "1 or more short of the exact value");
    }

    /// @dev After one tau the basis is half way, to within rounding (toward the premium).
    function testFuzz_at_halfWayAfterOneTau(int256 basisRaw, int256 premiumRaw, uint256 tauRaw, uint256 updatedAtRaw)
        public
        view
    {
        Basis.State memory s = _state(basisRaw, premiumRaw, updatedAtRaw);
        uint256 tau = bound(tauRaw, 1, MAX_TAU);
        int256 v = h.at(s, tau, uint256(s.updatedAt) + tau);
        int256 twice = 2 * v - s.basis - s.premium; // 0 when exactly half way
        assertLeInt(_absInt(twice), 1, "not half way after one tau");
        // Rounding leaves it on the premium's side of the midpoint.
        assertLeInt(2 * _absInt(v - s.premium), _absInt(int256(s.basis) - s.premium), "past the midpoint");
    }

    function test_at_examples() public view {
        uint256 tau = 60;
        Basis.State memory s = Basis.State({basis: 100, premium: 0, updatedAt: 1000});
        assertEqInt(h.at(s, tau, 1000), 100, "elapsed 0");
        assertEqInt(h.at(s, tau, 1060), 50, "one tau: 100 x 60 / 120");
        assertEqInt(h.at(s, tau, 1180), 25, "three taus: 100 x 60 / 240");
        assertEqInt(h.at(s, tau, 1540), 10, "nine taus: 100 x 60 / 600");
        s.basis = -100;
        assertEqInt(h.at(s, tau, 1060), -50, "negative gap");
        // 101 x 60 / 120 = 50.5: rounded toward the premium (0), both ways.
        s.basis = 101;
        assertEqInt(h.at(s, tau, 1060), 50, "50.5 -> 50");
        s.basis = -101;
        assertEqInt(h.at(s, tau, 1060), -50, "-50.5 -> -50");
        // basis 0, premium 7: gap -7 x 10 / 20 = -3.5 -> -3, so 7 - 3 = 4 (exact 3.5).
        s = Basis.State({basis: 0, premium: 7, updatedAt: 1000});
        assertEqInt(h.at(s, 10, 1010), 4, "rounds toward the premium");
    }

    // ================================================================ observe

    /// @dev The first fill sets the premium to price - index exactly; the basis starts at 0
    /// (`at` is 0 before any observation) and follows the premium from there.
    function testFuzz_observe_firstObservationSetsPremium(
        uint256 priceRaw,
        uint256 indexRaw,
        uint256 notional,
        uint256 refRaw,
        uint256 tauRaw,
        uint256 nowRaw
    ) public view {
        uint256 price = bound(priceRaw, 0, MAX_PRICE);
        uint256 index = bound(indexRaw, 0, MAX_INDEX);
        uint256 nowTs = bound(nowRaw, 1, MAX_TIME);
        uint256 tau = bound(tauRaw, 1, MAX_TAU);
        Basis.State memory next =
            h.observe(Basis.State(0, 0, 0), price, index, notional, bound(refRaw, 1, MAX_REF_NOTIONAL), tau, nowTs);
        assertEqInt(next.premium, int256(price) - int256(index), "premium = price - index");
        assertEqInt(next.basis, 0, "basis starts at 0");
        assertEq(next.updatedAt, nowTs, "updatedAt");
    }

    /// @dev A fill with notional >= refNotional replaces the premium; the basis is brought up
    /// to now (exactly what `at` says).
    function testFuzz_observe_fullWeightFillReplacesPremium(
        int256 basisRaw,
        int256 premiumRaw,
        uint256 updatedAtRaw,
        uint256 priceRaw,
        uint256 indexRaw,
        uint256 refRaw,
        uint256 extra,
        uint256 tauAndElapsed
    ) public view {
        Basis.State memory s = _state(basisRaw, premiumRaw, updatedAtRaw);
        uint256 tau = bound(tauAndElapsed >> 128, 1, MAX_TAU);
        uint256 nowTs = uint256(s.updatedAt) + bound(uint128(tauAndElapsed), 0, MAX_ELAPSED);
        uint256 price = bound(priceRaw, 0, MAX_PRICE);
        uint256 index = bound(indexRaw, 0, MAX_INDEX);
        uint256 ref = bound(refRaw, 1, MAX_REF_NOTIONAL);
        uint256 notional = ref + bound(extra, 0, 2 ** 128); // >= ref

        Basis.State memory next = h.observe(s, price, index, notional, ref, tau, nowTs);
        assertEqInt(next.premium, int256(price) - int256(index), "premium replaced");
        assertEqInt(next.basis, h.at(s, tau, nowTs), "basis brought up to now");
        assertEq(next.updatedAt, nowTs, "updatedAt");
    }

    /// @dev A fill below refNotional moves the premium by notional / refNotional of the gap,
    /// rounded toward no change: never beyond the fill's premium, short of the exact move by
    /// less than 1.
    function testFuzz_observe_smallFillMovesPremiumByWeight(
        int256 basisRaw,
        int256 premiumRaw,
        uint256 updatedAtRaw,
        uint256 priceRaw,
        uint256 indexRaw,
        uint256 refRaw,
        uint256 notionalRaw,
        uint256 tauAndElapsed
    ) public view {
        Basis.State memory s = _state(basisRaw, premiumRaw, updatedAtRaw);
        uint256 tau = bound(tauAndElapsed >> 128, 1, MAX_TAU);
        uint256 nowTs = uint256(s.updatedAt) + bound(uint128(tauAndElapsed), 0, MAX_ELAPSED);
        uint256 ref = bound(refRaw, 1, MAX_REF_NOTIONAL);
        uint256 notional = bound(notionalRaw, 0, ref - 1); // < ref
        uint256 price = bound(priceRaw, 0, MAX_PRICE);
        uint256 index = bound(indexRaw, 0, MAX_INDEX);

        Basis.State memory next = h.observe(s, price, index, notional, ref, tau, nowTs);
        assertEqInt(next.basis, h.at(s, tau, nowTs), "basis brought up to now");
        assertEq(next.updatedAt, nowTs, "updatedAt");

        int256 want = int256(price) - int256(index) - s.premium; // the full move
        int256 moved = int256(next.premium) - s.premium;
        if (want >= 0) {
            assertGeInt(moved, 0, "moved away from the fill's premium");
            assertLeInt(moved, want, "moved beyond the fill's premium");
        } else {
            assertLeInt(moved, 0, "moved away from the fill's premium");
            assertGeInt(moved, want, "moved beyond the fill's premium");
        }
        // |moved| x ref <= |want| x notional < (|moved| + 1) x ref  (|want| < 2^97, ref < 2^128)
        int256 exact = _absInt(want) * int256(notional);
        assertLeInt(_absInt(moved) * int256(ref), exact, "moved more than notional / ref of the gap");
        assertLtInt(exact, (_absInt(moved) + 1) * int256(ref), "moved 1 or more short of notional / ref of the gap");
    }

    /// @dev N fills in one block: the first brings the basis up to now, the rest leave it there
    /// (elapsed 0), so the stored basis is the basis after the first, whatever the fills.
    struct Block {
        uint256 tau;
        uint256 now_;
        uint256 ref;
        uint256 index;
        int256 basisAfterFirst;
    }

    function testFuzz_observe_sameBlockFillsMoveBasisOnce(
        int256 basisRaw,
        int256 premiumRaw,
        uint256 updatedAtRaw,
        uint256[8] memory prices,
        uint256[8] memory notionals,
        uint256 countRaw,
        uint256 refRaw,
        uint256 tauAndElapsed
    ) public view {
        Basis.State memory s = _state(basisRaw, premiumRaw, updatedAtRaw);
        if (countRaw & 1 == 1) s = Basis.State(0, 0, 0); // the block's first fill is the first ever
        Block memory blk;
        blk.tau = bound(tauAndElapsed >> 128, 1, MAX_TAU);
        blk.now_ = uint256(s.updatedAt == 0 ? 1 : s.updatedAt) + bound(uint128(tauAndElapsed), 0, MAX_ELAPSED);
        blk.ref = bound(refRaw, 1, 1e30);
        blk.index = 1e21;
        uint256 count = bound(countRaw >> 1, 2, 8);

        uint256 firstNotional = bound(notionals[0], 0, 2e30);
        Basis.State memory cur =
            h.observe(s, bound(prices[0], 0, 2e21), blk.index, firstNotional, blk.ref, blk.tau, blk.now_);
        blk.basisAfterFirst = cur.basis;
        assertEqInt(cur.basis, h.at(s, blk.tau, blk.now_), "first fill: basis where `at` put it");
        for (uint256 i = 1; i < count; ++i) {
            cur = _sameBlockFill(cur, blk, bound(prices[i], 0, 2e21), bound(notionals[i], 0, 2e30), i);
        }
    }

    function _sameBlockFill(Basis.State memory cur, Block memory blk, uint256 price, uint256 notional, uint256 i)
        internal
        view
        returns (Basis.State memory next)
    {
        next = h.observe(cur, price, blk.index, notional, blk.ref, blk.tau, blk.now_);
        assertEqInt(next.basis, blk.basisAfterFirst, string.concat("fill ", _str(i), " moved the basis"));
        assertEq(next.updatedAt, blk.now_, "updatedAt");
        if (notional >= blk.ref) assertEqInt(next.premium, int256(price) - int256(blk.index), "full-weight premium");
        else if (notional == 0) assertEqInt(next.premium, cur.premium, "zero-weight fill moved the premium");
    }

    function test_observe_examples() public view {
        uint256 tau = 60;
        uint256 ref = 100;
        // First fill at 105 on an index of 100: premium 5, basis 0.
        Basis.State memory s = h.observe(Basis.State(0, 0, 0), 105, 100, 1, ref, tau, 1000);
        _expect(s, 0, 5, 1000, "first fill");
        // One tau later a fill of 25 (a quarter of ref) at 120: basis = 5 + (0 - 5) x 60 / 120
        // = 5 - 2 (-2.5 toward zero) = 3; premium = 5 + (20 - 5) x 25 / 100 = 5 + 3 (3.75) = 8.
        s = h.observe(s, 120, 100, 25, ref, tau, 1060);
        _expect(s, 3, 8, 1060, "quarter-weight fill");
        // Same block, half-weight fill at 90: premium 8 + (-10 - 8) x 50 / 100 = -1; basis stays.
        s = h.observe(s, 90, 100, 50, ref, tau, 1060);
        _expect(s, 3, -1, 1060, "same block, half weight");
        // Same block, quarter weight at 120: -1 + 21 x 25 / 100 = -1 + 5 (5.25) = 4.
        s = h.observe(s, 120, 100, 25, ref, tau, 1060);
        _expect(s, 3, 4, 1060, "same block, quarter weight up");
        // Same block, quarter weight at 86: 4 + (-14 - 4) x 25 / 100 = 4 - 4 (-4.5) = 0.
        s = h.observe(s, 86, 100, 25, ref, tau, 1060);
        _expect(s, 3, 0, 1060, "same block, quarter weight down, toward no change");
        // 30 s later a full-weight fill at 150: basis = 0 + (3 - 0) x 60 / 90 = 2; premium 50.
        s = h.observe(s, 150, 100, 1000, ref, tau, 1090);
        _expect(s, 2, 50, 1090, "full weight replaces the premium");
    }

    /// @dev The widest premiums the market can produce (uint96 price, 2^80 index) fit the
    /// int112 slots exactly.
    function test_observe_extremePremiumsFitStorage() public view {
        Basis.State memory s = h.observe(Basis.State(0, 0, 0), MAX_PRICE, 0, 1, 1, 60, 1);
        assertEqInt(s.premium, int256(MAX_PRICE), "premium 2^96 - 1");
        s = h.observe(s, 0, MAX_INDEX, 1, 1, 60, 2);
        assertEqInt(s.premium, -int256(MAX_INDEX), "premium -2^80");
        // One second later with tau 60: basis = P + (0 - P) x 60 / 61, P = 2^96 - 1.
        assertEqInt(s.basis, int256(MAX_PRICE) - int256(MAX_PRICE) * 60 / 61, "basis");
    }

    function _expect(Basis.State memory s, int256 basis, int256 premium, uint256 updatedAt, string memory what)
        internal
        pure
    {
        assertEqInt(s.basis, basis, string.concat(what, ": basis"));
        assertEqInt(s.premium, premium, string.concat(what, ": premium"));
        assertEq(s.updatedAt, updatedAt, string.concat(what, ": updatedAt"));
    }

    // ================================================================ cap

    /// @dev maxBasisBps of the index at listing, linear to 0 at expiry, 0 from expiry on; never
    /// above the index when maxBasisBps <= 10,000.
    function testFuzz_cap_linearToZeroAtExpiry(
        uint256 indexRaw,
        uint256 bpsRaw,
        uint256 listedAtRaw,
        uint256 lifeRaw,
        uint256 t1Raw,
        uint256 t2Raw
    ) public view {
        uint256 index = bound(indexRaw, 0, MAX_INDEX);
        uint256 bps = bound(bpsRaw, 0, 10_000);
        uint256 listedAt = bound(listedAtRaw, 1, 2 ** 40);
        uint256 expiry = listedAt + bound(lifeRaw, 1, 10 * 365 days);
        uint256 t1 = bound(t1Raw, listedAt, expiry + 365 days);
        uint256 t2 = bound(t2Raw, listedAt, expiry + 365 days);
        if (t1 > t2) (t1, t2) = (t2, t1);

        uint256 atListing = h.cap(index, bps, listedAt, expiry, listedAt);
        assertEq(atListing, index * bps / 10_000, "maxBasisBps of the index at listing");
        assertEq(h.cap(index, bps, listedAt, expiry, expiry), 0, "0 at expiry");

        uint256 c1 = h.cap(index, bps, listedAt, expiry, t1);
        uint256 c2 = h.cap(index, bps, listedAt, expiry, t2);
        assertLe(c2, c1, "cap grew with time");
        assertLe(c1, atListing, "above the listing cap");
        assertLe(c1, index, "above the index");
        if (t2 >= expiry) assertEq(c2, 0, "0 after expiry");
        else _assertLinear(c2, index, bps, expiry - t2, expiry - listedAt);
    }

    /// @dev cap = floor(index x bps x left / (10,000 x life)).
    function _assertLinear(uint256 c, uint256 index, uint256 bps, uint256 left, uint256 life) internal pure {
        uint256 num = index * bps * left;
        uint256 den = 10_000 * life;
        assertLe(c * den, num, "cap above the linear value");
        assertLt(num, (c + 1) * den, "cap 1 or more below the linear value");
    }

    /// @dev Any uint16 maxBasisBps: at listing it is exactly that share of the index.
    function testFuzz_cap_atListingIsMaxBasisBpsOfIndex(uint256 indexRaw, uint16 bps, uint256 lifeRaw) public view {
        uint256 index = bound(indexRaw, 0, MAX_INDEX);
        uint256 life = bound(lifeRaw, 1, 10 * 365 days);
        assertEq(h.cap(index, bps, 1000, 1000 + life, 1000), index * bps / 10_000, "cap at listing");
    }

    function test_cap_examples() public view {
        uint256 listedAt = 1_000_000;
        uint256 expiry = listedAt + 100 days;
        // 5% of an index of 100.
        assertEq(h.cap(100e18, 500, listedAt, expiry, listedAt), 5e18, "at listing");
        assertEq(h.cap(100e18, 500, listedAt, expiry, listedAt + 50 days), 2.5e18, "half way");
        assertEq(h.cap(100e18, 500, listedAt, expiry, listedAt + 75 days), 1.25e18, "three quarters");
        // 5e18 x 1 / 8,640,000 s = 578,703,703,703.7 -> floor.
        assertEq(h.cap(100e18, 500, listedAt, expiry, expiry - 1), 578_703_703_703, "one second left");
        assertEq(h.cap(100e18, 500, listedAt, expiry, expiry), 0, "at expiry");
        assertEq(h.cap(100e18, 500, listedAt, expiry, expiry + 1), 0, "after expiry");
        assertEq(h.cap(100e18, 10_000, listedAt, expiry, listedAt), 100e18, "100%: the index itself");
        assertEq(h.cap(100e18, 0, listedAt, expiry, listedAt), 0, "0 bps");
    }

    // ================================================================ mark

    /// @dev index + basis clamped to +/- cap; never negative while cap <= index.
    function testFuzz_mark_clampsToCap(int256 basisRaw, uint256 indexRaw, uint256 capBps) public view {
        int256 basis = boundInt(basisRaw, type(int112).min, type(int112).max);
        uint256 index = bound(indexRaw, 0, MAX_INDEX);
        uint256 cap = index * bound(capBps, 0, 10_000) / 10_000; // <= index
        uint256 m = h.mark(basis, index, cap);

        assertLe(m, index + cap, "above index + cap");
        assertGe(m, index - cap, "below index - cap (or wrapped negative)");
        if (basis > int256(cap)) assertEq(m, index + cap, "clamped to + cap");
        else if (basis < -int256(cap)) assertEq(m, index - cap, "clamped to - cap");
        else assertEqInt(int256(m), int256(index) + basis, "index + basis inside the cap");
        assertEq(h.mark(basis, index, 0), index, "cap 0: the index");
    }

    /// @dev The whole chain the market runs (at -> cap -> mark): within the cap of the index,
    /// and the index itself from expiry on.
    function testFuzz_mark_fromStateConvergesToIndex(
        int256 basisRaw,
        int256 premiumRaw,
        uint256 indexRaw,
        uint16 bps,
        uint256 lifeRaw,
        uint256 elapsedRaw
    ) public view {
        Basis.State memory s = Basis.State({
            basis: int112(boundInt(basisRaw, -int256(MAX_PRICE), int256(MAX_PRICE))),
            premium: int112(boundInt(premiumRaw, -int256(MAX_PRICE), int256(MAX_PRICE))),
            updatedAt: 1000
        });
        uint256 index = bound(indexRaw, 0, MAX_INDEX);
        uint256 maxBps = bound(bps, 0, 10_000);
        uint256 expiry = 1000 + bound(lifeRaw, 1, 365 days);
        uint256 nowTs = 1000 + bound(elapsedRaw, 0, 2 * 365 days);

        uint256 cap = h.cap(index, maxBps, 1000, expiry, nowTs);
        uint256 m = h.mark(h.at(s, 3600, nowTs), index, cap);
        assertLe(cap, index, "cap above index");
        assertLe(m, index + cap, "mark above index + cap");
        assertGe(m, index - cap, "mark below index - cap");
        if (nowTs >= expiry) assertEq(m, index, "mark is the index from expiry on");
    }

    function test_mark_examples() public view {
        assertEq(h.mark(3e18, 100e18, 5e18), 103e18, "inside");
        assertEq(h.mark(7e18, 100e18, 5e18), 105e18, "clamped up");
        assertEq(h.mark(-7e18, 100e18, 5e18), 95e18, "clamped down");
        assertEq(h.mark(-5e18, 100e18, 5e18), 95e18, "at the cap");
        assertEq(h.mark(-200e18, 100e18, 100e18), 0, "cap = index: floor at 0");
        assertEq(h.mark(type(int256).max, 100e18, 0), 100e18, "cap 0");
        assertEq(h.mark(type(int256).min + 1, 100e18, 0), 100e18, "cap 0, very negative basis");
    }

    // ================================================================ helpers

    /// @dev An observed state (updatedAt >= 1) with basis and premium in +/- 1e24.
    function _state(int256 basisRaw, int256 premiumRaw, uint256 updatedAtRaw)
        internal
        pure
        returns (Basis.State memory)
    {
        return Basis.State({
            basis: int112(boundInt(basisRaw, -MAX_BASIS, MAX_BASIS)),
            premium: int112(boundInt(premiumRaw, -MAX_BASIS, MAX_BASIS)),
            updatedAt: uint32(bound(updatedAtRaw, 1, MAX_TIME - MAX_ELAPSED))
        });
    }

    function _absInt(int256 x) internal pure returns (int256) {
        return x < 0 ? -x : x;
    }
}
