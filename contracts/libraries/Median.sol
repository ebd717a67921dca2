// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Median
/// @notice Median of a small array of values (at most a few dozen: one per oracle signer).
/// @dev Insertion sort: for the <= 31 values of a report it costs less than any O(n log n)
/// sort would in the EVM, and it lets the oracle sort values as it verifies them.
library Median {
    /// @notice Inserts `value` into the ascending prefix `sorted[0 .. filled)`, so that
    /// `sorted[0 .. filled]` is ascending. The caller guarantees `filled < sorted.length`.
    function insert(uint256[] memory sorted, uint256 filled, uint256 value) internal pure {
        assembly ("memory-safe") {
            let base := add(sorted, 0x20)
            let j := filled
            // Shift every larger value one place up, from the top of the prefix down.
            for {} gt(j, 0) { j := sub(j, 1) } {
                let previous := mload(add(base, shl(5, sub(j, 1))))
                if iszero(gt(previous, value)) { break }
                mstore(add(base, shl(5, j)), previous)
            }
            mstore(add(base, shl(5, j)), value)
        }
    }

    /// @notice The median of an ascending array: the middle value for an odd count, the mean of
    /// the two middle values rounded down for an even count. Reverts on an empty array.
    function ofSorted(uint256[] memory sorted) internal pure returns (uint256) {
        uint256 n = sorted.length;
        uint256 high = sorted[n / 2]; // reverts (index out of bounds) when empty
        if (n % 2 == 1) return high;
        uint256 low = sorted[n / 2 - 1];
        // floor((low + high) / 2), written so that it cannot overflow (low <= high).
        return low + (high - low) / 2;
    }

    /// @notice Sorts `values` in place (ascending) and returns their median.
    /// Reverts (index out of bounds) on an empty array.
    function sortAndTake(uint256[] memory values) internal pure returns (uint256) {
        // Inserting values[i] into the sorted prefix [0, i) only writes positions <= i, and
        // values[i] was read before: the array sorts itself in place.
        for (uint256 i = 1; i < values.length; ++i) {
            insert(values, i, values[i]);
        }
        return ofSorted(values);
    }
}
