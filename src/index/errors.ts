/**
 * The errors of the methodology library. Each says what was wrong and with which input; none is
 * worth retrying (the same input fails the same way), hence `retryable = false`.
 */

/** A decimal string or number that cannot become an exact WAD value. */
export class DecimalError extends Error {
  readonly retryable = false;

  constructor(
    /** The offending input, as given. */
    readonly input: string,
    why: string,
  ) {
    super(`invalid decimal ${JSON.stringify(input)}: ${why}`);
    this.name = "DecimalError";
  }
}

/** A feed config file that does not parse or does not validate. */
export class FeedConfigError extends Error {
  readonly retryable = false;

  constructor(
    /** The file (or label) the config came from. */
    readonly file: string,
    /** One line per problem, each `<field path>: <what is wrong>`. */
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(problems.map((problem) => `${file}: ${problem}`).join("\n"), options);
    this.name = "FeedConfigError";
  }
}

/** A quote snapshot (the audit record of a computation's inputs) that does not validate. */
export class SnapshotError extends Error {
  readonly retryable = false;

  constructor(
    readonly label: string,
    readonly problems: readonly string[],
  ) {
    super(problems.map((problem) => `${label}: ${problem}`).join("\n"));
    this.name = "SnapshotError";
  }
}
