/**
 * The signing key of a command, from the same sources a relayer or keeper uses
 * (src/relayer/keys.ts): a private key in an environment variable, or an encrypted keystore
 * with its passphrase in a variable or a file.
 */
import type { Wallet } from "ethers";

import { loadWallet, type KeySource } from "../relayer/keys.js";
import { UsageError } from "./errors.js";
import type { KeyOptions } from "./options.js";

export function keySource(options: KeyOptions): KeySource {
  if (options.keystore === undefined) {
    if (options.passphraseEnv !== undefined || options.passphraseFile !== undefined) {
      throw new UsageError("--passphrase-env and --passphrase-file go with --keystore <file>");
    }
    return { env: options.keyEnv };
  }
  if (options.passphraseEnv !== undefined && options.passphraseFile !== undefined) {
    throw new UsageError("give the keystore's passphrase once: --passphrase-env or --passphrase-file, not both");
  }
  if (options.passphraseEnv !== undefined) return { keystore: options.keystore, passphraseEnv: options.passphraseEnv };
  if (options.passphraseFile !== undefined) return { keystore: options.keystore, passphraseFile: options.passphraseFile };
  throw new UsageError("--keystore needs its passphrase: --passphrase-env <VAR> or --passphrase-file <file>");
}

export function loadKey(options: KeyOptions): Promise<Wallet> {
  return loadWallet(keySource(options));
}
