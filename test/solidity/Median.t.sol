// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Median} from "../../contracts/libraries/Median.sol";
import {Test} from "./Vm.sol";

/// @notice Exposes the internal `Median.sortAndTake` (and the array it sorted in place).
contract MedianHarness {
    function sortAndTake(uint256[] memory values) external pure returns (uint256 median, uint256[] memory sorted) {
        median = Median.sortAndTake(values);
        sorted = values;
    }
}

contract MedianTest is Test {
    uint256 internal constant MAX_LEN = 31;
    uint256 internal constant MAX_VALUE = 2 ** 80;

    MedianHarness internal harness;

    function setUp() public {
        harness = new MedianHarness();
    }

    // ------------------------------------------------------------ fuzz

    /// @dev `spread` picks the value range: a tiny one (0..spread) to get many duplicates, or the
    /// full [0, 2^80] range.
    function testFuzz_median_matchesSortedReference(uint256[31] memory raw, uint256 length, uint256 spread)
        public
        view
    {
        uint256 n = bound(length, 1, MAX_LEN);
        uint256 maxValue = bound(spread, 0, 7);
        if (maxValue == 7) maxValue = MAX_VALUE;
        uint256[] memory values = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            values[i] = bound(raw[i], 0, maxValue);
        }

        uint256[] memory expectedSorted = _selectionSorted(values);
        uint256 expected = _medianByRank(values);
        assertEq(
            expected,
            n % 2 == 1 ? expectedSorted[n / 2] : (expectedSorted[n / 2 - 1] + expectedSorted[n / 2]) / 2,
            "reference models disagree"
        );

        (uint256 median, uint256[] memory sorted) = harness.sortAndTake(values);
        assertEq(median, expected, "median");
        assertEq(sorted.length, n, "sorted length");
        for (uint256 i = 0; i < n; ++i) {
            assertEq(sorted[i], expectedSorted[i], string.concat("sorted[", _str(i), "]"));
        }
    }

    // ------------------------------------------------------------ examples

    function test_median_odd_takesMiddle() public view {
        uint256[] memory values = new uint256[](5);
        (values[0], values[1], values[2], values[3], values[4]) = (50, 10, 40, 20, 30);
        (uint256 median,) = harness.sortAndTake(values);
        assertEq(median, 30, "median of 5");
    }

    function test_median_even_floorsMeanOfMiddlePair() public view {
        uint256[] memory values = new uint256[](4);
        (values[0], values[1], values[2], values[3]) = (8, 1, 4, 100);
        (uint256 median,) = harness.sortAndTake(values);
        assertEq(median, 6, "(4 + 8) / 2");
        (values[0], values[1], values[2], values[3]) = (8, 1, 3, 100);
        (median,) = harness.sortAndTake(values);
        assertEq(median, 5, "(3 + 8) / 2 rounds down");
    }

    function test_median_single_isItself() public view {
        uint256[] memory values = new uint256[](1);
        values[0] = MAX_VALUE;
        (uint256 median,) = harness.sortAndTake(values);
        assertEq(median, MAX_VALUE, "single value");
    }

    function test_median_even_maxValuesDoNotOverflow() public view {
        uint256[] memory values = new uint256[](2);
        (values[0], values[1]) = (MAX_VALUE, MAX_VALUE - 1);
        (uint256 median,) = harness.sortAndTake(values);
        assertEq(median, MAX_VALUE - 1, "floor((2^80 + 2^80 - 1) / 2)");
    }

    function test_median_reverts_whenEmpty() public {
        vm.expectRevert(abi.encodeWithSignature("Panic(uint256)", 0x32));
        harness.sortAndTake(new uint256[](0));
    }

    // ------------------------------------------------------------ reference models

    /// @dev Selection sort on a copy.
    function _selectionSorted(uint256[] memory values) internal pure returns (uint256[] memory out) {
        uint256 n = values.length;
        out = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            out[i] = values[i];
        }
        for (uint256 i = 0; i < n; ++i) {
            uint256 min = i;
            for (uint256 j = i + 1; j < n; ++j) {
                if (out[j] < out[min]) min = j;
            }
            (out[i], out[min]) = (out[min], out[i]);
        }
    }

    /// @dev The median without sorting: the k-th smallest value is the x with
    /// #{v < x} <= k < #{v <= x}.
    function _medianByRank(uint256[] memory values) internal pure returns (uint256) {
        uint256 n = values.length;
        if (n % 2 == 1) return _kthSmallest(values, n / 2);
        return (_kthSmallest(values, n / 2 - 1) + _kthSmallest(values, n / 2)) / 2;
    }

    function _kthSmallest(uint256[] memory values, uint256 k) internal pure returns (uint256) {
        for (uint256 i = 0; i < values.length; ++i) {
            uint256 below;
            uint256 atOrBelow;
            for (uint256 j = 0; j < values.length; ++j) {
                if (values[j] < values[i]) ++below;
                if (values[j] <= values[i]) ++atOrBelow;
            }
            if (below <= k && k < atOrBelow) return values[i];
        }
        revert("no k-th smallest");
    }
}
