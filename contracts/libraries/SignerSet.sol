// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title SignerSet
/// @notice Stores a list of addresses as the code of a tiny data contract and reads it back
/// with one EXTCODECOPY. Reading n signers then costs one cold account access (2,600 gas)
/// instead of n cold storage reads (2,100 gas each).
/// @dev The data contract's code is a STOP byte followed by the 20-byte addresses, so calling
/// it does nothing. It is deployed with CREATE2 and a zero salt: the same list always lives at
/// the same address, so feeds sharing a signer set share one data contract and a report for
/// several of them reads it once.
library SignerSet {
    /// @dev Creation code prefix: PUSH2 len, DUP1, PUSH1 10, RETURNDATASIZE, CODECOPY,
    /// RETURNDATASIZE, RETURN. It returns the 10th byte onwards as the runtime code.
    bytes10 private constant _PREFIX_BASE = 0x61000080600a3d393df3;

    error SignerSetDeployFailed();

    /// @notice Returns the data contract holding `signers`, deploying it if needed.
    function store(address[] memory signers) internal returns (address pointer) {
        bytes memory runtime = abi.encodePacked(bytes1(0x00), _pack(signers));
        bytes memory creation = abi.encodePacked(
            _PREFIX_BASE | (bytes10(bytes2(uint16(runtime.length))) >> 8), runtime
        );
        pointer = address(
            uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), bytes32(0), keccak256(creation)))))
        );
        if (pointer.code.length != 0) return pointer;
        assembly ("memory-safe") {
            pointer := create2(0, add(creation, 0x20), mload(creation), 0)
        }
        if (pointer == address(0)) revert SignerSetDeployFailed();
    }

    /// @notice Reads back the addresses stored at `pointer`.
    function load(address pointer) internal view returns (address[] memory signers) {
        uint256 count = (pointer.code.length - 1) / 20;
        signers = new address[](count);
        assembly ("memory-safe") {
            // Copy the packed addresses to free memory, then spread them into the array.
            let packed := mload(0x40)
            extcodecopy(pointer, packed, 1, mul(count, 20))
            let out := add(signers, 0x20)
            for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                mstore(add(out, shl(5, i)), shr(96, mload(add(packed, mul(i, 20)))))
            }
        }
    }

    function _pack(address[] memory signers) private pure returns (bytes memory packed) {
        packed = new bytes(signers.length * 20);
        for (uint256 i = 0; i < signers.length; ++i) {
            bytes20 a = bytes20(signers[i]);
            assembly ("memory-safe") {
                mstore(add(add(packed, 0x20), mul(i, 20)), a)
            }
        }
    }
}
