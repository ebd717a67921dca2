/**
 * A readable message for every custom error of the market, the vault, the oracle and the
 * collateral token (OpenZeppelin's ERC-20 / ERC-2612 errors), keyed by canonical signature:
 * the oracle's `InvalidSignature(bytes32,uint256)` is not the market's
 * `InvalidSignature(address,bytes32)`. test/client/errors.ts checks that every error in those
 * ABIs has an entry here, so a new contract error cannot be forgotten.
 *
 * Amounts are formatted so the message never overstates what the account has: requirements
 * round up, balances and equity down.
 */
import { id } from "ethers";

import { formatBps, formatFixed, formatPrice, formatSize, WAD, divRound, type Rounding } from "./format.js";

/** How a message writes the values it mentions. */
export interface MessageFormat {
  /** Collateral token units with the token's symbol, 2 decimals: "1,240.50 USDC". */
  collateral(amount: bigint, rounding: Rounding): string;
  /** A WAD USD amount inside the market (notional, PnL) in USD: "$2,500.00". */
  usd(wad: bigint, rounding: Rounding): string;
  /** A WAD price: "$2.50". */
  price(wad: bigint): string;
  /** "1 contract", "10 contracts". */
  contracts(size: bigint): string;
  /** A series id as a label ("H100-SXM-HOUR 2026-01-31") when known, else a short id. */
  series(id: string): string;
  /** A feed id as its name when known, else a short id. */
  feed(id: string): string;
  /** Unix seconds as an ISO time ("2026-01-31T00:00:00Z"). */
  time(unix: bigint): string;
  /** A role hash as its name when it is one of the protocol's roles. */
  role(hash: string): string;
}

// Args are decoded by ethers from the ABI: their types follow the signature each entry is keyed
// by (uint/int as bigint, address and bytes as hex strings), which the decoding test checks.
type Args = Record<string, any>;
type Message = (a: Args, f: MessageFormat) => string;

/** equity / maintenance as "1.38", or "unbounded" without a requirement. */
function ratio(equity: bigint, maintenance: bigint): string {
  if (maintenance === 0n) return "unbounded";
  return formatFixed(divRound(equity * WAD, maintenance, "floor"), 18, { decimals: 2, rounding: "floor" });
}

function side(isBuy: boolean): string {
  return isBuy ? "buy" : "sell";
}

