// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IIndexOracle} from "../interfaces/IIndexOracle.sol";

/// @title RoundLog
/// @notice Builds the data of `IIndexOracle.RoundUpdated` in place while a report is verified,
/// then emits it: no intermediate arrays, no second ABI encoding.
/// @dev The buffer is exactly `abi.encode(value, observedAt, signers, values, inputsHashes)`:
/// five head words (value, observedAt and the three array offsets), then each array as its
/// length followed by `count` words. Every word is written before the log, so the buffer is
/// allocated without zeroing.
library RoundLog {
    /// @notice A buffer for a round with `count` observations.
    function create(uint256 count) internal pure returns (bytes memory data) {
        uint256 stride = (count + 1) * 32; // one array: its length word and its items
        uint256 size = 0xa0 + 3 * stride;
        assembly ("memory-safe") {
            data := mload(0x40)
            mstore(data, size)
            mstore(0x40, add(add(data, 0x20), size))
            let head := add(data, 0x20)
            mstore(add(head, 0x40), 0xa0)
            mstore(add(head, 0x60), add(0xa0, stride))
            mstore(add(head, 0x80), add(0xa0, shl(1, stride)))
            mstore(add(head, 0xa0), count)
            mstore(add(head, add(0xa0, stride)), count)
            mstore(add(head, add(0xa0, shl(1, stride))), count)
        }
    }

    /// @notice Records observation `i` (< count) of the round.
    function record(bytes memory data, uint256 count, uint256 i, address signer, uint256 value, bytes32 inputsHash)
        internal
        pure
    {
        assembly ("memory-safe") {
            // data + 0x20 (length word) + 0xa0 (head) + 0x20 (signers' length word) = data + 0xe0
            let item := add(add(data, 0xe0), shl(5, i))
            let stride := shl(5, add(count, 1))
            mstore(item, signer)
            mstore(add(item, stride), value)
            mstore(add(item, shl(1, stride)), inputsHash)
        }
    }

    /// @notice Emits `RoundUpdated(feed, roundId, value, observedAt, signers, values, inputsHashes)`.
    function emitRound(bytes memory data, bytes32 feed, uint64 roundId, uint256 value, uint256 observedAt) internal {
        bytes32 topic = IIndexOracle.RoundUpdated.selector;
        assembly ("memory-safe") {
            mstore(add(data, 0x20), value)
            mstore(add(data, 0x40), observedAt)
            log3(add(data, 0x20), mload(data), topic, feed, roundId)
        }
    }
}
