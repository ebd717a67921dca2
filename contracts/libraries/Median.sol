// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Median
/// @notice Median of a small array of values (at most a few dozen: one per oracle signer).
library Median {
    /// @notice Sorts `values` in place (ascending) and returns their median: the middle value
    /// for an odd count, the mean of the two middle values rounded down for an even count.
    /// @dev Insertion sort: for the <= 31 values of a report it costs less than any
    /// O(n log n) sort would in the EVM. Reverts (index out of bounds) on an empty array.
    function sortAndTake(uint256[] memory values) internal pure returns (uint256) {
        uint256 n = values.length;
        for (uint256 i = 1; i < n; ++i) {
            uint256 key = values[i];
            uint256 j = i;
            while (j > 0 && values[j - 1] > key) {
                values[j] = values[j - 1];
                --j;
            }
            values[j] = key;
        }
        uint256 mid = n / 2;
        if (n % 2 == 1) return values[mid];
        // Both middle values are <= MAX_VALUE (2^80) in the oracle, so the sum cannot overflow.
        return (values[mid - 1] + values[mid]) / 2;
    }
}
