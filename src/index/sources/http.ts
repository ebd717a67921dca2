/**
 * GET a JSON document with the network limits every HTTP adapter shares:
 * - a timeout per attempt (an AbortController), covering the headers and the whole body;
 * - bounded retries with exponential backoff (`backoffMs`, 2x, 4x, ...) after a network error,
 *   a timeout, a 5xx or a 429; never after another 4xx, nor after an answer that arrived but is
 *   unusable (wrong content type, too large, not UTF-8, not JSON): asking again a moment later
 *   would get the same bytes;
 * - a size limit: a declared Content-Length above `maxBytes` is refused unread, and the body is
 *   read as a stream that is cancelled as soon as it passes `maxBytes`;
 * - a JSON content type (`application/json` or `application/*+json`) and a strict UTF-8 decode.
 */
import { HttpError, SourceError } from "./errors.js";

export interface HttpLimits {
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  maxBytes: number;
}

/** One attempt's failure; `fetchJson` adds the attempt count. */
class AttemptFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const JSON_CONTENT_TYPE = /^application\/(?:[a-z0-9.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Fetches `url` and parses its JSON body. Throws `HttpError` (with `retryable` and the number of
 * attempts) when every allowed attempt failed; `signal` aborts everything (relayer shutdown).
 */
export async function fetchJson(url: string, limits: HttpLimits, signal?: AbortSignal): Promise<unknown> {
  const where = redact(url);
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptOnce(url, limits, signal);
    } catch (error) {
      const failure =
        error instanceof AttemptFailure ? error : new AttemptFailure(`unexpected ${describe(error)}`, false, { cause: error });
      const last = !failure.retryable || attempt > limits.retries || signal?.aborted === true;
      if (last) {
        const tries = attempt === 1 ? "1 attempt" : `${attempt} attempts`;
        const note = failure.retryable ? "" : ", not retried";
        throw new HttpError(`${failure.message} from ${where} (${tries}${note})`, failure.retryable, attempt, {
          cause: failure.cause ?? failure,
        });
      }
      await sleep(limits.backoffMs * 2 ** (attempt - 1), signal);
    }
  }
}

/** `fetchJson` for one source: a failure becomes a `SourceError` naming the source. */
export async function fetchSourceJson(
  source: string,
  url: string,
  limits: HttpLimits,
  signal?: AbortSignal,
): Promise<unknown> {
  try {
    return await fetchJson(url, limits, signal);
  } catch (error) {
    if (error instanceof HttpError) throw new SourceError(source, error.message, error.retryable, { cause: error });
    throw error;
  }
}

async function attemptOnce(url: string, limits: HttpLimits, outer?: AbortSignal): Promise<unknown> {
  if (outer?.aborted) throw new AttemptFailure("aborted", false);
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, limits.timeoutMs);
  const onOuterAbort = () => controller.abort();
  outer?.addEventListener("abort", onOuterAbort, { once: true });
  const failed = (error: unknown): AttemptFailure =>
    timedOut
      ? new AttemptFailure(`timed out after ${limits.timeoutMs} ms`, true, { cause: error })
      : outer?.aborted
        ? new AttemptFailure("aborted", false, { cause: error })
        : new AttemptFailure(`network error: ${describe(error)}`, true, { cause: error });
  try {
    let response: Response;
    try {
      response = await fetch(url, {
        signal: controller.signal,
        headers: { accept: "application/json" },
      });
    } catch (error) {
      throw failed(error);
    }
    checkHeaders(response, limits.maxBytes);
    let bytes: Uint8Array;
    try {
      bytes = await readLimited(response, limits.maxBytes);
    } catch (error) {
      throw error instanceof AttemptFailure ? error : failed(error);
    }
    return decodeJson(bytes);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", onOuterAbort);
  }
}

/** Status, content type and declared length; the body is cancelled unread on a refusal. */
function checkHeaders(response: Response, maxBytes: number): void {
  const refuse = (message: string, retryable: boolean): never => {
    void response.body?.cancel().catch(() => undefined);
    throw new AttemptFailure(message, retryable);
  };
  if (!response.ok) {
    const status = response.status;
    const retryable = status >= 500 || status === 429;
    refuse(`HTTP ${status}${response.statusText === "" ? "" : ` ${response.statusText}`}`, retryable);
  }
  const contentType = response.headers.get("content-type") ?? "";
  if (!JSON_CONTENT_TYPE.test(contentType)) {
    refuse(`content type ${JSON.stringify(contentType)} is not JSON`, false);
  }
  const declared = response.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) {
    refuse(`response of ${declared} bytes exceeds maxBytes ${maxBytes}`, false);
  }
}

/** Reads the body as a stream, refusing it as soon as it passes `maxBytes`. */
async function readLimited(response: Response, maxBytes: number): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new AttemptFailure(`response exceeds maxBytes ${maxBytes} (refused after ${total} bytes)`, false);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function decodeJson(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    throw new AttemptFailure("body is not UTF-8 text", false, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AttemptFailure(`body is not JSON (${describe(error)})`, false, { cause: error });
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** The URL without its query string or credentials: what errors and logs may show. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return "<invalid url>";
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}