export const ERROR_MESSAGES: Readonly<Record<string, Message>> = {
  // ----------------------------------------------------------------------- market: orders
  "UnknownSeries(bytes32)": (a, f) => `unknown series ${f.series(a.series)}: it is not listed on this market`,
  "SeriesIsPaused(bytes32)": (a, f) => `series ${f.series(a.series)} is paused: no trading until the guardian unpauses it`,
  "TradingClosed(bytes32,uint256)": (a, f) =>
    `trading in series ${f.series(a.series)} closed at ${f.time(a.lastTradingTime)}`,
  "InvalidSignature(address,bytes32)": (a) =>
    `invalid signature: order ${a.orderHash} is not signed by its trader ${a.trader}`,
  "OrderExpired(bytes32,uint256)": (a, f) => `order ${a.orderHash} expired at ${f.time(a.expiry)}`,
  "OrderIsCancelled(bytes32)": (a) => `order ${a.orderHash} is cancelled`,
  "OrderNonceCancelled(address,uint256,uint256)": (a) =>
    `order nonce ${a.nonce} of ${a.trader} is cancelled: every nonce below ${a.minNonce} is`,
  "OrderOverfilled(bytes32,uint256,uint256,uint256)": (a, f) =>
    `order ${a.orderHash} cannot fill ${f.contracts(a.size)}: ${a.filled} of its ${a.orderSize} are already filled`,
  "SeriesMismatch(bytes32,bytes32)": (a, f) =>
    `the orders are for different series: maker ${f.series(a.makerSeries)}, taker ${f.series(a.takerSeries)}`,
  "SameSide(bool)": (a) => `both orders ${side(a.isBuy)}: a match needs a buy and a sell`,
  "SelfTrade(address)": (a) => `self-trade: ${a.account} is on both sides`,
  "OffTick(uint256,uint256)": (a, f) =>
    `price ${f.price(a.price)} is off the tick: prices are multiples of ${f.price(a.tickSize)}`,
  "PriceThroughLimit(uint256,uint256,bool)": (a, f) =>
    a.isBuy
      ? `the maker's price ${f.price(a.price)} is above the taker's buy limit ${f.price(a.limitPrice)}`
      : `the maker's price ${f.price(a.price)} is below the taker's sell limit ${f.price(a.limitPrice)}`,
  "SizeBelowMinimum(uint256,uint256)": (a, f) =>
    `size ${f.contracts(a.size)} is below the series' minimum of ${f.contracts(a.minSize)} (allowed only to complete an order)`,
  "ZeroSize()": () => "size is zero: trade at least one contract",
  "PostOnlyWouldTake(bytes32)": (a) => `post-only order ${a.orderHash} cannot be the taker`,
  "ReduceOnlyWouldIncrease(bytes32,int256,int256)": (a) =>
    `reduce-only order ${a.orderHash} would take the position from ${formatSize(a.size)} to ${formatSize(a.newSize)}`,
  "OpenInterestCapExceeded(bytes32,uint256,uint256)": (a, f) =>
    `open interest of series ${f.series(a.series)} would reach ${f.contracts(a.openInterest)}, above its cap of ${formatSize(a.cap)}`,
  "TooManyOpenSeries(address,uint256)": (a) =>
    `${a.account} would hold more than ${a.maxOpenSeries} open series: close a position first`,
  "NotTrader(address,address)": (a) => `only the order's trader ${a.trader} may cancel it, not ${a.caller}`,

  // ----------------------------------------------------------------------- market: margin
  "StaleIndex(bytes32)": (a, f) =>
    `the ${f.feed(a.feed)} index is stale: risk-increasing trades and liquidations wait for a fresh round`,
  "StalePositionIndex(address)": (a) =>
    `an index that ${a.account}'s positions are valued at is stale: only risk-reducing trades are allowed`,
  "InsufficientMargin(address,uint256,int256)": (a, f) =>
    `insufficient margin: need ${f.collateral(a.required, "ceil")}, have ${f.collateral(a.equity, "floor")}`,
  "MarginRatioWorse(address,int256,uint256,int256,uint256)": (a) =>
    `the trade would worsen the margin ratio (equity / maintenance margin) of ${a.account} ` +
    `from ${ratio(a.equityBefore, a.maintenanceBefore)} to ${ratio(a.equityAfter, a.maintenanceAfter)}`,

  // ----------------------------------------------------------------------- market: liquidation, deleveraging
  "NotLiquidatable(address,int256,uint256)": (a, f) =>
    `${a.account} is not liquidatable: equity ${f.collateral(a.equity, "floor")} is at or above its maintenance margin ${f.collateral(a.maintenanceMargin, "ceil")}`,
  "NoPosition(address,bytes32)": (a, f) => `${a.account} holds no position in series ${f.series(a.series)}`,
  "LiquidationClosed(bytes32,uint256)": (a, f) =>
    `series ${f.series(a.series)} expired at ${f.time(a.expiry)}: its positions settle, they are no longer liquidated`,
  "NeedsDeleveraging(address,int256,uint256)": (a, f) =>
    `${a.account}'s debt (equity ${f.collateral(a.equity, "floor")}) exceeds the insurance fund (${f.collateral(a.insuranceFund, "floor")}): it is deleveraged, not liquidated`,
  "NotBankrupt(address,int256,uint256)": (a, f) =>
    `${a.account} is not bankrupt beyond the insurance fund: equity ${f.collateral(a.equity, "floor")}, fund ${f.collateral(a.insuranceFund, "floor")}`,
  "NoOppositePosition(address,bytes32,int256,uint256)": (a, f) =>
    `counterparty ${a.counterparty} holds ${formatSize(a.counterpartySize)} in series ${f.series(a.series)}: not ${f.contracts(a.size)} on the opposite side`,
  "CounterpartyWouldBeBankrupt(address,int256)": (a, f) =>
    `counterparty ${a.counterparty} would be left with negative equity (${f.collateral(a.equityAfter, "floor")})`,

  // ----------------------------------------------------------------------- market: settlement
  "SeriesNotExpired(bytes32,uint256)": (a, f) =>
    `series ${f.series(a.series)} has not expired: it settles after ${f.time(a.expiry)}`,
  "SeriesAlreadySettled(bytes32,uint256)": (a, f) =>
    `series ${f.series(a.series)} is already settled at ${f.price(a.settlementPrice)}`,
  "SeriesNotSettled(bytes32)": (a, f) => `series ${f.series(a.series)} is not settled yet: call settleSeries first`,
  "NothingToSettle(address,bytes32)": (a, f) =>
    `${a.account} has no position to settle in series ${f.series(a.series)}`,
  "AccountSettlementNotOpen(bytes32,uint256)": (a, f) =>
    `accounts of series ${f.series(a.series)} settle from ${f.time(a.opensAt)} (the hour after settleSeries is for deleveraging)`,
  "FallbackTooEarly(bytes32,uint256)": (a, f) =>
    `the fallback settlement price of series ${f.series(a.series)} is not allowed before ${f.time(a.allowedFrom)}`,
  "OracleCanSettle(bytes32,uint256)": (a, f) =>
    `no fallback needed: the oracle settles series ${f.series(a.series)} itself at ${f.price(a.twap)}`,
  "InvalidSettlementPrice(uint256)": (a, f) =>
    `invalid settlement price ${f.price(a.price)}: it must be above zero and below 2^80`,

  // ----------------------------------------------------------------------- market: listing
  "SeriesAlreadyListed(bytes32)": (a, f) => `series ${f.series(a.series)} is already listed`,
  "InvalidSeriesParam(string,uint256)": (a) => `invalid series parameter ${a.name}: ${a.value}`,

  // ----------------------------------------------------------------------- vault
  "ZeroAmount()": () => "the amount is zero",
  "ZeroAddress()": () => "the address is the zero address",
  "TransferShortfall(uint256,uint256)": (a, f) =>
    `the token delivered ${f.collateral(a.received, "floor")} of the ${f.collateral(a.expected, "ceil")} asked: fee-on-transfer tokens are not supported`,
  "InsufficientFreeCollateral(address,uint256,uint256)": (a, f) =>
    `insufficient free collateral: requested ${f.collateral(a.requested, "ceil")}, available ${f.collateral(a.available, "floor")}`,
  "IndexStale(address)": (a) =>
    `an index that ${a.account}'s positions need is stale: withdrawals wait for a fresh round (or close the positions)`,
  "NotMarket(address)": (a) => `${a.caller} is not a registered market`,
  "MarketAlreadyRegistered(address)": (a) => `market ${a.market} is already registered`,
  "MarketNotRegistered(address)": (a) => `market ${a.market} is not registered`,
  "TooManyMarkets(uint256)": (a) => `the vault already has its maximum of ${a.maxMarkets} markets`,
  "InsufficientFees(uint256,uint256)": (a, f) =>
    `insufficient fees: requested ${f.collateral(a.requested, "ceil")}, available ${f.collateral(a.available, "floor")}`,

  // ----------------------------------------------------------------------- oracle: reads a trader meets
  "NoData(bytes32)": (a, f) => `the ${f.feed(a.feed)} index has no round yet`,
  "UnknownFeed(bytes32)": (a, f) => `unknown index feed ${f.feed(a.feed)}`,
  "FeedIsPaused(bytes32)": (a, f) => `the ${f.feed(a.feed)} index feed is paused`,
  "RoundNotAvailable(bytes32,uint256,uint256,uint256)": (a, f) =>
    `round ${a.roundId} of ${f.feed(a.feed)} is not held: the oracle keeps rounds ${a.oldestRoundId} to ${a.latestRoundId}`,
  "InvalidTwapWindow(uint256,uint256,uint256)": (a, f) =>
    `invalid TWAP window [${f.time(a.start)}, ${f.time(a.end)}): it must be non-empty and end by ${f.time(a.currentTime)}`,
  "TwapWindowNotCovered(bytes32,uint256,uint256)": (a, f) =>
    `the ${f.feed(a.feed)} index history does not cover ${f.time(a.start)}: the oldest round held is from ${f.time(a.oldestCovered)}`,

  // ----------------------------------------------------------------------- oracle: reports
  "EmptyReport()": () => "the report holds no feed",
  "TooFewObservations(bytes32,uint256,uint256)": (a, f) =>
    `${f.feed(a.feed)}: ${a.count} observations, ${a.required} needed (2f+1)`,
  "TooManyObservations(bytes32,uint256,uint256)": (a, f) =>
    `${f.feed(a.feed)}: ${a.count} observations but only ${a.signerCount} signers`,
  "InvalidSignature(bytes32,uint256)": (a, f) =>
    `${f.feed(a.feed)}: observation ${a.index} has an invalid signature`,
  "UnknownSigner(bytes32,address)": (a, f) =>
    `${f.feed(a.feed)}: ${a.signer} is not a signer of the feed (or the signed data differs)`,
  "DuplicateSigner(bytes32,address)": (a, f) => `${f.feed(a.feed)}: ${a.signer} signed twice`,
  "ZeroValue(bytes32,address)": (a, f) => `${f.feed(a.feed)}: ${a.signer} observed a zero value`,
  "ValueTooLarge(bytes32,address,uint256,uint256)": (a, f) =>
    `${f.feed(a.feed)}: ${a.signer} observed ${f.price(a.value)}, above the maximum ${f.price(a.maxValue)}`,
  "ObservationFromFuture(bytes32,address,uint256,uint256)": (a, f) =>
    `${f.feed(a.feed)}: ${a.signer}'s observation at ${f.time(a.observedAt)} is after ${f.time(a.latestAllowed)}`,
  "ObservationTooOld(bytes32,address,uint256,uint256)": (a, f) =>
    `${f.feed(a.feed)}: ${a.signer}'s observation at ${f.time(a.observedAt)} is before ${f.time(a.oldestAllowed)}`,
  "ObservationNotNewer(bytes32,address,uint256,uint256)": (a, f) =>
    `${f.feed(a.feed)}: ${a.signer}'s observation at ${f.time(a.observedAt)} is not after the last round's ${f.time(a.lastObservedAt)}`,
  "UpdateTooSoon(bytes32,uint256,uint256)": (a, f) =>
    `${f.feed(a.feed)}: the next round is allowed from ${f.time(a.nextAllowedAt)}`,
  "MoveTooLarge(bytes32,uint256,uint256,uint256,uint256,uint256)": (a, f) =>
    `${f.feed(a.feed)}: a move from ${f.price(a.lastValue)} to ${f.price(a.newValue)} exceeds ${formatBps(a.maxMoveBps)} and needs all ${a.signerCount} signers (${a.signed} signed)`,

  // ----------------------------------------------------------------------- oracle: admin
  "FeedAlreadyExists(bytes32)": (a, f) => `feed ${f.feed(a.feed)} already exists`,
  "InvalidFeedId()": () => "the feed id is zero",
  "TooManySigners(uint256,uint256)": (a) => `${a.count} signers, at most ${a.maxSigners} allowed`,
  "SignerSetTooSmall(uint256,uint8,uint256)": (a) =>
    `${a.signerCount} signers cannot tolerate f = ${a.f} faults: at least ${a.minimum} needed`,
  "InvalidSignerAddress(address)": (a) => `invalid signer address ${a.signer}`,
  "InvalidRingCapacity(uint256,uint256)": (a) => `ring capacity ${a.capacity} is below the minimum ${a.minCapacity}`,
  "InvalidParam(string,uint256)": (a) => `invalid feed parameter ${a.name}: ${a.value}`,
  "SignerSetDeployFailed()": () => "the oracle could not store the signer set",

  // ----------------------------------------------------------------------- collateral token (OpenZeppelin)
  "ERC20InsufficientBalance(address,uint256,uint256)": (a, f) =>
    `insufficient token balance: ${a.sender} has ${f.collateral(a.balance, "floor")}, needs ${f.collateral(a.needed, "ceil")}`,
  "ERC20InsufficientAllowance(address,uint256,uint256)": (a, f) =>
    `insufficient token allowance: ${a.spender} may spend ${f.collateral(a.allowance, "floor")}, needs ${f.collateral(a.needed, "ceil")}`,
  "ERC20InvalidApprover(address)": (a) => `invalid token approver ${a.approver}`,
  "ERC20InvalidReceiver(address)": (a) => `invalid token receiver ${a.receiver}`,
  "ERC20InvalidSender(address)": (a) => `invalid token sender ${a.sender}`,
  "ERC20InvalidSpender(address)": (a) => `invalid token spender ${a.spender}`,
  "ERC2612ExpiredSignature(uint256)": (a, f) => `the permit expired at ${f.time(a.deadline)}`,
  "ERC2612InvalidSigner(address,address)": (a) => `the permit is signed by ${a.signer}, not by the owner ${a.owner}`,
  "InvalidAccountNonce(address,uint256)": (a) => `wrong permit nonce for ${a.account}: the current nonce is ${a.currentNonce}`,
  "ECDSAInvalidSignature()": () => "invalid signature",
  "ECDSAInvalidSignatureLength(uint256)": (a) => `invalid signature length: ${a.length} bytes`,
  "ECDSAInvalidSignatureS(bytes32)": () => "invalid signature: s is in the upper half of the curve order",

  // ----------------------------------------------------------------------- OpenZeppelin, shared
  "AccessControlUnauthorizedAccount(address,bytes32)": (a, f) => `${a.account} lacks the role ${f.role(a.neededRole)}`,
  "AccessControlBadConfirmation()": () => "renounceRole must be confirmed with the caller's own address",
  "ReentrancyGuardReentrantCall()": () => "reentrant call refused",
  "SafeERC20FailedOperation(address)": (a) => `the token ${a.token} refused the transfer`,
  "SafeCastOverflowedUintDowncast(uint8,uint256)": (a) => `number overflow: ${a.value} does not fit uint${a.bits}`,
  "SafeCastOverflowedIntDowncast(uint8,int256)": (a) => `number overflow: ${a.value} does not fit int${a.bits}`,
  "SafeCastOverflowedUintToInt(uint256)": (a) => `number overflow: ${a.value} does not fit int256`,
  "InvalidShortString()": () => "invalid short string",
  "StringTooLong(string)": (a) => `string too long: "${a.str}"`,

  // ----------------------------------------------------------------------- Solidity built-ins
  "Error(string)": (a) => `reverted: ${a.message}`,
  "Panic(uint256)": (a) => `panic: ${panicReason(a.code)}`,
};

