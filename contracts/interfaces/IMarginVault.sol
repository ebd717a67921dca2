// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IMarginSource} from "./IMarginSource.sol";

/// @title IMarginVault
/// @notice Custody of the USD stablecoin that margins every market. Accounts hold signed cash
/// balances in token units; registered markets move cash between accounts, the insurance fund
/// and the fee account, and never create or destroy it. Only deposits and withdrawals change
/// the total, so the vault always holds at least what it owes. See docs/market.md.
/// @dev Cash can be negative: a long position's cost is paid in cash when it is bought (the
/// dYdX model), so an account's equity is its cash plus the mark value of its positions.
interface IMarginVault {
    /// @notice An account's margin across every registered market.
    /// @param cash the account's cash balance
    /// @param equity cash plus the mark value of all positions
    /// @param freeCollateral what the account may withdraw now: cash plus the withdrawal value
    /// of its positions minus their initial margin, floored at zero (zero when an index is stale
    /// and the account holds positions)
    struct AccountMargin {
        int256 cash;
        int256 equity;
        uint256 initialMargin;
        uint256 maintenanceMargin;
        uint256 openPositions;
        uint256 freeCollateral;
        bool indexStale;
    }

    // ---------------------------------------------------------------- events

    event Deposited(address indexed payer, address indexed account, uint256 amount);
    event Withdrawn(address indexed account, address indexed to, uint256 amount);
    event CashMoved(address indexed market, address indexed from, address indexed to, uint256 amount);
    event FeeCharged(address indexed market, address indexed account, uint256 amount);
    event InsurancePaid(address indexed market, address indexed account, uint256 amount);
    event InsuranceDrawn(address indexed market, address indexed account, uint256 amount);
    event InsuranceFunded(address indexed payer, uint256 amount);
    event FeesWithdrawn(address indexed to, uint256 amount);
    event MarketRegistered(address indexed market);
    event MarketDeregistered(address indexed market);

    // ---------------------------------------------------------------- errors

    error ZeroAmount();
    error ZeroAddress();
    /// @notice The token delivered less than it was asked to move (a fee-on-transfer token).
    error TransferShortfall(uint256 expected, uint256 received);
    error InsufficientFreeCollateral(address account, uint256 requested, uint256 available);
    /// @notice A margin-checked withdrawal while an index the account's positions need is stale.
    error IndexStale(address account);
    error NotMarket(address caller);
    error MarketAlreadyRegistered(address market);
    error MarketNotRegistered(address market);
    error TooManyMarkets(uint256 maxMarkets);
    error InsufficientFees(uint256 requested, uint256 available);

    // ---------------------------------------------------------------- accounts

    /// @notice The collateral token, fixed at deployment.
    function token() external view returns (IERC20);

    /// @notice Credits `amount` tokens taken from the sender to the sender's account.
    function deposit(uint256 amount) external;

    /// @notice Credits `amount` tokens taken from the sender to `account`.
    function depositFor(address account, uint256 amount) external;

    /// @notice `deposit` after an ERC-2612 permit signed by the sender. If the permit was
    /// already used (front-run), the deposit still goes through when the allowance suffices.
    function depositWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;

    /// @notice Pays `amount` of the sender's free collateral to `to`. With no open position the
    /// whole positive cash balance is free, whatever the state of oracles and markets.
    function withdraw(uint256 amount, address to) external;

    /// @notice Adds `amount` tokens from the sender to the insurance fund.
    function fundInsurance(uint256 amount) external;

    // ---------------------------------------------------------------- reads

    function cashOf(address account) external view returns (int256);

    /// @notice Sum of all account cash balances.
    function totalCash() external view returns (int256);

    function insuranceFund() external view returns (uint256);

    function feeBalance() external view returns (uint256);

    /// @notice The account's margin summed over every registered market.
    function accountMargin(address account) external view returns (AccountMargin memory);

    function markets() external view returns (address[] memory);

    function isMarket(address market) external view returns (bool);

    // ---------------------------------------------------------------- markets only

    /// @notice Moves `amount` cash from one account to another (trade cash flows, settlement,
    /// a liquidator's share of a penalty). Either side may go negative.
    function moveCash(address from, address to, uint256 amount) external;

    /// @notice Moves `amount` cash from an account to the fee account.
    function chargeFee(address account, uint256 amount) external;

    /// @notice Moves `amount` cash from an account to the insurance fund.
    function payInsurance(address account, uint256 amount) external;

    /// @notice Moves up to `amount` from the insurance fund to an account (to cover its bad
    /// debt) and returns what was moved: less when the fund is smaller.
    function drawInsurance(address account, uint256 amount) external returns (uint256 drawn);

    // ---------------------------------------------------------------- admin

    /// @notice Lets `market` move cash and counts its positions in every margin check.
    function registerMarket(IMarginSource market) external;

    /// @notice Removes a market. The admin must only do so once no account holds positions in it.
    function deregisterMarket(address market) external;

    /// @notice Pays out collected fees (fee manager).
    function withdrawFees(uint256 amount, address to) external;
}
