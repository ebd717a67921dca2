// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {console} from "hardhat/console.sol";

import {IFuturesMarket} from "../../contracts/interfaces/IFuturesMarket.sol";
import {IIndexOracle} from "../../contracts/interfaces/IIndexOracle.sol";
import {IMarginVault} from "../../contracts/interfaces/IMarginVault.sol";
import {FuturesMarket} from "../../contracts/market/FuturesMarket.sol";
import {MockUSD} from "../../contracts/mocks/MockUSD.sol";
import {IndexOracle} from "../../contracts/oracle/IndexOracle.sol";
import {MarginVault} from "../../contracts/vault/MarginVault.sol";
import {MarketHandlerBase, MarketTestBase} from "./MarketTestBase.sol";

/// @notice What the handler knows about one order it signed.
/// @param filled contracts of the order that fills the handler saw succeed
/// @param cancelled the trader cancelled it with cancelOrder (filledOf is then the sentinel)
/// @param voided cancelled individually or by nonce (cancelAllBelow)
/// @param filledAtVoid `filled` at the moment it was voided
/// @param lastFillAt block time of its last successful fill (0: never filled)
struct OrderGhost {
    bytes32 hash;
    uint64 size;
    uint64 expiry;
    uint256 filled;
    bool cancelled;
    bool voided;
    uint256 filledAtVoid;
    uint256 lastFillAt;
}

