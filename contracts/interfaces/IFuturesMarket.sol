// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMarginSource} from "./IMarginSource.sol";

/// @title IFuturesMarket
/// @notice Dated, cash-settled futures on the compute indexes, traded with wallet-signed
/// orders (off-chain order book, on-chain settlement) and margined in the MarginVault.
/// Prices are WAD (1e18) USD per index unit; sizes are whole contracts; a contract is
/// `multiplier` index units. See docs/market.md for every formula.
interface IFuturesMarket is IMarginSource {
    // ---------------------------------------------------------------- types

    /// @notice Everything that defines a series; its id is keccak256(abi.encode(params)).
    /// @param feed the IndexOracle feed the series settles on
    /// @param expiry settlement time: the TWAP over [expiry - settlementWindow, expiry]
    /// @param lastTradingTime no trade at or after this time (<= expiry)
    /// @param settlementWindow seconds of index TWAP that fix the settlement price
    /// @param multiplier index units per contract (e.g. 100 GPU-hours)
    /// @param tickSize price increment, WAD
    /// @param minSize smallest trade, contracts (a smaller last fill may complete an order)
    /// @param initialMarginBps margin to open or add, of notional at mark
    /// @param maintenanceMarginBps margin below which an account can be liquidated
    /// @param liquidationPenaltyBps penalty of the liquidated notional, paid by the liquidated
    /// @param liquidatorShareBps the liquidator's share of the penalty; the rest insures
    /// @param makerFeeBps fee of notional paid by the maker
    /// @param takerFeeBps fee of notional paid by the taker
    /// @param maxBasisBps largest |mark - index| as a share of the index, at listing
    /// @param basisTau seconds for a new trade premium to move the basis half way
    /// @param basisRefNotional notional (WAD USD) of a fill that counts with full weight
    /// @param openInterestCap largest total long size, contracts
    struct SeriesParams {
        bytes32 feed;
        uint64 expiry;
        uint64 lastTradingTime;
        uint32 settlementWindow;
        uint32 multiplier;
        uint96 tickSize;
        uint64 minSize;
        uint16 initialMarginBps;
        uint16 maintenanceMarginBps;
        uint16 liquidationPenaltyBps;
        uint16 liquidatorShareBps;
        uint16 makerFeeBps;
        uint16 takerFeeBps;
        uint16 maxBasisBps;
        uint32 basisTau;
        uint128 basisRefNotional;
        uint64 openInterestCap;
    }

    /// @notice A signed order. EIP-712 type:
    /// `Order(address trader,bytes32 series,bool isBuy,uint64 size,uint96 limitPrice,uint64 expiry,uint256 nonce,`
    /// `uint8 flags)` (one line, no space),
    /// under the domain {name: "FuturesMarket", version: "1", chainId, verifyingContract}.
    /// @param size contracts
    /// @param limitPrice WAD; a maker's fills execute at it
    /// @param expiry unix seconds; the order fills up to and including this second
    /// @param nonce any number; `cancelAllBelow(n)` voids every order with nonce < n
    /// @param flags bit 0 post-only, bit 1 reduce-only
    struct Order {
        address trader;
        bytes32 series;
        bool isBuy;
        uint64 size;
        uint96 limitPrice;
        uint64 expiry;
        uint256 nonce;
        uint8 flags;
    }

    /// @notice One cross of a batch.
    struct Match {
        Order maker;
        bytes makerSignature;
        Order taker;
        bytes takerSignature;
        uint64 size;
    }

    /// @notice An account's position in one series.
    /// @param size contracts, positive long
    /// @param entryNotional size x multiplier x average entry price, WAD, signed like size
    struct Position {
        int256 size;
        int256 entryNotional;
    }

    /// @notice A series' market state.
    struct SeriesState {
        bool listed;
        bool paused;
        uint64 listedAt;
        uint64 openInterest;
        uint256 index;
        bool indexStale;
        int256 basis;
        uint256 markPrice;
        uint256 settlementPrice;
        int256 fundingIndex;
    }

    // ---------------------------------------------------------------- events