const PANIC_REASONS: Record<string, string> = {
  "0": "generic compiler panic",
  "1": "assertion failed",
  "17": "arithmetic overflow or underflow",
  "18": "division or modulo by zero",
  "33": "invalid enum value",
  "34": "invalid storage byte array",
  "49": "pop on an empty array",
  "50": "array index out of bounds",
  "65": "out of memory",
  "81": "call to an uninitialised function",
};

function panicReason(code: bigint): string {
  return PANIC_REASONS[code.toString()] ?? `code 0x${code.toString(16)}`;
}

/** The protocol's roles by hash. */
export const ROLE_NAMES: Readonly<Record<string, string>> = Object.fromEntries([
  ["0x" + "00".repeat(32), "DEFAULT_ADMIN_ROLE"] as const,
  ...["LISTER_ROLE", "GUARDIAN_ROLE", "DELEVERAGER_ROLE", "FEE_MANAGER_ROLE"].map((name) => [id(name), name] as const),
]);

/** "0x1234…abcd": enough of an id to recognise it. */
export function shortHex(hex: string): string {
  return hex.length <= 14 ? hex : `${hex.slice(0, 6)}…${hex.slice(-4)}`;
}

/** Unix seconds as "2026-01-31T00:00:00Z" (dates beyond what Date holds stay numbers). */
export function formatTime(unix: bigint): string {
  const ms = Number(unix) * 1000;
  if (!Number.isSafeInteger(ms) || ms > 8.64e15) return `${unix} (unix seconds)`;
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

export interface MessageFormatOptions {
  collateralSymbol: string;
  collateralDecimals: number;
  seriesLabel?: (id: string) => string | undefined;
  feedName?: (id: string) => string | undefined;
}

/** The formatter messages use, for a collateral token and optional id → name lookups. */
export function messageFormat(options: MessageFormatOptions): MessageFormat {
  const { collateralSymbol, collateralDecimals } = options;
  const shown = Math.min(2, collateralDecimals);
  return {
    collateral: (amount, rounding) =>
      `${formatFixed(amount, collateralDecimals, { decimals: shown, rounding })} ${collateralSymbol}`,
    usd: (wad, rounding) => `$${formatFixed(wad, 18, { decimals: 2, rounding })}`,
    price: (wad) => `$${formatPrice(wad)}`,
    contracts: (size) => `${formatSize(size)} ${size === 1n || size === -1n ? "contract" : "contracts"}`,
    series: (seriesId) => options.seriesLabel?.(seriesId.toLowerCase()) ?? shortHex(seriesId),
    feed: (feedId) => options.feedName?.(feedId.toLowerCase()) ?? shortHex(feedId),
    time: formatTime,
    role: (hash) => ROLE_NAMES[hash.toLowerCase()] ?? hash,
  };
}
