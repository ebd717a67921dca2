// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {IMarginVault} from "../../contracts/interfaces/IMarginVault.sol";
import {MockMarginSource} from "../../contracts/mocks/MockMarginSource.sol";
import {MockUSD} from "../../contracts/mocks/MockUSD.sol";
import {MarginVault} from "../../contracts/vault/MarginVault.sol";
import {Test} from "./Vm.sol";

/// @title VaultHandler
/// @notice Drives a MarginVault with two registered mock markets for the invariant tests:
/// deposits, deposits for others, margin-checked withdrawals of random amounts (many above the
/// free collateral), cash moves, fees, insurance premiums, draws and funding, fee payouts, and
/// random margin reports. It keeps ghost sums of every token that entered or left the vault,
/// and counts withdrawals that succeeded beyond the free collateral reported just before, and
/// refusals no rule explains.
/// @dev With `fail-on-revert` an action must not revert: withdrawals and over-sized fee payouts
/// are tried with try/catch and the refusal is checked against the expected error.
contract VaultHandler is Test {
    uint256 internal constant USD = 1e6;
    /// @dev A million dollars: large enough for many actions, far from any overflow.
    uint256 internal constant MAX_AMOUNT = 1e6 * USD;
    uint256 internal constant N_USERS = 4;

    MarginVault public immutable vault;
    MockUSD public immutable usd;
    MockMarginSource[2] internal markets;
    /// @notice Receives withdrawals and fee payouts; never an account.
    address public constant SINK = address(0x5111C);

    /// @notice Every account whose cash any action may change: the users and the two markets'
    /// own addresses (used as system counterparties of cash moves).
    address[] internal accounts;

    // ------------------------------------------------------------ ghost state

    uint256 public ghostDeposits;
    uint256 public ghostInsuranceFunding;
    uint256 public ghostWithdrawals;
    uint256 public ghostFeePayouts;

    /// @notice A withdrawal that succeeded above the free collateral reported just before it, or
    /// while an index its positions need was stale.
    uint256 public withdrawalViolations;
    /// @notice A refusal of a withdrawal, a fee payout or an insurance draw that no rule
    /// explains, or a result other than the expected one.
    uint256 public unexpectedOutcomes;

    /// @notice Coverage counters.
    uint256 public withdrawalsPaid;
    uint256 public refusedAboveFree;
    uint256 public refusedStale;
    uint256 public refusedVaultShort;
    uint256 public feePayoutsRefused;
    uint256 public feePayoutsVaultShort;

    constructor(MarginVault vault_, MockUSD usd_, MockMarginSource marketA, MockMarginSource marketB) {
        vault = vault_;
        usd = usd_;
        markets[0] = marketA;
        markets[1] = marketB;
        for (uint256 i = 0; i < N_USERS; ++i) {
            accounts.push(address(uint160(0x1000 + i)));
        }
        accounts.push(address(marketA));
        accounts.push(address(marketB));
        usd.approve(address(vault_), type(uint256).max);
    }

    /// @notice Every account the handler may ever touch.
    function allAccounts() external view returns (address[] memory) {
        return accounts;
    }

    // ------------------------------------------------------------ actions

    /// @notice An account deposits tokens it minted.
    function deposit(uint256 who, uint256 amount) external {
        address account = _account(who);
        amount = bound(amount, 1, MAX_AMOUNT);
        usd.mint(account, amount);
        vm.startPrank(account);
        usd.approve(address(vault), amount);
        vault.deposit(amount);
        vm.stopPrank();
        ghostDeposits += amount;
    }

    /// @notice The handler pays a deposit credited to an account.
    function depositFor(uint256 who, uint256 amount) external {
        amount = bound(amount, 1, MAX_AMOUNT);
        usd.mint(address(this), amount);
        vault.depositFor(_account(who), amount);
        ghostDeposits += amount;
    }

    /// @notice An account tries to withdraw a random amount: at or below its free collateral
    /// (it must be paid, unless the vault is short of tokens), or above it (it must be refused).
    function withdraw(uint256 who, uint256 amount, uint256 mode) external {
        address account = _account(who);
        IMarginVault.AccountMargin memory before = vault.accountMargin(account);
        uint256 free = before.freeCollateral;
        mode %= 4;
        if (mode == 0 && free != 0) amount = free; // exactly the limit
        else if (mode == 1) amount = free + 1; // one unit over
        else if (mode == 2 && free != 0) amount = bound(amount, 1, free); // within
        else amount = bound(amount, 1, 2 * free + MAX_AMOUNT); // anything
        uint256 held = usd.balanceOf(address(vault));
        bool stale = before.openPositions != 0 && before.indexStale;

        vm.prank(account);
        try vault.withdraw(amount, SINK) {
            if (amount > free || stale) ++withdrawalViolations;
            if (vault.cashOf(account) != before.cash - int256(amount)) ++unexpectedOutcomes;
            ghostWithdrawals += amount;
            ++withdrawalsPaid;
        } catch (bytes memory reason) {
            bytes32 got = keccak256(reason);
            if (stale) {
                if (got != keccak256(abi.encodeWithSelector(IMarginVault.IndexStale.selector, account))) {
                    ++unexpectedOutcomes;
                }
                ++refusedStale;
            } else if (amount > free) {
                bytes memory want = abi.encodeWithSelector(
                    IMarginVault.InsufficientFreeCollateral.selector, account, amount, free
                );
                if (got != keccak256(want)) ++unexpectedOutcomes;
                ++refusedAboveFree;
            } else if (amount > held) {
                // Free on paper, but other accounts' negative cash means the tokens are not here.
                bytes memory want = abi.encodeWithSelector(
                    IERC20Errors.ERC20InsufficientBalance.selector, address(vault), held, amount
                );
                if (got != keccak256(want)) ++unexpectedOutcomes;
                ++refusedVaultShort;
            } else {
                ++unexpectedOutcomes;
            }
        }
    }

    /// @notice A market moves cash between two accounts; either may go negative.
    function moveCash(uint256 market, uint256 from, uint256 to, uint256 amount) external {
        markets[market % 2].moveCash(_account(from), _account(to), bound(amount, 0, MAX_AMOUNT));
    }

    /// @notice A market charges a fee.
    function chargeFee(uint256 market, uint256 who, uint256 amount) external {
        markets[market % 2].chargeFee(_account(who), bound(amount, 0, MAX_AMOUNT / 100));
    }

    /// @notice A market pays an account's cash into the insurance fund.
    function payInsurance(uint256 market, uint256 who, uint256 amount) external {
        markets[market % 2].payInsurance(_account(who), bound(amount, 0, MAX_AMOUNT / 10));
    }

    /// @notice A market draws up to twice the fund: it gets min(request, fund).
    function drawInsurance(uint256 market, uint256 who, uint256 amount) external {
        uint256 fund = vault.insuranceFund();
        amount = bound(amount, 0, 2 * fund + 1);
        uint256 drawn = markets[market % 2].drawInsurance(_account(who), amount);
        if (drawn != (amount < fund ? amount : fund)) ++unexpectedOutcomes;
    }

    /// @notice Anyone adds tokens to the insurance fund.
    function fundInsurance(uint256 amount) external {
        amount = bound(amount, 1, MAX_AMOUNT);
        usd.mint(address(this), amount);
        vault.fundInsurance(amount);
        ghostInsuranceFunding += amount;
    }

    /// @notice The fee manager (this handler) pays out fees, sometimes more than there are.
    function withdrawFees(uint256 amount, bool over) external {
        uint256 fees = vault.feeBalance();
        if (!over && fees == 0) return;
        amount = over ? fees + bound(amount, 1, MAX_AMOUNT) : bound(amount, 1, fees);
        uint256 held = usd.balanceOf(address(vault));
        try vault.withdrawFees(amount, SINK) {
            if (over) ++unexpectedOutcomes;
            ghostFeePayouts += amount;
        } catch (bytes memory reason) {
            bytes memory want;
            if (over) {
                want = abi.encodeWithSelector(IMarginVault.InsufficientFees.selector, amount, fees);
            } else if (amount > held) {
                // Fees charged to accounts with no cash are backed by their negative balances,
                // not by tokens in the vault.
                want = abi.encodeWithSelector(
                    IERC20Errors.ERC20InsufficientBalance.selector, address(vault), held, amount
                );
                ++feePayoutsVaultShort;
            }
            if (want.length == 0 || keccak256(reason) != keccak256(want)) ++unexpectedOutcomes;
            ++feePayoutsRefused;
        }
    }

    /// @notice A market reports new margin for an account: withdrawal value at most the mark
    /// value, maintenance at most initial margin, a stale index one time in four.
    function setMargin(
        uint256 market,
        uint256 who,
        uint256 positions,
        uint256 mark,
        uint256 haircut,
        uint256 initialMargin,
        uint256 staleSeed
    ) external {
        positions = bound(positions, 0, 3);
        int256 markValue = int256(bound(mark, 0, 2 * MAX_AMOUNT)) - int256(MAX_AMOUNT);
        int256 withdrawalValue = markValue - int256(bound(haircut, 0, MAX_AMOUNT / 2));
        initialMargin = bound(initialMargin, 0, MAX_AMOUNT / 2);
        markets[market % 2].setMargin(
            _account(who), positions, markValue, withdrawalValue, initialMargin, initialMargin / 2, staleSeed % 4 == 0
        );
    }

    // ------------------------------------------------------------ internals

    function _account(uint256 seed) internal view returns (address) {
        return accounts[seed % accounts.length];
    }
}

