// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IMarginSource} from "../interfaces/IMarginSource.sol";
import {IMarginVault} from "../interfaces/IMarginVault.sol";

/// @title MarginVault
/// @notice Holds the stablecoin that margins the futures markets. See IMarginVault.
/// @custom:invariant solvency — the vault's token balance is at least the sum of all cash
/// balances plus the insurance fund plus the fee account.
/// @custom:invariant conservation — markets only move cash between accounts, the insurance fund
/// and the fee account; only deposits, insurance funding, withdrawals and fee payouts change
/// the total.
contract MarginVault is IMarginVault, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using SafeCast for int256;

    /// @notice May pay out the fee account.
    bytes32 public constant FEE_MANAGER_ROLE = keccak256("FEE_MANAGER_ROLE");
    /// @notice Markets are consulted on every margin check: their number bounds its gas.
    uint256 public constant MAX_MARKETS = 4;

    IERC20 private immutable _token;

    mapping(address account => int256) private _cash;
    /// @dev Sum of all cash and the fee account, packed in one slot: a trade's fees touch both.
    /// int128 / uint128 hold any amount of a real token (2^127 units); casts are checked.
    struct Totals {
        int128 cash;
        uint128 fees;
    }

    Totals private _totals;
    uint256 private _insuranceFund;
    address[] private _markets;
    mapping(address market => bool) private _isMarket;

    modifier onlyMarket() {
        if (!_isMarket[msg.sender]) revert NotMarket(msg.sender);
        _;
    }

    constructor(IERC20 token_, address admin) {
        if (address(token_) == address(0) || admin == address(0)) revert ZeroAddress();
        _token = token_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(FEE_MANAGER_ROLE, admin);
    }

    // ================================================================ accounts

    /// @inheritdoc IMarginVault
    function token() external view returns (IERC20) {
        return _token;
    }

    /// @inheritdoc IMarginVault
    function deposit(uint256 amount) external nonReentrant {
        _deposit(msg.sender, amount);
    }

    /// @inheritdoc IMarginVault
    function depositFor(address account, uint256 amount) external nonReentrant {
        if (account == address(0)) revert ZeroAddress();
        _deposit(account, amount);
    }

    /// @inheritdoc IMarginVault
    function depositWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        nonReentrant
    {
        // A permit seen in the mempool can be submitted by anyone first; then ours reverts but
        // the allowance is already there, and the deposit should not fail for it.
        // solhint-disable-next-line no-empty-blocks
        try IERC20Permit(address(_token)).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
        _deposit(msg.sender, amount);
    }

    /// @inheritdoc IMarginVault
    function withdraw(uint256 amount, address to) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        if (to == address(0)) revert ZeroAddress();
        AccountMargin memory margin = accountMargin(msg.sender);
        if (margin.openPositions != 0 && margin.indexStale) revert IndexStale(msg.sender);
        if (amount > margin.freeCollateral) {
            revert InsufficientFreeCollateral(msg.sender, amount, margin.freeCollateral);
        }
        int256 signedAmount = amount.toInt256();
        _cash[msg.sender] -= signedAmount;
        _totals.cash -= signedAmount.toInt128();
        emit Withdrawn(msg.sender, to, amount);
        _token.safeTransfer(to, amount);
    }

    /// @inheritdoc IMarginVault
    function fundInsurance(uint256 amount) external nonReentrant {
        uint256 received = _pull(amount);
        _insuranceFund += received;
        emit InsuranceFunded(msg.sender, received);
    }

    function _deposit(address account, uint256 amount) private {
        int256 received = _pull(amount).toInt256();
        _cash[account] += received;
        _totals.cash += received.toInt128();
        emit Deposited(msg.sender, account, amount);
    }

    /// @dev Takes `amount` tokens from the sender and refuses a token that delivers less.
    function _pull(uint256 amount) private returns (uint256) {
        if (amount == 0) revert ZeroAmount();
        uint256 before = _token.balanceOf(address(this));
        _token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = _token.balanceOf(address(this)) - before;
        if (received != amount) revert TransferShortfall(amount, received);
        return amount;
    }

    // ================================================================ reads

    /// @inheritdoc IMarginVault
    function cashOf(address account) external view returns (int256) {
        return _cash[account];
    }

    /// @inheritdoc IMarginVault
    function totalCash() external view returns (int256) {
        return _totals.cash;
    }

    /// @inheritdoc IMarginVault
    function insuranceFund() external view returns (uint256) {
        return _insuranceFund;
    }

    /// @inheritdoc IMarginVault
    function feeBalance() external view returns (uint256) {
        return _totals.fees;
    }

    /// @inheritdoc IMarginVault
    function accountMargin(address account) public view returns (AccountMargin memory margin) {
        int256 cash = _cash[account];
        margin.cash = cash;
        margin.equity = cash;
        int256 withdrawable = cash;
        for (uint256 i = 0; i < _markets.length; ++i) {
            IMarginSource.Margin memory m = IMarginSource(_markets[i]).marginOf(account);
            if (m.openPositions == 0) continue;
            margin.openPositions += m.openPositions;
            margin.equity += m.markValue;
            withdrawable += m.withdrawalValue;
            margin.initialMargin += m.initialMargin;
            margin.maintenanceMargin += m.maintenanceMargin;
            margin.indexStale = margin.indexStale || m.indexStale;
        }
        if (margin.openPositions != 0) {
            withdrawable -= margin.initialMargin.toInt256();
            // With a stale index the position values cannot be trusted: nothing is free.
            if (margin.indexStale) withdrawable = 0;
        }
        margin.freeCollateral = withdrawable > 0 ? uint256(withdrawable) : 0;
    }

    /// @inheritdoc IMarginVault
    function markets() external view returns (address[] memory) {
        return _markets;
    }

    /// @inheritdoc IMarginVault
    function isMarket(address market) external view returns (bool) {
        return _isMarket[market];
    }

    // ================================================================ markets only

    /// @inheritdoc IMarginVault
    function moveCash(address from, address to, uint256 amount) external onlyMarket {
        int256 signedAmount = amount.toInt256();
        _cash[from] -= signedAmount;
        _cash[to] += signedAmount;
        emit CashMoved(msg.sender, from, to, amount);
    }

    /// @inheritdoc IMarginVault
    function chargeFee(address account, uint256 amount) external onlyMarket {
        _cash[account] -= amount.toInt256();
        Totals memory totals = _totals;
        totals.cash -= amount.toInt256().toInt128();
        totals.fees += amount.toUint128();
        _totals = totals;
        emit FeeCharged(msg.sender, account, amount);
    }

    /// @inheritdoc IMarginVault
    function payInsurance(address account, uint256 amount) external onlyMarket {
        _cash[account] -= amount.toInt256();
        _totals.cash -= amount.toInt256().toInt128();
        _insuranceFund += amount;
        emit InsurancePaid(msg.sender, account, amount);
    }

    /// @inheritdoc IMarginVault
    function drawInsurance(address account, uint256 amount) external onlyMarket returns (uint256 drawn) {
        drawn = amount < _insuranceFund ? amount : _insuranceFund;
        _insuranceFund -= drawn;
        _cash[account] += drawn.toInt256();
        _totals.cash += drawn.toInt256().toInt128();
        emit InsuranceDrawn(msg.sender, account, drawn);
    }

    // ================================================================ admin

    /// @inheritdoc IMarginVault
    function registerMarket(IMarginSource market) external onlyRole(DEFAULT_ADMIN_ROLE) {
        address m = address(market);
        if (m == address(0)) revert ZeroAddress();
        if (_isMarket[m]) revert MarketAlreadyRegistered(m);
        if (_markets.length == MAX_MARKETS) revert TooManyMarkets(MAX_MARKETS);
        _isMarket[m] = true;
        _markets.push(m);
        emit MarketRegistered(m);
    }

    /// @inheritdoc IMarginVault
    function deregisterMarket(address market) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!_isMarket[market]) revert MarketNotRegistered(market);
        _isMarket[market] = false;
        uint256 last = _markets.length - 1;
        for (uint256 i = 0; i <= last; ++i) {
            if (_markets[i] == market) {
                _markets[i] = _markets[last];
                _markets.pop();
                break;
            }
        }
        emit MarketDeregistered(market);
    }

    /// @inheritdoc IMarginVault
    function withdrawFees(uint256 amount, address to) external onlyRole(FEE_MANAGER_ROLE) nonReentrant {
        if (amount == 0) revert ZeroAmount();
        if (to == address(0)) revert ZeroAddress();
        uint256 fees = _totals.fees;
        if (amount > fees) revert InsufficientFees(amount, fees);
        _totals.fees = uint128(fees - amount);
        emit FeesWithdrawn(to, amount);
        _token.safeTransfer(to, amount);
    }
}
