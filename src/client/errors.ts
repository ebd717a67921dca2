/**
 * The client's error hierarchy. Everything the client throws is a `CfxError`, so a caller can
 * tell our errors from bugs with one `instanceof`, and `retryable` says whether trying the same
 * thing again can help (a dropped connection) or not (a revert, a bad input).
 *
 *   CfxError
 *   ├── InvalidInputError     a caller's value is wrong; `field` names it
 *   ├── ContractError         a contract reverted with a known error; `name`, `args`
 *   ├── UnknownRevertError    a revert the client cannot decode (or without any data)
 *   ├── SignerRequiredError   a write or a signature on a client connected to a bare provider
 *   ├── NetworkMismatchError  the provider is on another chain than the deployment
 *   ├── UserRejectedError     the wallet's user declined to sign or send
 *   └── TransactionError      anything else on the way to the chain (RPC down, nonce, ...)
 */

export interface CfxErrorOptions {
  cause?: unknown;
  retryable?: boolean;
}

export class CfxError extends Error {
  /** Whether the same call may succeed when tried again unchanged. */
  readonly retryable: boolean;

  constructor(message: string, options: CfxErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retryable = options.retryable ?? false;
  }
}

/** A value given to the client is malformed or does not fit the series; `field` names it. */
export class InvalidInputError extends CfxError {
  constructor(
    readonly field: string,
    message: string,
    options: CfxErrorOptions = {},
  ) {
    super(`${field}: ${message}`, options);
  }
}

/** A decoded argument of a contract error: bigints for numbers, strings for addresses and bytes. */
export type ContractErrorArg = bigint | string | boolean | ContractErrorArg[];

/**
 * A contract reverted with a custom error the client knows (or `Error(string)` / `Panic(uint256)`).
 * `name` is the Solidity error's name (e.g. "InsufficientMargin"), not the class name: use
 * `instanceof ContractError` to recognise the class.
 */
export class ContractError extends CfxError {
  constructor(
    /** The Solidity error's name, e.g. "InsufficientMargin". */
    name: string,
    /** Its canonical signature, e.g. "InsufficientMargin(address,uint256,int256)". */
    readonly signature: string,
    /** Its arguments by parameter name (positional names "arg0"... when the ABI has none). */
    readonly args: Readonly<Record<string, ContractErrorArg>>,
    /** The raw revert data. */
    readonly data: string,
    message: string,
    options: CfxErrorOptions = {},
  ) {
    super(message, options);
    this.name = name;
  }

  /** The 4-byte selector that starts the revert data. */
  get selector(): string {
    return this.data.slice(0, 10);
  }
}

/** A revert whose data no known ABI decodes, or a revert without data. */
export class UnknownRevertError extends CfxError {
  constructor(
    readonly data: string,
    message: string,
    options: CfxErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** The client was connected with a provider only, and the action needs a signer. */
export class SignerRequiredError extends CfxError {
  constructor(action: string) {
    super(`${action} needs a signer: connect the client with a Signer, not a bare Provider`);
  }
}

/** The provider's chain is not the deployment's. */
export class NetworkMismatchError extends CfxError {
  constructor(
    readonly expectedChainId: bigint,
    readonly actualChainId: bigint,
  ) {
    super(`the provider is on chain ${actualChainId}, but the deployment is on chain ${expectedChainId}`);
  }
}

/** The wallet's user declined the signature or the transaction. */
export class UserRejectedError extends CfxError {
  constructor(action: string, options: CfxErrorOptions = {}) {
    super(`${action} was rejected in the wallet`, options);
  }
}

/** A failure on the way to the chain that is not a revert: RPC errors, timeouts, nonces. */
export class TransactionError extends CfxError {}