/// @title MarketHandler
/// @notice Drives a FuturesMarket (one oracle feed, two series, five traders) for the invariant
/// tests: makers' orders signed with `vm.sign` and filled by another trader, matches of two
/// fresh signed orders, partial fills and matches of orders signed earlier (overfilling,
/// cancelled, nonce-cancelled and expired ones included), cancellations, index moves signed by
/// the feed's relayers, time jumps that keep the index fresh, deposits and withdrawals.
/// @dev With `fail-on-revert` no action may revert: every call the market or the vault may
/// legitimately refuse is made in try/catch. Before each such call the handler predicts the
/// deterministic refusals (expiry, nonce, cancellation, overfill, self-trade, post-only, limit,
/// reduce-only, a stranger's cancel, a withdrawal above the free collateral) with their exact
/// arguments; a margin refusal must name a side of the trade whose kind (risk-increasing or
/// reducing) and numbers justify it. Anything else counts as unexpected. After every successful
/// trade it records each side's margin (the invariants require zero violations).
contract MarketHandler is MarketHandlerBase {
    uint256 public constant N_RELAYERS = 3;
    uint256 internal constant TICK = 1e15;
    uint256 internal constant MIN_INDEX = 1e18;
    uint256 internal constant MAX_INDEX = 10e18;
    /// @dev Largest fill of one action, contracts (one contract is about 250 USD of notional).
    uint256 internal constant MAX_FILL = 100;
    /// @dev Smallest and largest deposit of one action.
    uint256 internal constant MIN_DEPOSIT = 1_000 * USD;
    uint256 internal constant MAX_DEPOSIT = 50_000 * USD;
    uint256 internal constant CANCELLED = type(uint256).max;
    uint8 internal constant POST_ONLY = 1;
    uint8 internal constant REDUCE_ONLY = 2;

    bytes32[] internal seriesIds;
    /// @dev The earliest lastTradingTime of the listed series: time never gets within a day of it.
    uint256 internal tradingEndsAt;

    struct Tracked {
        IFuturesMarket.Order order;
        bytes signature;
        OrderGhost ghost;
    }

    Tracked[] internal tracked;
    mapping(address trader => uint256) public ghostMinNonce;
    mapping(address trader => uint256) internal nextNonce;

    /// @notice The last trade of an account and the margin it ended with.
    struct LastTrade {
        bool riskIncreasing;
        int256 equity;
        uint256 initialMargin;
    }

    mapping(address trader => LastTrade) internal lastTrades;

    // ------------------------------------------------------------ ghost state
    // (also MarketHandlerBase: ghostDeposits, ghostWithdrawals, unexpectedOutcomes (a read after
    // an action that disagrees with the handler's model: filledOf after a fill, minNonceOf, the
    // stored index, a stale index after a refresh), withdrawalViolations (a withdrawal paid above
    // the free collateral reported just before it), lastUnexpected (the revert data of the last
    // unexpected refusal, or the predicted one that did not happen, for the failure message))

    /// @notice A successful fill of an order the handler knew to be cancelled, nonce-cancelled
    /// or expired.
    uint256 public fillsWhileVoid;
    /// @notice A call that succeeded although the handler predicted a deterministic refusal.
    uint256 public unexpectedSuccesses;
    /// @notice A refusal no rule explains, or with other arguments than predicted.
    uint256 public unexpectedRefusals;
    /// @notice A risk-increasing side that ended its trade with equity below initial margin.
    uint256 public marginViolations;
    /// @notice A risk-reducing side whose equity / maintenance ratio got worse.
    uint256 public ratioViolations;

    // ------------------------------------------------------------ coverage counters
    // (also MarketHandlerBase: calls, indexMoves, timeJumps, depositsOk, withdrawalsOk,
    // withdrawalsRefused, refusals by selector)

    uint256 public trades;
    uint256 public contractsTraded;
    uint256 public placeAndFillOk;
    uint256 public matchNewOk;
    uint256 public partialFillOk;
    uint256 public matchSignedOk;
    uint256 public riskIncreasingSides;
    uint256 public riskReducingSides;
    uint256 public tradeRefusals;
    uint256 public marginRefusals;
    uint256 public ratioRefusals;
    uint256 public orderRefusals;
    uint256 public cancels;
    uint256 public cancelAlls;
    uint256 public strangerCancelsRefused;

    constructor(
        FuturesMarket market_,
        MarginVault vault_,
        IndexOracle oracle_,
        MockUSD usd_,
        bytes32 feed_,
        uint256[] memory relayerKeys_,
        uint256[] memory traderKeys_
    ) MarketHandlerBase(market_, vault_, oracle_, usd_, feed_, relayerKeys_, traderKeys_) {
        require(relayerKeys_.length == N_RELAYERS && traderKeys_.length == N_TRADERS, "key counts");
    }

    // ------------------------------------------------------------ set-up (not fuzzed)

    /// @notice Stores the first round of the feed.
    function start(uint256 initialIndex) external {
        _report(initialIndex, 0);
        clock = block.timestamp;
    }

    function addSeries(bytes32 id, uint256 lastTradingTime) external {
        seriesIds.push(id);
        if (tradingEndsAt == 0 || lastTradingTime < tradingEndsAt) tradingEndsAt = lastTradingTime;
    }

    /// @notice Funds trader `i` and deposits `amount` for it.
    function fund(uint256 i, uint256 amount) external {
        _mintAndDeposit(accountList[i], amount, type(uint256).max);
    }

    // ------------------------------------------------------------ reads for the invariants

    function traders() external view returns (address[] memory) {
        return accountList;
    }

    function allSeries() external view returns (bytes32[] memory) {
        return seriesIds;
    }

    function orderCount() external view returns (uint256) {
        return tracked.length;
    }

    function orderGhost(uint256 i) external view returns (OrderGhost memory) {
        return tracked[i].ghost;
    }

    function lastTrade(address trader) external view returns (LastTrade memory) {
        return lastTrades[trader];
    }

    // ------------------------------------------------------------ actions: trading

    /// @notice A trader signs a maker order near the index; another trader takes part or all
    /// of it with `fill`.
    function placeAndFill(uint256 seed, uint256 size, uint256 priceBps) external advancing {
        seed = _rand(seed, "call");
        Draft memory maker = _draft(seed, size, priceBps);
        uint256 takerIx;
        (maker.traderIx, takerIx) = _pair(seed);
        if (_attempt(_newOrder(maker), NONE, accountList[takerIx], maker.fill)) ++placeAndFillOk;
    }

    /// @notice Two traders sign crossing orders (now and then a taker that does not reach the
    /// maker's price, or is post-only) and anyone matches them.
    function matchNewOrders(uint256 seed, uint256 size, uint256 priceBps) external advancing {
        seed = _rand(seed, "call");
        Draft memory maker = _draft(seed, size, priceBps);
        uint256 takerIx;
        (maker.traderIx, takerIx) = _pair(seed);
        Draft memory taker = Draft({
            seed: _rand(seed, "taker"),
            traderIx: takerIx,
            seriesIx: maker.seriesIx,
            isBuy: !maker.isBuy,
            size: maker.fill + uint64(_rand(seed, "taker extra") % (uint256(maker.fill) + 1)),
            fill: maker.fill,
            price: _takerLimit(_rand(seed, "through"), maker.isBuy, maker.price)
        });
        maker.size = maker.fill + uint64(_rand(seed, "extra") % 4);
        uint256 makerIdx = _newOrder(maker);
        uint256 takerIdx = _newOrder(taker);
        if (_attempt(makerIdx, takerIdx, accountList[taker.traderIx], maker.fill)) ++matchNewOk;
    }

    /// @dev A taker's limit at or through the maker's price, one time in twelve a tick short.
    function _takerLimit(uint256 r, bool makerBuys, uint96 price) internal pure returns (uint96) {
        if (r % 12 == 0) return makerBuys ? price + uint96(TICK) : price - uint96(TICK);
        uint96 ticks = uint96((r >> 8) % 5) * uint96(TICK);
        return makerBuys ? (price > ticks + TICK ? price - ticks : price) : price + ticks;
    }

    /// @notice Another trader takes part of an order signed earlier: within what remains, or
    /// (one time in five) beyond it. The order may be cancelled, nonce-cancelled or expired.
    /// Now and then its own trader tries (a self-trade).
    function fillSignedOrder(uint256 orderSeed, uint256 takerSeed, uint256 size, uint256 mode) external advancing {
        if (tracked.length == 0) return;
        uint256 i = _pick(orderSeed);
        Tracked storage t = tracked[i];
        uint256 takerIx = _rand(takerSeed, "taker") % N_TRADERS;
        if (accountList[takerIx] == t.order.trader) takerIx = (takerIx + 1) % N_TRADERS;
        // One time in six the order's own trader tries to take it (a self-trade, refused).
        address taker = mode % 6 == 1 ? t.order.trader : accountList[takerIx];
        uint256 remaining = t.ghost.filled >= t.order.size ? 0 : t.order.size - t.ghost.filled;
        uint64 fillSize = uint64(
            mode % 5 == 0 || remaining == 0 ? remaining + bound(size, 1, 3) : bound(size, 1, remaining)
        );
        if (_attempt(i, NONE, taker, fillSize)) ++partialFillOk;
    }

    /// @notice Two orders signed earlier (same series, opposite sides, different traders) are
    /// matched: within what both have left, or (one time in five) beyond it. Three times in four
    /// the taker is looked for among live orders whose limit reaches the maker's price.
    function matchSignedOrders(uint256 makerSeed, uint256 takerSeed, uint256 size, uint256 mode) external advancing {
        if (tracked.length < 2) return;
        uint256 i = _pick(makerSeed);
        uint256 j = _counterOrder(i, _rand(takerSeed, "taker"));
        if (j == NONE) return;
        uint256 left = _remaining(i) < _remaining(j) ? _remaining(i) : _remaining(j);
        uint64 fillSize = uint64(mode % 5 == 0 || left == 0 ? left + bound(size, 1, 3) : bound(size, 1, left));
        if (_attempt(i, j, tracked[j].order.trader, fillSize)) ++matchSignedOk;
    }

    /// @dev An order that may take order `i`: among 32 probes (mostly the newest orders), the
    /// first one of the same series, the other side and another trader; when `r` says so, also
    /// live, unfilled and reaching i's price.
    function _counterOrder(uint256 i, uint256 r) internal view returns (uint256) {
        uint256 n = tracked.length;
        IFuturesMarket.Order storage maker = tracked[i].order;
        bool crossing = r % 4 != 0;
        for (uint256 k = 0; k < 32; ++k) {
            uint256 c = k < 16 ? n - 1 - (r + k) % (n < 16 ? n : 16) : (r % n + k * 7919) % n;
            IFuturesMarket.Order storage o = tracked[c].order;
            if (o.series != maker.series || o.isBuy == maker.isBuy || o.trader == maker.trader) continue;
            if (
                crossing
                    && (
                        _useError(c, 1).length != 0
                            || (o.isBuy ? maker.limitPrice > o.limitPrice : maker.limitPrice < o.limitPrice)
                    )
            ) continue;
            return c;
        }
        return NONE;
    }

    /// @notice A trader cancels one of its orders; one time in five a stranger tries (refused).
    function cancelOrder(uint256 orderSeed, uint256 mode) external advancing {
        if (tracked.length == 0) return;
        Tracked storage t = tracked[_pick(orderSeed)];
        IFuturesMarket.Order memory o = t.order;
        if (mode % 5 == 0) {
            address stranger = accountList[(mode / 5) % N_TRADERS];
            if (stranger == o.trader) stranger = accountList[((mode / 5) + 1) % N_TRADERS];
            bytes memory want = abi.encodeWithSelector(IFuturesMarket.NotTrader.selector, stranger, o.trader);
            vm.prank(stranger);
            try market.cancelOrder(o) {
                ++unexpectedSuccesses;
                lastUnexpected = want;
            } catch (bytes memory reason) {
                if (keccak256(reason) != keccak256(want)) _unexpected(reason);
                ++refusals[bytes4(reason)];
                ++strangerCancelsRefused;
            }
            return;
        }
        vm.prank(o.trader);
        market.cancelOrder(o); // never refused for the order's own trader
        _void(t);
        t.ghost.cancelled = true;
        if (market.filledOf(t.ghost.hash) != CANCELLED) ++unexpectedOutcomes;
        ++cancels;
    }

    /// @notice A trader voids its orders below a nonce: up to three nonces above its current
    /// minimum (its oldest orders), or one below it (no change).
    function cancelAllBelow(uint256 who, uint256 minNonce) external advancing {
        address trader = accountList[who % N_TRADERS];
        uint256 current = ghostMinNonce[trader];
        minNonce = bound(minNonce, current == 0 ? 0 : current - 1, current + 3);
        vm.prank(trader);
        market.cancelAllBelow(minNonce);
        if (minNonce > ghostMinNonce[trader]) ghostMinNonce[trader] = minNonce;
        uint256 min = ghostMinNonce[trader];
        if (market.minNonceOf(trader) != min) ++unexpectedOutcomes;
        for (uint256 i = 0; i < tracked.length; ++i) {
            if (tracked[i].order.trader == trader && tracked[i].order.nonce < min) _void(tracked[i]);
        }
        ++cancelAlls;
    }

    // ------------------------------------------------------------ actions: index, time, cash

    /// @notice The relayers report a new index within maxMoveBps of the last one, at least
    /// minUpdateInterval after it.
    function moveIndex(uint256 moveBps, uint256 gap, uint256 spreadBps) external advancing {
        uint256 next = _max(block.timestamp, lastReportAt + MIN_INTERVAL) + bound(gap, 0, 600);
        if (next + 1 days >= tradingEndsAt) return;
        vm.warp(next);
        int256 move = int256(bound(moveBps, 0, 2 * MAX_MOVE_BPS)) - int256(MAX_MOVE_BPS);
        uint256 value = index * uint256(int256(BPS) + move) / BPS;
        if (value < MIN_INDEX) value = MIN_INDEX;
        if (value > MAX_INDEX) value = MAX_INDEX;
        _report(value, spreadBps);
        ++indexMoves;
    }

    /// @notice Time passes (up to two hours); the relayers then report the same index again so
    /// it stays fresh (within a minute of the last report it still is).
    function jumpTime(uint256 secs) external advancing {
        uint256 next = block.timestamp + bound(secs, 1, 2 hours);
        if (next + 1 days >= tradingEndsAt) return;
        vm.warp(next);
        if (block.timestamp >= lastReportAt + MIN_INTERVAL) _report(index, 0);
        if (oracle.isStale(feed)) ++unexpectedOutcomes;
        ++timeJumps;
    }

    /// @notice A trader deposits tokens it minted.
    function deposit(uint256 who, uint256 amount) external advancing {
        address trader = accountList[who % N_TRADERS];
        amount = bound(amount, MIN_DEPOSIT, MAX_DEPOSIT);
        usd.mint(trader, amount);
        vm.prank(trader);
        vault.deposit(amount);
        ghostDeposits += amount;
        ++depositsOk;
    }

    /// @notice A trader withdraws: all its free collateral, one unit more, up to a quarter of it,
    /// or any amount. Above the free collateral it must be refused; within it, paid unless the
    /// vault is short of tokens (other accounts' losses not yet paid in).
    function withdraw(uint256 who, uint256 amount, uint256 mode) external advancing {
        address trader = accountList[who % N_TRADERS];
        IMarginVault.AccountMargin memory before = vault.accountMargin(trader);
        uint256 free = before.freeCollateral;
        mode %= 8;
        if (mode == 0 && free != 0) amount = free;
        else if (mode == 1) amount = free + 1;
        else if (mode < 6 && free != 0) amount = bound(amount, 1, free < MIN_DEPOSIT ? free : free / 4);
        else amount = bound(amount, 1, 2 * free + MAX_DEPOSIT);
        uint256 held = usd.balanceOf(address(vault));
        vm.prank(trader);
        try vault.withdraw(amount, SINK) {
            if (amount > free || before.indexStale) ++withdrawalViolations;
            if (vault.cashOf(trader) != before.cash - int256(amount)) ++unexpectedOutcomes;
            ghostWithdrawals += amount;
            ++withdrawalsOk;
        } catch (bytes memory reason) {
            bytes memory want;
            if (amount > free) {
                want = abi.encodeWithSelector(
                    IMarginVault.InsufficientFreeCollateral.selector, trader, amount, free
                );
            } else if (amount > held) {
                want = abi.encodeWithSelector(
                    IERC20Errors.ERC20InsufficientBalance.selector, address(vault), held, amount
                );
            }
            if (want.length == 0 || keccak256(reason) != keccak256(want)) _unexpected(reason);
            ++refusals[bytes4(reason)];
            ++withdrawalsRefused;
        }
    }

    // ------------------------------------------------------------ trades

    /// @dev One trade attempt and what the handler knew just before it.
    struct Attempt {
        uint256 makerIdx;
        uint256 takerIdx; // NONE: a direct fill by `taker`
        address maker;
        address taker;
        uint64 size;
        int256 makerBefore;
        int256 takerBefore;
        bool makerReducing;
        bool takerReducing;
        int256 makerEquity;
        uint256 makerMaintenance;
        int256 takerEquity;
        uint256 takerMaintenance;
        bytes want;
    }

    /// @dev Tries a fill (takerIdx == NONE) or a match and checks the outcome against the
    /// prediction. Returns whether the trade happened.
    function _attempt(uint256 makerIdx, uint256 takerIdx, address taker, uint64 size) internal returns (bool ok) {
        Attempt memory a;
        a.makerIdx = makerIdx;
        a.takerIdx = takerIdx;
        a.taker = taker;
        a.size = size;
        IFuturesMarket.Order memory mo = tracked[makerIdx].order;
        a.maker = mo.trader;
        int256 makerDelta = mo.isBuy ? int256(uint256(size)) : -int256(uint256(size));
        a.makerBefore = market.positionOf(a.maker, mo.series).size;
        a.takerBefore = market.positionOf(taker, mo.series).size;
        a.makerReducing = _reducing(a.makerBefore, makerDelta);
        a.takerReducing = _reducing(a.takerBefore, -makerDelta);
        IMarginVault.AccountMargin memory m = vault.accountMargin(a.maker);
        (a.makerEquity, a.makerMaintenance) = (m.equity, m.maintenanceMargin);
        m = vault.accountMargin(taker);
        (a.takerEquity, a.takerMaintenance) = (m.equity, m.maintenanceMargin);
        a.want = _predict(a, mo, makerDelta);

        bytes memory reason;
        (ok, reason) = _call(a, mo);
        if (ok) _onTrade(a);
        else _onRefusal(a, reason);
    }

    function _call(Attempt memory a, IFuturesMarket.Order memory mo) internal returns (bool ok, bytes memory reason) {
        bytes memory makerSig = tracked[a.makerIdx].signature;
        if (a.takerIdx == NONE) {
            vm.prank(a.taker);
            try market.fill(mo, makerSig, a.size) {
                ok = true;
            } catch (bytes memory r) {
                reason = r;
            }
        } else {
            IFuturesMarket.Order memory to = tracked[a.takerIdx].order;
            bytes memory takerSig = tracked[a.takerIdx].signature;
            try market.matchOrders(mo, makerSig, to, takerSig, a.size) {
                ok = true;
            } catch (bytes memory r) {
                reason = r;
            }
        }
    }

    /// @dev The refusal the market must give, in its order of checks, or "" when only a margin
    /// refusal may happen.
    function _predict(Attempt memory a, IFuturesMarket.Order memory mo, int256 makerDelta)
        internal
        view
        returns (bytes memory want)
    {
        want = _useError(a.makerIdx, a.size);
        if (want.length != 0) return want;
        if (a.takerIdx == NONE && a.taker == a.maker) {
            return abi.encodeWithSelector(IFuturesMarket.SelfTrade.selector, a.taker);
        }
        if (a.takerIdx != NONE) {
            want = _useError(a.takerIdx, a.size);
            if (want.length != 0) return want;
            IFuturesMarket.Order memory to = tracked[a.takerIdx].order;
            if (to.flags & POST_ONLY != 0) {
                bytes32 takerHash = tracked[a.takerIdx].ghost.hash;
                return abi.encodeWithSelector(IFuturesMarket.PostOnlyWouldTake.selector, takerHash);
            }
            if (to.isBuy ? mo.limitPrice > to.limitPrice : mo.limitPrice < to.limitPrice) {
                return abi.encodeWithSelector(
                    IFuturesMarket.PriceThroughLimit.selector, uint256(mo.limitPrice), uint256(to.limitPrice), to.isBuy
                );
            }
        }
        if (mo.flags & REDUCE_ONLY != 0 && !a.makerReducing) {
            return abi.encodeWithSelector(
                IFuturesMarket.ReduceOnlyWouldIncrease.selector,
                tracked[a.makerIdx].ghost.hash,
                a.makerBefore,
                a.makerBefore + makerDelta
            );
        }
        if (a.takerIdx != NONE && tracked[a.takerIdx].order.flags & REDUCE_ONLY != 0 && !a.takerReducing) {
            return abi.encodeWithSelector(
                IFuturesMarket.ReduceOnlyWouldIncrease.selector,
                tracked[a.takerIdx].ghost.hash,
                a.takerBefore,
                a.takerBefore - makerDelta
            );
        }
    }

    /// @dev The order checks of `_useOrder`, in the market's order.
    function _useError(uint256 i, uint64 size) internal view returns (bytes memory) {
        Tracked storage t = tracked[i];
        bytes32 hash = t.ghost.hash;
        if (block.timestamp > t.order.expiry) {
            return abi.encodeWithSelector(IFuturesMarket.OrderExpired.selector, hash, uint256(t.order.expiry));
        }
        uint256 min = ghostMinNonce[t.order.trader];
        if (t.order.nonce < min) {
            return abi.encodeWithSelector(
                IFuturesMarket.OrderNonceCancelled.selector, t.order.trader, t.order.nonce, min
            );
        }
        if (t.ghost.cancelled) return abi.encodeWithSelector(IFuturesMarket.OrderIsCancelled.selector, hash);
        if (t.ghost.filled + size > t.order.size) {
            return abi.encodeWithSelector(
                IFuturesMarket.OrderOverfilled.selector, hash, t.ghost.filled, uint256(size), uint256(t.order.size)
            );
        }
        return "";
    }

    function _onTrade(Attempt memory a) internal {
        if (a.want.length != 0) {
            ++unexpectedSuccesses;
            lastUnexpected = a.want;
        }
        _recordFill(a.makerIdx, a.size);
        if (a.takerIdx != NONE) _recordFill(a.takerIdx, a.size);
        _checkSide(a.maker, a.makerReducing, a.makerEquity, a.makerMaintenance);
        _checkSide(a.taker, a.takerReducing, a.takerEquity, a.takerMaintenance);
        ++trades;
        contractsTraded += a.size;
    }

    function _onRefusal(Attempt memory a, bytes memory reason) internal {
        bytes4 selector = bytes4(reason);
        ++refusals[selector];
        ++tradeRefusals;
        if (a.want.length != 0) {
            if (keccak256(reason) != keccak256(a.want)) _unexpected(reason);
            ++orderRefusals;
            return;
        }
        if (
            selector == IFuturesMarket.InsufficientMargin.selector
                || selector == IFuturesMarket.MarginRatioWorse.selector
        ) {
            Side memory maker = Side(a.maker, a.makerReducing, a.makerEquity, a.makerMaintenance);
            Side memory taker = Side(a.taker, a.takerReducing, a.takerEquity, a.takerMaintenance);
            if (!_marginRefusalJustified(selector, reason, maker, taker)) _unexpected(reason);
            if (selector == IFuturesMarket.InsufficientMargin.selector) ++marginRefusals;
            else ++ratioRefusals;
        } else {
            _unexpected(reason);
        }
    }

    function _recordFill(uint256 i, uint64 size) internal {
        Tracked storage t = tracked[i];
        if (t.ghost.voided || block.timestamp > t.order.expiry || t.order.nonce < ghostMinNonce[t.order.trader]) {
            ++fillsWhileVoid;
        }
        t.ghost.filled += size;
        t.ghost.lastFillAt = block.timestamp;
        if (market.filledOf(t.ghost.hash) != t.ghost.filled) ++unexpectedOutcomes;
    }

    /// @dev After a successful trade: a risk-increasing side must hold its initial margin, a
    /// reducing side must not have worsened its equity / maintenance ratio.
    function _checkSide(address account, bool reducing, int256 equityBefore, uint256 mmBefore) internal {
        IMarginVault.AccountMargin memory m = vault.accountMargin(account);
        if (!reducing) {
            lastTrades[account] = LastTrade(true, m.equity, m.initialMargin);
            if (m.equity < int256(m.initialMargin)) ++marginViolations;
            ++riskIncreasingSides;
        } else {
            lastTrades[account] = LastTrade(false, m.equity, m.initialMargin);
            if (m.equity * int256(mmBefore) < equityBefore * int256(m.maintenanceMargin)) ++ratioViolations;
            ++riskReducingSides;
        }
    }

    // ------------------------------------------------------------ orders

    /// @dev A new order to sign: its trader, series, side, size, price and the fill to try.
    struct Draft {
        uint256 seed;
        uint256 traderIx;
        uint256 seriesIx;
        bool isBuy;
        uint64 size;
        uint64 fill;
        uint96 price;
    }

    /// @dev A maker order from the action's inputs (the caller sets its trader): a random series
    /// and side, a fill of 1 to MAX_FILL contracts out of an order up to twice as large, a price
    /// near the index (see _price).
    function _draft(uint256 seed, uint256 size, uint256 priceBps) internal view returns (Draft memory d) {
        d.seed = seed;
        d.seriesIx = _rand(seed, "series") % seriesIds.length;
        d.isBuy = _rand(seed, "side") % 2 == 0;
        d.fill = uint64(bound(size, 1, MAX_FILL));
        d.size = d.fill + uint64(_rand(seed, "extra") % (uint256(d.fill) + 1));
        d.price = _price(priceBps, _rand(seed, "wide") % 8 == 0);
    }

    /// @dev Signs the drafted order and tracks it. Flags, expiry and nonce come from its seed:
    /// one order in ten is reduce-only, one in ten post-only, some expire soon or already have
    /// (see _expiry), and (once the trader has cancelled by nonce) one in twelve carries a
    /// voided nonce.
    function _newOrder(Draft memory d) internal returns (uint256 idx) {
        address trader = accountList[d.traderIx];
        uint256 r = _rand(d.seed, "order");
        uint256 min = ghostMinNonce[trader];
        uint256 nonce;
        if (min != 0 && (r >> 64) % 12 == 0) {
            nonce = (r >> 72) % min;
        } else {
            nonce = _max(nextNonce[trader], min);
            nextNonce[trader] = nonce + 1;
        }
        IFuturesMarket.Order memory o = IFuturesMarket.Order({
            trader: trader,
            series: seriesIds[d.seriesIx],
            isBuy: d.isBuy,
            size: d.size,
            limitPrice: d.price,
            expiry: _expiry(r >> 8),
            nonce: nonce,
            flags: r % 10 == 0 ? REDUCE_ONLY : (r % 10 == 1 ? POST_ONLY : 0)
        });
        bytes32 hash = market.orderHash(o);
        idx = tracked.length;
        Tracked storage t = tracked.push();
        t.order = o;
        t.signature = _signHash(accountKeys[d.traderIx], hash);
        t.ghost.hash = hash;
        t.ghost.size = o.size;
        t.ghost.expiry = o.expiry;
        if (nonce < min) _void(t);
    }

    /// @dev One order in 32 is already expired, one in eight lives at most an hour, the rest up
    /// to a week (an order fills up to and including its expiry second).
    function _expiry(uint256 r) internal view returns (uint64) {
        if (r % 32 == 0) return uint64(block.timestamp - 1);
        return uint64(block.timestamp + bound(r >> 8, 0, (r >> 5) % 8 == 0 ? 1 hours : 7 days));
    }

    function _void(Tracked storage t) internal {
        if (t.ghost.voided) return;
        t.ghost.voided = true;
        t.ghost.filledAtVoid = t.ghost.filled;
    }

    /// @dev A tracked order (there is at least one): three times in four one of the 16 newest
    /// (most still live), else any.
    function _pick(uint256 seed) internal view returns (uint256) {
        uint256 n = tracked.length;
        uint256 r = _rand(seed, "pick");
        if (r % 4 == 0) return (r >> 2) % n;
        return n - 1 - (r >> 2) % (n < 16 ? n : 16);
    }

    function _remaining(uint256 i) internal view returns (uint256) {
        Tracked storage t = tracked[i];
        return t.ghost.filled >= t.order.size ? 0 : t.order.size - t.ghost.filled;
    }

    // ------------------------------------------------------------ oracle

    /// @dev All relayers sign `value` (two of them up to spreadBps away on either side, so the
    /// median is `value`) observed now.
    function _report(uint256 value, uint256 spreadBps) internal {
        uint256 d = value * bound(spreadBps, 0, 10) / BPS;
        uint256[N_RELAYERS] memory values = [value - d, value + d, value];
        IIndexOracle.Observation[] memory observations = new IIndexOracle.Observation[](N_RELAYERS);
        for (uint256 i = 0; i < N_RELAYERS; ++i) {
            observations[i] = _observe(i, relayerKeys[i], values[i]);
        }
        _submit(observations, value);
    }

    // ------------------------------------------------------------ helpers

    /// @dev A price on tick within 2% of the index, or (wide) within 10%: far enough from the
    /// mark to move margin at once, so that reducing trades can worsen the margin ratio.
    function _price(uint256 bpsSeed, bool wide) internal view returns (uint96) {
        uint256 spread = wide ? 1000 : 200;
        uint256 bps = bound(bpsSeed, BPS - spread, BPS + spread);
        uint256 p = index * bps / BPS / TICK * TICK;
        return uint96(p == 0 ? TICK : p);
    }

    function _unexpected(bytes memory reason) internal {
        ++unexpectedRefusals;
        lastUnexpected = reason;
    }
}

