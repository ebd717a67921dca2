// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IIndexOracle} from "../../contracts/interfaces/IIndexOracle.sol";

/// @title Vm
/// @notice The few cheatcodes these tests use, declared by hand (the npm `forge-std` does not
/// work in this project). Hardhat 3's Solidity test runner (EDR) serves them at the standard
/// cheatcode address, with the same semantics as Foundry.
interface Vm {
    function warp(uint256 newTimestamp) external;
    function prank(address msgSender) external;
    function startPrank(address msgSender) external;
    function stopPrank() external;
    function expectRevert() external;
    function expectRevert(bytes4 revertData) external;
    function expectRevert(bytes calldata revertData) external;
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function signCompact(uint256 privateKey, bytes32 digest) external pure returns (bytes32 r, bytes32 vs);
    function addr(uint256 privateKey) external pure returns (address);
    function assume(bool condition) external pure;
    function label(address account, string calldata newLabel) external;
}

/// @title Test
/// @notice A minimal Foundry-style test base: the cheatcode handle, assertions that revert with a
/// labelled message, `bound`, and the invariant target selection the runner reads
/// (`targetContracts()` / `targetSelectors()`).
abstract contract Test {
    /// @dev 0x7109709ECfa91a80626fF3989D68f67F5b1dD12D = address(uint160(uint256(keccak256("hevm cheat code"))))
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    /// @dev What the invariant runner may call: these functions of this contract.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    address[] private _targetedContracts;
    FuzzSelector[] private _targetedSelectors;

    // ------------------------------------------------------------ invariant targets

    function targetContract(address target) internal {
        _targetedContracts.push(target);
    }

    function targetSelector(FuzzSelector memory selector) internal {
        _targetedSelectors.push(selector);
    }

    /// @notice Read by the invariant runner: the only contracts it calls.
    function targetContracts() public view returns (address[] memory) {
        return _targetedContracts;
    }

    /// @notice Read by the invariant runner: the only functions it calls.
    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetedSelectors;
    }

    // ------------------------------------------------------------ assertions

    function fail(string memory message) internal pure {
        revert(message);
    }

    function assertTrue(bool condition, string memory message) internal pure {
        if (!condition) revert(message);
    }

    function assertFalse(bool condition, string memory message) internal pure {
        if (condition) revert(message);
    }

    function assertEq(uint256 a, uint256 b, string memory message) internal pure {
        if (a != b) revert(string.concat(message, ": ", _str(a), " != ", _str(b)));
    }

    function assertEq(address a, address b, string memory message) internal pure {
        if (a != b) revert(string.concat(message, ": ", _str(uint160(a)), " != ", _str(uint160(b))));
    }

    function assertEq(bytes32 a, bytes32 b, string memory message) internal pure {
        if (a != b) revert(string.concat(message, ": ", _str(uint256(a)), " != ", _str(uint256(b))));
    }

    function assertEq(bool a, bool b, string memory message) internal pure {
        if (a != b) revert(string.concat(message, a ? ": true != false" : ": false != true"));
    }

    function assertEq(int256 a, int256 b, string memory message) internal pure {
        if (a != b) revert(string.concat(message, ": ", _strInt(a), " != ", _strInt(b)));
    }

    function assertGe(int256 a, int256 b, string memory message) internal pure {
        if (a < b) revert(string.concat(message, ": ", _strInt(a), " < ", _strInt(b)));
    }

    function assertLt(uint256 a, uint256 b, string memory message) internal pure {
        if (a >= b) revert(string.concat(message, ": ", _str(a), " >= ", _str(b)));
    }

    function assertLe(uint256 a, uint256 b, string memory message) internal pure {
        if (a > b) revert(string.concat(message, ": ", _str(a), " > ", _str(b)));
    }

    function assertGt(uint256 a, uint256 b, string memory message) internal pure {
        if (a <= b) revert(string.concat(message, ": ", _str(a), " <= ", _str(b)));
    }

    function assertGe(uint256 a, uint256 b, string memory message) internal pure {
        if (a < b) revert(string.concat(message, ": ", _str(a), " < ", _str(b)));
    }

    function assertEqInt(int256 a, int256 b, string memory message) internal pure {
        assertEq(a, b, message);
    }

    function assertLeInt(int256 a, int256 b, string memory message) internal pure {
        if (a > b) revert(string.concat(message, ": ", _strInt(a), " > ", _strInt(b)));
    }

    function assertLtInt(int256 a, int256 b, string memory message) internal pure {
        if (a >= b) revert(string.concat(message, ": ", _strInt(a), " >= ", _strInt(b)));
    }

    function assertGeInt(int256 a, int256 b, string memory message) internal pure {
        assertGe(a, b, message);
    }

    function assertGtInt(int256 a, int256 b, string memory message) internal pure {
        if (a <= b) revert(string.concat(message, ": ", _strInt(a), " <= ", _strInt(b)));
    }

    // ------------------------------------------------------------ fuzz helpers

    /// @dev `bound` for signed values: keeps values inside [min, max], maps the rest in.
    function boundInt(int256 x, int256 min, int256 max) internal pure returns (int256) {
        if (x >= min && x <= max) return x;
        uint256 span = uint256(max - min);
        uint256 offset = bound(uint256(x) ^ (1 << 255), 0, span);
        return min + int256(offset);
    }

    /// @dev Maps `x` into [min, max] (inclusive) the way forge-std does: values already inside
    /// are kept, so the fuzzer's boundary values stay boundary values.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        if (x >= min && x <= max) return x;
        uint256 size = max - min + 1; // x outside [min, max]: the range is not the whole domain
        if (x <= 3 && size > x) return min + x;
        if (x >= type(uint256).max - 3 && size > type(uint256).max - x) return max - (type(uint256).max - x);
        if (x > max) {
            uint256 rem = (x - max) % size;
            return rem == 0 ? max : min + rem - 1;
        }
        uint256 remBelow = (min - x) % size;
        return remBelow == 0 ? min : max - remBelow + 1;
    }

    function _strInt(int256 value) internal pure returns (string memory) {
        if (value >= 0) return _str(uint256(value));
        // -(type(int256).min) does not fit an int256; its magnitude does fit a uint256.
        return string.concat("-", _str(uint256(-(value + 1)) + 1));
    }

    function _str(uint256 value) internal pure returns (string memory) {
        if (value == 0) return "0";
        uint256 digits;
        for (uint256 v = value; v != 0; v /= 10) ++digits;
        bytes memory out = new bytes(digits);
        for (; value != 0; value /= 10) out[--digits] = bytes1(uint8(48 + (value % 10)));
        return string(out);
    }
}

