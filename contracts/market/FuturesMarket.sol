// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

import {IFuturesMarket} from "../interfaces/IFuturesMarket.sol";
import {IIndexOracle} from "../interfaces/IIndexOracle.sol";
import {IMarginSource} from "../interfaces/IMarginSource.sol";
import {IMarginVault} from "../interfaces/IMarginVault.sol";
import {Basis} from "../libraries/Basis.sol";
import {SeriesRules} from "./SeriesRules.sol";
import {PositionMath} from "../libraries/PositionMath.sol";

/// @title FuturesMarket
/// @notice Dated, cash-settled compute futures traded with signed orders. See IFuturesMarket
/// and docs/market.md.
/// @custom:invariant zeroSum — for every series, the sum of long sizes equals the sum of short
/// sizes, and the open interest equals the sum of long sizes.
/// @custom:invariant noOverfill — no order fills beyond its size; a cancelled, expired or
/// replayed order never fills.
contract FuturesMarket is IFuturesMarket, AccessControl, EIP712 {
    using SafeCast for uint256;
    using SafeCast for int256;

    bytes32 public constant LISTER_ROLE = keccak256("LISTER_ROLE");
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    bytes32 public constant DELEVERAGER_ROLE = keccak256("DELEVERAGER_ROLE");

    bytes32 public constant ORDER_TYPEHASH = keccak256(
        "Order(address trader,bytes32 series,bool isBuy,uint64 size,uint96 limitPrice,uint64 expiry,"
        "uint256 nonce,uint8 flags)"
    );
    uint8 public constant POST_ONLY = 1;
    uint8 public constant REDUCE_ONLY = 2;
    /// @notice Open series per account: bounds the gas of every margin check.
    uint256 public constant MAX_OPEN_SERIES = 8;
    uint256 private constant _CANCELLED = type(uint256).max;
    uint256 private constant _LIQUIDATION_SLACK = 4; // token units per contract
    bytes32 private constant _INDEX_CACHE = keccak256("FuturesMarket.indexCache");
    uint256 private constant _BPS = 10_000;
    /// @notice Accounts settle this long after the settlement price is fixed: the window in
    /// which bankrupt accounts are deleveraged against the opposite positions, before those
    /// settle and leave.
    uint256 public constant ACCOUNT_SETTLEMENT_DELAY = 1 hours;
    /// @notice How long after expiry the guardian may first propose a settlement price, and
    /// only while the oracle cannot cover the settlement window.
    uint256 public constant FALLBACK_DELAY = 1 days;
    /// @notice How long a proposed settlement price waits before `settleSeries` may use it.
    uint256 public constant FALLBACK_TIMELOCK = 2 days;

    uint8 private constant _ORDER = 0;
    uint8 private constant _LIQUIDATION = 1; // maker: the liquidated account; taker: the liquidator
    uint8 private constant _DELEVERAGE = 2; // maker: the bankrupt account; taker: the counterparty

    IMarginVault public immutable vault;
    IIndexOracle public immutable oracle;
    /// @notice Checks listings; a contract of its own (created with the market) to keep the
    /// market below the code size limit.
    SeriesRules public immutable seriesRules;
    /// @notice WAD per collateral token unit (1e12 for a 6-decimal stablecoin).
    uint256 public immutable tokenScale;

    /// @dev What a margin check needs of a series, in one slot: copies of parameters written
    /// once at listing, and the settlement price (zero until settleSeries).
    struct Risk {
        uint32 expiry;
        uint32 listedAt;
        uint32 multiplier;
        uint16 initialMarginBps;
        uint16 maintenanceMarginBps;
        uint16 maxBasisBps;
        uint32 basisTau;
        uint80 settlementPrice;
    }

    struct SeriesData {
        SeriesParams params;
        Risk risk;
        uint64 listedAt;
        bool paused;
        uint64 openInterest;
        uint64 settledAt; // next to the open interest, which account settlement writes anyway
        Basis.State basis;
        // Cumulative funding per contract for perpetual series (WAD USD); dated series keep it
        // at zero. A perpetual position will owe size x (fundingIndex - its snapshot).
        int256 fundingIndex;
        // The guardian's fallback settlement price, usable from `fallbackExecutableAt`.
        uint80 fallbackPrice;
        uint64 fallbackExecutableAt;
    }

    /// @dev One slot: |size| < 2^63 contracts, |entry| < 2^191 WAD.
    struct StoredPosition {
        int64 size;
        int192 entryNotional;
    }

    /// @dev One side of a trade while it is applied.
    struct Side {
        address account;
        int256 delta;
        bool reduceOnly;
        bytes32 orderHash;
        int256 sizeBefore;
        int256 sizeAfter;
        bool reducing;
        int256 equityBefore;
        uint256 maintenanceBefore;
        int256 realised;
    }

    /// @dev A trade while it is applied.
    struct Trade {
        bytes32 series;
        uint256 price;
        uint256 size;
        bool makerIsBuy;
        uint256 index;
        bool stale;
        uint256 notional;
        uint256 makerFee;
        uint256 takerFee;
        uint8 kind; // _ORDER, _LIQUIDATION or _DELEVERAGE
        uint256 toLiquidator;
        uint256 toInsurance;
        uint256 maxReward; // liquidation: the most the liquidator's share may be
        uint256 deficitShare; // deleveraging: the bankrupt's debt the counterparty takes over
    }

    mapping(bytes32 series => SeriesData) private _series;
    mapping(address account => mapping(bytes32 series => StoredPosition)) private _positions;
    mapping(address account => bytes32[]) private _openSeries;
    mapping(bytes32 orderHash => uint256) private _filled;
    mapping(address trader => uint256) private _minNonce;

    constructor(IMarginVault vault_, IIndexOracle oracle_, address admin) EIP712("FuturesMarket", "1") {
        vault = vault_;
        oracle = oracle_;
        seriesRules = new SeriesRules();
        tokenScale = 10 ** (18 - IERC20Metadata(address(vault_.token())).decimals());
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(LISTER_ROLE, admin);
        _grantRole(GUARDIAN_ROLE, admin);
        _grantRole(DELEVERAGER_ROLE, admin);
    }

    // ================================================================ trading

    /// @inheritdoc IFuturesMarket
    function fill(Order calldata order, bytes calldata signature, uint64 size) external {
        bytes32 makerHash = _useOrder(order, signature, size);
        if (order.trader == msg.sender) revert SelfTrade(msg.sender);
        Side memory taker;
        taker.account = msg.sender;
        _trade(_tradeOf(order, size), _side(order, makerHash), taker);
    }

    /// @inheritdoc IFuturesMarket
    function matchOrders(
        Order calldata maker,
        bytes calldata makerSignature,
        Order calldata taker,
        bytes calldata takerSignature,
        uint64 size
    ) public {
        if (maker.series != taker.series) revert SeriesMismatch(maker.series, taker.series);
        if (maker.isBuy == taker.isBuy) revert SameSide(maker.isBuy);
        if (maker.trader == taker.trader) revert SelfTrade(maker.trader);
        bytes32 makerHash = _useOrder(maker, makerSignature, size);
        bytes32 takerHash = _useOrder(taker, takerSignature, size);
        if (taker.flags & POST_ONLY != 0) revert PostOnlyWouldTake(takerHash);
        // The taker's limit must be at or through the maker's price.
        if (taker.isBuy ? maker.limitPrice > taker.limitPrice : maker.limitPrice < taker.limitPrice) {
            revert PriceThroughLimit(maker.limitPrice, taker.limitPrice, taker.isBuy);
        }
        _trade(_tradeOf(maker, size), _side(maker, makerHash), _side(taker, takerHash));
    }

    /// @inheritdoc IFuturesMarket
    function matchOrdersBatch(Match[] calldata matches) external {
        for (uint256 i = 0; i < matches.length; ++i) {
            Match calldata m = matches[i];
            matchOrders(m.maker, m.makerSignature, m.taker, m.takerSignature, m.size);
        }
    }

    /// @inheritdoc IFuturesMarket
    function cancelOrder(Order calldata order) external {
        if (order.trader != msg.sender) revert NotTrader(msg.sender, order.trader);
        bytes32 hash = _orderHash(order);
        _filled[hash] = _CANCELLED;
        emit OrderCancelled(msg.sender, hash);
    }

    /// @inheritdoc IFuturesMarket
    function cancelAllBelow(uint256 minNonce) external {
        // Only ever raised: lowering it would revive cancelled orders.
        if (minNonce > _minNonce[msg.sender]) _minNonce[msg.sender] = minNonce;
        emit OrdersCancelledBelow(msg.sender, _minNonce[msg.sender]);
    }

    /// @dev A trade at the maker order's price and side.
    function _tradeOf(Order calldata maker, uint64 size) private pure returns (Trade memory t) {
        t.series = maker.series;
        t.price = maker.limitPrice;
        t.size = size;
        t.makerIsBuy = maker.isBuy;
    }

    function _side(Order calldata order, bytes32 hash) private pure returns (Side memory side) {
        side.account = order.trader;
        side.reduceOnly = order.flags & REDUCE_ONLY != 0;
        side.orderHash = hash;
    }

    /// @dev Checks an order and its signature and records `size` more as filled.
    function _useOrder(Order calldata order, bytes calldata signature, uint64 size) private returns (bytes32 hash) {
        hash = _orderHash(order);
        if (size == 0) revert ZeroSize();
        if (block.timestamp > order.expiry) revert OrderExpired(hash, order.expiry);
        uint256 minNonce = _minNonce[order.trader];
        if (order.nonce < minNonce) revert OrderNonceCancelled(order.trader, order.nonce, minNonce);
        uint256 filled = _filled[hash];
        if (filled == _CANCELLED) revert OrderIsCancelled(hash);
        if (filled + size > order.size) revert OrderOverfilled(hash, filled, size, order.size);
        if (!SignatureChecker.isValidSignatureNow(order.trader, hash, signature)) {
            revert InvalidSignature(order.trader, hash);
        }
        _filled[hash] = filled + size;
        // A fill below the minimum is only allowed when it completes the order.
        uint64 minSize = _series[order.series].params.minSize;
        if (size < minSize && filled + size != order.size) revert SizeBelowMinimum(size, minSize);
    }

    /// @dev Applies a trade of `t.size` contracts at `t.price` between the maker and the taker.
    function _trade(Trade memory t, Side memory maker, Side memory taker) private {
        SeriesData storage s = _series[t.series];
        if (t.kind == _ORDER) _checkTradable(t.series, s, t.price);
        (t.index, t.stale) = _index(s.params.feed);
        _cacheIndex(s.params.feed, t.index, t.stale);
        maker.delta = t.makerIsBuy ? int256(t.size) : -int256(t.size);
        taker.delta = -maker.delta;
        _snapshot(t.series, maker);
        _snapshot(t.series, taker);

        t.notional = t.size * s.params.multiplier * t.price;
        maker.realised = _applyPosition(t.series, s, maker, t.price);
        taker.realised = _applyPosition(t.series, s, taker, t.price);
        _updateOpenInterest(t.series, s, maker, taker);
        _moveCash(s, t, maker, taker);
        if (t.kind != _ORDER) return _finishForcedTrade(s.params.feed, t, maker, taker);
        s.basis = Basis.observe(
            s.basis, t.price, t.index, t.notional, s.params.basisRefNotional, s.params.basisTau, block.timestamp
        );

        _checkMargin(s.params.feed, t.stale, maker);
        _checkMargin(s.params.feed, t.stale, taker);
        _forgetIndex(s.params.feed);
        emit OrderFilled(
            t.series,
            maker.orderHash,
            maker.account,
            taker.account,
            taker.orderHash,
            t.makerIsBuy,
            t.size,
            t.price,
            t.makerFee,
            t.takerFee
        );
        _emitPosition(t.series, maker);
        _emitPosition(t.series, taker);
    }

    /// @dev The end of a liquidation or deleveraging. A trade at the mark says nothing about
    /// where the market trades: no basis update, and no margin rule for the liquidated or
    /// bankrupt side (the maker).
    function _finishForcedTrade(bytes32 feed, Trade memory t, Side memory maker, Side memory taker) private {
        if (t.kind == _LIQUIDATION) {
            _checkMargin(feed, t.stale, taker);
            emit PositionLiquidated(
                maker.account, t.series, taker.account, t.size, t.price, t.toLiquidator, t.toInsurance
            );
        } else {
            _takeDeficitShare(t, maker, taker);
            emit PositionDeleveraged(maker.account, t.series, taker.account, t.size, t.price, t.deficitShare);
        }
        _forgetIndex(feed);
        _emitPosition(t.series, maker);
        _emitPosition(t.series, taker);
    }

    function _checkTradable(bytes32 id, SeriesData storage s, uint256 price) private view {
        if (s.listedAt == 0) revert UnknownSeries(id);
        if (s.paused) revert SeriesIsPaused(id);
        if (block.timestamp >= s.params.lastTradingTime) revert TradingClosed(id, s.params.lastTradingTime);
        if (price == 0 || price % s.params.tickSize != 0) revert OffTick(price, s.params.tickSize);
    }

    /// @dev Records the side's size before the trade; for a risk-reducing side also its margin
    /// before, which the final-state rule compares against.
    function _snapshot(bytes32 id, Side memory side) private view {
        side.sizeBefore = _positions[side.account][id].size;
        side.sizeAfter = side.sizeBefore + side.delta;
        side.reducing = side.sizeBefore != 0 && (side.sizeBefore > 0) != (side.delta > 0)
            && PositionMath.abs(side.sizeAfter) < PositionMath.abs(side.sizeBefore)
            && (side.sizeAfter == 0 || (side.sizeAfter > 0) == (side.sizeBefore > 0));
        if (side.reduceOnly && !side.reducing) {
            revert ReduceOnlyWouldIncrease(side.orderHash, side.sizeBefore, side.sizeAfter);
        }
        if (side.reducing) {
            IMarginVault.AccountMargin memory m = vault.accountMargin(side.account);
            side.equityBefore = m.equity;
            side.maintenanceBefore = m.maintenanceMargin;
        }
    }

    function _applyPosition(bytes32 id, SeriesData storage s, Side memory side, uint256 price)
        private
        returns (int256 realised)
    {
        StoredPosition storage p = _positions[side.account][id];
        (int256 newSize, int256 newEntry, int256 realisedPnl) =
            PositionMath.applyTrade(p.size, p.entryNotional, side.delta, price, s.params.multiplier);
        p.size = newSize.toInt64();
        p.entryNotional = newEntry.toInt192();
        if (side.sizeBefore == 0) _addOpenSeries(side.account, id);
        else if (newSize == 0) _removeOpenSeries(side.account, id);
        return realisedPnl;
    }

    function _updateOpenInterest(bytes32 id, SeriesData storage s, Side memory a, Side memory b) private {
        // Open interest = sum of long sizes; only the two traders' longs change.
        int256 change =
            _longPart(a.sizeAfter) - _longPart(a.sizeBefore) + _longPart(b.sizeAfter) - _longPart(b.sizeBefore);
        uint256 oi = uint256(int256(uint256(s.openInterest)) + change);
        if (change > 0 && oi > s.params.openInterestCap) {
            revert OpenInterestCapExceeded(id, oi, s.params.openInterestCap);
        }
        s.openInterest = oi.toUint64();
    }

    function _longPart(int256 size) private pure returns (int256) {
        return size > 0 ? size : int256(0);
    }

    /// @dev The buyer pays the notional rounded up, the seller receives it rounded down (the
    /// difference, under one token unit, goes to the fee account); then both pay their fees,
    /// rounded up.
    function _moveCash(SeriesData storage s, Trade memory t, Side memory maker, Side memory taker) private {
        (Side memory buyer, Side memory seller) = t.makerIsBuy ? (maker, taker) : (taker, maker);
        uint256 received = t.notional / tokenScale;
        uint256 dust = Math.ceilDiv(t.notional, tokenScale) - received;
        vault.moveCash(buyer.account, seller.account, received);
        if (t.kind == _DELEVERAGE) {
            if (dust != 0) vault.chargeFee(buyer.account, dust);
            return;
        }
        if (t.kind == _LIQUIDATION) {
            // The liquidated account (maker) pays the penalty, rounded up; the buyer the dust.
            uint256 penalty =
                Math.mulDiv(t.notional, s.params.liquidationPenaltyBps, _BPS * tokenScale, Math.Rounding.Ceil);
            uint256 share = penalty * s.params.liquidatorShareBps / _BPS;
            t.toLiquidator = share < t.maxReward ? share : t.maxReward;
            t.toInsurance = penalty - share;
            if (t.toLiquidator != 0) vault.moveCash(maker.account, taker.account, t.toLiquidator);
            if (t.toInsurance != 0) vault.payInsurance(maker.account, t.toInsurance);
            if (dust != 0) vault.chargeFee(buyer.account, dust);
            return;
        }
        t.makerFee = Math.mulDiv(t.notional, s.params.makerFeeBps, _BPS * tokenScale, Math.Rounding.Ceil);
        t.takerFee = Math.mulDiv(t.notional, s.params.takerFeeBps, _BPS * tokenScale, Math.Rounding.Ceil);
        uint256 makerCharge = t.makerFee + (t.makerIsBuy ? dust : 0);
        uint256 takerCharge = t.takerFee + (t.makerIsBuy ? 0 : dust);
        if (makerCharge != 0) vault.chargeFee(maker.account, makerCharge);
        if (takerCharge != 0) vault.chargeFee(taker.account, takerCharge);
    }

    /// @dev Risk-increasing: a fresh index and equity >= initial margin. Risk-reducing: the
    /// margin ratio equity / maintenance margin must be no worse than before (dYdX's
    /// final-state rule), compared without division.
    function _checkMargin(bytes32 feed, bool stale, Side memory side) private view {
        IMarginVault.AccountMargin memory m = vault.accountMargin(side.account);
        if (!side.reducing) {
            if (stale) revert StaleIndex(feed);
            // Another position of the account is valued at a stale index: its equity cannot be
            // trusted to back more risk (the vault refuses withdrawals in the same state).
            if (m.indexStale) revert StalePositionIndex(side.account);
            if (m.equity < m.initialMargin.toInt256()) {
                revert InsufficientMargin(side.account, m.initialMargin, m.equity);
            }
            return;
        }
        if (m.equity * side.maintenanceBefore.toInt256() < side.equityBefore * m.maintenanceMargin.toInt256()) {
            revert MarginRatioWorse(
                side.account, side.equityBefore, side.maintenanceBefore, m.equity, m.maintenanceMargin
            );
        }
    }

    function _emitPosition(bytes32 id, Side memory side) private {
        StoredPosition memory p = _positions[side.account][id];
        emit PositionChanged(side.account, id, p.size, p.entryNotional, side.realised);
    }

    function _addOpenSeries(address account, bytes32 id) private {
        bytes32[] storage list = _openSeries[account];
        if (list.length == MAX_OPEN_SERIES) revert TooManyOpenSeries(account, MAX_OPEN_SERIES);
        list.push(id);
    }

    function _removeOpenSeries(address account, bytes32 id) private {
        bytes32[] storage list = _openSeries[account];
        uint256 last = list.length - 1;
        for (uint256 i = 0; i <= last; ++i) {
            if (list[i] == id) {
                list[i] = list[last];
                list.pop();
                return;
            }
        }
    }

    // ================================================================ liquidation

    /// @inheritdoc IFuturesMarket
    function liquidate(address account, bytes32 id, uint64 size) external returns (uint64 liquidated) {
        if (account == msg.sender) revert SelfTrade(account);
        if (size == 0) revert ZeroSize();
        SeriesData storage s = _series[id];
        if (s.listedAt == 0) revert UnknownSeries(id);
        if (block.timestamp >= s.params.expiry) revert LiquidationClosed(id, s.params.expiry);
        (uint256 index, bool stale) = _index(s.params.feed);
        if (stale) revert StaleIndex(s.params.feed);
        int256 position = _positions[account][id].size;
        if (position == 0) revert NoPosition(account, id);
        Trade memory t;
        IMarginVault.AccountMargin memory m;
        (m, t.maxReward) = _liquidationMargin(account);
        uint256 markPrice = _mark(s.basis, s.risk, index);
        uint256 most = _liquidatableSize(s, m, markPrice, PositionMath.abs(position));
        liquidated = size < most ? size : uint64(most);

        t.series = id;
        t.price = markPrice;
        t.size = liquidated;
        t.makerIsBuy = position < 0; // the liquidated account trades toward zero
        t.kind = _LIQUIDATION;
        Side memory liquidatedSide;
        liquidatedSide.account = account;
        liquidatedSide.reduceOnly = true;
        Side memory liquidator;
        liquidator.account = msg.sender;
        _trade(t, liquidatedSide, liquidator);
        _coverBadDebt(account);
    }

    /// @dev The account's margin, which must be below maintenance, and the most its liquidator
    /// may be paid: never more than the account's equity and the insurance fund can bear, so a
    /// liquidation leaves no debt the fund cannot cover (the insurance part of the penalty
    /// comes back if the account ends in debt). A debt already beyond the fund would stay
    /// behind once the positions are gone: that account is deleveraged instead.
    function _liquidationMargin(address account)
        private
        view
        returns (IMarginVault.AccountMargin memory m, uint256 maxReward)
    {
        m = vault.accountMargin(account);
        if (m.indexStale) revert StalePositionIndex(account);
        if (m.equity >= m.maintenanceMargin.toInt256()) {
            revert NotLiquidatable(account, m.equity, m.maintenanceMargin);
        }
        uint256 insurance = vault.insuranceFund();
        if (m.equity < 0 && uint256(-m.equity) > insurance) revert NeedsDeleveraging(account, m.equity, insurance);
        int256 bearable = m.equity + insurance.toInt256() - int256(_LIQUIDATION_SLACK);
        maxReward = bearable > 0 ? uint256(bearable) : 0;
    }

    /// @dev The fewest contracts whose liquidation brings the account back to its initial
    /// margin: each one lowers the requirement by its initial margin and costs its penalty
    /// (the trade at the mark moves no equity). Rounded up; the whole position when that is
    /// not enough.
    function _liquidatableSize(
        SeriesData storage s,
        IMarginVault.AccountMargin memory m,
        uint256 markPrice,
        uint256 positionSize
    ) private view returns (uint256) {
        uint256 contractValue = uint256(s.params.multiplier) * markPrice; // WAD per contract
        uint256 relief = Math.mulDiv(
            contractValue, s.params.initialMarginBps - s.params.liquidationPenaltyBps, _BPS * tokenScale
        );
        // Each contract's value, margin, penalty and cash are rounded against the account by
        // up to one unit each: count that slack so the account really ends at initial margin.
        if (relief <= _LIQUIDATION_SLACK) return positionSize;
        // equity < maintenance <= initial margin here, so the deficit is positive.
        uint256 deficit = uint256(m.initialMargin.toInt256() - m.equity);
        uint256 needed = Math.ceilDiv(deficit, relief - _LIQUIDATION_SLACK);
        return needed < positionSize ? needed : positionSize;
    }

    /// @dev Once an account holds no position anywhere, negative cash is bad debt: the
    /// insurance fund covers what it can; the rest is reported for deleveraging.
    function _coverBadDebt(address account) private {
        if (vault.cashOf(account) >= 0) return; // the common case, without a margin summary
        IMarginVault.AccountMargin memory m = vault.accountMargin(account);
        if (m.openPositions != 0 || m.cash >= 0) return;
        uint256 debt = uint256(-m.cash);
        uint256 drawn = vault.drawInsurance(account, debt);
        emit BadDebt(account, debt, drawn, debt - drawn);
    }

    // ================================================================ deleveraging

    /// @inheritdoc IFuturesMarket
    function deleverage(address account, bytes32 id, address counterparty, uint64 size)
        external
        onlyRole(DELEVERAGER_ROLE)
        returns (uint64 closed)
    {
        if (account == counterparty) revert SelfTrade(account);
        if (size == 0) revert ZeroSize();
        SeriesData storage s = _series[id];
        if (s.listedAt == 0) revert UnknownSeries(id);
        // Between expiry and settlement no price is final: wait for settleSeries.
        if (block.timestamp >= s.params.expiry && s.risk.settlementPrice == 0) revert SeriesNotSettled(id);
        Trade memory t;
        t.series = id;
        t.kind = _DELEVERAGE;
        {
            bool stale;
            (t.price, stale) = _referencePrice(s, s.risk);
            if (stale) revert StaleIndex(s.params.feed);
        }
        int256 position = _positions[account][id].size;
        if (position == 0) revert NoPosition(account, id);
        closed = PositionMath.abs(position) < size ? uint64(PositionMath.abs(position)) : size;
        int256 opposite = _positions[counterparty][id].size;
        if ((opposite > 0) == (position > 0) || PositionMath.abs(opposite) < closed) {
            revert NoOppositePosition(counterparty, id, opposite, closed);
        }
        t.size = closed;
        t.makerIsBuy = position < 0; // the bankrupt account trades toward zero
        // The counterparty takes over the debt pro rata to the notional it closes out of the
        // account's notional here.
        t.deficitShare = Math.mulDiv(
            _deficitBeyondInsurance(account), closed * s.params.multiplier * t.price, _markNotional(account)
        );
        Side memory bankrupt;
        bankrupt.account = account;
        Side memory other;
        other.account = counterparty;
        _trade(t, bankrupt, other);
        _coverBadDebt(account);
    }

    /// @dev The account's debt once the insurance fund has paid it everything it holds; refuses
    /// an account whose debt the fund could cover.
    function _deficitBeyondInsurance(address account) private returns (uint256) {
        IMarginVault.AccountMargin memory m = vault.accountMargin(account);
        if (m.indexStale) revert StalePositionIndex(account);
        uint256 insurance = vault.insuranceFund();
        if (m.equity >= 0 || uint256(-m.equity) <= insurance) revert NotBankrupt(account, m.equity, insurance);
        uint256 drawn = insurance == 0 ? 0 : vault.drawInsurance(account, insurance);
        return uint256(-m.equity) - drawn;
    }

    /// @dev The counterparty pays the bankrupt account its share of the debt, so together with
    /// the trade at the mark they traded at the bankruptcy price. The account's last position
    /// here takes whatever debt is left, so the account ends at exactly zero equity. The
    /// counterparty must stay solvent.
    function _takeDeficitShare(Trade memory t, Side memory bankrupt, Side memory counterparty) private {
        if (_openSeries[bankrupt.account].length == 0) {
            int256 equity = vault.accountMargin(bankrupt.account).equity;
            t.deficitShare = equity < 0 ? uint256(-equity) : 0;
        }
        if (t.deficitShare != 0) vault.moveCash(counterparty.account, bankrupt.account, t.deficitShare);
        int256 equityAfter = vault.accountMargin(counterparty.account).equity;
        if (equityAfter < 0) revert CounterpartyWouldBeBankrupt(counterparty.account, equityAfter);
    }

    /// @dev The account's notional here, each position at its series' mark or settlement price.
    function _markNotional(address account) private view returns (uint256 notional) {
        bytes32[] storage list = _openSeries[account];
        for (uint256 i = 0; i < list.length; ++i) {
            SeriesData storage s = _series[list[i]];
            Risk memory risk = s.risk;
            (uint256 price,) = _referencePrice(s, risk);
            notional += PositionMath.abs(_positions[account][list[i]].size) * risk.multiplier * price;
        }
    }

    /// @dev The price positions are valued at: the settlement price once fixed, else the mark.
    function _referencePrice(SeriesData storage s, Risk memory risk)
        private
        view
        returns (uint256 price, bool stale)
    {
        if (risk.settlementPrice != 0) return (risk.settlementPrice, false);
        uint256 index;
        (index, stale) = _index(s.params.feed);
        price = _mark(s.basis, risk, index);
    }

    // ================================================================ margin source

    /// @inheritdoc IMarginSource
    function marginOf(address account) external view returns (Margin memory margin) {
        bytes32[] storage list = _openSeries[account];
        margin.openPositions = list.length;
        for (uint256 i = 0; i < list.length; ++i) {
            SeriesData storage s = _series[list[i]];
            Risk memory risk = s.risk;
            StoredPosition memory p = _positions[account][list[i]];
            (uint256 markPrice, bool stale) = _referencePrice(s, risk);
            int256 markValue = PositionMath.value(p.size, markPrice, risk.multiplier);
            margin.markValue += PositionMath.divFloor(markValue, tokenScale);
            // Profit is paid out only once realised, by settleAccount for a settled series: so a
            // counterparty stays able to take its share of a deleveraged debt until then.
            int256 entry = p.entryNotional;
            margin.withdrawalValue += PositionMath.divFloor(markValue < entry ? markValue : entry, tokenScale);
            // Settled: the value is fixed and needs no margin and no oracle.
            if (risk.settlementPrice != 0) continue;
            margin.initialMargin += Math.ceilDiv(
                PositionMath.requirement(p.size, markPrice, risk.multiplier, risk.initialMarginBps), tokenScale
            );
            margin.maintenanceMargin += Math.ceilDiv(
                PositionMath.requirement(p.size, markPrice, risk.multiplier, risk.maintenanceMarginBps), tokenScale
            );
            margin.indexStale = margin.indexStale || stale;
        }
    }

    // ================================================================ settlement

    /// @inheritdoc IFuturesMarket
    function settleSeries(bytes32 id) external returns (uint256 price) {
        SeriesData storage s = _series[id];
        if (s.listedAt == 0) revert UnknownSeries(id);
        if (s.risk.settlementPrice != 0) revert SeriesAlreadySettled(id, s.risk.settlementPrice);
        if (block.timestamp < s.params.expiry) revert SeriesNotExpired(id, s.params.expiry);
        bool covered;
        bytes memory reason;
        (covered, price, reason) = _settlementTwap(s);
        if (!covered) {
            // The oracle cannot cover the window (TwapWindowNotCovered, NoData): settlement
            // waits, unless the guardian's time-locked price is due. An empty reason (out of
            // gas) never counts as the oracle's answer.
            uint256 executableAt = s.fallbackExecutableAt;
            if (reason.length == 0 || executableAt == 0 || block.timestamp < executableAt) {
                assembly ("memory-safe") {
                    revert(add(reason, 0x20), mload(reason))
                }
            }
            price = s.fallbackPrice;
            emit FallbackPriceUsed(id, price);
        }
        s.risk.settlementPrice = price.toUint80();
        s.settledAt = uint64(block.timestamp);
        emit SeriesSettled(id, price);
    }

    /// @inheritdoc IFuturesMarket
    function proposeSettlementPrice(bytes32 id, uint256 price) external onlyRole(GUARDIAN_ROLE) {
        SeriesData storage s = _series[id];
        if (s.listedAt == 0) revert UnknownSeries(id);
        if (s.risk.settlementPrice != 0) revert SeriesAlreadySettled(id, s.risk.settlementPrice);
        uint256 expiry = s.params.expiry;
        if (block.timestamp < expiry + FALLBACK_DELAY) revert FallbackTooEarly(id, expiry + FALLBACK_DELAY);
        if (price == 0 || price > type(uint80).max) revert InvalidSettlementPrice(price);
        (bool covered, uint256 twap,) = _settlementTwap(s);
        if (covered) revert OracleCanSettle(id, twap);
        uint256 executableAt = block.timestamp + FALLBACK_TIMELOCK;
        s.fallbackPrice = uint80(price);
        s.fallbackExecutableAt = uint64(executableAt);
        emit SettlementPriceProposed(id, price, executableAt, msg.sender);
    }

    /// @dev Whether the account's settlement may go ahead within the deleveraging window: its last
    /// position is in debt and the insurance fund covers that debt. Such accounts settle first,
    /// so the fund is used up in order and each account it can no longer cover is deleveraged.
    function _debtCoveredByFund(address account) private view returns (bool) {
        IMarginVault.AccountMargin memory m = vault.accountMargin(account);
        return m.openPositions == 1 && m.equity < 0 && uint256(-m.equity) <= vault.insuranceFund();
    }

    /// @dev The oracle's TWAP over the settlement window, or the oracle's refusal.
    function _settlementTwap(SeriesData storage s)
        private
        view
        returns (bool covered, uint256 price, bytes memory reason)
    {
        uint256 expiry = s.params.expiry;
        try oracle.twap(s.params.feed, expiry - s.params.settlementWindow, expiry) returns (uint256 twap) {
            return (true, twap, "");
        } catch (bytes memory error_) {
            return (false, 0, error_);
        }
    }

    /// @inheritdoc IFuturesMarket
    function settleAccount(address account, bytes32 id) external {
        if (!_settleAccount(account, id)) revert NothingToSettle(account, id);
    }

    /// @inheritdoc IFuturesMarket
    function settleAccounts(bytes32 id, address[] calldata accounts) external {
        for (uint256 i = 0; i < accounts.length; ++i) {
            _settleAccount(accounts[i], id);
        }
    }

    /// @inheritdoc IFuturesMarket
    function settlementPool(bytes32 id) public view returns (address) {
        return address(uint160(uint256(keccak256(abi.encode(address(this), id)))));
    }

    /// @dev Closes the account's position at the settlement price against the series'
    /// settlement pool, in O(1). Longs are paid their value rounded down, shorts pay theirs
    /// rounded up, so once every account has settled the pool holds only rounding dust.
    function _settleAccount(address account, bytes32 id) private returns (bool) {
        SeriesData storage s = _series[id];
        uint256 price = s.risk.settlementPrice;
        if (price == 0) revert SeriesNotSettled(id);
        StoredPosition storage p = _positions[account][id];
        int256 size = p.size;
        if (size == 0) return false;
        uint256 opensAt = s.settledAt + ACCOUNT_SETTLEMENT_DELAY;
        if (block.timestamp < opensAt && !_debtCoveredByFund(account)) revert AccountSettlementNotOpen(id, opensAt);
        int256 value = PositionMath.value(size, price, s.risk.multiplier);
        int256 cash;
        if (size > 0) {
            cash = PositionMath.divFloor(value, tokenScale);
            vault.moveCash(settlementPool(id), account, uint256(cash));
            s.openInterest -= uint64(uint256(size));
        } else {
            cash = -int256(Math.ceilDiv(uint256(-value), tokenScale));
            vault.moveCash(account, settlementPool(id), uint256(-cash));
        }
        int256 realised = value - p.entryNotional;
        p.size = 0;
        p.entryNotional = 0;
        _removeOpenSeries(account, id);
        emit AccountSettled(account, id, size, price, cash, realised);
        // A leveraged long holds negative cash and a short owes the value: either can be left
        // with debt at the settlement price.
        _coverBadDebt(account);
        return true;
    }

    // ================================================================ reads

    /// @inheritdoc IFuturesMarket
    function seriesParams(bytes32 id) external view returns (SeriesParams memory) {
        return _series[id].params;
    }

    /// @inheritdoc IFuturesMarket
    function seriesState(bytes32 id) external view returns (SeriesState memory state) {
        SeriesData storage s = _series[id];
        if (s.listedAt == 0) revert UnknownSeries(id);
        (uint256 index, bool stale) = _index(s.params.feed);
        state = SeriesState({
            listed: true,
            paused: s.paused,
            listedAt: s.listedAt,
            openInterest: s.openInterest,
            index: index,
            indexStale: stale,
            basis: Basis.at(s.basis, s.params.basisTau, block.timestamp),
            markPrice: _mark(s.basis, s.risk, index),
            settlementPrice: s.risk.settlementPrice,
            fundingIndex: s.fundingIndex
        });
    }

    /// @inheritdoc IFuturesMarket
    function positionOf(address account, bytes32 id) external view returns (Position memory) {
        StoredPosition memory p = _positions[account][id];
        return Position({size: p.size, entryNotional: p.entryNotional});
    }

    /// @inheritdoc IFuturesMarket
    function openSeriesOf(address account) external view returns (bytes32[] memory) {
        return _openSeries[account];
    }

    /// @inheritdoc IFuturesMarket
    function orderHash(Order calldata order) external view returns (bytes32) {
        return _orderHash(order);
    }

    /// @inheritdoc IFuturesMarket
    function filledOf(bytes32 hash) external view returns (uint256) {
        return _filled[hash];
    }

    /// @inheritdoc IFuturesMarket
    function minNonceOf(address trader) external view returns (uint256) {
        return _minNonce[trader];
    }

    /// @inheritdoc IFuturesMarket
    function seriesId(SeriesParams calldata params) public pure returns (bytes32) {
        return keccak256(abi.encode(params));
    }

    function _orderHash(Order calldata o) private view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    ORDER_TYPEHASH, o.trader, o.series, o.isBuy, o.size, o.limitPrice, o.expiry, o.nonce, o.flags
                )
            )
        );
    }

    /// @dev The feed's latest value and staleness: from the trade's cache while a trade runs
    /// (its margin checks read the traded feed several times), else from the oracle.
    function _index(bytes32 feed) private view returns (uint256 value, bool stale) {
        bytes32 slot = _indexCacheSlot(feed);
        uint256 cached;
        assembly ("memory-safe") {
            cached := tload(slot)
        }
        if (cached != 0) return (cached >> 1, cached & 1 == 1);
        return oracle.latestValue(feed);
    }

    /// @dev Caches (value, stale) of `feed` in transient storage for the rest of the trade;
    /// `_forgetIndex` clears it when the trade ends, so a later oracle update in the same
    /// transaction is never hidden. Values are below 2^80, so value << 1 | stale is non-zero.
    function _cacheIndex(bytes32 feed, uint256 value, bool stale) private {
        bytes32 slot = _indexCacheSlot(feed);
        uint256 packed = (value << 1) | (stale ? 1 : 0);
        assembly ("memory-safe") {
            tstore(slot, packed)
        }
    }

    function _forgetIndex(bytes32 feed) private {
        bytes32 slot = _indexCacheSlot(feed);
        assembly ("memory-safe") {
            tstore(slot, 0)
        }
    }

    function _indexCacheSlot(bytes32 feed) private pure returns (bytes32) {
        return keccak256(abi.encode(feed, _INDEX_CACHE));
    }

    function _mark(Basis.State storage basisState, Risk memory risk, uint256 index) private view returns (uint256) {
        int256 basis = Basis.at(basisState, risk.basisTau, block.timestamp);
        uint256 cap = Basis.cap(index, risk.maxBasisBps, risk.listedAt, risk.expiry, block.timestamp);
        return Basis.mark(basis, index, cap);
    }

    // ================================================================ admin

    /// @inheritdoc IFuturesMarket
    function listSeries(SeriesParams calldata params) external onlyRole(LISTER_ROLE) returns (bytes32 id) {
        seriesRules.validate(params);
        id = seriesId(params);
        if (_series[id].listedAt != 0) revert SeriesAlreadyListed(id);
        SeriesData storage s = _series[id];
        s.params = params;
        s.listedAt = uint64(block.timestamp);
        s.risk = Risk({
            expiry: uint32(params.expiry),
            listedAt: uint32(block.timestamp),
            multiplier: params.multiplier,
            initialMarginBps: params.initialMarginBps,
            maintenanceMarginBps: params.maintenanceMarginBps,
            maxBasisBps: params.maxBasisBps,
            basisTau: params.basisTau,
            settlementPrice: 0
        });
        emit SeriesListed(id, params.feed, params);
    }

    /// @inheritdoc IFuturesMarket
    function pauseSeries(bytes32 id) external onlyRole(GUARDIAN_ROLE) {
        if (_series[id].listedAt == 0) revert UnknownSeries(id);
        _series[id].paused = true;
        emit SeriesPaused(id, msg.sender);
    }

    /// @inheritdoc IFuturesMarket
    function unpauseSeries(bytes32 id) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (_series[id].listedAt == 0) revert UnknownSeries(id);
        _series[id].paused = false;
        emit SeriesUnpaused(id, msg.sender);
    }
}
