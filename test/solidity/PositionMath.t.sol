// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {PositionMath} from "../../contracts/libraries/PositionMath.sol";
import {Test} from "./Vm.sol";

/// @notice Exposes the internal `PositionMath` functions.
contract PositionMathHarness {
    function applyTrade(int256 size, int256 entry, int256 delta, uint256 price, uint256 multiplier)
        external
        pure
        returns (int256 newSize, int256 newEntry, int256 realised)
    {
        return PositionMath.applyTrade(size, entry, delta, price, multiplier);
    }

    function value(int256 size, uint256 price, uint256 multiplier) external pure returns (int256) {
        return PositionMath.value(size, price, multiplier);
    }

    function requirement(int256 size, uint256 price, uint256 multiplier, uint256 bps) external pure returns (uint256) {
        return PositionMath.requirement(size, price, multiplier, bps);
    }

    function mulDivFloor(int256 a, int256 b, int256 d) external pure returns (int256) {
        return PositionMath.mulDivFloor(a, b, d);
    }

    function divFloor(int256 a, uint256 d) external pure returns (int256) {
        return PositionMath.divFloor(a, d);
    }

    function abs(int256 x) external pure returns (uint256) {
        return PositionMath.abs(x);
    }
}

contract PositionMathTest is Test {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant MAX_TRADES = 10;
    uint256 internal constant MAX_DELTA = 1e6;
    uint256 internal constant MIN_PRICE = 1e12;
    uint256 internal constant MAX_PRICE = 1e24;
    uint256 internal constant MAX_MULTIPLIER = 1e6;

    PositionMathHarness internal h;

    function setUp() public {
        h = new PositionMathHarness();
    }

    // ================================================================ reference model
    //
    // The model keeps the position as (size, exact average cost per contract) where the average
    // cost is the rational avgNum / avgDen (WAD USD per contract, multiplier included), in
    // lowest terms with avgDen > 0. Its exact entry notional is size x avgNum / avgDen, and the
    // realised PnL of closing `q` contracts (signed, positive when a long closes) at `unit` per
    // contract is q x (unit - avg cost): exit proceeds minus the cost of what closed.
    //
    // What the library may differ by: it keeps an integer entry and floors on each reduction,
    // newEntry = floor(entry x newSize / size). With err = E_exact - entry_lib:
    //   - open / add: both add delta x unit exactly, err' = err;
    //   - reduce with ratio r = newSize / size in (0, 1):
    //       err' = E x r - floor(entry x r) = err x r + frac(entry x r), so 0 <= err' < err x r + 1;
    //   - close / flip: both restart from newSize x unit, err' = 0.
    // Hence 0 <= err < k where k is the number of reductions since the position was last opened
    // at a single price (from flat or by a flip), and err == 0 when k == 0. Summing the
    // conservation identity realised = cashflow + newEntry - entry over a history that starts
    // flat gives  sum(realised) = sum(cashflow) + entry, so the library's cumulative realised
    // PnL is the exact one minus err: never above it, and below it by less than k.
    //
    // Magnitudes (so nothing here overflows): |size| <= 1e7, unit <= 1e30, |entry| <= 1e37.
    // avgDen only grows on an add that follows a reduction (by at most the new size, 1e7), so
    // in 11 trades it stays below 1e35, avgNum below 1e65, and every product below 1e73.

    struct Model {
        int256 size;
        int256 avgNum;
        int256 avgDen;
        uint256 reductions; // since the position was last opened at one price
        int256 cash; // sum of every trade's cash flow, -delta x unit
        int256 realised; // sum of the library's realised PnL
        // what the trade driver asked for, to check the generator covers every case
        uint256 opens;
        uint256 adds;
        uint256 reduces;
        uint256 closes;
        uint256 flips;
    }

    /// @dev The library's position (what the market stores).
    struct Book {
        int256 size;
        int256 entry;
    }

    /// @dev One trade's inputs and the library's outputs (a struct keeps the stack small).
    struct Trade {
        int256 delta;
        uint256 price;
        uint256 multiplier;
        int256 unit; // multiplier x price, WAD per contract
        int256 newSize;
        int256 newEntry;
        int256 realised;
        int256 cashflow;
        int256 errBefore; // (E_exact - entry) x avgDen before the trade
    }

    enum Kind {
        Open,
        Add,
        Reduce,
        Close,
        Flip
    }

    /// @dev Classifies a trade from the sizes alone (not the library's branch conditions).
    function _kind(int256 size, int256 delta) internal pure returns (Kind) {
        if (size == 0) return Kind.Open;
        if ((size < 0 && delta < 0) || (size > 0 && delta > 0)) return Kind.Add;
        uint256 have = _mag(size);
        uint256 trade = _mag(delta);
        if (trade < have) return Kind.Reduce;
        if (trade == have) return Kind.Close;
        return Kind.Flip;
    }

    function _step(Model memory ref, Book memory book, int256 delta, uint256 price, uint256 multiplier) internal view {
        Trade memory t;
        t.delta = delta;
        t.price = price;
        t.multiplier = multiplier;
        t.unit = int256(multiplier) * int256(price);
        t.cashflow = -delta * t.unit;
        assertEqInt(book.size, ref.size, "model and book sizes");
        t.errBefore = ref.size * ref.avgNum - book.entry * ref.avgDen;

        (t.newSize, t.newEntry, t.realised) = h.applyTrade(book.size, book.entry, delta, price, multiplier);

        assertEqInt(t.newSize, book.size + delta, "newSize");
        // Conservation: the closed part's PnL is the cash flow minus the entry notional removed.
        assertEqInt(t.realised, t.cashflow - (book.entry - t.newEntry), "realised == cashflow - (entry - newEntry)");

        Kind kind = _kind(book.size, delta);
        if (kind == Kind.Open || kind == Kind.Add) _checkIncrease(ref, book, t, kind);
        else if (kind == Kind.Reduce) _checkReduce(ref, book, t);
        else _checkCloseOrFlip(ref, book, t, kind);

        ref.size += delta;
        ref.cash += t.cashflow;
        ref.realised += t.realised;
        book.size = t.newSize;
        book.entry = t.newEntry;

        // The library's entry against the exact one: 0 <= E_exact - entry < reductions.
        int256 err = ref.size * ref.avgNum - book.entry * ref.avgDen; // scaled by avgDen
        assertGeInt(err, 0, "entry above the exact entry (rounding favours the account)");
        if (ref.reductions == 0) assertEqInt(err, 0, "entry exact without reductions");
        else assertLtInt(err, int256(ref.reductions) * ref.avgDen, "entry error >= 1 per reduction");
        // Summed conservation: cumulative realised = cumulative cash flow + entry.
        assertEqInt(ref.realised, ref.cash + book.entry, "sum(realised) == sum(cashflow) + entry");
    }

    function _checkIncrease(Model memory ref, Book memory book, Trade memory t, Kind kind) internal pure {
        assertEqInt(t.newEntry, book.entry + t.delta * t.unit, "increase adds delta x multiplier x price");
        assertEqInt(t.realised, 0, "increase realises nothing");
        if (kind == Kind.Open) {
            ++ref.opens;
            (ref.avgNum, ref.avgDen) = (t.unit, 1);
            ref.reductions = 0;
        } else {
            ++ref.adds;
            // avg' = (size x avg + delta x unit) / (size + delta)
            int256 num = ref.size * ref.avgNum + t.delta * t.unit * ref.avgDen;
            int256 den = ref.avgDen * (ref.size + t.delta);
            (ref.avgNum, ref.avgDen) = _reduced(num, den);
        }
    }

    function _checkReduce(Model memory ref, Book memory book, Trade memory t) internal pure {
        ++ref.reduces;
        // Per step: newEntry = floor(entry x newSize / size), i.e. never above the exact
        // proportional value and less than 1 below it. newSize / size > 0.
        int256 num = book.entry * t.newSize;
        int256 den = book.size;
        if (den < 0) (num, den) = (-num, -den);
        assertLeInt(t.newEntry * den, num, "reduced entry above the proportional value");
        assertLtInt(num - t.newEntry * den, den, "reduced entry 1 or more below the proportional value");

        // Realised against the model: closing -delta contracts at unit, cost avg each.
        int256 exactRealised = -t.delta * (t.unit * ref.avgDen - ref.avgNum); // scaled by avgDen
        int256 errAfter = t.newSize * ref.avgNum - t.newEntry * ref.avgDen;
        assertEqInt(
            t.realised * ref.avgDen - exactRealised, t.errBefore - errAfter, "reduce: realised - exact != err - err'"
        );
        ++ref.reductions; // the average cost does not change
    }

    function _checkCloseOrFlip(Model memory ref, Book memory book, Trade memory t, Kind kind) internal pure {
        if (kind == Kind.Close) ++ref.closes;
        else ++ref.flips;
        // The whole old position closes at the trade price; the rest opens at it.
        assertEqInt(t.realised, book.size * t.unit - book.entry, "close: realised == size x unit - entry");
        assertEqInt(t.newEntry, t.newSize * t.unit, "flip opens the rest at the trade price");
        if (kind == Kind.Close) assertEqInt(t.newEntry, 0, "close leaves no entry");
        // Realised against the model: closing `size` contracts; the model's entry is then exact.
        int256 exactRealised = book.size * (t.unit * ref.avgDen - ref.avgNum); // scaled by avgDen
        assertEqInt(t.realised * ref.avgDen - exactRealised, t.errBefore, "close: realised - exact != err");
        (ref.avgNum, ref.avgDen) = (t.unit, 1);
        ref.reductions = 0;
    }

    /// @dev num / den in lowest terms with a positive denominator.
    function _reduced(int256 num, int256 den) internal pure returns (int256, int256) {
        if (den < 0) (num, den) = (-num, -den);
        uint256 g = _gcd(_mag(num), uint256(den));
        return (num / int256(g), den / int256(g));
    }

    function _gcd(uint256 a, uint256 b) internal pure returns (uint256) {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }

    /// @dev A trade of kind `kind` (0 open/add, 1 reduce, 2 close, 3 flip, 4 any size in
    /// [-1e6, 1e6]), falling back to open/add when the kind is impossible. From flat it opens
    /// short when `openShort`.
    function _pickDelta(int256 size, uint256 kind, bool openShort, uint256 amountRaw) internal pure returns (int256) {
        int256 sign = size > 0 ? int256(1) : size < 0 ? int256(-1) : (openShort ? int256(-1) : int256(1));
        uint256 have = _mag(size);
        if (kind == 1 && have >= 2) return -sign * int256(bound(amountRaw, 1, have - 1));
        if (kind == 2 && have != 0) return -size;
        if (kind == 3 && have != 0) return -size - sign * int256(bound(amountRaw, 1, MAX_DELTA));
        if (kind == 4) {
            int256 d = int256(bound(amountRaw, 0, 2 * MAX_DELTA)) - int256(MAX_DELTA);
            return d == 0 ? int256(1) : d;
        }
        return sign * int256(bound(amountRaw, 1, MAX_DELTA));
    }

    // ================================================================ fuzz: applyTrade

    /// @dev Up to 10 random trades (open, add, reduce, close, flip) against the exact model,
    /// then a final close: every trade's realised PnL, summed, equals the cash that moved.
    function testFuzz_applyTrade_matchesReferenceModel(
        uint256[10] memory kinds,
        uint256[10] memory amounts,
        uint256[10] memory prices,
        uint256 multiplierRaw,
        uint256 countRaw
    ) public view {
        uint256 multiplier = bound(multiplierRaw, 1, MAX_MULTIPLIER);
        uint256 count = bound(countRaw, 1, MAX_TRADES);
        Model memory ref;
        ref.avgDen = 1;
        Book memory book;
        for (uint256 i = 0; i < count; ++i) {
            int256 delta = _pickDelta(book.size, kinds[i] % 5, (kinds[i] >> 8) & 1 == 1, amounts[i]);
            _step(ref, book, delta, bound(prices[i], MIN_PRICE, MAX_PRICE), multiplier);
        }
        if (book.size != 0) {
            uint256 exitPrice = bound(uint256(keccak256(abi.encode(prices))), MIN_PRICE, MAX_PRICE);
            _step(ref, book, -book.size, exitPrice, multiplier);
        }
        assertEqInt(book.entry, 0, "flat position has no entry");
        assertEqInt(ref.realised, ref.cash, "lifetime realised == lifetime cash flow");
    }

    /// @dev The same model with prices drawn close together and a fixed reduce-heavy pattern
    /// (open, add, then reduce/add alternating): the rounding error accumulates over many
    /// reductions and the average-cost denominator grows as far as it can in 11 trades.
    function testFuzz_applyTrade_reduceHeavy_matchesReferenceModel(
        uint256[10] memory amounts,
        uint256[10] memory prices,
        uint256 multiplierRaw,
        bool short
    ) public view {
        uint256 multiplier = bound(multiplierRaw, 1, MAX_MULTIPLIER);
        uint256 basePrice = bound(prices[0], MIN_PRICE, MAX_PRICE - 1000);
        Model memory ref;
        ref.avgDen = 1;
        Book memory book;
        for (uint256 i = 0; i < 10; ++i) {
            // kinds: 0 open/add, 1 reduce; open, add, reduce, add, reduce, ...
            uint256 kind = i < 2 ? 0 : (i % 2 == 0 ? 1 : 0);
            int256 delta = _pickDelta(book.size, kind, short, amounts[i]);
            _step(ref, book, delta, basePrice + bound(prices[i], 0, 1000), multiplier);
        }
        _step(ref, book, -book.size, basePrice, multiplier);
        assertEqInt(ref.realised, ref.cash, "lifetime realised == lifetime cash flow");
        assertEqInt(int256(ref.reduces), 4, "four reductions");
    }

    /// @dev One trade from an arbitrary stored position (the entry need not match any price):
    /// conservation and the rounding of a reduction hold whatever the entry is.
    function testFuzz_applyTrade_singleTrade_conservesAndFloors(
        int256 sizeRaw,
        int256 entryRaw,
        int256 deltaRaw,
        uint256 priceRaw,
        uint256 multiplierRaw
    ) public view {
        int256 size = boundInt(sizeRaw, -1e12, 1e12);
        int256 entry = boundInt(entryRaw, -1e45, 1e45);
        int256 delta = boundInt(deltaRaw, -1e12, 1e12);
        uint256 price = bound(priceRaw, 0, 1e27);
        uint256 multiplier = bound(multiplierRaw, 0, type(uint32).max);
        if (size == 0) entry = 0;
        int256 unit = int256(multiplier) * int256(price);

        (int256 newSize, int256 newEntry, int256 realised) = h.applyTrade(size, entry, delta, price, multiplier);
        assertEqInt(newSize, size + delta, "newSize");
        assertEqInt(realised, -delta * unit - (entry - newEntry), "conservation");
        Kind kind = _kind(size, delta);
        if (delta == 0) {
            assertEqInt(newEntry, entry, "no trade: entry unchanged");
            assertEqInt(realised, 0, "no trade: nothing realised");
        } else if (kind == Kind.Open || kind == Kind.Add) {
            assertEqInt(newEntry, entry + delta * unit, "increase");
            assertEqInt(realised, 0, "increase realises nothing");
        } else if (kind == Kind.Reduce) {
            int256 num = entry * newSize;
            int256 den = size;
            if (den < 0) (num, den) = (-num, -den);
            assertLeInt(newEntry * den, num, "reduced entry above the proportional value");
            assertLtInt(num - newEntry * den, den, "reduced entry 1 or more below the proportional value");
        } else {
            assertEqInt(newEntry, newSize * unit, "close/flip entry");
            assertEqInt(realised, size * unit - entry, "close/flip realised");
        }
    }

    // ================================================================ examples: applyTrade
    //
    // multiplier 100 index units per contract, prices WAD USD per index unit.

    function test_applyTrade_long_openAddReduceCloseFlip() public view {
        uint256 m = 100;
        int256 size;
        int256 entry;
        int256 realised;

        // Open long 10 at 2.00: entry = 10 x 100 x 2.00 = 2,000.
        (size, entry, realised) = h.applyTrade(0, 0, 10, 2e18, m);
        _expect(size, entry, realised, 10, 2_000e18, 0, "open long");

        // Add 5 at 2.30: entry = 2,000 + 5 x 100 x 2.30 = 3,150; average 3,150 / 1,500 = 2.10.
        (size, entry, realised) = h.applyTrade(size, entry, 5, 2.3e18, m);
        _expect(size, entry, realised, 15, 3_150e18, 0, "add long");

        // Sell 6 at 2.50: 9 left, entry = 3,150 x 9 / 15 = 1,890 (still 2.10).
        // Realised = 6 x 100 x 2.50 - (3,150 - 1,890) = 1,500 - 1,260 = 240 = 600 x (2.50 - 2.10).
        (size, entry, realised) = h.applyTrade(size, entry, -6, 2.5e18, m);
        _expect(size, entry, realised, 9, 1_890e18, 240e18, "reduce long at a profit");

        // Flip: sell 12 at 2.40. The 9 close: 9 x 100 x 2.40 - 1,890 = 2,160 - 1,890 = 270;
        // the other 3 open short at 2.40: entry = -3 x 100 x 2.40 = -720.
        (int256 fSize, int256 fEntry, int256 fRealised) = h.applyTrade(size, entry, -12, 2.4e18, m);
        _expect(fSize, fEntry, fRealised, -3, -720e18, 270e18, "flip long to short");

        // Instead close the 9 at 1.90: 9 x 100 x 1.90 - 1,890 = 1,710 - 1,890 = -180.
        (size, entry, realised) = h.applyTrade(size, entry, -9, 1.9e18, m);
        _expect(size, entry, realised, 0, 0, -180e18, "close long at a loss");

        // From flat, a sell opens a short.
        (size, entry, realised) = h.applyTrade(size, entry, -4, 1.9e18, m);
        _expect(size, entry, realised, -4, -760e18, 0, "open short after close");
    }

    function test_applyTrade_short_openAddReduceCloseFlip() public view {
        uint256 m = 100;
        int256 size;
        int256 entry;
        int256 realised;

        // Open short 10 at 2.00: entry = -10 x 100 x 2.00 = -2,000 (the short received it).
        (size, entry, realised) = h.applyTrade(0, 0, -10, 2e18, m);
        _expect(size, entry, realised, -10, -2_000e18, 0, "open short");

        // Sell 5 more at 2.30: entry = -2,000 - 1,150 = -3,150; average 2.10.
        (size, entry, realised) = h.applyTrade(size, entry, -5, 2.3e18, m);
        _expect(size, entry, realised, -15, -3_150e18, 0, "add short");

        // Buy 6 back at 2.50: entry = -3,150 x 9 / 15 = -1,890.
        // Realised = -1,500 - (-3,150 + 1,890) = -240 = 600 x (2.10 - 2.50): a loss.
        (size, entry, realised) = h.applyTrade(size, entry, 6, 2.5e18, m);
        _expect(size, entry, realised, -9, -1_890e18, -240e18, "reduce short at a loss");

        // Flip: buy 12 at 1.50. The 9 close: -9 x 100 x 1.50 + 1,890 = -1,350 + 1,890 = 540;
        // the other 3 open long at 1.50: entry = 3 x 100 x 1.50 = 450.
        (int256 fSize, int256 fEntry, int256 fRealised) = h.applyTrade(size, entry, 12, 1.5e18, m);
        _expect(fSize, fEntry, fRealised, 3, 450e18, 540e18, "flip short to long");

        // Instead buy the 9 back at 1.90: -1,710 + 1,890 = 180.
        (size, entry, realised) = h.applyTrade(size, entry, 9, 1.9e18, m);
        _expect(size, entry, realised, 0, 0, 180e18, "close short at a profit");
    }

    /// @dev A reduction that does not divide: the library floors the remaining entry and
    /// realises less now, and exactly the difference later. multiplier 1, prices in wei.
    function test_applyTrade_long_roundingWorkedExample() public view {
        int256 size;
        int256 entry;
        int256 realised;
        // Buy 2 at 10 and 1 at 11: 3 contracts, entry 31, average 31 / 3 = 10.333...
        (size, entry, realised) = h.applyTrade(0, 0, 2, 10, 1);
        (size, entry, realised) = h.applyTrade(size, entry, 1, 11, 1);
        _expect(size, entry, realised, 3, 31, 0, "build 3 at 31");
        // Sell 1 at 12: exact remaining entry 31 x 2 / 3 = 20.667, floored to 20.
        // Realised = 12 - (31 - 20) = 1 (exact 12 - 10.333 = 1.667: 0.667 is kept back).
        (size, entry, realised) = h.applyTrade(size, entry, -1, 12, 1);
        _expect(size, entry, realised, 2, 20, 1, "reduce floors the entry");
        // Sell 2 at 12: 24 - 20 = 4 (exact 24 - 20.667 = 3.333). Total 5 = the exact 1.667 +
        // 3.333, and the cash: -20 - 11 + 12 + 24 = 5.
        (size, entry, realised) = h.applyTrade(size, entry, -2, 12, 1);
        _expect(size, entry, realised, 0, 0, 4, "close realises what was kept back");
    }

    function test_applyTrade_short_roundingWorkedExample() public view {
        int256 size;
        int256 entry;
        int256 realised;
        // Sell 2 at 10 and 1 at 11: -3 contracts, entry -31.
        (size, entry, realised) = h.applyTrade(0, 0, -2, 10, 1);
        (size, entry, realised) = h.applyTrade(size, entry, -1, 11, 1);
        _expect(size, entry, realised, -3, -31, 0, "build -3 at -31");
        // Buy 1 at 12: exact remaining entry -31 x 2 / 3 = -20.667, floored to -21.
        // Realised = -12 - (-31 + 21) = -2 (exact 10.333 - 12 = -1.667): rounded down.
        (size, entry, realised) = h.applyTrade(size, entry, 1, 12, 1);
        _expect(size, entry, realised, -2, -21, -2, "reduce floors the short's entry");
        // Buy 2 at 12: -24 + 21 = -3 (exact -3.333). Total -5 = cash 20 + 11 - 12 - 24.
        (size, entry, realised) = h.applyTrade(size, entry, 2, 12, 1);
        _expect(size, entry, realised, 0, 0, -3, "close");
    }

    function test_applyTrade_zeroDelta_changesNothing() public view {
        (int256 size, int256 entry, int256 realised) = h.applyTrade(7, 1234, 0, 5e18, 100);
        _expect(size, entry, realised, 7, 1234, 0, "long, zero trade");
        (size, entry, realised) = h.applyTrade(-7, -1234, 0, 5e18, 100);
        _expect(size, entry, realised, -7, -1234, 0, "short, zero trade");
    }

    function test_value_signedNotional() public view {
        assertEqInt(h.value(3, 2e18, 100), 600e18, "long value");
        assertEqInt(h.value(-3, 2e18, 100), -600e18, "short value");
        assertEqInt(h.value(0, 2e18, 100), 0, "flat value");
    }

    function _expect(
        int256 size,
        int256 entry,
        int256 realised,
        int256 wantSize,
        int256 wantEntry,
        int256 wantRealised,
        string memory what
    ) internal pure {
        assertEqInt(size, wantSize, string.concat(what, ": size"));
        assertEqInt(entry, wantEntry, string.concat(what, ": entry"));
        assertEqInt(realised, wantRealised, string.concat(what, ": realised"));
    }

    // ================================================================ requirement

    function testFuzz_requirement_roundsUp(int256 sizeRaw, uint256 priceRaw, uint256 multiplierRaw, uint256 bpsRaw)
        public
        view
    {
        int256 size = boundInt(sizeRaw, -1e18, 1e18);
        uint256 price = bound(priceRaw, 0, 1e30);
        uint256 multiplier = bound(multiplierRaw, 0, type(uint32).max);
        uint256 bps = bound(bpsRaw, 0, type(uint16).max);
        uint256 notional = _mag(size) * multiplier * price; // < 2^192, x bps < 2^208
        uint256 result = h.requirement(size, price, multiplier, bps);
        assertGe(result * 10_000, notional * bps, "requirement rounds below");
        if (result > 0) assertLt((result - 1) * 10_000, notional * bps, "requirement more than rounded up");
        else assertEq(notional * bps, 0, "zero requirement for a non-zero notional");
        assertEq(h.requirement(-size, price, multiplier, bps), result, "requirement depends on |size| only");
    }

    function test_requirement_examples() public view {
        // 10 x 100 x 2.00 = 2,000 at 5% = 100.
        assertEq(h.requirement(10, 2e18, 100, 500), 100e18, "5% of 2,000");
        assertEq(h.requirement(-10, 2e18, 100, 500), 100e18, "short: same requirement");
        // 3 wei of notional at 1 bp = 0.0003 wei, rounded up to 1.
        assertEq(h.requirement(3, 1, 1, 1), 1, "rounds up to 1");
        // 20,000 wei at 1 bp = 2 exactly: no extra unit.
        assertEq(h.requirement(20_000, 1, 1, 1), 2, "exact");
        assertEq(h.requirement(20_001, 1, 1, 1), 3, "just above: rounds up");
        assertEq(h.requirement(0, 2e18, 100, 500), 0, "flat");
        assertEq(h.requirement(10, 2e18, 100, 0), 0, "0 bps");
        // notional x bps above 2^256: the 512-bit mulDiv still gives the exact answer.
        // notional = 2^200 x 2^20 x 2^30 = 2^250; 2^250 x 10,000 overflows 256 bits.
        assertEq(h.requirement(int256(2 ** 200), 2 ** 30, 2 ** 20, 10_000), 2 ** 250, "100% of 2^250");
        assertEq(h.requirement(int256(2 ** 200), 2 ** 30, 2 ** 20, 20_000), 2 ** 251, "200% of 2^250");
    }

    // ================================================================ mulDivFloor

    /// @dev Bounded so that a x b fits an int256: floor(a x b / d) by truncating division plus
    /// an explicit correction when the exact quotient is negative and not whole.
    function testFuzz_mulDivFloor_matchesReference(
        uint256 aRaw,
        uint256 bRaw,
        uint256 dRaw,
        uint8 signs,
        uint8 scales
    ) public view {
        int256 a = _signed(aRaw, signs & 1 != 0, scales % 4);
        int256 b = _signed(bRaw, signs & 2 != 0, (scales >> 2) % 4);
        int256 d = _signed(dRaw, signs & 4 != 0, (scales >> 4) % 4);
        if (d == 0) d = signs & 4 != 0 ? int256(-1) : int256(1);

        int256 p = a * b;
        int256 q = p / d;
        if (p % d != 0 && ((p < 0) != (d < 0))) q -= 1;
        assertEqInt(h.mulDivFloor(a, b, d), q, "mulDivFloor");
        // The defining inequality: q x d <= a x b < (q + 1) x d for d > 0 (mirrored for d < 0).
        if (d > 0) {
            assertLeInt(q * d, p, "q x d <= p");
            assertGtInt((q + 1) * d, p, "(q + 1) x d > p");
        }
    }

    /// @dev The magnitude bound picks small values (so quotients are rarely whole), medium, or
    /// up to 2^127 - 1 (so a x b fits).
    function _signed(uint256 raw, bool negative, uint256 scale) internal pure returns (int256) {
        uint256 max = scale == 0 ? 10 : scale == 1 ? 1e6 : scale == 2 ? 1e24 : 2 ** 127 - 1;
        int256 x = int256(bound(raw, 0, max));
        return negative ? -x : x;
    }

    function test_mulDivFloor_signCombinations() public view {
        // 7 x 1 / 2 = 3.5
        assertEqInt(h.mulDivFloor(7, 1, 2), 3, "+ + +");
        assertEqInt(h.mulDivFloor(-7, 1, 2), -4, "- + +");
        assertEqInt(h.mulDivFloor(7, -1, 2), -4, "+ - +");
        assertEqInt(h.mulDivFloor(7, 1, -2), -4, "+ + -");
        assertEqInt(h.mulDivFloor(-7, -1, 2), 3, "- - +");
        assertEqInt(h.mulDivFloor(-7, 1, -2), 3, "- + -");
        assertEqInt(h.mulDivFloor(7, -1, -2), 3, "+ - -");
        assertEqInt(h.mulDivFloor(-7, -1, -2), -4, "- - -");
        // Whole quotients are not moved.
        assertEqInt(h.mulDivFloor(-6, 1, 2), -3, "-6 / 2");
        assertEqInt(h.mulDivFloor(6, -1, -2), 3, "6 x -1 / -2");
        // Zero, whatever the signs.
        assertEqInt(h.mulDivFloor(0, -5, 3), 0, "0 x -5 / 3");
        assertEqInt(h.mulDivFloor(-5, 0, -3), 0, "-5 x 0 / -3");
        // -1/3 floors to -1, 1/3 to 0.
        assertEqInt(h.mulDivFloor(-1, 1, 3), -1, "-1 / 3");
        assertEqInt(h.mulDivFloor(1, 1, 3), 0, "1 / 3");
    }

    /// @dev Products above 2^256 (the 512-bit path), with results that fit an int256.
    function test_mulDivFloor_fullWidthProducts() public view {
        int256 max = type(int256).max; // 2^255 - 1
        assertEqInt(h.mulDivFloor(max, max, max), max, "max x max / max");
        assertEqInt(h.mulDivFloor(max, -max, max), -max, "max x -max / max");
        assertEqInt(h.mulDivFloor(-max, -max, -max), -max, "-max x -max / -max");
        // 2 x max = 2^256 - 2 = 3 k + 2 (2^256 = 1 mod 3), so floor(2 max / 3) = (2^256 - 4) / 3.
        int256 twoThirds = int256((type(uint256).max - 3) / 3);
        assertEqInt(h.mulDivFloor(max, 2, 3), twoThirds, "floor(2 max / 3)");
        assertEqInt(h.mulDivFloor(max, -2, 3), -twoThirds - 1, "floor(-2 max / 3)");
        assertEqInt(h.mulDivFloor(-max, 2, -3), twoThirds, "floor(-2 max / -3)");
        // 2^200 x 2^100 / -2^60 = -2^240 exactly.
        assertEqInt(h.mulDivFloor(int256(2 ** 200), int256(2 ** 100), -int256(2 ** 60)), -int256(2 ** 240), "2^240");
    }

    // ================================================================ divFloor

    /// @dev Against an unsigned reference: floor(a / d) is |a| / d for a >= 0 and
    /// -ceil(|a| / d) for a < 0.
    function testFuzz_divFloor_matchesReference(int256 a, uint256 dRaw, uint8 scale) public view {
        uint256 maxD = scale % 3 == 0 ? 10 : scale % 3 == 1 ? 1e18 : uint256(type(int256).max);
        uint256 d = bound(dRaw, 1, maxD);
        if (scale % 2 == 0) a = boundInt(a, -1e30, 1e30);
        int256 expected;
        if (a >= 0) {
            expected = int256(uint256(a) / d);
        } else {
            uint256 magnitude = uint256(-(a + 1)) + 1; // |a|, also for type(int256).min
            uint256 up = magnitude / d + (magnitude % d == 0 ? 0 : 1);
            expected = up == 2 ** 255 ? type(int256).min : -int256(up);
        }
        int256 got = h.divFloor(a, d);
        assertEqInt(got, expected, "divFloor");
    }

    /// @dev Regression: results beyond int256 used to wrap silently.
    function test_mulDivFloor_reverts_whenResultOverflowsInt256() public {
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintToInt.selector, uint256(type(int256).max) * 2));
        h.mulDivFloor(type(int256).max, 2, 1);
    }

    function test_divFloor_reverts_whenDivisorOverflowsInt256() public {
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintToInt.selector, type(uint256).max));
        h.divFloor(5, type(uint256).max);
    }

    function test_divFloor_examples() public view {
        assertEqInt(h.divFloor(7, 2), 3, "7 / 2");
        assertEqInt(h.divFloor(-7, 2), -4, "-7 / 2");
        assertEqInt(h.divFloor(-6, 2), -3, "-6 / 2");
        assertEqInt(h.divFloor(-1, 1e12), -1, "-1 / 1e12");
        assertEqInt(h.divFloor(1, 1e12), 0, "1 / 1e12");
        assertEqInt(h.divFloor(0, 7), 0, "0 / 7");
        assertEqInt(h.divFloor(type(int256).min, 1), type(int256).min, "min / 1");
        assertEqInt(h.divFloor(type(int256).min, 2), -(2 ** 254), "min / 2");
    }

    function test_abs() public view {
        assertEq(h.abs(-5), 5, "abs(-5)");
        assertEq(h.abs(5), 5, "abs(5)");
        assertEq(h.abs(type(int256).max), uint256(type(int256).max), "abs(max)");
        assertEq(h.abs(-type(int256).max), uint256(type(int256).max), "abs(-max)");
    }

    // ================================================================ helpers

    function _mag(int256 x) internal pure returns (uint256) {
        return x < 0 ? uint256(-x) : uint256(x);
    }
}