/// @notice The vault invariants (see MarginVault's @custom:invariant notes), fuzzed through
/// VaultHandler: random sequences of deposits, withdrawals, market cash moves, fees, insurance
/// and margin reports.
/// forge-config: default.invariant.runs = 64
/// forge-config: default.invariant.depth = 100
/// forge-config: default.invariant.fail-on-revert = true
contract MarginVaultInvariantsTest is Test {
    MockUSD internal usd;
    MarginVault internal vault;
    MockMarginSource internal marketA;
    MockMarginSource internal marketB;
    VaultHandler internal handler;

    function setUp() public {
        usd = new MockUSD();
        vault = new MarginVault(usd, address(this));
        marketA = new MockMarginSource(vault);
        marketB = new MockMarginSource(vault);
        vault.registerMarket(marketA);
        vault.registerMarket(marketB);
        handler = new VaultHandler(vault, usd, marketA, marketB);
        vault.grantRole(vault.FEE_MANAGER_ROLE(), address(handler));

        vm.label(address(vault), "MarginVault");
        vm.label(address(usd), "MockUSD");
        vm.label(address(marketA), "marketA");
        vm.label(address(marketB), "marketB");
        vm.label(address(handler), "VaultHandler");
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](10);
        selectors[0] = VaultHandler.deposit.selector;
        selectors[1] = VaultHandler.depositFor.selector;
        selectors[2] = VaultHandler.withdraw.selector;
        selectors[3] = VaultHandler.moveCash.selector;
        selectors[4] = VaultHandler.chargeFee.selector;
        selectors[5] = VaultHandler.payInsurance.selector;
        selectors[6] = VaultHandler.drawInsurance.selector;
        selectors[7] = VaultHandler.fundInsurance.selector;
        selectors[8] = VaultHandler.withdrawFees.selector;
        selectors[9] = VaultHandler.setMargin.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @notice The vault holds at least what it owes (exactly, as MockUSD takes no fee), and
    /// totalCash is the sum of every account's cash.
    function invariant_solvency() public view {
        int256 held = int256(usd.balanceOf(address(vault)));
        int256 owed = vault.totalCash() + int256(vault.insuranceFund()) + int256(vault.feeBalance());
        assertGe(held, owed, "balance >= totalCash + insuranceFund + feeBalance");
        assertEq(held, owed, "balance == totalCash + insuranceFund + feeBalance (no transfer fee)");

        address[] memory accounts = handler.allAccounts();
        int256 sum;
        for (uint256 i = 0; i < accounts.length; ++i) {
            sum += vault.cashOf(accounts[i]);
        }
        assertEq(vault.totalCash(), sum, "totalCash == sum of cashOf over every touched account");
        assertEq(vault.cashOf(handler.SINK()), int256(0), "the payout sink holds no cash");
    }

    /// @notice Only deposits, insurance funding, withdrawals and fee payouts change what the
    /// vault owes; markets only move it around.
    function invariant_conservation() public view {
        int256 owed = vault.totalCash() + int256(vault.insuranceFund()) + int256(vault.feeBalance());
        int256 net = int256(handler.ghostDeposits() + handler.ghostInsuranceFunding())
            - int256(handler.ghostWithdrawals() + handler.ghostFeePayouts());
        assertEq(owed, net, "totalCash + insuranceFund + feeBalance == in - out");
    }

    /// @notice No withdrawal ever paid more than the free collateral reported just before it,
    /// nor anything while a needed index was stale; every refusal had its documented reason.
    function invariant_noWithdrawalBeyondFreeCollateral() public view {
        assertEq(handler.withdrawalViolations(), 0, "a withdrawal beyond free collateral succeeded");
        assertEq(handler.unexpectedOutcomes(), 0, "an unexplained refusal or a wrong result");
    }
}
