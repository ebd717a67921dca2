/**
 * `cfx mint <amount> [--to address]`: the local chain's faucet. The MockUSD a local deploy uses
 * lets anyone mint; on any other chain the collateral is a real stablecoin and this refuses.
 */
import { Command } from "commander";

import { runSession } from "./context.js";
import { UsageError } from "./errors.js";
import { money } from "./format.js";
import { parseAddress, parseAmount } from "./inputs.js";
import { withConnection, withKey, type ConnectionOptions, type KeyOptions } from "./options.js";
import { printResult } from "./output.js";
import { txNote, txResult } from "./tx-result.js";

type Options = ConnectionOptions & KeyOptions & { to?: string };

/** Chains whose deploy uses MockUSD (deploy/plan.ts LOCAL_CHAIN_IDS). */
const LOCAL_CHAIN_IDS = [31337];

export function mintCommand(): Command {
  const command = new Command("mint")
    .description("local chains only: mint MockUSD collateral to a wallet (anyone may, it is a test token)")
    .argument("<amount>", 'in the collateral\'s units, e.g. "10,000"')
    .option("--to <address>", "mint to this address (default: the key's)")
    .addHelpText("after", "\nExamples:\n  cfx mint 10,000\n  cfx mint 500 --to 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC")
    .action(async (text: string, options: Options) => {
      const to = options.to === undefined ? undefined : parseAddress(options.to, "--to");
      await runSession(options, { signer: true }, async (session) => {
        const { client, deployment } = session;
        if (!LOCAL_CHAIN_IDS.includes(deployment.chainId)) {
          throw new UsageError(`cfx mint is for local chains (31337); chain ${deployment.chainId} uses a real ${client.collateral.symbol}`);
        }
        const amount = parseAmount(text, client.collateral, "<amount>");
        const recipient = to ?? (await client.address());
        const receipt = await session.progress.during(
          `minting ${money(amount, client.collateral)}`,
          client.contracts.token.mint(recipient, amount).then((tx) => tx.wait()).catch((error: unknown) => {
            throw client.decodeError(error, "mint");
          }),
        );
        const balance = await client.contracts.token.balanceOf(recipient);
        printResult(
          session.json,
          { action: "mint", to: recipient, amount, walletBalance: balance, ...txResult(receipt!) },
          () => `minted ${money(amount, client.collateral)} to ${recipient}: wallet ${money(balance, client.collateral)} ${txNote(receipt!)}`,
        );
      });
    });
  return withKey(withConnection(command));
}
