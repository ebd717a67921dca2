// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {IMarginVault} from "../../contracts/interfaces/IMarginVault.sol";
import {FeeOnTransferToken} from "../../contracts/mocks/FeeOnTransferToken.sol";
import {MockMarginSource} from "../../contracts/mocks/MockMarginSource.sol";
import {MockUSD} from "../../contracts/mocks/MockUSD.sol";
import {MarginVault} from "../../contracts/vault/MarginVault.sol";
import {Test} from "./Vm.sol";

/// @notice Unit and fuzz tests of the MarginVault: the free-collateral boundary computed here
/// from the margin the mock markets report, ERC-2612 permit deposits signed with `vm.sign`
/// (including the front-run permit), the capped insurance draw, cash moves that keep the total,
/// and the fee-on-transfer refusal. Every refusal is asserted with its exact error and arguments.
contract MarginVaultTest is Test {
    uint256 internal constant USD = 1e6;
    /// @dev Bounds on fuzzed amounts and position values: a trillion dollars.
    uint256 internal constant MAX_AMOUNT = 1e12 * USD;
    bytes32 internal constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");
    uint256 internal constant T0 = 1_700_000_000;

    MockUSD internal usd;
    MarginVault internal vault;
    MockMarginSource internal marketA;
    MockMarginSource internal marketB;

    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);
    address internal sink = address(0x5111C);
    /// @dev Deposits enough that no withdrawal in these tests is short of tokens.
    address internal whale = address(0x3A1E);
    uint256 internal ownerKey = uint256(keccak256("margin-vault permit owner"));
    address internal owner;

    function setUp() public {
        vm.warp(T0);
        usd = new MockUSD();
        vault = new MarginVault(usd, address(this));
        marketA = new MockMarginSource(vault);
        marketB = new MockMarginSource(vault);
        vault.registerMarket(marketA);
        vault.registerMarket(marketB);
        owner = vm.addr(ownerKey);
        vm.label(address(vault), "MarginVault");
        vm.label(address(usd), "MockUSD");
        vm.label(address(marketA), "marketA");
        vm.label(address(marketB), "marketB");
        _deposit(whale, 4 * MAX_AMOUNT);
    }

    // ------------------------------------------------------------ deposits and withdrawals

    function testFuzz_depositThenWithdrawAll_returnsEveryToken(uint256 amount) public {
        amount = bound(amount, 1, MAX_AMOUNT);
        _deposit(alice, amount);
        assertEq(vault.cashOf(alice), int256(amount), "cash after deposit");

        vm.prank(alice);
        vault.withdraw(amount, alice);
        assertEq(usd.balanceOf(alice), amount, "alice got every token back");
        assertEq(vault.cashOf(alice), int256(0), "cash after withdrawal");
        _assertBacked();
    }

    function testFuzz_withdraw_refusesOneUnitAboveFreeCollateral(
        uint256 cash,
        int256 withdrawalValue,
        uint256 initialMargin,
        uint256 positions
    ) public {
        cash = bound(cash, 1, MAX_AMOUNT);
        withdrawalValue = _boundInt(withdrawalValue, MAX_AMOUNT);
        initialMargin = bound(initialMargin, 0, MAX_AMOUNT);
        positions = bound(positions, 1, 5);
        _deposit(alice, cash);
        marketA.setMargin(alice, positions, withdrawalValue, withdrawalValue, initialMargin, initialMargin / 2, false);

        int256 expected = int256(cash) + withdrawalValue - int256(initialMargin);
        uint256 free = expected > 0 ? uint256(expected) : 0;
        assertEq(vault.accountMargin(alice).freeCollateral, free, "accountMargin.freeCollateral");

        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginVault.InsufficientFreeCollateral.selector, alice, free + 1, free)
        );
        vault.withdraw(free + 1, sink);

        if (free == 0) return;
        vm.prank(alice);
        vault.withdraw(free, sink);
        assertEq(usd.balanceOf(sink), free, "the whole free collateral was paid");
        assertEq(vault.cashOf(alice), int256(cash) - int256(free), "cash after withdrawal");
        _assertBacked();
    }

    function testFuzz_withdraw_sumsTwoMarkets(int256 wvA, int256 wvB, uint256 imA, uint256 imB) public {
        uint256 cash = 1_000 * USD;
        wvA = _boundInt(wvA, MAX_AMOUNT);
        wvB = _boundInt(wvB, MAX_AMOUNT);
        imA = bound(imA, 0, MAX_AMOUNT);
        imB = bound(imB, 0, MAX_AMOUNT);
        _deposit(alice, cash);
        marketA.setMargin(alice, 1, wvA + 1, wvA, imA, imA, false);
        marketB.setMargin(alice, 2, wvB, wvB, imB, 0, false);

        int256 expected = int256(cash) + wvA + wvB - int256(imA) - int256(imB);
        uint256 free = expected > 0 ? uint256(expected) : 0;
        IMarginVault.AccountMargin memory m = vault.accountMargin(alice);
        assertEq(m.freeCollateral, free, "freeCollateral");
        assertEq(m.equity, int256(cash) + wvA + 1 + wvB, "equity");
        assertEq(m.initialMargin, imA + imB, "initialMargin");
        assertEq(m.maintenanceMargin, imA, "maintenanceMargin");
        assertEq(m.openPositions, 3, "openPositions");

        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginVault.InsufficientFreeCollateral.selector, alice, free + 1, free)
        );
        vault.withdraw(free + 1, sink);
    }

    function testFuzz_withdraw_unrealisedProfitIsNotFree(uint256 profit) public {
        profit = bound(profit, 1, MAX_AMOUNT);
        _deposit(alice, 1_000 * USD);
        // A long bought for 600 of the cash, now marked `profit` higher.
        marketA.moveCash(alice, bob, 600 * USD);
        int256 entry = int256(600 * USD);
        marketA.setMargin(alice, 1, entry + int256(profit), entry, 100 * USD, 50 * USD, false);

        uint256 free = 400 * USD + 600 * USD - 100 * USD;
        assertEq(vault.accountMargin(alice).freeCollateral, free, "profit excluded from freeCollateral");
        assertEq(vault.accountMargin(alice).equity, int256(1_000 * USD + profit), "profit counted in equity");
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginVault.InsufficientFreeCollateral.selector, alice, free + profit, free)
        );
        vault.withdraw(free + profit, sink);
    }

    function testFuzz_withdraw_staleIndexBlocksOnlyWithPositions(uint256 cash, uint256 positions, bool freshElsewhere)
        public
    {
        cash = bound(cash, 1, MAX_AMOUNT);
        positions = bound(positions, 0, 3);
        _deposit(alice, cash);
        marketA.setMargin(alice, positions, 0, 0, 0, 0, true);
        // Maybe a fresh position in the market registered after it, worth nothing, needing nothing.
        if (freshElsewhere) marketB.setMargin(alice, 1, 0, 0, 0, 0, false);

        vm.prank(alice);
        if (positions != 0) {
            vm.expectRevert(abi.encodeWithSelector(IMarginVault.IndexStale.selector, alice));
            vault.withdraw(1, sink);
            assertEq(vault.accountMargin(alice).freeCollateral, 0, "nothing free while stale");
        } else {
            vault.withdraw(cash, sink);
            assertEq(usd.balanceOf(sink), cash, "whole cash withdrawn: the stale market holds no position");
        }
    }

    function testFuzz_deposit_feeOnTransferTokenIsRefused(uint256 amount) public {
        amount = bound(amount, 1, MAX_AMOUNT);
        FeeOnTransferToken fot = new FeeOnTransferToken();
        MarginVault fotVault = new MarginVault(fot, address(this));
        fot.mint(alice, amount);
        vm.prank(alice);
        fot.approve(address(fotVault), amount);

        uint256 fee = amount / 100;
        vm.prank(alice);
        if (fee != 0) {
            vm.expectRevert(
                abi.encodeWithSelector(IMarginVault.TransferShortfall.selector, amount, amount - fee)
            );
            fotVault.deposit(amount);
        } else {
            // Under 100 units the token takes no fee, so the vault gets the whole amount.
            fotVault.deposit(amount);
            assertEq(fotVault.cashOf(alice), int256(amount), "credited in full");
            assertEq(fot.balanceOf(address(fotVault)), amount, "received in full");
        }
    }

    // ------------------------------------------------------------ permits

    function testFuzz_depositWithPermit_signedByOwner(uint256 amount) public {
        amount = bound(amount, 1, MAX_AMOUNT);
        usd.mint(owner, amount);
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(ownerKey, owner, amount, deadline);

        vm.prank(owner);
        vault.depositWithPermit(amount, deadline, v, r, s);
        assertEq(vault.cashOf(owner), int256(amount), "credited");
        assertEq(usd.nonces(owner), 1, "permit used");
        assertEq(usd.allowance(owner, address(vault)), 0, "allowance spent");
    }

    function test_depositWithPermit_succeedsAfterFrontRunPermit() public {
        uint256 amount = 250 * USD;
        usd.mint(owner, amount);
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(ownerKey, owner, amount, deadline);
        vm.prank(bob);
        usd.permit(owner, address(vault), amount, deadline, v, r, s);

        vm.prank(owner);
        vault.depositWithPermit(amount, deadline, v, r, s);
        assertEq(vault.cashOf(owner), int256(amount), "credited despite the used permit");
        assertEq(usd.balanceOf(owner), 0, "tokens taken once");
    }

    function test_depositWithPermit_wrongSignerAndNoAllowance_failsWithTokenError() public {
        uint256 amount = 250 * USD;
        usd.mint(owner, amount);
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(ownerKey + 1, owner, amount, deadline);

        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(vault), 0, amount)
        );
        vault.depositWithPermit(amount, deadline, v, r, s);
    }

    // ------------------------------------------------------------ market moves

    function testFuzz_moveCash_keepsTotalAndMayGoNegative(uint256 start, uint256 amount) public {
        start = bound(start, 0, MAX_AMOUNT);
        amount = bound(amount, 0, MAX_AMOUNT);
        if (start != 0) _deposit(alice, start);
        int256 total = vault.totalCash();

        marketB.moveCash(alice, bob, amount);
        assertEq(vault.cashOf(alice), int256(start) - int256(amount), "from");
        assertEq(vault.cashOf(bob), int256(amount), "to");
        assertEq(vault.totalCash(), total, "totalCash unchanged");
        _assertBacked();
    }

    function testFuzz_drawInsurance_cappedAtFund(uint256 fund, uint256 request) public {
        fund = bound(fund, 0, MAX_AMOUNT);
        request = bound(request, 0, 2 * MAX_AMOUNT);
        if (fund != 0) {
            usd.mint(address(this), fund);
            usd.approve(address(vault), fund);
            vault.fundInsurance(fund);
        }

        uint256 drawn = marketA.drawInsurance(alice, request);
        uint256 expected = request < fund ? request : fund;
        assertEq(drawn, expected, "drawn = min(request, fund)");
        assertEq(vault.insuranceFund(), fund - expected, "fund after the draw");
        assertEq(vault.cashOf(alice), int256(expected), "account credited with what was drawn");
        _assertBacked();
    }

    function testFuzz_chargeFeeAndPayInsurance_moveCashOutOfTheTotal(uint256 fee, uint256 premium) public {
        fee = bound(fee, 0, MAX_AMOUNT);
        premium = bound(premium, 0, MAX_AMOUNT);
        int256 total = vault.totalCash();
        marketA.chargeFee(alice, fee);
        marketB.payInsurance(alice, premium);
        assertEq(vault.cashOf(alice), -int256(fee) - int256(premium), "account debited");
        assertEq(vault.totalCash(), total - int256(fee) - int256(premium), "totalCash");
        assertEq(vault.feeBalance(), fee, "feeBalance");
        assertEq(vault.insuranceFund(), premium, "insuranceFund");
        _assertBacked();
    }

    function test_marketOnly_refusesOthers() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.NotMarket.selector, alice));
        vault.moveCash(whale, alice, 1);
    }

    function test_registerMarket_refusesAFifth() public {
        vault.registerMarket(new MockMarginSource(vault));
        vault.registerMarket(new MockMarginSource(vault));
        MockMarginSource fifth = new MockMarginSource(vault);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.TooManyMarkets.selector, 4));
        vault.registerMarket(fifth);
    }

    // ------------------------------------------------------------ helpers

    function _deposit(address account, uint256 amount) internal {
        usd.mint(account, amount);
        vm.startPrank(account);
        usd.approve(address(vault), amount);
        vault.deposit(amount);
        vm.stopPrank();
    }

    function _signPermit(uint256 key, address holder, uint256 value, uint256 deadline)
        internal
        view
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        bytes32 structHash =
            keccak256(abi.encode(PERMIT_TYPEHASH, holder, address(vault), value, usd.nonces(holder), deadline));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", usd.DOMAIN_SEPARATOR(), structHash));
        return vm.sign(key, digest);
    }

    /// @dev `x` mapped into [-max, max].
    function _boundInt(int256 x, uint256 max) internal pure returns (int256) {
        uint256 u = bound(uint256(x), 0, 2 * max);
        return int256(u) - int256(max);
    }

    function _assertBacked() internal view {
        int256 owed = vault.totalCash() + int256(vault.insuranceFund()) + int256(vault.feeBalance());
        assertEq(int256(usd.balanceOf(address(vault))), owed, "vault balance == what it owes");
    }
}