/// @notice The market's invariants (FuturesMarket's @custom:invariant notes), fuzzed through
/// MarketHandler: random sequences of signed-order fills and matches, partial fills of earlier
/// orders, cancellations, index moves, time jumps, deposits and withdrawals by five traders with
/// deposits from 5,000 to 200,000 USD on two H100-like series.
/// @dev test_handlerCoverage drives the same handler through a fixed sequence and checks that
/// every kind of trade and refusal happens.
/// forge-config: default.invariant.runs = 64
/// forge-config: default.invariant.depth = 100
/// forge-config: default.invariant.fail-on-revert = true
contract FuturesMarketInvariantsTest is MarketTestBase {
    bytes32 internal constant FEED = keccak256("H100-SXM-HOUR");
    uint256 internal constant CANCELLED = type(uint256).max;

    MarketHandler internal handler;

    function setUp() public {
        uint256[] memory relayerKeys = _deployMarket(FEED, "H100 SXM GPU-hour", "market-invariant-relayer", 3, 64);
        uint256[] memory traderKeys = _keys("market-invariant-trader", 5);
        handler = new MarketHandler(market, vault, oracle, usd, FEED, relayerKeys, traderKeys);
        handler.start(2.5e18);
        _list(30 days);
        _list(60 days);
        uint256[5] memory deposits = [200_000 * USD, 200_000 * USD, 50_000 * USD, 20_000 * USD, 5_000 * USD];
        for (uint256 i = 0; i < 5; ++i) {
            handler.fund(i, deposits[i]);
        }

        _labelAll(address(handler), "MarketHandler");
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](10);
        selectors[0] = MarketHandler.placeAndFill.selector;
        selectors[1] = MarketHandler.matchNewOrders.selector;
        selectors[2] = MarketHandler.fillSignedOrder.selector;
        selectors[3] = MarketHandler.matchSignedOrders.selector;
        selectors[4] = MarketHandler.cancelOrder.selector;
        selectors[5] = MarketHandler.cancelAllBelow.selector;
        selectors[6] = MarketHandler.moveIndex.selector;
        selectors[7] = MarketHandler.jumpTime.selector;
        selectors[8] = MarketHandler.deposit.selector;
        selectors[9] = MarketHandler.withdraw.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function _list(uint256 life) internal {
        IFuturesMarket.SeriesParams memory p = _seriesParams(FEED, uint64(block.timestamp + life));
        handler.addSeries(market.listSeries(p), p.lastTradingTime);
    }

    /// @notice Zero-sum: in every series the traders' sizes sum to zero, the open interest is the
    /// sum of the long sizes, and each trader's open-series list holds exactly its non-zero
    /// positions.
    function invariant_zeroSum() public view {
        bytes32[] memory series = handler.allSeries();
        address[] memory traders = handler.traders();
        uint256[] memory open = new uint256[](traders.length);
        for (uint256 s = 0; s < series.length; ++s) {
            int256 sum;
            uint256 longs;
            for (uint256 i = 0; i < traders.length; ++i) {
                int256 size = market.positionOf(traders[i], series[s]).size;
                sum += size;
                if (size > 0) longs += uint256(size);
                if (size != 0) ++open[i];
            }
            assertEq(sum, int256(0), "sum of sizes is zero");
            assertEq(uint256(market.seriesState(series[s]).openInterest), longs, "openInterest == sum of longs");
        }
        for (uint256 i = 0; i < traders.length; ++i) {
            assertEq(market.openSeriesOf(traders[i]).length, open[i], "openSeriesOf == non-zero positions");
        }
    }

    /// @notice No order fills beyond its size (filledOf <= size, or the cancelled sentinel for an
    /// order its trader cancelled), filledOf equals the fills the handler saw succeed, and no
    /// order gained a fill after it was cancelled (individually or by nonce) or after its expiry.
    function invariant_noOverfill() public view {
        assertEq(handler.fillsWhileVoid(), 0, "a cancelled, nonce-cancelled or expired order filled");
        assertEq(handler.unexpectedSuccesses(), 0, "a call the handler expected to be refused succeeded");
        uint256 n = handler.orderCount();
        for (uint256 i = 0; i < n; ++i) {
            OrderGhost memory g = handler.orderGhost(i);
            uint256 filled = market.filledOf(g.hash);
            assertLe(g.filled, g.size, "ghost fills <= order size");
            if (g.cancelled) {
                assertEq(filled, CANCELLED, "a cancelled order's filledOf is the sentinel");
            } else {
                assertLe(filled, g.size, "filledOf <= order size");
                assertEq(filled, g.filled, "filledOf == the fills seen");
            }
            if (g.voided) assertEq(g.filled, g.filledAtVoid, "no fill after cancellation");
            if (g.lastFillAt != 0) assertLe(g.lastFillAt, g.expiry, "no fill after expiry");
        }
    }

    /// @notice The vault holds exactly what it owes (MockUSD takes no transfer fee), totalCash is
    /// the sum of the traders' cash (fees and rounding dust go to feeBalance, not to an account;
    /// before settlement no other account holds cash), what it owes is deposits minus
    /// withdrawals, and no withdrawal paid above the free collateral reported before it.
    function invariant_vaultSolvent() public view {
        int256 held = int256(usd.balanceOf(address(vault)));
        int256 owed = vault.totalCash() + int256(vault.insuranceFund()) + int256(vault.feeBalance());
        assertEq(held, owed, "balance == totalCash + insuranceFund + feeBalance");
        address[] memory traders = handler.traders();
        int256 sum;
        for (uint256 i = 0; i < traders.length; ++i) {
            sum += vault.cashOf(traders[i]);
        }
        assertEq(vault.totalCash(), sum, "totalCash == sum of the traders' cash");
        assertEq(vault.cashOf(handler.SINK()), int256(0), "the withdrawal sink holds no cash");
        assertEq(
            owed, int256(handler.ghostDeposits()) - int256(handler.ghostWithdrawals()), "owed == deposits - withdrawals"
        );
        assertEq(handler.withdrawalViolations(), 0, "a withdrawal above the free collateral was paid");
    }

    /// @notice Every risk-increasing side of a successful trade ended it with equity at least its
    /// initial margin, and every risk-reducing side with an equity / maintenance ratio no worse
    /// than before (recorded by the handler right after each trade, from vault.accountMargin).
    function invariant_marginHeld() public view {
        assertEq(handler.marginViolations(), 0, "a risk-increasing trade left equity below initial margin");
        assertEq(handler.ratioViolations(), 0, "a risk-reducing trade worsened the margin ratio");
        address[] memory traders = handler.traders();
        for (uint256 i = 0; i < traders.length; ++i) {
            MarketHandler.LastTrade memory t = handler.lastTrade(traders[i]);
            if (t.riskIncreasing) assertGe(t.equity, int256(t.initialMargin), "last risk increase: equity >= IM");
        }
    }

    /// @notice Every refusal the handler met was one it predicted with these exact arguments, or
    /// a margin refusal of a side whose kind and numbers justify it; every read after an action
    /// matched the handler's model.
    function invariant_refusalsExplained() public view {
        if (handler.unexpectedRefusals() != 0) {
            revert(string.concat("unexpected refusal: ", _hex(handler.lastUnexpected())));
        }
        assertEq(handler.unexpectedOutcomes(), 0, "a read disagreed with the handler's model");
    }

    /// @notice After each run: the handler really traded (the run's counters in the message
    /// otherwise).
    function afterInvariant() public view {
        if (handler.trades() == 0) revert(string.concat("no trade happened in the run:", _statsLine()));
    }

    /// @notice A fixed pseudo-random sequence of 250 handler actions: the handler trades in every
    /// way it can, meets every kind of refusal it predicts, and no check counts a violation.
    /// Set FM_INVARIANT_STATS=true to print its counters.
    function test_handlerCoverage() public {
        for (uint256 i = 0; i < 250; ++i) {
            uint256 r = uint256(keccak256(abi.encode("coverage", i)));
            uint256 x = uint256(keccak256(abi.encode(r, 1)));
            uint256 y = uint256(keccak256(abi.encode(r, 2)));
            uint256 z = uint256(keccak256(abi.encode(r, 3)));
            uint256 action = r % 10;
            if (action == 0) handler.placeAndFill(x, y, z);
            else if (action == 1) handler.matchNewOrders(x, y, z);
            else if (action == 2) handler.fillSignedOrder(x, y, z, r >> 8);
            else if (action == 3) handler.matchSignedOrders(x, y, z, r >> 8);
            else if (action == 4) handler.cancelOrder(x, y);
            else if (action == 5) handler.cancelAllBelow(x, y);
            else if (action == 6) handler.moveIndex(x, y, z);
            else if (action == 7) handler.jumpTime(x);
            else if (action == 8) handler.deposit(x, y);
            else handler.withdraw(x, y, z);
        }
        if (_statsRequested()) console.log(_statsLine());

        assertGt(handler.placeAndFillOk(), 0, "placeAndFill traded");
        assertGt(handler.matchNewOk(), 0, "matchNewOrders traded");
        assertGt(handler.partialFillOk(), 0, "fillSignedOrder traded");
        assertGt(handler.matchSignedOk(), 0, "matchSignedOrders traded");
        assertGt(handler.riskReducingSides(), 0, "some trades reduced a position");
        assertGt(handler.marginRefusals(), 0, "some trades were refused for margin");
        assertGt(handler.refusals(IFuturesMarket.SelfTrade.selector), 0, "self-trades refused");
        assertGt(handler.refusals(IFuturesMarket.OrderExpired.selector), 0, "expired orders refused");
        assertGt(handler.refusals(IFuturesMarket.OrderOverfilled.selector), 0, "overfills refused");
        assertGt(handler.refusals(IFuturesMarket.OrderIsCancelled.selector), 0, "cancelled orders refused");
        assertGt(handler.refusals(IFuturesMarket.OrderNonceCancelled.selector), 0, "nonce-cancelled orders refused");
        assertGt(handler.cancels(), 0, "orders cancelled");
        assertGt(handler.indexMoves(), 0, "index moved");
        assertGt(handler.withdrawalsOk(), 0, "withdrawals paid");
        assertGt(handler.withdrawalsRefused(), 0, "withdrawals refused");

        invariant_zeroSum();
        invariant_noOverfill();
        invariant_vaultSolvent();
        invariant_marginHeld();
        invariant_refusalsExplained();
    }

    function _statsLine() internal view returns (string memory s) {
        s = _kv("", "calls", handler.calls());
        s = _kv(s, "trades", handler.trades());
        s = _kv(s, "contracts", handler.contractsTraded());
        s = _kv(s, "placeAndFill", handler.placeAndFillOk());
        s = _kv(s, "matchNew", handler.matchNewOk());
        s = _kv(s, "fillSigned", handler.partialFillOk());
        s = _kv(s, "matchSigned", handler.matchSignedOk());
        s = _kv(s, "increasingSides", handler.riskIncreasingSides());
        s = _kv(s, "reducingSides", handler.riskReducingSides());
        s = _kv(s, "tradeRefusals", handler.tradeRefusals());
        s = _kv(s, "orderChecks", handler.orderRefusals());
        s = _kv(s, "margin", handler.marginRefusals());
        s = _kv(s, "ratio", handler.ratioRefusals());
        s = _kv(s, "cancels", handler.cancels());
        s = _kv(s, "cancelAlls", handler.cancelAlls());
        s = _kv(s, "strangerCancels", handler.strangerCancelsRefused());
        s = _kv(s, "indexMoves", handler.indexMoves());
        s = _kv(s, "timeJumps", handler.timeJumps());
        s = _kv(s, "deposits", handler.depositsOk());
        s = _kv(s, "withdrawals", handler.withdrawalsOk());
        s = _kv(s, "withdrawalsRefused", handler.withdrawalsRefused());
        s = _kv(s, "orders", handler.orderCount());
        s = _kv(s, "expired", handler.refusals(IFuturesMarket.OrderExpired.selector));
        s = _kv(s, "overfilled", handler.refusals(IFuturesMarket.OrderOverfilled.selector));
        s = _kv(s, "cancelled", handler.refusals(IFuturesMarket.OrderIsCancelled.selector));
        s = _kv(s, "nonceCancelled", handler.refusals(IFuturesMarket.OrderNonceCancelled.selector));
        s = _kv(s, "postOnly", handler.refusals(IFuturesMarket.PostOnlyWouldTake.selector));
        s = _kv(s, "throughLimit", handler.refusals(IFuturesMarket.PriceThroughLimit.selector));
        s = _kv(s, "reduceOnly", handler.refusals(IFuturesMarket.ReduceOnlyWouldIncrease.selector));
        s = _kv(s, "selfTrade", handler.refusals(IFuturesMarket.SelfTrade.selector));
    }
}
