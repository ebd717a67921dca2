// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IMarginSource} from "../interfaces/IMarginSource.sol";
import {IMarginVault} from "../interfaces/IMarginVault.sol";

/// @title MockMarginSource — TEST-ONLY
/// @notice TEST-ONLY CONTRACT. NOT PART OF THE PROTOCOL AND NEVER TO BE DEPLOYED.
/// A stand-in for a futures market registered with the MarginVault: the margin it reports for
/// each account is whatever the test last set (no positions, prices or oracle behind it), and
/// anyone may make it move cash in the vault. Once registered, it lets a test act as a market.
contract MockMarginSource is IMarginSource {
    /// @notice The vault this stand-in forwards its market calls to.
    IMarginVault public immutable vault;

    mapping(address account => Margin) private _margin;

    constructor(IMarginVault vault_) {
        vault = vault_;
    }

    // ------------------------------------------------------------ margin set by the test

    /// @notice Sets every field the market reports for `account`. Unrestricted on purpose.
    function setMargin(
        address account,
        uint256 openPositions,
        int256 markValue,
        int256 withdrawalValue,
        uint256 initialMargin,
        uint256 maintenanceMargin,
        bool indexStale
    ) external {
        _margin[account] = Margin({
            openPositions: openPositions,
            markValue: markValue,
            withdrawalValue: withdrawalValue,
            initialMargin: initialMargin,
            maintenanceMargin: maintenanceMargin,
            indexStale: indexStale
        });
    }

    /// @notice Sets only the stale flag of `account`.
    function setIndexStale(address account, bool indexStale) external {
        _margin[account].indexStale = indexStale;
    }

    /// @notice Forgets `account`'s margin (no positions).
    function clearMargin(address account) external {
        delete _margin[account];
    }

    /// @inheritdoc IMarginSource
    function marginOf(address account) external view returns (Margin memory) {
        return _margin[account];
    }

    // ------------------------------------------------------------ market calls, forwarded

    /// @notice Calls `vault.moveCash` as this market. Unrestricted on purpose.
    function moveCash(address from, address to, uint256 amount) external {
        vault.moveCash(from, to, amount);
    }

    /// @notice Calls `vault.chargeFee` as this market. Unrestricted on purpose.
    function chargeFee(address account, uint256 amount) external {
        vault.chargeFee(account, amount);
    }

    /// @notice Calls `vault.payInsurance` as this market. Unrestricted on purpose.
    function payInsurance(address account, uint256 amount) external {
        vault.payInsurance(account, amount);
    }

    /// @notice Calls `vault.drawInsurance` as this market and returns what was drawn.
    function drawInsurance(address account, uint256 amount) external returns (uint256 drawn) {
        return vault.drawInsurance(account, amount);
    }
}