/// @title ObservationSigning
/// @notice Signs oracle observations the way a relayer does: the EIP-712 digest from
/// `observationDigest`, signed with `vm.sign`, packed into the EIP-2098 compact (r, vs) form.
library ObservationSigning {
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    function signObservation(
        IIndexOracle oracle,
        bytes32 feed,
        uint256 privateKey,
        uint256 value,
        uint256 observedAt,
        bytes32 inputsHash
    ) internal view returns (IIndexOracle.Observation memory o) {
        bytes32 digest = oracle.observationDigest(feed, value, observedAt, inputsHash);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(privateKey, digest);
        o = IIndexOracle.Observation({
            value: value,
            observedAt: observedAt,
            inputsHash: inputsHash,
            r: r,
            vs: compact(v, s)
        });
    }

    /// @dev EIP-2098: vs = s with the recovery bit (v == 28) in the top bit.
    function compact(uint8 v, bytes32 s) internal pure returns (bytes32) {
        return bytes32(uint256(s) | (v == 28 ? 1 << 255 : 0));
    }

    /// @dev A report for one feed.
    function report(bytes32 feed, IIndexOracle.Observation[] memory observations)
        internal
        pure
        returns (IIndexOracle.FeedReport[] memory reports)
    {
        reports = new IIndexOracle.FeedReport[](1);
        reports[0] = IIndexOracle.FeedReport({feed: feed, observations: observations});
    }
}
