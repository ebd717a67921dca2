// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title TestSmartWallet — TEST-ONLY
/// @notice TEST-ONLY CONTRACT. NOT PART OF THE PROTOCOL AND NEVER TO BE DEPLOYED.
/// A minimal EIP-1271 smart-contract wallet owned by one EOA, so the tests can show that the
/// FuturesMarket accepts orders whose trader is a contract: `isValidSignature` accepts a hash
/// signed directly by the owner's key (for an order, the owner signs the order's EIP-712 typed
/// data, whose digest is the hash the market asks about), and `execute` lets the owner make the
/// wallet call anything (approve the token, deposit into / withdraw from the MarginVault, fill
/// or cancel orders on the market).
/// @dev Deliberately simplistic: the signature is not bound to this wallet's address, so two
/// wallets with the same owner would accept each other's signatures. Fine for a test, not for
/// real funds.
contract TestSmartWallet is IERC1271 {
    /// @notice The EOA whose signatures the wallet accepts and who alone may `execute`.
    address public immutable owner;

    error NotOwner(address caller);

    constructor(address owner_) {
        owner = owner_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(hash, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == owner) return IERC1271.isValidSignature.selector;
        return 0xffffffff;
    }

    /// @notice Calls `target` with `data` as the wallet (owner only); bubbles up any revert.
    function execute(address target, bytes calldata data) external returns (bytes memory) {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        return Address.functionCall(target, data);
    }
}