    event SeriesListed(bytes32 indexed series, bytes32 indexed feed, SeriesParams params);
    event SeriesPaused(bytes32 indexed series, address indexed by);
    event SeriesUnpaused(bytes32 indexed series, address indexed by);
    event OrderFilled(
        bytes32 indexed series,
        bytes32 indexed makerOrder,
        address indexed maker,
        address taker,
        bytes32 takerOrder,
        bool makerIsBuy,
        uint256 size,
        uint256 price,
        uint256 makerFee,
        uint256 takerFee
    );
    event PositionChanged(
        address indexed account, bytes32 indexed series, int256 size, int256 entryNotional, int256 realisedPnl
    );
    event OrderCancelled(address indexed trader, bytes32 indexed orderHash);
    event SeriesSettled(bytes32 indexed series, uint256 settlementPrice);
    /// @notice `size` contracts of `account` moved to `liquidator` at `markPrice`; the account
    /// paid `toLiquidator` + `toInsurance` (token units) as its penalty.
    event PositionLiquidated(
        address indexed account,
        bytes32 indexed series,
        address indexed liquidator,
        uint256 size,
        uint256 markPrice,
        uint256 toLiquidator,
        uint256 toInsurance
    );
    /// @notice An account with no position left owed `debt`; the insurance fund covered
    /// `covered`. `uncovered` stays as the account's negative cash: it is non-zero only when an
    /// account settles a series with a debt nobody deleveraged in time.
    event BadDebt(address indexed account, uint256 debt, uint256 covered, uint256 uncovered);
    /// @param cash what the account received (positive) or paid (negative), token units
    /// @param realisedPnl value at the settlement price minus the entry notional, WAD
    event AccountSettled(
        address indexed account,
        bytes32 indexed series,
        int256 size,
        uint256 settlementPrice,
        int256 cash,
        int256 realisedPnl
    );
    event OrdersCancelledBelow(address indexed trader, uint256 minNonce);

    /// @notice `size` contracts of the bankrupt `account` closed against `counterparty`'s
    /// opposite position at `price` (the mark, or the settlement price once fixed), and the
    /// counterparty paid `deficitShare` (token units) of the account's debt: together, a trade
    /// at the bankruptcy price.
    event PositionDeleveraged(
        address indexed account,
        bytes32 indexed series,
        address indexed counterparty,
        uint256 size,
        uint256 price,
        uint256 deficitShare
    );

    /// @notice The guardian proposed a settlement price for a series the oracle cannot settle;
    /// `settleSeries` may use it from `executableAt` if the oracle still cannot.
    event SettlementPriceProposed(bytes32 indexed series, uint256 price, uint256 executableAt, address indexed by);

    /// @notice `settleSeries` fixed the guardian's proposed price (followed by SeriesSettled).
    event FallbackPriceUsed(bytes32 indexed series, uint256 price);

    // ---------------------------------------------------------------- errors

