/**
 * `cfx oracle push H100-HOUR=2.50 ...`: publishes one index round per feed, signed by the feed's
 * relayer keys, for a local chain where no relayer has fresh data (the demo's replays end on
 * 2026-11-09) or to move the price by hand while developing. It is what a relayer set does, minus
 * the index computation: every signer observes the given value now. Without --signer-envs it
 * signs with the four well-known keys deploy/parameters/local.json registers (Hardhat's test
 * accounts #16-#19), and only on chain 31337.
 */
import { Command } from "commander";
import { HDNodeWallet, Mnemonic, Wallet, keccak256, toUtf8Bytes } from "ethers";

import { parsePrice } from "../client/index.js";
import { feedReport, oracleDomain, signObservation, type FeedReport } from "../oracle/observation.js";
import { loadWallet } from "../relayer/keys.js";
import { runSession, type Session } from "./context.js";
import { UsageError } from "./errors.js";
import { price } from "./format.js";
import { withConnection, type ConnectionOptions } from "./options.js";
import { printResult } from "./output.js";
import { txNote, txResult } from "./tx-result.js";

type Options = ConnectionOptions & { signerEnvs?: string };

/** Hardhat's public test mnemonic: its accounts are funded on every local node, and known to all. */
const TEST_MNEMONIC = "test test test test test test test test test test test junk";
const LOCAL_SIGNER_ACCOUNTS = [16, 17, 18, 19];
const LOCAL_CHAIN_ID = 31337;

export function oracleCommand(): Command {
  const oracle = new Command("oracle").description("the index oracle (local development)");
  const push = oracle
    .command("push")
    .description("publish an index round per feed, every relayer key observing the given value now (local chains)")
    .argument("<feed=price...>", "feeds and values in USD per index unit, e.g. H100-HOUR=2.50 TOKEN-OUT=2.00")
    .option("--signer-envs <VARS>", "comma-separated environment variables holding the feed's signer keys (default on chain 31337: the local relayer keys, accounts #16-#19)")
    .addHelpText(
      "after",
      `
A report needs 2f+1 of the feed's registered signers (3 of 4 with local.json); a move above the feed's
maxMoveBps needs all of them. Rounds of a feed are at least minUpdateInterval (60 s) apart. The
rounds carry no input snapshot: \`cfx index verify\` cannot recompute them.

Examples:
  cfx oracle push H100-HOUR=2.50 TOKEN-OUT=2.00
  cfx oracle push H100-HOUR=2.20 --signer-envs R0_KEY,R1_KEY,R2_KEY`,
    )
    .action(async (pairs: string[], options: Options) => {
      const parsed = pairs.map(parsePair);
      await runSession(options, { signer: false }, async (session) => {
        const wanted = parsed.map((p) => ({ ...feedNamed(session, p.name), value: p.value }));
        const signers = await signerWallets(session, options.signerEnvs);
        const reports = await signedReports(session, signers, wanted);
        const submitter = signers[0].connect(session.provider);
        const oracleContract = session.client.contracts.oracle.connect(submitter);
        const receipt = await session.progress.during(
          `publishing ${wanted.map((w) => `${w.name} ${price(w.value, "nearest", 18)}`).join(", ")}`,
          oracleContract
            .submit(reports)
            .then((tx) => tx.wait())
            .catch((error: unknown) => {
              throw session.client.decodeError(error, "submit");
            }),
        );
        const rounds = await Promise.all(wanted.map(async (w) => (await session.client.contracts.oracle.feedInfo(w.id)).latestRoundId));
        const published = wanted.map((w, i) => ({ feed: w.name, value: w.value, roundId: rounds[i] }));
        printResult(session.json, { action: "push", rounds: published, ...txResult(receipt!) }, () =>
          [...published.map((p) => `${p.feed} round ${p.roundId}: ${price(p.value, "nearest", 18)}`), txNote(receipt!)].join("\n"),
        );
      });
    });
  withConnection(push);
  return oracle;
}

interface Wanted {
  name: string;
  id: string;
  value: bigint;
}

function parsePair(text: string): { name: string; value: bigint } {
  const match = /^([A-Za-z0-9-]+)=(.+)$/.exec(text);
  if (match === null) throw new UsageError(`"${text}": expected FEED=PRICE, e.g. H100-HOUR=2.50`);
  return { name: match[1], value: parsePrice(match[2], { field: match[1] }) };
}

function feedNamed(session: Session, name: string): { name: string; id: string } {
  const feeds = session.deployment.feeds;
  const feed = feeds.find((f) => f.name.toLowerCase() === name.toLowerCase());
  if (feed === undefined) throw new UsageError(`unknown feed "${name}": the deployment has ${feeds.map((f) => f.name).join(", ")}`);
  return { name: feed.name, id: feed.id };
}

async function signerWallets(session: Session, envs: string | undefined): Promise<Wallet[]> {
  if (envs !== undefined) {
    return Promise.all(envs.split(",").map((name) => loadWallet({ env: name.trim() })));
  }
  if (session.deployment.chainId !== LOCAL_CHAIN_ID) {
    throw new UsageError(`chain ${session.deployment.chainId} is not a local chain: give the feed's signer keys with --signer-envs`);
  }
  const mnemonic = Mnemonic.fromPhrase(TEST_MNEMONIC);
  return LOCAL_SIGNER_ACCOUNTS.map((i) => new Wallet(HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${i}`).privateKey));
}

async function signedReports(session: Session, signers: Wallet[], wanted: Wanted[]): Promise<FeedReport[]> {
  const { deployment } = session;
  const domain = oracleDomain(BigInt(deployment.chainId), deployment.oracle);
  // The next block's time, as a relayer estimates it: the wall clock, unless the chain runs ahead
  // of it (a local chain moved forward with evm_increaseTime).
  const latest = BigInt((await session.provider.getBlock("latest"))!.timestamp);
  const wall = BigInt(Math.floor(Date.now() / 1000));
  const observedAt = latest > wall ? latest : wall;
  return Promise.all(
    wanted.map(async (w) => {
      const observations = await Promise.all(
        signers.map((signer, i) =>
          signObservation(signer, domain, {
            feed: w.id,
            value: w.value,
            observedAt,
            // No input snapshot stands behind a hand-pushed value: the hash says so.
            inputsHash: keccak256(toUtf8Bytes(`cfx oracle push ${w.name} ${w.value} ${observedAt} ${i}`)),
          }),
        ),
      );
      return feedReport(w.id, observations);
    }),
  );
}
