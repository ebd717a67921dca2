/**
 * Why a source gave no value. Adapters never throw to their caller: `fetchSource` turns a
 * `SourceError` into `{ ok: false, error: message }`. The message names the source id and what
 * was wrong; `retryable` says whether asking again could help (a timeout, a 5xx, a 429).
 */
export class SourceError extends Error {
  constructor(
    readonly source: string,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(`source ${source}: ${message}`, options);
    this.name = "SourceError";
  }
}

/** A failed HTTP exchange (before the source id is known to the transport). */
export class HttpError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** Attempts made, the failed one included. */
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "HttpError";
  }
}
