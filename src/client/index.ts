/**
 * The compute-futures client SDK: typed access to a deployment's market, vault and oracle for
 * traders, keepers and apps. Browser-safe: nothing here (or in what it imports) uses a Node
 * built-in; the Node-only `loadDeployment` lives in ./node.ts. See docs/client.md.
 */
export { connect, CfxClient, type ConnectOptions } from "./client.js";
export { parseDeployment, type Deployment, type DeployedFeed } from "./deployment.js";
export type { Collateral } from "./context.js";
export type { CfxContracts } from "./contracts.js";

export {
  CfxError,
  ContractError,
  InvalidInputError,
  NetworkMismatchError,
  SignerRequiredError,
  TransactionError,
  UnknownRevertError,
  UserRejectedError,
  type ContractErrorArg,
} from "./errors.js";
export { ErrorDecoder, findRevertData } from "./decodeError.js";
export { ERROR_MESSAGES, messageFormat, type MessageFormat, type MessageFormatOptions } from "./errorMessages.js";

export {
  BPS,
  USDC_DECIMALS,
  WAD,
  WAD_DECIMALS,
  divRound,
  formatBps,
  formatFixed,
  formatPnl,
  formatPrice,
  formatRatio,
  formatSize,
  formatUsdc,
  parseFixed,
  parsePrice,
  parseSize,
  parseUsdc,
  type FormatOptions,
  type ParseOptions,
  type Rounding,
} from "./format.js";

export {
  ORDER_TYPES,
  POST_ONLY,
  REDUCE_ONLY,
  cancelAllFloor,
  freshNonce,
  hashOrder,
  marketDomain,
  orderTypedData,
  parseSignedOrder,
  serializeSignedOrder,
  signedOrderToJson,
  type Order,
  type OrderInput,
  type OrderJson,
  type OrderTypedData,
  type SignedOrder,
  type SignedOrderJson,
} from "./orders.js";
export type { MatchInput, OrderStatus } from "./trading.js";

export type { AccountSummary, PositionSummary } from "./account.js";
export {
  ceilDiv,
  entryPrice,
  floorDiv,
  liquidatableAt,
  liquidationPrice,
  marginRequirement,
  positionValue,
  unrealisedPnl,
  type LiquidationInputs,
} from "./margin.js";
export { seriesStatus, type SeriesInfo, type SeriesParams, type SeriesStatus } from "./series.js";
export type { IndexHistoryOptions, IndexRound } from "./history.js";
