// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title MockUSD — TEST-ONLY
/// @notice A USD stablecoin stand-in for local chains and tests: 6 decimals like USDC, ERC-2612
/// permit, and a mint that ANYONE may call. Never deploy it where a real stablecoin exists.
contract MockUSD is ERC20, ERC20Permit {
    constructor() ERC20("Mock USD (test only)", "mUSD") ERC20Permit("Mock USD (test only)") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Mints `amount` to `to`. Test-only: unrestricted on purpose.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
