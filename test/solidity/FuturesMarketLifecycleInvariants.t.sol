// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {console} from "hardhat/console.sol";

import {IFuturesMarket} from "../../contracts/interfaces/IFuturesMarket.sol";
import {IIndexOracle} from "../../contracts/interfaces/IIndexOracle.sol";
import {IMarginVault} from "../../contracts/interfaces/IMarginVault.sol";
import {FuturesMarket} from "../../contracts/market/FuturesMarket.sol";
import {MockUSD} from "../../contracts/mocks/MockUSD.sol";
import {IndexOracle} from "../../contracts/oracle/IndexOracle.sol";
import {MarginVault} from "../../contracts/vault/MarginVault.sol";
import {MarketHandlerBase, MarketTestBase} from "./MarketTestBase.sol";

/// @dev Cheatcodes this file needs beyond test/solidity/Vm.sol, served at the same address with
/// Foundry's semantics: recordLogs starts recording events afresh, getRecordedLogs returns (and
/// drains) what was recorded; the handler reads back the events of each call it makes this way.
interface LifecycleVm {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory logs);
}

/// @title LifecycleHandler
/// @notice Drives one FuturesMarket series through its whole life for the lifecycle invariant
/// tests: five traders with modest deposits trade at real leverage (signed maker orders near the
/// index, filled by another trader or crossed with its signed order), the index moves (within the feed's circuit breaker when 3 of
/// the 4 relayers sign, by 10-40% when all 4 sign: a crash), time passes, a random liquidator
/// (one of the traders or a well-funded keeper) liquidates, the deleverager (the handler holds
/// DELEVERAGER_ROLE) closes accounts in debt beyond the insurance fund against opposite positions,
/// the test funds the insurance fund, traders deposit and withdraw. After PHASE_AT calls the
/// series heads for expiry: trading closes, index rounds are pushed through the settlement window,
/// settleSeries is tried (and retried while refused), the keeper deleverages in the hour before
/// accounts may settle (and again before every settlement call), and accounts settle one by one
/// or in keeper batches, in random order.
/// @dev With `fail-on-revert` no action may revert: every call the market or the vault may
/// refuse is made in try/catch, and the handler predicts the refusal with its exact arguments
/// (or, for a margin refusal, checks that the named side and its numbers justify it). The
/// events of every successful trade, liquidation and settlement are read back (recordLogs) and
/// checked against the handler's own model: the liquidated size, the penalty split, the cash of
/// the liquidated account, BadDebt's parts, each deleveraging's closed size, price, deficit share
/// and cash moves, the settlement price (the TWAP recomputed from the rounds the handler pushed),
/// each AccountSettled's cash and realised PnL. Every mismatch is a ghost counter the invariants
/// require to stay zero.
contract LifecycleHandler is MarketHandlerBase {
    LifecycleVm internal constant VMX = LifecycleVm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    /// @dev WAD per token unit (6-decimal MockUSD).
    uint256 internal constant SCALE = 1e12;
    /// @notice Accounts that may hold positions: the five traders and the keeper.
    uint256 public constant N_ACCOUNTS = 6;
    uint256 public constant KEEPER = 5;
    uint256 public constant N_RELAYERS = 4;
    /// @notice 2f + 1 with f = 1: a report of 3 of the 4 relayers, held to the circuit breaker.
    uint256 public constant QUORUM = 3;
    /// @notice Calls after which the series heads for expiry (advanceLifecycle acts, jumpTime
    /// steps towards expiry); before, time stays three hours short of the last trading time.
    uint256 public constant PHASE_AT = 65;
    uint256 internal constant MIN_INDEX = 0.2e18;
    uint256 internal constant MAX_INDEX = 20e18;
    // SINK (MarketHandlerBase) is also put in settlement batches (skipped).

    bytes32 public series;
    address public pool;
    uint256 public expiry;
    uint256 public lastTradingTime;
    uint256 public windowStart;
    uint256 internal mult;
    uint256 internal tick;
    uint256 internal imBps;
    uint256 internal penaltyBps;
    uint256 internal shareBps;

    mapping(address trader => uint256) internal nextNonce;

    /// @dev Every stored round (block time, value): the model of the oracle's TWAP.
    uint256[] internal roundTimes;
    uint256[] internal roundValues;

    // ------------------------------------------------------------ ghost state: cash
    // (also MarketHandlerBase: ghostDeposits, ghostWithdrawals)

    uint256 public ghostInsuranceFunding;

    // ------------------------------------------------------------ ghost state: violations
    // (also MarketHandlerBase: withdrawalViolations (a withdrawal paid above the free collateral
    // reported just before it), unexpectedOutcomes (a read after an action that disagrees with
    // the handler's model: stored index, cash), lastUnexpected (the revert data or predicted
    // refusal of the last unexpected outcome))

    /// @notice A liquidation that succeeded although vault.accountMargin, read just before,
    /// showed equity >= maintenance margin.
    uint256 public liquidatedAboveMaintenance;
    /// @notice An attempt on an account at or above maintenance margin (every earlier check
    /// passing) that was not refused with NotLiquidatable(account, equity, mm) exactly.
    uint256 public notLiquidatableMismatches;
    /// @notice A liquidation that moved the full amount the market allows (the fewest contracts
    /// back to initial margin) and left a position whose equity is below initial margin.
    uint256 public partialBelowInitial;
    /// @notice A liquidation whose size, mark, penalty split, cash or insurance movement differs
    /// from the documented formulas.
    uint256 public liquidationMismatches;
    /// @notice A liquidation refusal no rule explains.
    uint256 public unexpectedLiquidationRefusals;
    /// @notice A BadDebt whose parts do not add up, whose uncovered part is not the account's
    /// remaining negative cash, whose coverage is not min(debt, fund), or that fired for an
    /// account still holding a position.
    uint256 public badDebtMismatches;
    /// @notice A liquidation that left the account without a position and with negative cash,
    /// and no BadDebt.
    uint256 public silentLiquidationBadDebts;
    /// @notice A settlement that left the account without a position and with negative cash,
    /// and no BadDebt (see the test contract: today a settled long).
    uint256 public silentSettlementBadDebts;
    /// @notice A settleSeries / settleAccount(s) outcome that differs from the model (price,
    /// event fields, cash moves, pool, skipped accounts).
    uint256 public settlementMismatches;
    uint256 public unexpectedSettlementRefusals;
    uint256 public unexpectedTradeRefusals;
    uint256 public unexpectedTradeSuccesses;
    uint256 public unexpectedWithdrawRefusals;
    /// @notice A deleveraging whose closed size, positions, price, deficit share (PositionDeleveraged
    /// against the handler's pro-rata recomputation), cash of either side, insurance draw or fee
    /// dust differs from the model; a successful deleveraging the model says must be refused; a
    /// BadDebt after one; an account whose last position closed not left at exactly zero cash.
    uint256 public deleverageMismatches;
    /// @notice A deleveraging refusal other than the exact one predicted.
    uint256 public unexpectedDeleverageRefusals;
    /// @notice A settlement that left uncovered debt on an account that, right before the call
    /// (after the keeper's pass), was bankrupt beyond the fund with a position and not certified
    /// undeleverageable (every opposite counterparty refusing one contract with
    /// CounterpartyWouldBeBankrupt): debt a counterparty could have taken over.
    uint256 public deleverageableDebtsSettled;
    /// @notice A liquidation that left uncovered debt: the market only liquidates an account whose
    /// debt the fund covers, and caps the liquidator's share at what equity + fund can bear, so
    /// once the positions are gone the fund must cover everything (docs/market.md).
    uint256 public liquidationUncoveredDebts;

    // ------------------------------------------------------------ ghost state: PnL and settlement

    /// @notice Sum of every realised PnL the market reported for the series (PositionChanged of
    /// every trade and liquidation, AccountSettled of every settlement), WAD.
    int256 public lifetimeRealised;
    bool public seriesSettled;
    uint256 public settlementPrice;
    mapping(address account => int256) public sizeAtSettle;
    mapping(address account => int256) public entryAtSettle;
    mapping(address account => bool) public accountSettled;
    /// @notice Accounts with a position when the series settled, and those of them settled so far.
    uint256 public accountsToSettle;
    uint256 public accountsSettled;
    uint256 public longsAtSettle;
    uint256 public settledLongs;
    /// @notice Sums over settled accounts: sizes, values at the settlement price, AccountSettled
    /// realised PnL, entry notionals just before settling, the model's realised PnL
    /// (size x multiplier x price - entry), AccountSettled cash.
    int256 public settledSizeSum;
    int256 public settledValueSum;
    int256 public settledRealisedSum;
    int256 public settledEntrySum;
    int256 public modelRealisedSum;
    int256 public settledCashSum;

    // ------------------------------------------------------------ coverage counters
    // (also MarketHandlerBase: calls, indexMoves, timeJumps, depositsOk, withdrawalsOk,
    // withdrawalsRefused, refusals by selector)

    uint256 public tradesOk;
    uint256 public matchedTrades;
    uint256 public contractsTraded;
    uint256 public tradeRefusals;
    uint256 public marginRefusals;
    uint256 public tradingClosedRefusals;
    uint256 public crashes;
    uint256 public lifecycleSteps;
    uint256 public liquidationsOk;
    uint256 public partialLiquidations;
    uint256 public partialChecked;
    uint256 public fullLiquidations;
    uint256 public liquidationRefusals;
    uint256 public notLiquidatableRefusals;
    uint256 public liquidatorMarginRefusals;
    uint256 public badDebts;
    uint256 public uncoveredBadDebts;
    uint256 public settlementBadDebts;
    uint256 public settleSeriesOk;
    uint256 public settleSeriesRefused;
    uint256 public settleCallsOk;
    /// @notice Settlements within the delay window (accounts whose debt the fund covered).
    uint256 public earlyDebtorSettlements;
    uint256 public settleRefusals;
    uint256 public insuranceFundings;
    uint256 public needsDeleveragingRefusals;
    uint256 public deleveragesOk;
    uint256 public deleveragedContracts;
    /// @notice Deleveragings that closed the bankrupt account's last position (cash left at 0).
    uint256 public deleveragedToZero;
    uint256 public deleveragesAfterSettle;
    uint256 public deleverageRefusals;
    uint256 public counterpartyBankruptRefusals;
    uint256 public keeperPasses;
    uint256 public keeperDeleverages;
    /// @notice Keeper sweeps that ended with every opposite counterparty refusing one contract.
    uint256 public certifications;
    /// @notice Sum of the deficit shares counterparties paid (token units).
    uint256 public deficitSharesPaid;
    /// @notice Uncovered settlement debt of certified (undeleverageable) accounts.
    uint256 public undeleverageableDebts;
    /// @notice Uncovered settlement debt of an account the fund covered when the call started but
    /// that earlier accounts of the same settleAccounts batch drained (see the test contract).
    uint256 public batchDrainedDebts;
    uint256 public settlementNotOpenRefusals;

    // ------------------------------------------------------------ ghost state: debt and keeper

    /// @notice Uncovered debt reported by BadDebt events and not yet repaid by deposits, per
    /// account: a flat account's negative cash must be exactly this.
    mapping(address account => uint256) public reportedDebt;
    uint256 public ghostUncoveredReported;
    uint256 public ghostDebtRepaid;
    /// @notice Block time of settleSeries and the first second accounts may settle.
    uint256 public settledAt;
    uint256 public opensAt;
    uint256 internal settlementDelay;
    /// @notice Longs closed by deleveraging after settleSeries (they never settle).
    uint256 public longsDeleveragedAfterSettle;
    /// @dev The keeper's pass counter, and the pass in which each account was last certified
    /// undeleverageable.
    uint256 internal keeperEpoch;
    mapping(address account => uint256) internal certifiedEpoch;

    constructor(
        FuturesMarket market_,
        MarginVault vault_,
        IndexOracle oracle_,
        MockUSD usd_,
        bytes32 feed_,
        uint256[] memory relayerKeys_,
        uint256[] memory accountKeys_
    ) MarketHandlerBase(market_, vault_, oracle_, usd_, feed_, relayerKeys_, accountKeys_) {
        require(relayerKeys_.length == N_RELAYERS && accountKeys_.length == N_ACCOUNTS, "key counts");
    }

    // ------------------------------------------------------------ set-up (not fuzzed)

    /// @notice Stores the first round of the feed (every relayer signs).
    function startFeed(uint256 initialIndex) external {
        _report(initialIndex, true, 0);
        clock = block.timestamp;
    }

    function setSeries(bytes32 id) external {
        series = id;
        pool = market.settlementPool(id);
        IFuturesMarket.SeriesParams memory p = market.seriesParams(id);
        expiry = p.expiry;
        lastTradingTime = p.lastTradingTime;
        windowStart = p.expiry - p.settlementWindow;
        mult = p.multiplier;
        tick = p.tickSize;
        imBps = p.initialMarginBps;
        penaltyBps = p.liquidationPenaltyBps;
        shareBps = p.liquidatorShareBps;
        settlementDelay = market.ACCOUNT_SETTLEMENT_DELAY();
    }

    /// @notice Funds account `i` and deposits `amount` for it.
    function fundAccount(uint256 i, uint256 amount) external {
        _deposit(accountList[i], amount);
    }

    /// @notice The test's initial insurance fund.
    function seedInsurance(uint256 amount) external {
        _fundInsurance(amount);
    }

    // ------------------------------------------------------------ reads for the invariants

    function accounts() external view returns (address[] memory) {
        return accountList;
    }

    /// @notice Every account that held a position when the series settled has settled.
    function allSettled() public view returns (bool) {
        return seriesSettled && accountsSettled == accountsToSettle;
    }

    /// @notice Accounts with a position whose equity is below their maintenance margin.
    function underwaterAccounts() external view returns (uint256 n) {
        for (uint256 i = 0; i < N_ACCOUNTS; ++i) {
            if (_underwater(accountList[i])) ++n;
        }
    }

    /// @notice The settlement price the oracle's rules give for the rounds the handler stored.
    function modelTwap() public view returns (uint256) {
        return _twap(windowStart, expiry);
    }

    // ------------------------------------------------------------ actions: trading

    /// @dev A trade attempt and what the handler read just before it.
    struct Trade {
        uint256 makerIx;
        uint256 takerIx;
        address maker;
        address taker;
        uint96 price;
        uint96 through;
        uint64 size;
        bool makerBuys;
        bool makerReducing;
        bool takerReducing;
        int256 makerEquity;
        uint256 makerMaintenance;
        int256 takerEquity;
        uint256 takerMaintenance;
        bytes want;
    }

    /// @notice A trader signs a maker order near the index; another trader takes all of it with
    /// `fill`. Three times in four the size is about what the poorer side's free collateral
    /// allows at initial margin (60% to 115% of it: leverage is real, some are refused), else 1
    /// to 10 contracts.
    function trade(uint256 seed, uint256 size, uint256 priceBps) external advancing {
        _trade(_rand(seed, "trade"), size, priceBps, false);
    }

    /// @notice As `trade`, but the taker signs a crossing order too (its limit at or through the
    /// maker's price) and a matcher crosses the two with `matchOrders`.
    function matchTrade(uint256 seed, uint256 size, uint256 priceBps) external advancing {
        _trade(_rand(seed, "match"), size, priceBps, true);
    }

    function _trade(uint256 seed, uint256 size, uint256 priceBps, bool matched) internal {
        Trade memory t;
        (t.makerIx, t.takerIx) = _pair(seed);
        t.maker = accountList[t.makerIx];
        t.taker = accountList[t.takerIx];
        t.makerBuys = _rand(seed, "side") % 2 == 0;
        t.price = _price(priceBps);
        t.size = _tradeSize(seed, size, t.maker, t.taker, t.price);
        t.through = uint96(((seed >> 128) % 3) * tick);

        int256 makerDelta = t.makerBuys ? int256(uint256(t.size)) : -int256(uint256(t.size));
        t.makerReducing = _reducing(market.positionOf(t.maker, series).size, makerDelta);
        t.takerReducing = _reducing(market.positionOf(t.taker, series).size, -makerDelta);
        IMarginVault.AccountMargin memory m = vault.accountMargin(t.maker);
        (t.makerEquity, t.makerMaintenance) = (m.equity, m.maintenanceMargin);
        m = vault.accountMargin(t.taker);
        (t.takerEquity, t.takerMaintenance) = (m.equity, m.maintenanceMargin);
        if (block.timestamp >= lastTradingTime) {
            t.want = abi.encodeWithSelector(IFuturesMarket.TradingClosed.selector, series, lastTradingTime);
        }

        VMX.recordLogs();
        (bool ok, bytes memory reason) = matched ? _callMatch(t) : _callFill(t);
        LifecycleVm.Log[] memory logs = VMX.getRecordedLogs();
        if (!ok) {
            _onTradeRefusal(t, reason);
            return;
        }
        _readPositionChanges(logs);
        if (t.want.length != 0) {
            ++unexpectedTradeSuccesses;
            lastUnexpected = t.want;
        }
        ++tradesOk;
        if (matched) ++matchedTrades;
        contractsTraded += t.size;
    }

    /// @dev The taker fills the maker's signed order.
    function _callFill(Trade memory t) internal returns (bool ok, bytes memory reason) {
        IFuturesMarket.Order memory maker = _order(t.maker, t.makerBuys, t.size, t.price);
        bytes memory makerSignature = _signOrder(accountKeys[t.makerIx], maker);
        vm.prank(t.taker);
        try market.fill(maker, makerSignature, t.size) {
            ok = true;
        } catch (bytes memory r) {
            reason = r;
        }
    }

    /// @dev A matcher crosses the maker's order with the taker's, whose limit is 0 to 2 ticks
    /// through the maker's price.
    function _callMatch(Trade memory t) internal returns (bool ok, bytes memory reason) {
        IFuturesMarket.Order memory maker = _order(t.maker, t.makerBuys, t.size, t.price);
        bytes memory makerSignature = _signOrder(accountKeys[t.makerIx], maker);
        uint96 limit = t.makerBuys ? t.price - t.through : t.price + t.through;
        IFuturesMarket.Order memory taker = _order(t.taker, !t.makerBuys, t.size, limit);
        bytes memory takerSignature = _signOrder(accountKeys[t.takerIx], taker);
        try market.matchOrders(maker, makerSignature, taker, takerSignature, t.size) {
            ok = true;
        } catch (bytes memory r) {
            reason = r;
        }
    }

    /// @dev A plain order (no flags) of `trader` living an hour, with its next nonce.
    function _order(address trader, bool isBuy, uint64 size, uint96 limitPrice)
        internal
        returns (IFuturesMarket.Order memory)
    {
        return IFuturesMarket.Order({
            trader: trader,
            series: series,
            isBuy: isBuy,
            size: size,
            limitPrice: limitPrice,
            expiry: uint64(block.timestamp + 1 hours),
            nonce: nextNonce[trader]++,
            flags: 0
        });
    }

    function _onTradeRefusal(Trade memory t, bytes memory reason) internal {
        bytes4 selector = bytes4(reason);
        ++refusals[selector];
        ++tradeRefusals;
        if (t.want.length != 0) {
            if (keccak256(reason) != keccak256(t.want)) _unexpectedTrade(reason);
            else ++tradingClosedRefusals;
            return;
        }
        if (
            selector == IFuturesMarket.InsufficientMargin.selector
                || selector == IFuturesMarket.MarginRatioWorse.selector
        ) {
            Side memory maker = Side(t.maker, t.makerReducing, t.makerEquity, t.makerMaintenance);
            Side memory taker = Side(t.taker, t.takerReducing, t.takerEquity, t.takerMaintenance);
            if (!_marginRefusalJustified(selector, reason, maker, taker)) _unexpectedTrade(reason);
            ++marginRefusals;
        } else if (selector == IFuturesMarket.StaleIndex.selector && oracle.isStale(feed)) {
            // Only a risk-increasing side needs a fresh index.
            if (t.makerReducing && t.takerReducing) _unexpectedTrade(reason);
        } else {
            _unexpectedTrade(reason);
        }
    }

    // ------------------------------------------------------------ actions: liquidation

    /// @dev A liquidation attempt and what the handler read just before it.
    struct Liq {
        address account;
        address liquidator;
        uint64 requested;
        int256 position;
        IMarginVault.AccountMargin m;
        uint256 mark;
        bool stale;
        /// @dev The most the market may move: the fewest contracts back to initial margin, or
        /// the whole position.
        uint256 most;
        uint256 expected;
        bool liquidatorReducing;
        int256 liquidatorEquity;
        uint256 liquidatorMaintenance;
        int256 cashBefore;
        uint256 insuranceBefore;
        bytes want;
    }

    /// @notice A random liquidator (one time in three the keeper, else any other account; now
    /// and then the account itself) liquidates: three times in four an account below its
    /// maintenance margin if there is one, else any account. Half the time it asks for
    /// everything (the market moves what it allows), else for 1 contract to the position (or 3
    /// more), rarely for nothing.
    function liquidate(uint256 accountSeed, uint256 liquidatorSeed, uint256 size, uint256 mode)
        external
        advancing
    {
        Liq memory l;
        uint256 r = _rand(accountSeed, "liquidate");
        uint256 ai = mode % 4 == 0 ? r % N_ACCOUNTS : _pickUnderwater(r);
        uint256 li;
        if (mode % 16 == 5) li = ai;
        else if (liquidatorSeed % 3 == 0) li = ai == KEEPER ? 0 : KEEPER;
        else li = (ai + 1 + _rand(liquidatorSeed, "liquidator") % (N_ACCOUNTS - 1)) % N_ACCOUNTS;
        l.account = accountList[ai];
        l.liquidator = accountList[li];
        l.position = market.positionOf(l.account, series).size;
        uint256 held = _abs(l.position);
        uint256 sizeMode = (mode >> 4) % 4;
        if (mode % 29 == 3) l.requested = 0;
        else if (sizeMode < 2) l.requested = type(uint64).max;
        else if (sizeMode == 2 || held == 0) l.requested = uint64(bound(size, 1, held + 3));
        else l.requested = uint64(bound(size, 1, held));

        l.m = vault.accountMargin(l.account);
        (, l.stale) = oracle.latestValue(feed);
        l.mark = market.seriesState(series).markPrice;
        l.cashBefore = vault.cashOf(l.account);
        l.insuranceBefore = vault.insuranceFund();
        l.want = _predictLiquidation(l);
        if (l.want.length == 0) {
            l.most = _liquidatableSize(l);
            l.expected = l.requested < l.most ? l.requested : l.most;
            int256 liquidatorDelta = l.position > 0 ? int256(l.expected) : -int256(l.expected);
            l.liquidatorReducing = _reducing(market.positionOf(l.liquidator, series).size, liquidatorDelta);
            IMarginVault.AccountMargin memory lm = vault.accountMargin(l.liquidator);
            (l.liquidatorEquity, l.liquidatorMaintenance) = (lm.equity, lm.maintenanceMargin);
        }

        VMX.recordLogs();
        vm.prank(l.liquidator);
        try market.liquidate(l.account, series, l.requested) returns (uint64 moved) {
            _onLiquidation(l, moved, VMX.getRecordedLogs());
        } catch (bytes memory reason) {
            VMX.getRecordedLogs();
            _onLiquidationRefusal(l, reason);
        }
    }

    /// @dev The market's refusal, in its order of checks, or "" when the account is liquidatable
    /// (then only the liquidator's margin may refuse).
    function _predictLiquidation(Liq memory l) internal view returns (bytes memory) {
        if (l.account == l.liquidator) return abi.encodeWithSelector(IFuturesMarket.SelfTrade.selector, l.account);
        if (l.requested == 0) return abi.encodeWithSelector(IFuturesMarket.ZeroSize.selector);
        if (block.timestamp >= expiry) {
            return abi.encodeWithSelector(IFuturesMarket.LiquidationClosed.selector, series, expiry);
        }
        if (l.stale) return abi.encodeWithSelector(IFuturesMarket.StaleIndex.selector, feed);
        if (l.position == 0) return abi.encodeWithSelector(IFuturesMarket.NoPosition.selector, l.account, series);
        if (l.m.indexStale) return abi.encodeWithSelector(IFuturesMarket.StalePositionIndex.selector, l.account);
        if (l.m.equity >= int256(l.m.maintenanceMargin)) {
            return abi.encodeWithSelector(
                IFuturesMarket.NotLiquidatable.selector, l.account, l.m.equity, l.m.maintenanceMargin
            );
        }
        // A debt beyond the insurance fund is deleveraged, not liquidated.
        if (l.m.equity < 0 && uint256(-l.m.equity) > l.insuranceBefore) {
            return abi.encodeWithSelector(
                IFuturesMarket.NeedsDeleveraging.selector, l.account, l.m.equity, l.insuranceBefore
            );
        }
        return "";
    }

    /// @dev docs/market.md: relief = floor(multiplier x mark x (IM - penalty) bps / 10,000 /
    /// scale) per contract; at most ceil((IM - equity) / (relief - 4)) contracts, the whole
    /// position if that is more or relief <= 4.
    function _liquidatableSize(Liq memory l) internal view returns (uint256) {
        uint256 held = _abs(l.position);
        uint256 relief = Math.mulDiv(mult * l.mark, imBps - penaltyBps, BPS * SCALE);
        if (relief <= 4) return held;
        uint256 deficit = uint256(int256(l.m.initialMargin) - l.m.equity);
        uint256 needed = Math.ceilDiv(deficit, relief - 4);
        return needed < held ? needed : held;
    }

    /// @dev What a BadDebt event said.
    struct BadDebtSeen {
        bool seen;
        uint256 debt;
        uint256 covered;
        uint256 uncovered;
    }

    function _onLiquidation(Liq memory l, uint64 moved, LifecycleVm.Log[] memory logs) internal {
        ++liquidationsOk;
        if (l.want.length != 0) {
            if (bytes4(l.want) == IFuturesMarket.NotLiquidatable.selector) ++notLiquidatableMismatches;
            else ++liquidationMismatches;
            lastUnexpected = l.want;
            _readPositionChanges(logs);
            return;
        }
        if (l.m.equity >= int256(l.m.maintenanceMargin)) ++liquidatedAboveMaintenance;
        if (moved != l.expected) ++liquidationMismatches;
        Penalty memory pen = _readLiquidationLogs(l, moved, logs);

        // The account's cash: it sold (long) at the floor or bought (short) at the ceiling of the
        // notional, paid the (capped) penalty, then got what the insurance fund covered.
        int256 cashAfterTrade = l.cashBefore - int256(pen.charged)
            + (l.position > 0 ? int256(pen.notional / SCALE) : -int256(Math.ceilDiv(pen.notional, SCALE)));
        int256 positionAfter = market.positionOf(l.account, series).size;
        int256 cashAfter = vault.cashOf(l.account);
        if (positionAfter != l.position + (l.position > 0 ? -int256(uint256(moved)) : int256(uint256(moved)))) {
            ++liquidationMismatches;
        }
        _checkBadDebt(
            l.account, pen.bd, cashAfterTrade, cashAfter, l.insuranceBefore + pen.toInsurance, positionAfter
        );
        if (pen.bd.uncovered != 0) {
            ++liquidationUncoveredDebts;
            lastUnexpected = abi.encode(l.account, pen.bd.debt, pen.bd.covered, pen.bd.uncovered);
        }
        if (vault.insuranceFund() != l.insuranceBefore + pen.toInsurance - pen.bd.covered) ++liquidationMismatches;

        if (positionAfter == 0) {
            ++fullLiquidations;
            if (cashAfter < 0 && !pen.bd.seen) ++silentLiquidationBadDebts;
        } else {
            ++partialLiquidations;
            // The market moved all it may: the account must be back at initial margin.
            if (moved == l.most) {
                ++partialChecked;
                IMarginVault.AccountMargin memory m = vault.accountMargin(l.account);
                if (m.equity < int256(m.initialMargin)) ++partialBelowInitial;
            }
        }
    }

    /// @dev A liquidation's notional, penalty and insurance part, and the BadDebt it reported.
    struct Penalty {
        uint256 notional;
        uint256 penalty;
        /// @dev What the account paid: the liquidator's (capped) share and the insurance part.
        uint256 charged;
        uint256 toInsurance;
        BadDebtSeen bd;
    }

    /// @dev Reads a liquidation's events: PositionChanged (books realised PnL), PositionLiquidated
    /// (checked: account, liquidator, size, mark, penalty split per docs/market.md: the
    /// liquidator's share capped at what the account's equity and the fund can bear, less 4
    /// units; the insurance part uncapped) and BadDebt.
    function _readLiquidationLogs(Liq memory l, uint64 moved, LifecycleVm.Log[] memory logs)
        internal
        returns (Penalty memory pen)
    {
        pen.notional = uint256(moved) * mult * l.mark;
        pen.penalty = Math.mulDiv(pen.notional, penaltyBps, BPS * SCALE, Math.Rounding.Ceil);
        uint256 share = pen.penalty * shareBps / BPS;
        int256 bearable = l.m.equity + int256(l.insuranceBefore) - 4;
        uint256 toLiquidator = bearable <= 0 ? 0 : share < uint256(bearable) ? share : uint256(bearable);
        pen.toInsurance = pen.penalty - share;
        pen.charged = toLiquidator + pen.toInsurance;
        bool eventSeen;
        for (uint256 i = 0; i < logs.length; ++i) {
            LifecycleVm.Log memory log = logs[i];
            if (log.emitter != address(market)) continue;
            bytes32 topic = log.topics[0];
            if (topic == IFuturesMarket.PositionChanged.selector) {
                (,, int256 realised) = abi.decode(log.data, (int256, int256, int256));
                lifetimeRealised += realised;
            } else if (topic == IFuturesMarket.PositionLiquidated.selector) {
                (uint256 size, uint256 mark, uint256 toL, uint256 toI) =
                    abi.decode(log.data, (uint256, uint256, uint256, uint256));
                eventSeen = true;
                if (
                    address(uint160(uint256(log.topics[1]))) != l.account || log.topics[2] != series
                        || address(uint160(uint256(log.topics[3]))) != l.liquidator || size != moved
                        || mark != l.mark || toL != toLiquidator || toI != pen.toInsurance
                ) ++liquidationMismatches;
            } else if (topic == IFuturesMarket.BadDebt.selector) {
                if (address(uint160(uint256(log.topics[1]))) != l.account || pen.bd.seen) ++badDebtMismatches;
                pen.bd.seen = true;
                (pen.bd.debt, pen.bd.covered, pen.bd.uncovered) = abi.decode(log.data, (uint256, uint256, uint256));
            }
        }
        if (!eventSeen) ++liquidationMismatches;
    }

    /// @dev A BadDebt (if any) must be for an account left without positions whose cash before
    /// the draw was -debt; covered = min(debt, fund), uncovered = debt - covered, and the account
    /// is left with exactly -uncovered (booked as the account's reported debt). Without BadDebt the
    /// cash is what the move left.
    function _checkBadDebt(
        address account,
        BadDebtSeen memory bd,
        int256 cashBeforeDraw,
        int256 cashAfter,
        uint256 fund,
        int256 positionAfter
    ) internal {
        if (!bd.seen) {
            if (cashAfter != cashBeforeDraw) ++badDebtMismatches;
            return;
        }
        ++badDebts;
        if (bd.uncovered != 0) ++uncoveredBadDebts;
        // A flat account with negative cash can neither trade nor be traded with: it had no
        // reported debt left before this one.
        if (reportedDebt[account] != 0) ++badDebtMismatches;
        reportedDebt[account] += bd.uncovered;
        ghostUncoveredReported += bd.uncovered;
        uint256 coverable = bd.debt < fund ? bd.debt : fund;
        if (
            positionAfter != 0 || cashBeforeDraw >= 0 || bd.debt != uint256(-cashBeforeDraw)
                || bd.covered + bd.uncovered != bd.debt || bd.covered != coverable
                || cashAfter != -int256(bd.uncovered)
        ) {
            ++badDebtMismatches;
            lastUnexpected = abi.encode(bd.debt, bd.covered, bd.uncovered, cashBeforeDraw, cashAfter);
        }
    }

    function _onLiquidationRefusal(Liq memory l, bytes memory reason) internal {
        bytes4 selector = bytes4(reason);
        ++refusals[selector];
        ++liquidationRefusals;
        if (l.want.length != 0) {
            if (keccak256(reason) == keccak256(l.want)) {
                if (selector == IFuturesMarket.NotLiquidatable.selector) ++notLiquidatableRefusals;
                if (selector == IFuturesMarket.NeedsDeleveraging.selector) ++needsDeleveragingRefusals;
                return;
            }
            if (bytes4(l.want) == IFuturesMarket.NotLiquidatable.selector) ++notLiquidatableMismatches;
            else ++unexpectedLiquidationRefusals;
            lastUnexpected = reason;
            return;
        }
        // The account is liquidatable: only the liquidator's margin may refuse.
        if (
            selector == IFuturesMarket.InsufficientMargin.selector
                || selector == IFuturesMarket.MarginRatioWorse.selector
        ) {
            Side memory liquidator =
                Side(l.liquidator, l.liquidatorReducing, l.liquidatorEquity, l.liquidatorMaintenance);
            if (_marginRefusalJustified(selector, reason, liquidator, liquidator)) {
                ++liquidatorMarginRefusals;
                return;
            }
        }
        ++unexpectedLiquidationRefusals;
        lastUnexpected = reason;
    }

    // ------------------------------------------------------------ actions: deleveraging

    /// @dev A deleveraging attempt and what the handler read just before it.
    struct Delev {
        address account;
        address counterparty;
        bytes32 id;
        uint64 requested;
        int256 position;
        int256 opposite;
        uint256 closed;
        /// @dev The reference price: the settlement price once fixed, else the mark.
        uint256 price;
        bool stale;
        int256 equity;
        bool indexStale;
        uint256 insurance;
        int256 cash;
        int256 cpCash;
        uint256 fees;
        DelevOutcome o;
        bytes want;
    }

    /// @dev What a deleveraging of `closed` contracts does, by the model.
    struct DelevOutcome {
        uint256 share;
        uint256 dust;
        int256 cashAfter;
        int256 cpCashAfter;
        int256 cpEquityAfter;
    }

    /// @notice One time in four the keeper's pass (every bankrupt account against every opposite
    /// position, as much as each counterparty can take); else one deleveraging, by the
    /// deleverager role the test granted the handler: three times in four of a bankrupt account
    /// if there is one (else an account under water, else any), against an account holding an
    /// opposite position three times in four (else any other, now and then itself), for
    /// everything, what the counterparty can take, 1 contract to the position (or 3 more), rarely
    /// nothing; one time in 32 in an unknown series.
    function deleverage(uint256 accountSeed, uint256 counterpartySeed, uint256 size, uint256 mode)
        external
        advancing
    {
        if (mode % 4 == 0) {
            _keeperPass();
            return;
        }
        Delev memory d;
        uint256 r = _rand(accountSeed, "deleverage");
        uint256 ai = mode % 8 == 1 ? r % N_ACCOUNTS : _pickBankrupt(r);
        d.account = accountList[ai];
        if (mode % 16 == 5) {
            d.counterparty = d.account;
        } else if (counterpartySeed % 4 == 0) {
            uint256 other = _rand(counterpartySeed, "counterparty") % (N_ACCOUNTS - 1);
            d.counterparty = accountList[(ai + 1 + other) % N_ACCOUNTS];
        } else {
            d.counterparty = accountList[_pickOpposite(ai, _rand(counterpartySeed, "opposite"))];
        }
        d.id = mode % 32 == 7 ? keccak256("no such series") : series;
        _readDelev(d);
        uint256 held = _abs(d.position);
        uint256 sizeMode = (mode >> 5) % 4;
        if (mode % 29 == 3) _setRequested(d, 0);
        else if (sizeMode == 0) _setRequested(d, type(uint64).max);
        else if (sizeMode == 1) _setAffordable(d);
        else if (sizeMode == 2 || held == 0) _setRequested(d, uint64(bound(size, 1, held + 3)));
        else _setRequested(d, uint64(bound(size, 1, held)));
        _callDeleverage(d);
    }

    /// @notice The keeper's pass, for the coverage test.
    function keeperDeleverage() external advancing {
        _keeperPass();
    }

    /// @dev For every bankrupt account: against each account holding an opposite position, all
    /// it can close; when that is refused CounterpartyWouldBeBankrupt, the most contracts the
    /// model says the counterparty can take (at least one). Until the account is no longer
    /// bankrupt or a whole sweep makes no progress. A sweep in which every counterparty refused
    /// one contract with CounterpartyWouldBeBankrupt (or none held an opposite position)
    /// certifies the account undeleverageable for this pass. Every deleveraging pays the whole
    /// insurance fund to its account, which can leave another account's debt beyond the emptied
    /// fund: the keeper sweeps the accounts again until a sweep deleverages nothing.
    function _keeperPass() internal {
        ++keeperEpoch;
        ++keeperPasses;
        for (uint256 sweep = 0; sweep < 4; ++sweep) {
            bool acted;
            for (uint256 a = 0; a < N_ACCOUNTS; ++a) {
                if (_keeperDeleverage(accountList[a])) acted = true;
            }
            if (!acted) return;
        }
    }

    /// @dev Returns whether a deleveraging succeeded.
    function _keeperDeleverage(address account) internal returns (bool acted) {
        for (uint256 round = 0; round < 16; ++round) {
            if (!_bankrupt(account)) return acted;
            bool progress;
            bool certified = true;
            for (uint256 c = 0; c < N_ACCOUNTS; ++c) {
                if (accountList[c] == account) continue;
                Delev memory d;
                (d.account, d.counterparty, d.id) = (account, accountList[c], series);
                _readDelev(d);
                if (d.opposite == 0 || (d.opposite > 0) == (d.position > 0)) continue;
                uint256 all = _abs(d.opposite) < _abs(d.position) ? _abs(d.opposite) : _abs(d.position);
                _setRequested(d, uint64(all));
                bool ok = _callDeleverage(d);
                bytes4 cannotPay = IFuturesMarket.CounterpartyWouldBeBankrupt.selector;
                if (!ok && all > 1 && bytes4(d.want) == cannotPay) {
                    _setAffordable(d); // the refusal changed nothing: what was read still holds
                    ok = _callDeleverage(d);
                }
                if (ok) {
                    progress = true;
                    acted = true;
                    ++keeperDeleverages;
                    if (!_bankrupt(account)) return true;
                } else if (d.requested != 1 || bytes4(d.want) != cannotPay) {
                    certified = false;
                }
            }
            if (!progress) {
                if (certified) {
                    certifiedEpoch[account] = keeperEpoch;
                    ++certifications;
                }
                return acted;
            }
        }
    }

    /// @dev Reads the positions, the reference price, the account's margin, both sides' cash, the
    /// insurance fund and the fee balance (`d.requested` and the prediction come after).
    function _readDelev(Delev memory d) internal view {
        d.position = market.positionOf(d.account, series).size;
        d.opposite = market.positionOf(d.counterparty, series).size;
        if (seriesSettled) {
            d.price = settlementPrice;
        } else {
            (, d.stale) = oracle.latestValue(feed);
            d.price = market.seriesState(series).markPrice;
        }
        IMarginVault.AccountMargin memory m = vault.accountMargin(d.account);
        (d.equity, d.indexStale) = (m.equity, m.indexStale);
        d.insurance = vault.insuranceFund();
        d.cash = vault.cashOf(d.account);
        d.cpCash = vault.cashOf(d.counterparty);
        d.fees = vault.feeBalance();
    }

    /// @dev Asks for `requested` contracts: the market closes min(requested, |position|).
    function _setRequested(Delev memory d, uint64 requested) internal view {
        d.requested = requested;
        uint256 held = _abs(d.position);
        d.closed = held < requested ? held : requested;
        d.want = _predictDeleverage(d);
    }

    /// @dev Asks for the most contracts (at least one) the counterparty can take without going
    /// below zero equity, by the model: a binary search, the share growing with the size.
    function _setAffordable(Delev memory d) internal view {
        uint256 most = _abs(d.position);
        if (_abs(d.opposite) < most) most = _abs(d.opposite);
        _setRequested(d, uint64(most == 0 ? 1 : most));
        if (d.want.length == 0 || bytes4(d.want) != IFuturesMarket.CounterpartyWouldBeBankrupt.selector) return;
        uint256 lo = 0;
        uint256 hi = most - 1;
        while (lo < hi) {
            uint256 mid = (lo + hi + 1) / 2;
            if (_deleverageOutcome(d, mid).cpEquityAfter >= 0) lo = mid;
            else hi = mid - 1;
        }
        _setRequested(d, uint64(lo == 0 ? 1 : lo));
    }

    /// @dev The market's refusal, in its order of checks, or "" (then `d.o` is the outcome).
    function _predictDeleverage(Delev memory d) internal view returns (bytes memory) {
        if (d.account == d.counterparty) return abi.encodeWithSelector(IFuturesMarket.SelfTrade.selector, d.account);
        if (d.requested == 0) return abi.encodeWithSelector(IFuturesMarket.ZeroSize.selector);
        if (d.id != series) return abi.encodeWithSelector(IFuturesMarket.UnknownSeries.selector, d.id);
        if (block.timestamp >= expiry && !seriesSettled) {
            return abi.encodeWithSelector(IFuturesMarket.SeriesNotSettled.selector, series);
        }
        if (d.stale) return abi.encodeWithSelector(IFuturesMarket.StaleIndex.selector, feed);
        if (d.position == 0) return abi.encodeWithSelector(IFuturesMarket.NoPosition.selector, d.account, series);
        if ((d.opposite > 0) == (d.position > 0) || _abs(d.opposite) < d.closed) {
            return abi.encodeWithSelector(
                IFuturesMarket.NoOppositePosition.selector, d.counterparty, series, d.opposite, d.closed
            );
        }
        if (d.indexStale) return abi.encodeWithSelector(IFuturesMarket.StalePositionIndex.selector, d.account);
        if (d.equity >= 0 || uint256(-d.equity) <= d.insurance) {
            return abi.encodeWithSelector(IFuturesMarket.NotBankrupt.selector, d.account, d.equity, d.insurance);
        }
        d.o = _deleverageOutcome(d, d.closed);
        if (d.o.cpEquityAfter < 0) {
            return abi.encodeWithSelector(
                IFuturesMarket.CounterpartyWouldBeBankrupt.selector, d.counterparty, d.o.cpEquityAfter
            );
        }
        return "";
    }

    /// @dev docs/market.md, deleveraging `k` contracts: the insurance fund pays the account all it
    /// holds; the two trade at the reference price (the buyer pays the notional rounded up, the
    /// seller receives it rounded down); the counterparty pays floor(deficit x k / |position|) of
    /// the deficit beyond the fund, or on the account's last contracts everything it still owes
    /// (its cash once flat). The counterparty's equity is its cash plus its remaining position at
    /// the reference price (floored), the series being its only one.
    function _deleverageOutcome(Delev memory d, uint256 k) internal view returns (DelevOutcome memory o) {
        uint256 held = _abs(d.position);
        uint256 notional = k * mult * d.price;
        uint256 floorNotional = notional / SCALE;
        o.dust = Math.ceilDiv(notional, SCALE) - floorNotional;
        bool accountLong = d.position > 0;
        int256 accountTrade = accountLong ? int256(floorNotional) : -int256(floorNotional + o.dust);
        int256 cpTrade = accountLong ? -int256(floorNotional + o.dust) : int256(floorNotional);
        int256 flat = d.cash + int256(d.insurance) + accountTrade;
        if (k == held) {
            o.share = flat < 0 ? uint256(-flat) : 0;
        } else {
            uint256 deficit = uint256(-d.equity) - d.insurance;
            o.share = Math.mulDiv(deficit, k * mult * d.price, held * mult * d.price);
        }
        o.cashAfter = flat + int256(o.share);
        o.cpCashAfter = d.cpCash + cpTrade - int256(o.share);
        int256 oppositeAfter = d.opposite > 0 ? d.opposite - int256(k) : d.opposite + int256(k);
        o.cpEquityAfter = o.cpCashAfter + _divFloor(oppositeAfter * int256(mult) * int256(d.price), SCALE);
    }

    /// @dev Calls deleverage (the handler holds the deleverager role) and checks the outcome.
    function _callDeleverage(Delev memory d) internal returns (bool ok) {
        VMX.recordLogs();
        try market.deleverage(d.account, d.id, d.counterparty, d.requested) returns (uint64 closed) {
            _onDeleverage(d, closed, VMX.getRecordedLogs());
            return true;
        } catch (bytes memory reason) {
            VMX.getRecordedLogs();
            bytes4 selector = bytes4(reason);
            ++refusals[selector];
            ++deleverageRefusals;
            if (d.want.length == 0 || keccak256(reason) != keccak256(d.want)) {
                ++unexpectedDeleverageRefusals;
                lastUnexpected = reason;
            } else if (selector == IFuturesMarket.CounterpartyWouldBeBankrupt.selector) {
                ++counterpartyBankruptRefusals;
            }
            return false;
        }
    }

    /// @dev A successful deleveraging against the model: sizes, PositionDeleveraged (size, price,
    /// share), no BadDebt, both sides' cash, the insurance fund drawn to zero, the fee dust, the
    /// counterparty's equity; an account closed out ends at exactly zero cash.
    function _onDeleverage(Delev memory d, uint64 closed, LifecycleVm.Log[] memory logs) internal {
        ++deleveragesOk;
        _readPositionChanges(logs);
        if (d.want.length != 0) {
            ++deleverageMismatches;
            lastUnexpected = d.want;
            return;
        }
        deleveragedContracts += closed;
        int256 sign = d.position > 0 ? int256(1) : -1;
        int256 positionAfter = market.positionOf(d.account, series).size;
        int256 oppositeAfter = market.positionOf(d.counterparty, series).size;
        bool eventOk;
        bool badDebt;
        for (uint256 i = 0; i < logs.length; ++i) {
            LifecycleVm.Log memory log = logs[i];
            if (log.emitter != address(market)) continue;
            if (log.topics[0] == IFuturesMarket.PositionDeleveraged.selector) {
                (uint256 size, uint256 price, uint256 share) = abi.decode(log.data, (uint256, uint256, uint256));
                eventOk = !eventOk && address(uint160(uint256(log.topics[1]))) == d.account
                    && log.topics[2] == series && address(uint160(uint256(log.topics[3]))) == d.counterparty
                    && size == d.closed && price == d.price && share == d.o.share;
                deficitSharesPaid += share;
            } else if (log.topics[0] == IFuturesMarket.BadDebt.selector) {
                badDebt = true;
            }
        }
        int256 cashAfter = vault.cashOf(d.account);
        if (
            !eventOk || badDebt || closed != d.closed || positionAfter != d.position - sign * int256(d.closed)
                || oppositeAfter != d.opposite + sign * int256(d.closed) || cashAfter != d.o.cashAfter
                || vault.cashOf(d.counterparty) != d.o.cpCashAfter || vault.insuranceFund() != 0
                || vault.feeBalance() != d.fees + d.o.dust
                || vault.accountMargin(d.counterparty).equity != d.o.cpEquityAfter
                || (positionAfter == 0 && cashAfter != 0)
        ) {
            ++deleverageMismatches;
            lastUnexpected = abi.encode(d.account, d.counterparty, closed, d.o.share, cashAfter, d.o.cashAfter);
        }
        if (positionAfter == 0) ++deleveragedToZero;
        if (seriesSettled) {
            // Closed at the settlement price: those contracts never settle.
            ++deleveragesAfterSettle;
            _resnapshot(d.account, positionAfter);
            _resnapshot(d.counterparty, oppositeAfter);
            longsDeleveragedAfterSettle += d.closed;
        }
    }

    /// @dev After settleSeries, a deleveraged account's frozen position is what it still holds; one
    /// closed out has nothing left to settle.
    function _resnapshot(address account, int256 sizeAfter) internal {
        sizeAtSettle[account] = sizeAfter;
        entryAtSettle[account] = market.positionOf(account, series).entryNotional;
        if (sizeAfter == 0) --accountsToSettle;
    }

    /// @dev Bankrupt: a position, and a debt beyond the insurance fund.
    function _bankrupt(address account) internal view returns (bool) {
        if (market.positionOf(account, series).size == 0) return false;
        int256 equity = vault.accountMargin(account).equity;
        return equity < 0 && uint256(-equity) > vault.insuranceFund();
    }

    /// @dev The first bankrupt account from a random start, else the first under water, else a
    /// random one.
    function _pickBankrupt(uint256 r) internal view returns (uint256) {
        for (uint256 k = 0; k < N_ACCOUNTS; ++k) {
            uint256 i = (r + k) % N_ACCOUNTS;
            if (_bankrupt(accountList[i])) return i;
        }
        return _pickUnderwater(r);
    }

    /// @dev The first account other than `ai` holding a position opposite to its, from a random
    /// start, else a random other account.
    function _pickOpposite(uint256 ai, uint256 r) internal view returns (uint256) {
        int256 position = market.positionOf(accountList[ai], series).size;
        for (uint256 k = 0; k < N_ACCOUNTS; ++k) {
            uint256 i = (r + k) % N_ACCOUNTS;
            if (i == ai) continue;
            int256 other = market.positionOf(accountList[i], series).size;
            if (other != 0 && (other > 0) != (position > 0)) return i;
        }
        return (ai + 1 + r % (N_ACCOUNTS - 1)) % N_ACCOUNTS;
    }

    /// @dev floor(a / b).
    function _divFloor(int256 a, uint256 b) internal pure returns (int256) {
        int256 q = a / int256(b);
        if (a % int256(b) != 0 && a < 0) --q;
        return q;
    }

    // ------------------------------------------------------------ actions: index and time

    /// @notice The relayers report a new index at least minUpdateInterval after the last one:
    /// three of them within maxMoveBps, or (one time in four) all four a crash of 10% to 40%,
    /// two times in three downwards.
    function moveIndex(uint256 moveBps, uint256 gap, uint256 mode) external advancing {
        uint256 next = _max(block.timestamp, lastReportAt + MIN_INTERVAL) + bound(gap, 0, 600);
        if (!_mayReach(next)) return;
        vm.warp(next);
        uint256 value;
        bool all;
        if (mode % 4 == 0) {
            uint256 move = bound(moveBps, 1000, 4000);
            value = (mode / 4) % 3 == 0 ? index * (BPS + move) / BPS : index * (BPS - move) / BPS;
            all = true;
            ++crashes;
        } else {
            value = _within(index, moveBps);
        }
        _reportClamped(value, all, mode >> 8);
        ++indexMoves;
    }

    /// @notice Time passes. Before the lifecycle phase: up to four hours (never within three
    /// hours of the last trading time), then the relayers report the same index so it stays
    /// fresh. In the lifecycle phase: a step towards expiry (see advanceLifecycle).
    function jumpTime(uint256 secs) external advancing {
        if (calls > PHASE_AT) {
            _lifecycleStep(secs, secs >> 128);
            return;
        }
        uint256 next = block.timestamp + bound(secs, 1, 4 hours);
        if (!_mayReach(next)) return;
        vm.warp(next);
        if (block.timestamp >= lastReportAt + MIN_INTERVAL) _report(index, false, secs >> 64);
        ++timeJumps;
    }

    /// @notice Once PHASE_AT calls have been made: the first step lands between 90 minutes before
    /// and 30 minutes after the last trading time (the start of the settlement window), later
    /// steps move 15 to 60 minutes on; each pushes a round within the circuit breaker and, after
    /// expiry, tries settleSeries until it succeeds. Before: nothing.
    function advanceLifecycle(uint256 step, uint256 moveBps) external advancing {
        if (calls <= PHASE_AT) return;
        _lifecycleStep(step, moveBps);
    }

    function _lifecycleStep(uint256 step, uint256 moveBps) internal {
        uint256 next;
        if (block.timestamp < lastTradingTime - 90 minutes) next = lastTradingTime - 90 minutes + step % 2 hours;
        else next = block.timestamp + bound(step, 15 minutes, 60 minutes);
        vm.warp(_max(next, lastReportAt + MIN_INTERVAL));
        _reportClamped(_within(index, moveBps), false, step >> 64);
        ++lifecycleSteps;
        if (block.timestamp >= expiry && !seriesSettled) _trySettleSeries();
    }

    /// @dev Before the lifecycle phase, time stays three hours short of the last trading time.
    function _mayReach(uint256 time) internal view returns (bool) {
        return calls > PHASE_AT || time + 3 hours < lastTradingTime;
    }

    // ------------------------------------------------------------ actions: cash

    /// @notice A trader tops up with a modest deposit.
    function deposit(uint256 who, uint256 amount) external advancing {
        _deposit(accountList[who % N_TRADERS], bound(amount, 100 * USD, 2_000 * USD));
        ++depositsOk;
    }

    /// @notice A trader withdraws all its free collateral, one unit more, or part of it.
    function withdraw(uint256 who, uint256 amount, uint256 mode) external advancing {
        address trader = accountList[who % N_TRADERS];
        IMarginVault.AccountMargin memory before = vault.accountMargin(trader);
        uint256 free = before.freeCollateral;
        mode %= 4;
        if (mode == 0 && free != 0) amount = free;
        else if (mode == 1 || free == 0) amount = free + 1;
        else amount = bound(amount, 1, free);
        bytes memory want;
        uint256 held = usd.balanceOf(address(vault));
        if (before.openPositions != 0 && before.indexStale) {
            want = abi.encodeWithSelector(IMarginVault.IndexStale.selector, trader);
        } else if (amount > free) {
            want = abi.encodeWithSelector(IMarginVault.InsufficientFreeCollateral.selector, trader, amount, free);
        } else if (amount > held) {
            want = abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, address(vault), held, amount);
        }
        vm.prank(trader);
        try vault.withdraw(amount, SINK) {
            if (want.length != 0) ++withdrawalViolations;
            if (vault.cashOf(trader) != before.cash - int256(amount)) ++unexpectedOutcomes;
            ghostWithdrawals += amount;
            ++withdrawalsOk;
        } catch (bytes memory reason) {
            if (want.length == 0 || keccak256(reason) != keccak256(want)) {
                ++unexpectedWithdrawRefusals;
                lastUnexpected = reason;
            }
            ++refusals[bytes4(reason)];
            ++withdrawalsRefused;
        }
    }

    /// @notice The test adds 50 to 1,000 USD to the insurance fund (small: bad debt can exceed it).
    function fundInsurance(uint256 amount) external advancing {
        _fundInsurance(bound(amount, 50 * USD, 1_000 * USD));
        ++insuranceFundings;
    }

    // ------------------------------------------------------------ actions: settlement

    /// @notice Anyone calls settleSeries: refused before expiry and once settled (predicted
    /// exactly), else it fixes the TWAP of the handler's rounds.
    function settleSeries() external advancing {
        _trySettleSeries();
    }

    /// @notice Settles accounts: one time in three one account with settleAccount (any account
    /// or the sink), else a keeper batch of 1 to 7 accounts in random order (repeats, settled
    /// accounts and the sink included: skipped).
    function settle(uint256 seed, uint256 mode) external advancing {
        seed = _rand(seed, "settle");
        bool single = mode % 3 == 0;
        uint256 n = single ? 1 : 1 + (mode >> 2) % 7;
        address[] memory list = new address[](n);
        for (uint256 i = 0; i < n; ++i) {
            uint256 r = _rand(seed, i) % (N_ACCOUNTS + 1);
            list[i] = r == N_ACCOUNTS ? SINK : accountList[r];
        }
        _settle(list, single);
    }

    /// @notice The end of the story, for afterInvariant and the coverage test: time reaches
    /// expiry through the settlement window with rounds pushed along the way, the series
    /// settles, and every account settles in random order and random batches.
    function finishLifecycle(uint256 seed) external advancing {
        if (block.timestamp + 30 minutes < windowStart) {
            vm.warp(_max(windowStart - 30 minutes, lastReportAt + MIN_INTERVAL));
            _report(index, false, seed);
        }
        for (uint256 k = 0; block.timestamp < expiry; ++k) {
            uint256 r = _rand(seed, k);
            vm.warp(_max(block.timestamp + bound(r, 5 minutes, 25 minutes), lastReportAt + MIN_INTERVAL));
            _reportClamped(_within(index, r >> 32), false, r >> 64);
        }
        if (!seriesSettled) _trySettleSeries(); // the keeper deleverages right after
        address[] memory all = new address[](N_ACCOUNTS + 1);
        for (uint256 i = 0; i < N_ACCOUNTS; ++i) {
            all[i] = accountList[i];
        }
        all[N_ACCOUNTS] = SINK;
        for (uint256 i = all.length - 1; i > 0; --i) {
            uint256 j = _rand(seed, i + 100) % (i + 1);
            (all[i], all[j]) = (all[j], all[i]);
        }
        // The delay window: the keeper settles the accounts in debt one by one, a deleveraging
        // pass before each (the fund pays those it covers, in order; whom it can no longer cover
        // is deleveraged), and one more attempt is made; then accounts may settle.
        if (block.timestamp < opensAt) {
            address[] memory early = new address[](1);
            for (uint256 i = 0; i < all.length; ++i) {
                if (market.positionOf(all[i], series).size == 0 || vault.accountMargin(all[i]).equity >= 0) continue;
                early[0] = all[i];
                _settle(early, true);
            }
            early[0] = all[0];
            _settle(early, false);
            vm.warp(opensAt + _rand(seed, "open") % 10 minutes);
        }
        // The keeper settles the accounts in debt first, one per call with a deleveraging pass
        // before each: an account whose debt the fund covered until another drained it is then
        // deleveraged while the opposite positions are still open.
        for (uint256 i = 0; i < all.length; ++i) {
            if (market.positionOf(all[i], series).size == 0 || vault.accountMargin(all[i]).equity >= 0) continue;
            address[] memory one = new address[](1);
            one[0] = all[i];
            _settle(one, true);
        }
        // Then every account and the sink, in batches of 1 to 3.
        for (uint256 i = 0; i < all.length;) {
            uint256 r = _rand(seed, i + 200);
            uint256 n = 1 + r % 3;
            if (i + n > all.length) n = all.length - i;
            address[] memory batch = new address[](n);
            for (uint256 k = 0; k < n; ++k) {
                batch[k] = all[i + k];
            }
            bool single = n == 1 && (r >> 8) % 2 == 0 && market.positionOf(batch[0], series).size != 0;
            _settle(batch, single);
            i += n;
        }
    }

    function _trySettleSeries() internal {
        bytes memory want;
        if (block.timestamp < expiry) {
            want = abi.encodeWithSelector(IFuturesMarket.SeriesNotExpired.selector, series, expiry);
        } else if (seriesSettled) {
            want = abi.encodeWithSelector(IFuturesMarket.SeriesAlreadySettled.selector, series, settlementPrice);
        }
        try market.settleSeries(series) returns (uint256 price) {
            if (want.length != 0) {
                ++settlementMismatches;
                lastUnexpected = want;
                return;
            }
            _onSeriesSettled(price);
        } catch (bytes memory reason) {
            ++refusals[bytes4(reason)];
            ++settleSeriesRefused;
            if (want.length == 0 || keccak256(reason) != keccak256(want)) {
                ++unexpectedSettlementRefusals;
                lastUnexpected = reason;
            }
        }
    }

    /// @dev The series is settled: the price must be the TWAP of the rounds the handler stored;
    /// the positions are frozen from here on (only deleveraging still closes some, and updates the
    /// snapshot), so their snapshot is what settles. Accounts settle from opensAt; in the window
    /// before it the keeper deleverages every bankrupt account it can.
    function _onSeriesSettled(uint256 price) internal {
        seriesSettled = true;
        settlementPrice = price;
        settledAt = block.timestamp;
        opensAt = block.timestamp + settlementDelay;
        ++settleSeriesOk;
        if (price != _twap(windowStart, expiry) || market.seriesState(series).settlementPrice != price) {
            ++settlementMismatches;
            lastUnexpected = abi.encode(price, _twap(windowStart, expiry));
        }
        for (uint256 i = 0; i < N_ACCOUNTS; ++i) {
            IFuturesMarket.Position memory p = market.positionOf(accountList[i], series);
            sizeAtSettle[accountList[i]] = p.size;
            entryAtSettle[accountList[i]] = p.entryNotional;
            if (p.size != 0) ++accountsToSettle;
            if (p.size > 0) longsAtSettle += uint256(p.size);
        }
        _keeperPass();
    }

    /// @dev One settlement call and what the handler read just before it.
    struct Settlement {
        address[] list;
        int256[] sizes;
        int256[] entries;
        int256[] cashes;
        bool[] settles;
        /// @dev Bankrupt beyond the fund with a position when the call started, and certified
        /// undeleverageable by the keeper's pass just before.
        bool[] bankrupt;
        bool[] certified;
        uint256 expectedCount;
        int256 poolBefore;
        uint256 insuranceBefore;
        bytes want;
    }

    /// @dev Once the series has settled, the keeper deleverages every bankrupt account it can
    /// before each settlement call (anyone may settle from opensAt: the keeper acts first).
    function _settle(address[] memory list, bool single) internal {
        if (seriesSettled) _keeperPass();
        Settlement memory s;
        s.list = list;
        uint256 n = list.length;
        s.sizes = new int256[](n);
        s.entries = new int256[](n);
        s.cashes = new int256[](n);
        s.settles = new bool[](n);
        s.bankrupt = new bool[](n);
        s.certified = new bool[](n);
        for (uint256 i = 0; i < n; ++i) {
            IFuturesMarket.Position memory p = market.positionOf(list[i], series);
            (s.sizes[i], s.entries[i]) = (p.size, p.entryNotional);
            s.cashes[i] = vault.cashOf(list[i]);
            s.settles[i] = p.size != 0;
            s.bankrupt[i] = _bankrupt(list[i]);
            s.certified[i] = certifiedEpoch[list[i]] == keeperEpoch && keeperEpoch != 0;
            for (uint256 j = 0; j < i; ++j) {
                if (list[j] == list[i]) s.settles[i] = false;
            }
            if (s.settles[i]) ++s.expectedCount;
        }
        s.poolBefore = vault.cashOf(pool);
        s.insuranceBefore = vault.insuranceFund();
        if (!seriesSettled) {
            s.want = abi.encodeWithSelector(IFuturesMarket.SeriesNotSettled.selector, series);
        } else if (single && s.sizes[0] == 0) {
            s.want = abi.encodeWithSelector(IFuturesMarket.NothingToSettle.selector, list[0], series);
        } else if (block.timestamp < opensAt && !_fundCoversInOrder(s)) {
            s.want = abi.encodeWithSelector(IFuturesMarket.AccountSettlementNotOpen.selector, series, opensAt);
        }

        VMX.recordLogs();
        bool ok;
        bytes memory reason;
        if (single) {
            try market.settleAccount(list[0], series) {
                ok = true;
            } catch (bytes memory r) {
                reason = r;
            }
        } else {
            try market.settleAccounts(series, list) {
                ok = true;
            } catch (bytes memory r) {
                reason = r;
            }
        }
        LifecycleVm.Log[] memory logs = VMX.getRecordedLogs();
        if (!ok) {
            ++refusals[bytes4(reason)];
            ++settleRefusals;
            if (s.want.length == 0 || keccak256(reason) != keccak256(s.want)) {
                ++unexpectedSettlementRefusals;
                lastUnexpected = reason;
            } else if (bytes4(reason) == IFuturesMarket.AccountSettlementNotOpen.selector) {
                ++settlementNotOpenRefusals;
            }
            return;
        }
        if (s.want.length != 0) {
            ++settlementMismatches;
            lastUnexpected = s.want;
        }
        ++settleCallsOk;
        if (block.timestamp < opensAt) ++earlyDebtorSettlements;
        _onSettled(s, logs);
    }

    /// @dev Within the delay an account may settle only if its last position leaves a debt the
    /// fund covers; a batch goes through when that holds for each settling account in turn, the
    /// fund shrinking by each debt it pays.
    function _fundCoversInOrder(Settlement memory s) internal view returns (bool) {
        uint256 fund = vault.insuranceFund();
        for (uint256 i = 0; i < s.list.length; ++i) {
            if (!s.settles[i]) continue;
            IMarginVault.AccountMargin memory m = vault.accountMargin(s.list[i]);
            if (m.openPositions != 1 || m.equity >= 0 || uint256(-m.equity) > fund) return false;
            fund -= uint256(-m.equity);
        }
        return true;
    }

    /// @dev Checks the AccountSettled (and BadDebt) events of a successful settlement call, in
    /// order, against the positions and cash read before it, and books the sums.
    function _onSettled(Settlement memory s, LifecycleVm.Log[] memory logs) internal {
        uint256 next; // the next list position expected to settle
        uint256 seen;
        uint256 last = NONE;
        uint256[] memory fundAt = new uint256[](s.list.length);
        BadDebtSeen[] memory debts = new BadDebtSeen[](s.list.length);
        int256 cashSum;
        uint256 fund = s.insuranceBefore;
        for (uint256 k = 0; k < logs.length; ++k) {
            LifecycleVm.Log memory log = logs[k];
            if (log.emitter != address(market)) continue;
            if (log.topics[0] == IFuturesMarket.AccountSettled.selector) {
                while (next < s.list.length && !s.settles[next]) ++next;
                if (next == s.list.length || address(uint160(uint256(log.topics[1]))) != s.list[next]) {
                    ++settlementMismatches;
                    return;
                }
                cashSum += _bookSettlement(s, next, log);
                last = next;
                ++next;
                ++seen;
            } else if (log.topics[0] == IFuturesMarket.BadDebt.selector) {
                if (last == NONE || address(uint160(uint256(log.topics[1]))) != s.list[last] || debts[last].seen) {
                    ++badDebtMismatches;
                    continue;
                }
                BadDebtSeen memory bd = debts[last];
                bd.seen = true;
                (bd.debt, bd.covered, bd.uncovered) = abi.decode(log.data, (uint256, uint256, uint256));
                // The fund it could draw on: what earlier accounts of the batch left.
                fundAt[last] = fund;
                fund -= bd.covered < fund ? bd.covered : fund;
                ++settlementBadDebts;
            }
        }
        if (seen != s.expectedCount) ++settlementMismatches;
        for (uint256 i = 0; i < s.list.length; ++i) {
            if (s.settles[i]) _checkSettledAccount(s, i, debts[i], fundAt[i]);
        }
        if (vault.cashOf(pool) != s.poolBefore - cashSum) ++settlementMismatches;
        if (vault.insuranceFund() != fund) ++settlementMismatches;
    }

    /// @dev After a settlement call: the account holds nothing, and its cash moved by its
    /// settlement cash plus what the insurance fund covered (BadDebt checked as for a
    /// liquidation). Negative cash left without BadDebt is a violation. Uncovered debt is allowed
    /// only for an account the keeper certified undeleverageable just before the call, or one the
    /// fund covered when the call started but earlier accounts of the batch drained.
    function _checkSettledAccount(Settlement memory s, uint256 i, BadDebtSeen memory bd, uint256 fund) internal {
        address account = s.list[i];
        int256 cashAfter = vault.cashOf(account);
        IFuturesMarket.Position memory p = market.positionOf(account, series);
        if (p.size != 0 || p.entryNotional != 0) ++settlementMismatches;
        _checkBadDebt(account, bd, s.cashes[i] + _settlementCash(s.sizes[i]), cashAfter, fund, p.size);
        if (cashAfter < 0 && !bd.seen) {
            if (s.sizes[i] < 0) ++badDebtMismatches;
            else ++silentSettlementBadDebts; // a long: the regression this counter guards
        }
        if (!bd.seen || bd.uncovered == 0) return;
        if (s.bankrupt[i]) {
            if (s.certified[i]) {
                ++undeleverageableDebts;
            } else {
                ++deleverageableDebtsSettled;
                lastUnexpected = abi.encode(account, bd.debt, bd.uncovered);
            }
        } else if (fund < s.insuranceBefore) {
            ++batchDrainedDebts;
        } else {
            // Not bankrupt at the start means its debt was within the untouched fund.
            ++badDebtMismatches;
            lastUnexpected = abi.encode(account, bd.debt, bd.uncovered, fund);
        }
    }

    /// @dev One AccountSettled event, checked against the position read before the call and the
    /// snapshot taken at settleSeries; returns the settlement cash it reported.
    function _bookSettlement(Settlement memory s, uint256 i, LifecycleVm.Log memory log) internal returns (int256) {
        address account = s.list[i];
        (int256 size, uint256 price, int256 cash, int256 realised) =
            abi.decode(log.data, (int256, uint256, int256, int256));
        int256 value = s.sizes[i] * int256(mult) * int256(settlementPrice);
        int256 modelRealised = value - s.entries[i];
        if (
            log.topics[2] != series || size != s.sizes[i] || size != sizeAtSettle[account]
                || s.entries[i] != entryAtSettle[account] || price != settlementPrice
                || cash != _settlementCash(size) || realised != modelRealised || accountSettled[account]
        ) {
            ++settlementMismatches;
            lastUnexpected = abi.encode(account, size, price, cash, realised, modelRealised);
        }
        accountSettled[account] = true;
        ++accountsSettled;
        if (size > 0) settledLongs += uint256(size);
        settledSizeSum += size;
        settledValueSum += value;
        settledRealisedSum += realised;
        settledEntrySum += s.entries[i];
        modelRealisedSum += modelRealised;
        settledCashSum += cash;
        lifetimeRealised += realised;
        return cash;
    }

    /// @dev docs/market.md: a long receives floor(value / scale), a short pays ceil(|value| / scale).
    function _settlementCash(int256 size) internal view returns (int256) {
        uint256 magnitude = _abs(size) * mult * settlementPrice;
        return size > 0 ? int256(magnitude / SCALE) : -int256(Math.ceilDiv(magnitude, SCALE));
    }

    // ------------------------------------------------------------ helpers: events

    /// @dev Adds the realised PnL of every PositionChanged event of the series.
    function _readPositionChanges(LifecycleVm.Log[] memory logs) internal {
        for (uint256 i = 0; i < logs.length; ++i) {
            LifecycleVm.Log memory log = logs[i];
            if (log.emitter != address(market) || log.topics[0] != IFuturesMarket.PositionChanged.selector) continue;
            if (log.topics[2] != series) continue;
            (,, int256 realised) = abi.decode(log.data, (int256, int256, int256));
            lifetimeRealised += realised;
        }
    }

    // ------------------------------------------------------------ helpers: oracle

    /// @dev Reports `value` clamped to [MIN_INDEX, MAX_INDEX]; every relayer signs when the move
    /// would trip the circuit breaker.
    function _reportClamped(uint256 value, bool all, uint256 skipSeed) internal {
        if (value < MIN_INDEX) value = MIN_INDEX;
        if (value > MAX_INDEX) value = MAX_INDEX;
        uint256 move = value > index ? value - index : index - value;
        if (move * BPS > index * MAX_MOVE_BPS) all = true;
        _report(value, all, skipSeed);
    }

    /// @dev Three relayers (all but one picked by `skipSeed`) or all four sign `value` observed
    /// now. Not try/catch: a valid report that reverts is a bug (and fails the run).
    function _report(uint256 value, bool all, uint256 skipSeed) internal {
        uint256 n = all ? N_RELAYERS : QUORUM;
        uint256 skip = all ? NONE : skipSeed % N_RELAYERS;
        IIndexOracle.Observation[] memory observations = new IIndexOracle.Observation[](n);
        uint256 k;
        for (uint256 i = 0; i < N_RELAYERS; ++i) {
            if (i == skip) continue;
            observations[k++] = _observe(i, relayerKeys[i], value);
        }
        _submit(observations, value);
        roundTimes.push(block.timestamp);
        roundValues.push(value);
    }

    /// @dev A value within maxMoveBps of `from` (rounded towards `from`).
    function _within(uint256 from, uint256 moveSeed) internal pure returns (uint256) {
        uint256 m = bound(moveSeed, 0, 2 * MAX_MOVE_BPS);
        if (m >= MAX_MOVE_BPS) return from * (BPS + m - MAX_MOVE_BPS) / BPS;
        return Math.ceilDiv(from * (BPS - (MAX_MOVE_BPS - m)), BPS);
    }

    /// @dev The oracle's TWAP over [start, end) from the rounds stored: each value weighted by
    /// the block time it was the latest, the last one extending to `end`, rounded down.
    function _twap(uint256 start, uint256 end) internal view returns (uint256) {
        uint256 sum;
        uint256 n = roundTimes.length;
        for (uint256 i = 0; i < n; ++i) {
            uint256 from = roundTimes[i] > start ? roundTimes[i] : start;
            uint256 to = i + 1 < n && roundTimes[i + 1] < end ? roundTimes[i + 1] : end;
            if (to > from) sum += roundValues[i] * (to - from);
        }
        return sum / (end - start);
    }

    // ------------------------------------------------------------ helpers: cash

    /// @dev A deposit into an account with reported debt repays it first.
    function _deposit(address account, uint256 amount) internal {
        uint256 debt = reportedDebt[account];
        if (debt != 0) {
            uint256 repaid = amount < debt ? amount : debt;
            reportedDebt[account] = debt - repaid;
            ghostDebtRepaid += repaid;
        }
        _mintAndDeposit(account, amount, amount);
    }

    function _fundInsurance(uint256 amount) internal {
        usd.mint(address(this), amount);
        usd.approve(address(vault), amount);
        vault.fundInsurance(amount);
        ghostInsuranceFunding += amount;
    }

    // ------------------------------------------------------------ helpers: trading

    /// @dev A price on tick within 2% of the index.
    function _price(uint256 bpsSeed) internal view returns (uint96) {
        uint256 p = index * bound(bpsSeed, BPS - 200, BPS + 200) / BPS / tick * tick;
        return uint96(p == 0 ? tick : p);
    }

    /// @dev 1 to 10 contracts one time in four; else 60% to 115% of what the poorer side's free
    /// collateral backs at initial margin (plus fees).
    function _tradeSize(uint256 seed, uint256 size, address maker, address taker, uint256 price)
        internal
        view
        returns (uint64)
    {
        if (_rand(seed, "size") % 4 == 0) return uint64(bound(size, 1, 10));
        uint256 perContract = mult * price * (imBps + 10) / BPS / SCALE + 1;
        uint256 freeMaker = vault.accountMargin(maker).freeCollateral;
        uint256 freeTaker = vault.accountMargin(taker).freeCollateral;
        uint256 most = (freeMaker < freeTaker ? freeMaker : freeTaker) / perContract;
        uint256 q = most * bound(size, 60, 115) / 100;
        if (q > 5_000) q = 5_000;
        return uint64(q == 0 ? 1 : q);
    }

    function _underwater(address account) internal view returns (bool) {
        if (market.positionOf(account, series).size == 0) return false;
        IMarginVault.AccountMargin memory m = vault.accountMargin(account);
        return m.equity < int256(m.maintenanceMargin);
    }

    /// @dev The first account below maintenance margin from a random start, else a random one.
    function _pickUnderwater(uint256 r) internal view returns (uint256) {
        for (uint256 k = 0; k < N_ACCOUNTS; ++k) {
            uint256 i = (r + k) % N_ACCOUNTS;
            if (_underwater(accountList[i])) return i;
        }
        return r % N_ACCOUNTS;
    }

    function _unexpectedTrade(bytes memory reason) internal {
        ++unexpectedTradeRefusals;
        lastUnexpected = reason;
    }

    function _rand(uint256 seed, uint256 salt) internal view returns (uint256) {
        return uint256(keccak256(abi.encode(seed, calls, salt)));
    }
}