    error UnknownSeries(bytes32 series);
    error SeriesAlreadyListed(bytes32 series);
    error InvalidSeriesParam(string name, uint256 value);
    error SeriesIsPaused(bytes32 series);
    error TradingClosed(bytes32 series, uint256 lastTradingTime);
    error InvalidSignature(address trader, bytes32 orderHash);
    error OrderExpired(bytes32 orderHash, uint256 expiry);
    error OrderIsCancelled(bytes32 orderHash);
    error OrderNonceCancelled(address trader, uint256 nonce, uint256 minNonce);
    error OrderOverfilled(bytes32 orderHash, uint256 filled, uint256 size, uint256 orderSize);
    error SeriesMismatch(bytes32 makerSeries, bytes32 takerSeries);
    error SameSide(bool isBuy);
    error SelfTrade(address account);
    error OffTick(uint256 price, uint256 tickSize);
    error PriceThroughLimit(uint256 price, uint256 limitPrice, bool isBuy);
    error SizeBelowMinimum(uint256 size, uint256 minSize);
    error ZeroSize();
    error PostOnlyWouldTake(bytes32 orderHash);
    error ReduceOnlyWouldIncrease(bytes32 orderHash, int256 size, int256 newSize);
    error OpenInterestCapExceeded(bytes32 series, uint256 openInterest, uint256 cap);
    error TooManyOpenSeries(address account, uint256 maxOpenSeries);
    /// @notice A risk-increasing trade in a series whose index is stale.
    error StaleIndex(bytes32 feed);
    /// @notice A risk-increasing trade by an account whose other positions are valued at a
    /// stale index.
    error StalePositionIndex(address account);
    /// @notice After a risk-increasing trade the account's equity is below its initial margin.
    error InsufficientMargin(address account, uint256 required, int256 equity);
    /// @notice A risk-reducing trade left the account's margin ratio (equity / maintenance
    /// margin) worse than before.
    error MarginRatioWorse(
        address account, int256 equityBefore, uint256 maintenanceBefore, int256 equityAfter, uint256 maintenanceAfter
    );
    error NotTrader(address caller, address trader);
    error SeriesNotExpired(bytes32 series, uint256 expiry);
    error NotLiquidatable(address account, int256 equity, uint256 maintenanceMargin);
    error NoPosition(address account, bytes32 series);
    error LiquidationClosed(bytes32 series, uint256 expiry);
    error SeriesAlreadySettled(bytes32 series, uint256 settlementPrice);
    error SeriesNotSettled(bytes32 series);
    error NothingToSettle(address account, bytes32 series);
    /// @notice Accounts settle from `opensAt` (ACCOUNT_SETTLEMENT_DELAY after settleSeries),
    /// except one in debt that the insurance fund covers.
    error AccountSettlementNotOpen(bytes32 series, uint256 opensAt);
    /// @notice The account's debt exceeds the insurance fund: it is deleveraged, not liquidated.
    error NeedsDeleveraging(address account, int256 equity, uint256 insuranceFund);
    /// @notice Deleveraging needs an account whose debt the insurance fund cannot cover.
    error NotBankrupt(address account, int256 equity, uint256 insuranceFund);
    /// @notice The counterparty holds no opposite position of at least `size` contracts.
    error NoOppositePosition(address counterparty, bytes32 series, int256 counterpartySize, uint256 size);
    /// @notice Taking over its share of the debt would leave the counterparty with negative equity.
    error CounterpartyWouldBeBankrupt(address counterparty, int256 equityAfter);
    error FallbackTooEarly(bytes32 series, uint256 allowedFrom);
    /// @notice The oracle can settle the series itself, at `twap`: no fallback is needed.
    error OracleCanSettle(bytes32 series, uint256 twap);
    /// @notice A proposed settlement price must be above zero and below 2^80 (like every index value).
    error InvalidSettlementPrice(uint256 price);

    // ---------------------------------------------------------------- trading

    /// @notice The sender takes `size` of a maker's signed order, at its limit price, paying
    /// the taker fee. No taker signature: the transaction is the taker's consent.
    function fill(Order calldata order, bytes calldata signature, uint64 size) external;

    /// @notice Crosses two signed orders (anyone may call: the order book's matcher), at the
    /// maker's price. The taker's limit must be at or through it.
    function matchOrders(
        Order calldata maker,
        bytes calldata makerSignature,
        Order calldata taker,
        bytes calldata takerSignature,
        uint64 size
    ) external;

    /// @notice `matchOrders` for each element; all or nothing.
    function matchOrdersBatch(Match[] calldata matches) external;

    /// @notice Voids one of the sender's orders.
    function cancelOrder(Order calldata order) external;

    /// @notice Voids every order of the sender with a nonce below `minNonce` (it only grows).
    function cancelAllBelow(uint256 minNonce) external;

    // ---------------------------------------------------------------- liquidation

    /// @notice Takes over up to `size` contracts of `account`'s position in `series` at the mark
    /// price; anyone may call it while the account's equity is below its maintenance margin, the
    /// index is fresh and the series has not expired. At most the contracts needed to bring the
    /// account back to its initial margin move (partial liquidation); the account pays a penalty
    /// of liquidationPenaltyBps of the moved notional, liquidatorShareBps of it to the caller and
    /// the rest to the insurance fund. The liquidator's share is capped at what the account's
    /// equity plus the insurance fund can bear, so an account left without positions and with
    /// negative cash has its whole debt covered by the fund (`BadDebt`). An account whose debt
    /// already exceeds the fund is refused (`NeedsDeleveraging`): see `deleverage`. The caller
    /// must meet initial margin afterwards. Returns the contracts moved.
    function liquidate(address account, bytes32 series, uint64 size) external returns (uint64 liquidated);

