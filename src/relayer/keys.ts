/**
 * The relayer's signing key: a private key from an environment variable, or an encrypted JSON
 * keystore (ethers / geth format) whose passphrase comes from the environment or a file.
 * Errors say what is missing or wrong and never include key material or the passphrase.
 */
import { readFile } from "node:fs/promises";
import { Wallet } from "ethers";

export type KeySource =
  | { env: string }
  | { keystore: string; passphraseEnv: string }
  | { keystore: string; passphraseFile: string };

/** A key that could not be loaded: the message names the source, never the secret. */
export class KeyError extends Error {
  override name = "KeyError";
}

const PRIVATE_KEY = /^(0x)?[0-9a-fA-F]{64}$/;

/** Loads the wallet described by `source`, reading variables from `env`. */
export async function loadWallet(source: KeySource, env: NodeJS.ProcessEnv = process.env): Promise<Wallet> {
  if ("env" in source) return walletFromEnv(source.env, env);
  const passphrase = "passphraseEnv" in source
    ? passphraseFromEnv(source.passphraseEnv, env)
    : await passphraseFromFile(source.passphraseFile);
  let json: string;
  try {
    json = await readFile(source.keystore, "utf8");
  } catch (error) {
    throw new KeyError(`keystore ${source.keystore} cannot be read: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
  }
  try {
    const wallet = await Wallet.fromEncryptedJson(json, passphrase);
    return new Wallet(wallet.privateKey);
  } catch {
    throw new KeyError(`keystore ${source.keystore}: wrong passphrase or not an encrypted JSON keystore`);
  }
}

function walletFromEnv(name: string, env: NodeJS.ProcessEnv): Wallet {
  const value = env[name];
  if (value === undefined || value === "") throw new KeyError(`environment variable ${name} is not set`);
  if (!PRIVATE_KEY.test(value.trim())) {
    throw new KeyError(`environment variable ${name} is not a private key (expected 32 bytes of hex)`);
  }
  const hex = value.trim().startsWith("0x") ? value.trim() : `0x${value.trim()}`;
  try {
    return new Wallet(hex);
  } catch {
    throw new KeyError(`environment variable ${name} is not a valid secp256k1 private key`);
  }
}

function passphraseFromEnv(name: string, env: NodeJS.ProcessEnv): string {
  const value = env[name];
  if (value === undefined || value === "") throw new KeyError(`environment variable ${name} (keystore passphrase) is not set`);
  return value;
}

async function passphraseFromFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new KeyError(`passphrase file ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
  }
  // A trailing newline from `echo secret > file` is not part of the passphrase.
  const passphrase = text.replace(/\r?\n$/, "");
  if (passphrase === "") throw new KeyError(`passphrase file ${path} is empty`);
  return passphrase;
}