/// @notice Liquidation, bad debt and expiry settlement of a futures series, fuzzed through
/// LifecycleHandler over the series' whole life: leveraged trading between five traders with
/// 2,500 to 6,000 USD each, index moves and crashes, liquidations by random liquidators (a keeper
/// with 1,000,000 USD among them), deleveraging of accounts in debt beyond an insurance fund of
/// 500 USD the test tops up, then expiry, settleSeries, the keeper's deleveraging in the hour
/// before accounts settle, and account settlement in random order and batches. afterInvariant
/// finishes every run's lifecycle (expiry, settleSeries, deleveraging, every account settled) and
/// checks every invariant once more on the settled market.
/// @dev Regression: settlement used to cover bad debt only for shorts, though a leveraged long
/// holds negative cash too; LifecycleHandler.silentSettlementBadDebts counts any account left
/// with negative cash and no BadDebt. test_lifecycleCoverage prints the counters with
/// FM_INVARIANT_STATS=true.
/// forge-config: default.invariant.runs = 64
/// forge-config: default.invariant.depth = 100
/// forge-config: default.invariant.fail-on-revert = true
contract FuturesMarketLifecycleInvariantsTest is MarketTestBase {
    bytes32 internal constant FEED = keccak256("H100-SXM-HOUR-LIFECYCLE");

    LifecycleHandler internal handler;
    bytes32 internal series;

    function setUp() public {
        // f = 1 of 4 signers: a 3-signature report is held to the 5% circuit breaker, a report
        // all 4 sign may move any distance. The ring outlives every run (no round is evicted).
        uint256[] memory relayerKeys =
            _deployMarket(FEED, "H100 SXM GPU-hour (lifecycle)", "lifecycle-relayer", 4, 1024);
        uint256[] memory accountKeys = _keys("lifecycle-account", 6);
        handler = new LifecycleHandler(market, vault, oracle, usd, FEED, relayerKeys, accountKeys);
        handler.startFeed(2.5e18);

        series = market.listSeries(_seriesParams(FEED, uint64(T0 + 2 days)));
        handler.setSeries(series);
        uint256[5] memory deposits = [6_000 * USD, 5_000 * USD, 4_000 * USD, 3_000 * USD, 2_500 * USD];
        for (uint256 i = 0; i < 5; ++i) {
            handler.fundAccount(i, deposits[i]);
        }
        handler.fundAccount(handler.KEEPER(), 1_000_000 * USD);
        handler.seedInsurance(500 * USD);
        // The test is the market's admin: the handler's keeper deleverages.
        market.grantRole(market.DELEVERAGER_ROLE(), address(handler));

        _labelAll(address(handler), "LifecycleHandler");
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](12);
        selectors[0] = LifecycleHandler.trade.selector;
        selectors[1] = LifecycleHandler.moveIndex.selector;
        selectors[2] = LifecycleHandler.jumpTime.selector;
        selectors[3] = LifecycleHandler.liquidate.selector;
        selectors[4] = LifecycleHandler.deposit.selector;
        selectors[5] = LifecycleHandler.withdraw.selector;
        selectors[6] = LifecycleHandler.fundInsurance.selector;
        selectors[7] = LifecycleHandler.advanceLifecycle.selector;
        selectors[8] = LifecycleHandler.settleSeries.selector;
        selectors[9] = LifecycleHandler.settle.selector;
        selectors[10] = LifecycleHandler.matchTrade.selector;
        selectors[11] = LifecycleHandler.deleverage.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    // ------------------------------------------------------------ invariants

    /// @notice DESIGN.md item 6. Only under-collateralised accounts are liquidated, and by no
    /// more than needed: right before every successful liquidation the handler read
    /// vault.accountMargin(account) and its equity was below its maintenance margin; every
    /// attempt on an account at or above it (past the earlier checks: not itself, a non-zero
    /// size, before expiry, a fresh index, a position) was refused with
    /// NotLiquidatable(account, equity, maintenanceMargin) carrying exactly the values read;
    /// a liquidation that moved all the market allows and left a position left the account at or
    /// above its initial margin (a liquidator that asks for fewer contracts gets just those, and
    /// the account may stay below it: no claim then). The moved size (min(requested, ceil((IM - equity) /
    /// (relief - 4)), |position|)), the mark, the penalty and its split (the liquidator's share
    /// capped at equity + fund - 4 units), the account's cash and the insurance fund match
    /// docs/market.md; an account under water whose equity is negative beyond the insurance fund
    /// was refused with NeedsDeleveraging(account, equity, fund) exactly, and the only other
    /// refusal of a liquidatable account is the liquidator's own margin.
    function invariant_onlyUndercollateralizedLiquidated() public view {
        assertEq(handler.liquidatedAboveMaintenance(), 0, "an account at or above maintenance margin was liquidated");
        assertEq(handler.notLiquidatableMismatches(), 0, "a healthy account was not refused NotLiquidatable(exact)");
        assertEq(handler.partialBelowInitial(), 0, "a partial liquidation left the account below initial margin");
        if (handler.liquidationMismatches() != 0) {
            revert(string.concat("a liquidation differs from the formulas: ", _hex(handler.lastUnexpected())));
        }
        if (handler.unexpectedLiquidationRefusals() != 0) {
            revert(string.concat("unexpected liquidation refusal: ", _hex(handler.lastUnexpected())));
        }
    }

    /// @notice DESIGN.md item 8. Settlement realises exactly what the positions were worth and
    /// creates no money. What is exactly true:
    /// - each AccountSettled reports realisedPnl = size x multiplier x price - entryNotional of
    ///   the position just before settling (and cash = floor(value / scale) for a long,
    ///   -ceil(|value| / scale) for a short);
    /// - summed over the accounts of the series, the price term vanishes because the sizes sum to
    ///   zero, so sum settled realised PnL = -sum entryNotional at settlement (not zero: reducing
    ///   trades realise PnL earlier and leave entries that do not cancel);
    /// - what does sum to exactly zero is the lifetime realised PnL: every PositionChanged of
    ///   every trade and liquidation plus every AccountSettled. Each realised PnL is the side's
    ///   cash flow at the trade price (WAD, before rounding to token units) plus the change of its
    ///   entry notional, and the two sides' cash flows cancel, so at all times
    ///   sum realised so far - sum open entry notionals = sum size x multiplier x price over the
    ///   settled accounts, which is 0 once every account has settled (the sizes sum to zero);
    /// - the settlement pool has paid out -sum settlement cash; once every account has settled it
    ///   holds the rounding dust 0 <= dust < settled accounts (token units), which stays in the
    ///   protocol. The settlement price is the TWAP of the rounds the handler stored.
    function invariant_settledPnlSumsToZero() public view {
        if (handler.settlementMismatches() != 0) {
            revert(string.concat("a settlement differs from the model: ", _hex(handler.lastUnexpected())));
        }
        if (handler.unexpectedSettlementRefusals() != 0) {
            revert(string.concat("unexpected settlement refusal: ", _hex(handler.lastUnexpected())));
        }
        address[] memory accounts = handler.accounts();
        int256 openEntries;
        for (uint256 i = 0; i < accounts.length; ++i) {
            openEntries += market.positionOf(accounts[i], series).entryNotional;
        }
        assertEq(
            handler.lifetimeRealised() - openEntries,
            handler.settledValueSum(),
            "realised PnL - open entries == settled value"
        );
        int256 poolCash = vault.cashOf(market.settlementPool(series));
        assertEq(poolCash, -handler.settledCashSum(), "pool cash == -(settlement cash paid)");
        assertEq(handler.settledRealisedSum(), handler.modelRealisedSum(), "AccountSettled realised == value - entry");
        if (!handler.allSettled()) return;
        assertEq(handler.settledSizeSum(), int256(0), "settled sizes sum to zero");
        assertEq(handler.settledValueSum(), int256(0), "settled values sum to zero");
        assertEq(
            handler.settledRealisedSum(), -handler.settledEntrySum(), "sum of settled realised PnL == -sum of entries"
        );
        assertEq(handler.lifetimeRealised(), int256(0), "lifetime realised PnL sums to zero");
        assertGe(poolCash, int256(0), "pool dust >= 0");
        uint256 settled = handler.accountsSettled();
        if (settled == 0) assertEq(poolCash, int256(0), "no settlement, no dust");
        else assertLt(uint256(poolCash), settled, "pool dust < settled accounts");
    }

    /// @notice The vault stays solvent through liquidation, bad debt and settlement: its token
    /// balance equals totalCash + insuranceFund + feeBalance at all times (MockUSD takes no
    /// transfer fee), totalCash is the cash of the accounts plus the settlement pool, and what it
    /// owes is deposits + insurance funding - withdrawals. Every BadDebt's parts add up, its
    /// covered part is min(debt, fund) and its uncovered part is exactly the account's remaining
    /// negative cash (vault.cashOf right after); a liquidation never leaves negative cash without
    /// positions unreported, and a short's settlement neither. No withdrawal above the free
    /// collateral was paid, and every withdrawal refusal was the predicted one.
    function invariant_vaultSolventThroughLifecycle() public view {
        int256 held = int256(usd.balanceOf(address(vault)));
        int256 owed = vault.totalCash() + int256(vault.insuranceFund()) + int256(vault.feeBalance());
        assertEq(held, owed, "balance == totalCash + insuranceFund + feeBalance");
        address[] memory accounts = handler.accounts();
        int256 sum = vault.cashOf(market.settlementPool(series));
        for (uint256 i = 0; i < accounts.length; ++i) {
            sum += vault.cashOf(accounts[i]);
        }
        assertEq(vault.totalCash(), sum, "totalCash == accounts' cash + pool cash");
        assertEq(vault.cashOf(handler.SINK()), int256(0), "the withdrawal sink holds no cash");
        assertEq(
            owed,
            int256(handler.ghostDeposits() + handler.ghostInsuranceFunding()) - int256(handler.ghostWithdrawals()),
            "owed == deposits + insurance funding - withdrawals"
        );
        if (handler.badDebtMismatches() != 0) {
            revert(string.concat("a BadDebt does not match the account's cash: ", _hex(handler.lastUnexpected())));
        }
        assertEq(handler.silentLiquidationBadDebts(), 0, "a liquidation left unreported bad debt");
        assertEq(handler.withdrawalViolations(), 0, "a withdrawal the vault should have refused was paid");
        assertEq(handler.unexpectedWithdrawRefusals(), 0, "unexpected withdrawal refusal");
        assertEq(handler.unexpectedOutcomes(), 0, "a read disagreed with the handler's model");
        assertEq(handler.silentSettlementBadDebts(), 0, "a settled account was left with unreported bad debt");
    }

    /// @notice Zero-sum through the lifecycle: the sizes of all accounts plus the sizes already
    /// settled sum to zero (before settlement: the sizes alone); open interest equals the sum of
    /// the longs still open (settled accounts hold size 0, so it only counts unsettled longs) and
    /// equals the longs at settlement minus those settled and those deleveraged since; an
    /// account's open-series list holds the series iff it has a position; after settleSeries
    /// unsettled positions (size and entry) are frozen except for what deleveraging closed, and
    /// settled ones are zero. Every trade refusal was predicted or justified by the named side's
    /// margin.
    function invariant_zeroSumThroughLifecycle() public view {
        address[] memory accounts = handler.accounts();
        bool settledSeries = handler.seriesSettled();
        int256 sum;
        uint256 longs;
        for (uint256 i = 0; i < accounts.length; ++i) {
            IFuturesMarket.Position memory p = market.positionOf(accounts[i], series);
            sum += p.size;
            if (p.size > 0) longs += uint256(p.size);
            assertEq(market.openSeriesOf(accounts[i]).length, p.size != 0 ? 1 : 0, "openSeriesOf == open positions");
            if (handler.accountSettled(accounts[i])) {
                assertEq(p.size, int256(0), "a settled account holds no position");
                assertEq(p.entryNotional, int256(0), "a settled account holds no entry");
            } else if (settledSeries) {
                // Frozen: only a deleveraging (which updates the snapshot) still closes contracts.
                assertEq(p.size, handler.sizeAtSettle(accounts[i]), "positions are frozen after settleSeries");
                assertEq(p.entryNotional, handler.entryAtSettle(accounts[i]), "entries are frozen after settleSeries");
            }
        }
        assertEq(sum + handler.settledSizeSum(), int256(0), "open sizes + settled sizes == 0");
        if (!settledSeries) assertEq(sum, int256(0), "sum of sizes is zero before settlement");
        uint256 openInterest = market.seriesState(series).openInterest;
        assertEq(openInterest, longs, "openInterest == sum of unsettled longs");
        if (settledSeries) {
            assertEq(
                openInterest + handler.settledLongs() + handler.longsDeleveragedAfterSettle(),
                handler.longsAtSettle(),
                "openInterest == longs - settled - deleveraged"
            );
        }
        if (handler.allSettled()) assertEq(openInterest, 0, "nothing open once all settled");
        if (handler.unexpectedTradeRefusals() != 0) {
            revert(string.concat("unexpected trade refusal: ", _hex(handler.lastUnexpected())));
        }
        assertEq(handler.unexpectedTradeSuccesses(), 0, "a trade after the last trading time succeeded");
    }

    /// @notice No bad debt is silent, and none that a counterparty could take over is left:
    /// - every account (and the withdrawal sink) without a position and with negative cash owes
    ///   exactly the uncovered part of its BadDebt events not yet repaid by deposits, and one with
    ///   cash >= 0 or a position owes none; summed, the negative cash of the flat accounts equals
    ///   the uncovered parts reported minus what deposits repaid (the settlement pool, which is
    ///   negative while longs settle before shorts, is checked by invariant_settledPnlSumsToZero);
    /// - every deleveraging went as the model says: the exact refusal (SelfTrade, ZeroSize,
    ///   UnknownSeries, SeriesNotSettled, StaleIndex, NoPosition, NoOppositePosition, NotBankrupt,
    ///   CounterpartyWouldBeBankrupt with the counterparty's equity after) or the closed size, the
    ///   trade at the mark or settlement price, the insurance fund paid out to the account, the
    ///   counterparty's deficit share (PositionDeleveraged) = floor(deficit x closed / |position|),
    ///   or the whole remaining debt on the last contracts, leaving the account at exactly zero
    ///   cash with no BadDebt;
    /// - a liquidation of an account in debt beyond the fund was refused NeedsDeleveraging (in
    ///   invariant_onlyUndercollateralizedLiquidated's prediction), and no liquidation left
    ///   uncovered debt (the liquidator's share is capped at what equity + fund can bear);
    /// - the keeper deleverages bankrupt accounts right after settleSeries and before every
    ///   settlement call, and no settlement left uncovered debt on an account that was bankrupt
    ///   with a position when the call started unless every opposite counterparty had just refused
    ///   one contract with CounterpartyWouldBeBankrupt.
    function invariant_noSilentBadDebt() public view {
        address[] memory accounts = handler.accounts();
        uint256 negativeFlat;
        uint256 owed;
        for (uint256 i = 0; i <= accounts.length; ++i) {
            address account = i < accounts.length ? accounts[i] : handler.SINK();
            int256 cash = vault.cashOf(account);
            uint256 debt = handler.reportedDebt(account);
            owed += debt;
            if (market.openSeriesOf(account).length == 0 && cash < 0) {
                negativeFlat += uint256(-cash);
                assertEq(uint256(-cash), debt, "a flat account's negative cash == its reported uncovered debt");
            } else {
                assertEq(debt, 0, "an account with a position or cash >= 0 owes no reported debt");
            }
        }
        assertEq(
            negativeFlat,
            handler.ghostUncoveredReported() - handler.ghostDebtRepaid(),
            "negative cash of flat accounts == BadDebt uncovered - repaid"
        );
        assertEq(owed, negativeFlat, "reported debts sum to the flat accounts' negative cash");
        if (handler.deleverageMismatches() != 0) {
            revert(string.concat("a deleveraging differs from the model: ", _hex(handler.lastUnexpected())));
        }
        if (handler.unexpectedDeleverageRefusals() != 0) {
            revert(string.concat("unexpected deleveraging refusal: ", _hex(handler.lastUnexpected())));
        }
        if (handler.liquidationUncoveredDebts() != 0) {
            revert(string.concat("a liquidation left uncovered debt: ", _hex(handler.lastUnexpected())));
        }
        if (handler.deleverageableDebtsSettled() != 0) {
            revert(string.concat("settled with debt a counterparty could take: ", _hex(handler.lastUnexpected())));
        }
    }

    /// @notice After each run: the run traded at least once; then the handler finishes the
    /// lifecycle (expiry, settleSeries, the keeper's deleveraging in the delay window, the
    /// accounts in debt settled one by one with a keeper pass before each, then every account in
    /// random batches) and every invariant must hold on the settled market too. Finishing leaves
    /// no uncovered debt that a batch drained from the fund (each debtor settles alone), so any
    /// uncovered settlement debt it adds is of an account no opposite position could take.
    function afterInvariant() public {
        // A run whose random calls never traded is uninformative, not wrong (test_lifecycleCoverage
        // asserts that every path is reached): it is still taken through its lifecycle below.
        uint256 drained = handler.batchDrainedDebts();
        handler.finishLifecycle(handler.calls());
        if (!handler.allSettled()) revert(string.concat("the lifecycle did not finish:", _statsLine()));
        assertEq(handler.batchDrainedDebts(), drained, "finishing drained the fund within a batch");
        invariant_onlyUndercollateralizedLiquidated();
        invariant_settledPnlSumsToZero();
        invariant_vaultSolventThroughLifecycle();
        invariant_zeroSumThroughLifecycle();
        invariant_noSilentBadDebt();
    }

    // ------------------------------------------------------------ deterministic coverage

    /// @notice A fixed sequence through the whole lifecycle: leveraged trading, index moves and
    /// time, liquidation attempts on healthy accounts (refused), a crash all four relayers sign
    /// against the most leveraged trader, liquidations by the keeper and deleveraging of the
    /// accounts in debt beyond the fund until nobody under water can be helped, more trading and
    /// a second crash on an emptied fund (liquidation refused NeedsDeleveraging, the keeper
    /// deleverages), deleveraging refused to anyone without the role, settleSeries refused before
    /// expiry, trading and liquidation refused after it, a crash inside the settlement window,
    /// then settleSeries (the keeper deleverages at the settlement price), settlement refused
    /// during the delay window, and every account settled after it. Set FM_INVARIANT_STATS=true to
    /// print the counters.
    function test_lifecycleCoverage() public {
        for (uint256 i = 0; i < 40; ++i) {
            _randomStep(uint256(keccak256(abi.encode("lifecycle-coverage", i))));
        }
        assertGt(handler.tradesOk(), handler.matchedTrades(), "fills happened");
        assertGt(handler.matchedTrades(), 0, "matched trades happened");

        // A slide: 5% steps (3 relayers) against the most leveraged trader until someone is
        // under water, then the keeper liquidates what the market allows (a partial liquidation).
        bool long = _againstMostLeveraged();
        for (uint256 i = 0; i < 6 && handler.underwaterAccounts() == 0; ++i) {
            handler.moveIndex(long ? 0 : 1000, 0, 1);
        }
        for (uint256 i = 0; i < 6 && handler.underwaterAccounts() != 0; ++i) {
            handler.liquidate(i, 0, 0, 1);
        }
        assertGt(handler.partialChecked(), 0, "a partial liquidation restored initial margin");

        // The crash: every relayer signs a 35% move against the most leveraged trader; the keeper
        // liquidates and deleverages.
        handler.moveIndex(3500, 0, _againstMostLeveraged() ? 4 : 0);
        assertGt(handler.underwaterAccounts(), 0, "the crash put an account under water");
        _rescue();
        for (uint256 i = 0; i < 6; ++i) {
            handler.liquidate(i, 0, 0, 4); // any account: healthy ones are refused
        }

        // More trading, then a second crash: the fund cannot cover the debt, the liquidation is
        // refused NeedsDeleveraging and the keeper deleverages.
        for (uint256 i = 0; i < 16; ++i) {
            uint256 r = uint256(keccak256(abi.encode("lifecycle-coverage-2", i)));
            handler.trade(r, uint256(keccak256(abi.encode(r, 1))), uint256(keccak256(abi.encode(r, 2))));
        }
        _crash();
        for (uint256 i = 0; i < 6; ++i) {
            handler.liquidate(i, 0, 0, 1);
        }
        // Before the keeper comes, the others trade at full leverage at the new price: a
        // counterparty that cannot pay for everything.
        for (uint256 i = 0; i < 5; ++i) {
            handler.deposit(i, 2_000 * USD);
        }
        for (uint256 i = 0; i < 12; ++i) {
            uint256 r = uint256(keccak256(abi.encode("lifecycle-coverage-4", i)));
            handler.trade(r, 100, 10_000);
        }
        _rescue();
        for (uint256 i = 0; i < 5; ++i) {
            handler.deposit(i, 1_500 * USD);
        }
        for (uint256 i = 0; i < 16; ++i) {
            uint256 r = uint256(keccak256(abi.encode("lifecycle-coverage-3", i)));
            handler.trade(r, uint256(keccak256(abi.encode(r, 1))), uint256(keccak256(abi.encode(r, 2))));
        }
        for (uint256 i = 0; i < 5; ++i) {
            handler.deposit(0, 2_000 * USD); // one trader well funded: it survives the next crash
        }
        assertGt(handler.needsDeleveragingRefusals(), 0, "a liquidation was refused NeedsDeleveraging");
        assertGt(handler.deleveragesOk(), 0, "deleveraging happened");
        for (uint256 i = 0; i < 12; ++i) {
            handler.deleverage(i, i, i * 7, 1 + i * 13); // random attempts: refusals predicted
        }
        address outsider = address(0xBAD);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, outsider, market.DELEVERAGER_ROLE()
            )
        );
        vm.prank(outsider);
        market.deleverage(address(1), series, address(2), 1);

        // Expiry: settleSeries and settle are refused until then, trading after the last
        // trading time, liquidation after expiry. A crash inside the settlement window leaves
        // accounts in debt at the settlement price: the keeper deleverages them at settleSeries.
        handler.settleSeries();
        handler.settle(1, 1);
        bool crashed;
        for (uint256 i = 0; i < 30 && !handler.seriesSettled(); ++i) {
            handler.advanceLifecycle(uint256(keccak256(abi.encode("step", i))), i * 37);
            if (block.timestamp >= handler.lastTradingTime()) handler.trade(i, 5, 10_000);
            bool inWindow = block.timestamp >= handler.windowStart() && block.timestamp + 20 minutes < handler.expiry();
            if (!crashed && inWindow) {
                handler.moveIndex(1500, 0, _againstMostLeveraged() ? 4 : 0);
                crashed = true;
            }
        }
        assertEq(handler.settleSeriesOk(), 1, "settleSeries succeeded once");
        handler.liquidate(0, 1, 0, 4);
        handler.settleSeries();
        handler.settle(2, 2); // the delay window: refused
        assertGt(handler.settlementNotOpenRefusals(), 0, "settlement refused during the delay window");
        for (uint256 i = 0; i < 10 && block.timestamp < handler.opensAt(); ++i) {
            handler.advanceLifecycle(uint256(keccak256(abi.encode("wait", i))), i * 41);
        }
        for (uint256 i = 0; i < 40 && !handler.allSettled(); ++i) {
            handler.settle(i, i);
        }
        if (_statsRequested()) console.log(_statsLine());

        assertGt(handler.liquidationsOk(), 0, "liquidations happened");
        assertGt(handler.badDebts(), 0, "bad debt was met");
        assertGt(handler.notLiquidatableRefusals(), 0, "healthy accounts were refused");
        assertGt(handler.deleveragedToZero(), 0, "a deleveraging closed an account out at zero");
        assertGt(handler.deleveragesAfterSettle(), 0, "the keeper deleveraged at the settlement price");
        assertGt(handler.deleverageRefusals(), 0, "deleveraging refusals were predicted");
        assertGt(handler.counterpartyBankruptRefusals(), 0, "a counterparty that could not pay was refused");
        assertGt(handler.refusals(IFuturesMarket.SeriesNotExpired.selector), 0, "settleSeries refused before expiry");
        assertGt(handler.refusals(IFuturesMarket.SeriesNotSettled.selector), 0, "settling refused before settleSeries");
        assertGt(handler.refusals(IFuturesMarket.SeriesAlreadySettled.selector), 0, "a second settleSeries refused");
        assertGt(handler.refusals(IFuturesMarket.TradingClosed.selector), 0, "trading refused after its end");
        assertGt(handler.refusals(IFuturesMarket.LiquidationClosed.selector), 0, "liquidation refused after expiry");
        assertTrue(handler.allSettled(), "every account settled");
        assertGt(handler.accountsSettled(), 1, "accounts settled");

        invariant_onlyUndercollateralizedLiquidated();
        invariant_settledPnlSumsToZero();
        invariant_vaultSolventThroughLifecycle();
        invariant_zeroSumThroughLifecycle();
        invariant_noSilentBadDebt();
    }

    /// @dev One random handler action of the coverage test's opening.
    function _randomStep(uint256 r) internal {
        uint256 x = uint256(keccak256(abi.encode(r, 1)));
        uint256 y = uint256(keccak256(abi.encode(r, 2)));
        uint256 z = uint256(keccak256(abi.encode(r, 3)));
        uint256 action = r % 8;
        if (action < 2) handler.trade(x, y, z);
        else if (action < 4) handler.matchTrade(x, y, z);
        else if (action == 4) handler.moveIndex(x, y, 1 + z % 3); // within the breaker
        else if (action == 5) handler.jumpTime(x);
        else if (action == 6) handler.liquidate(x, y, z, 0); // any account, any liquidator
        else handler.withdraw(x, y, z);
    }

    /// @dev Two 40% moves in a row (every relayer signs) against the most leveraged trader.
    function _crash() internal {
        handler.moveIndex(4000, 0, _againstMostLeveraged() ? 4 : 0);
        handler.moveIndex(4000, 0, _againstMostLeveraged() ? 4 : 0);
    }

    /// @dev The keeper liquidates (everything) and deleverages until nobody under water is left
    /// but the bankrupt accounts no counterparty can take over.
    function _rescue() internal {
        for (uint256 i = 0; i < 20 && handler.underwaterAccounts() != 0; ++i) {
            handler.liquidate(i, 0, 0, 1); // an account under water, by the keeper, everything
            handler.keeperDeleverage();
        }
    }

    /// @dev Whether the most leveraged trader (|size| x index / equity) is long: the crash then
    /// goes down.
    function _againstMostLeveraged() internal view returns (bool long) {
        address[] memory accounts = handler.accounts();
        uint256 best;
        for (uint256 i = 0; i < 5; ++i) {
            int256 size = market.positionOf(accounts[i], series).size;
            if (size == 0) continue;
            int256 equity = vault.accountMargin(accounts[i]).equity;
            uint256 leverage = (size < 0 ? uint256(-size) : uint256(size)) * 1e18 / (equity > 1 ? uint256(equity) : 1);
            if (leverage > best) (best, long) = (leverage, size > 0);
        }
    }

    // ------------------------------------------------------------ reporting

    function _statsLine() internal view returns (string memory s) {
        s = _kv("", "calls", handler.calls());
        s = _kv(s, "trades", handler.tradesOk());
        s = _kv(s, "matched", handler.matchedTrades());
        s = _kv(s, "contracts", handler.contractsTraded());
        s = _kv(s, "tradeRefusals", handler.tradeRefusals());
        s = _kv(s, "marginRefusals", handler.marginRefusals());
        s = _kv(s, "tradingClosed", handler.tradingClosedRefusals());
        s = _kv(s, "indexMoves", handler.indexMoves());
        s = _kv(s, "crashes", handler.crashes());
        s = _kv(s, "timeJumps", handler.timeJumps());
        s = _kv(s, "lifecycleSteps", handler.lifecycleSteps());
        s = _kv(s, "liquidations", handler.liquidationsOk());
        s = _kv(s, "partial", handler.partialLiquidations());
        s = _kv(s, "partialChecked", handler.partialChecked());
        s = _kv(s, "full", handler.fullLiquidations());
        s = _kv(s, "liqRefusals", handler.liquidationRefusals());
        s = _kv(s, "notLiquidatable", handler.notLiquidatableRefusals());
        s = _kv(s, "liquidatorMargin", handler.liquidatorMarginRefusals());
        s = _kv(s, "badDebts", handler.badDebts());
        s = _kv(s, "uncovered", handler.uncoveredBadDebts());
        s = _kv(s, "settlementBadDebts", handler.settlementBadDebts());
        s = _kv(s, "silentSettlementBadDebts", handler.silentSettlementBadDebts());
        s = _kv(s, "settleSeriesOk", handler.settleSeriesOk());
        s = _kv(s, "settleSeriesRefused", handler.settleSeriesRefused());
        s = _kv(s, "settleCallsOk", handler.settleCallsOk());
        s = _kv(s, "settleRefusals", handler.settleRefusals());
        s = _kv(s, "accountsSettled", handler.accountsSettled());
        s = _kv(s, "deposits", handler.depositsOk());
        s = _kv(s, "withdrawals", handler.withdrawalsOk());
        s = _kv(s, "withdrawalsRefused", handler.withdrawalsRefused());
        s = _kv(s, "insuranceFundings", handler.insuranceFundings());
        s = _kv(s, "needsDeleveraging", handler.needsDeleveragingRefusals());
        s = _kv(s, "deleverages", handler.deleveragesOk());
        s = _kv(s, "deleveragedContracts", handler.deleveragedContracts());
        s = _kv(s, "deleveragedToZero", handler.deleveragedToZero());
        s = _kv(s, "deleveragesAfterSettle", handler.deleveragesAfterSettle());
        s = _kv(s, "deleverageRefusals", handler.deleverageRefusals());
        s = _kv(s, "cpWouldBeBankrupt", handler.counterpartyBankruptRefusals());
        s = _kv(s, "keeperPasses", handler.keeperPasses());
        s = _kv(s, "keeperDeleverages", handler.keeperDeleverages());
        s = _kv(s, "certifications", handler.certifications());
        s = _kv(s, "deficitShares", handler.deficitSharesPaid());
        s = _kv(s, "undeleverageableDebts", handler.undeleverageableDebts());
        s = _kv(s, "batchDrainedDebts", handler.batchDrainedDebts());
        s = _kv(s, "liquidationUncovered", handler.liquidationUncoveredDebts());
        s = _kv(s, "settlementNotOpen", handler.settlementNotOpenRefusals());
        s = _kv(s, "earlyDebtorSettled", handler.earlyDebtorSettlements());
    }
}