    // ---------------------------------------------------------------- deleveraging

    /// @notice Closes up to `size` contracts of a bankrupt account's position against
    /// `counterparty`'s opposite position at the bankruptcy price (deleverager role, run by the
    /// keeper, which picks counterparties by profit and leverage). Allowed while the account's
    /// equity is negative beyond the insurance fund, the series is live with a fresh index or
    /// already settled, and the counterparty holds at least the closed size on the other side.
    /// The insurance fund first pays the account all it holds; the counterparty then trades at
    /// the mark (or settlement price) and pays `deficit x closedNotional / accountNotional` of the
    /// remaining debt (all of it on the account's last position here), and must keep
    /// non-negative equity. No fees, no penalty, no basis update. Returns the contracts closed.
    function deleverage(address account, bytes32 series, address counterparty, uint64 size)
        external
        returns (uint64 closed);

    // ---------------------------------------------------------------- settlement

    /// @notice Fixes a series' settlement price once it has expired: the index TWAP over
    /// [expiry - settlementWindow, expiry]. Anyone may call it. Reverts with the oracle's error
    /// while the oracle cannot cover the window; settlement then waits, unless a guardian's
    /// proposed price has passed its time lock (`FallbackPriceUsed`).
    function settleSeries(bytes32 series) external returns (uint256 settlementPrice);

    /// @notice The guardian's fallback for a series the oracle can no longer settle (the window
    /// fell out of its ring, or was never covered): allowed from FALLBACK_DELAY after expiry, only
    /// while the oracle's TWAP call fails, and usable by `settleSeries` FALLBACK_TIMELOCK later.
    /// A new proposal replaces the last one and restarts the time lock.
    function proposeSettlementPrice(bytes32 series, uint256 price) external;

    /// @notice Closes an account's position in a settled series at the settlement price, in
    /// O(1); anyone may call it from ACCOUNT_SETTLEMENT_DELAY after `settleSeries`, the hour in
    /// which bankrupt accounts are deleveraged. Within that hour only an account whose last
    /// position leaves a debt the insurance fund covers may settle (the fund is used up in order;
    /// whom it can no longer cover is deleveraged). Its PnL is realised in cash.
    function settleAccount(address account, bytes32 series) external;

    /// @notice `settleAccount` for many accounts (a keeper's batch); accounts without a
    /// position are skipped.
    function settleAccounts(bytes32 series, address[] calldata accounts) external;

    /// @notice The vault account that settling longs are paid from and settling shorts pay
    /// into: an address nobody holds a key for. After every account has settled it holds only
    /// rounding dust (the protocol's).
    function settlementPool(bytes32 series) external view returns (address);

    // ---------------------------------------------------------------- reads

    function seriesParams(bytes32 series) external view returns (SeriesParams memory);

    function seriesState(bytes32 series) external view returns (SeriesState memory);

    function positionOf(address account, bytes32 series) external view returns (Position memory);

    /// @notice The series the account holds positions in.
    function openSeriesOf(address account) external view returns (bytes32[] memory);

    /// @notice The order's EIP-712 digest: fill tracking and signatures are keyed by it.
    function orderHash(Order calldata order) external view returns (bytes32);

    /// @notice Contracts filled so far (type(uint256).max once cancelled).
    function filledOf(bytes32 orderHash) external view returns (uint256);

    function minNonceOf(address trader) external view returns (uint256);

    /// @notice The id a series with these parameters has (whether listed or not).
    function seriesId(SeriesParams calldata params) external pure returns (bytes32);

    // ---------------------------------------------------------------- admin

    /// @notice Lists a series (lister role) and returns its id.
    function listSeries(SeriesParams calldata params) external returns (bytes32);

    /// @notice Stops trading in a series (guardian). Withdrawing free collateral is never blocked.
    function pauseSeries(bytes32 series) external;

    function unpauseSeries(bytes32 series) external;
}
