/**
 * The demo's four relayers: real `Relayer` services (src/relayer) in this process, each with its
 * own key, HTTP API on loopback and transaction state, reading the demo feed copies
 * (config/demo/*.yaml: the dated replay histories, and the H100 shock scenario) and talking to the
 * chain over JSON-RPC through the bridge. Time is compressed: their clock is the chain's, and the
 * demo drives each round (observe, then each relayer tries to transmit) instead of a timer.
 *
 * Their keys are Hardhat's default accounts #16-#19, the signers deploy/parameters/local.json
 * registers for both feeds.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HDNodeWallet, Mnemonic } from "ethers";
import pino from "pino";

import { parseRelayerConfig } from "../../src/relayer/config.js";
import { Relayer } from "../../src/relayer/relayer.js";

const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
export const RELAYER_ACCOUNTS = [16, 17, 18, 19];
const FEED_FILES = ["config/demo/h100-hour.yaml", "config/demo/token-out.yaml"];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === "object" && address !== null ? address.port : 0;
}

export class DemoRelayers {
  private constructor(
    readonly relayers: Relayer[],
    private readonly dir: string,
  ) {}

  static async start(rpcUrl: string, oracle: string, clock: () => number): Promise<DemoRelayers> {
    const dir = await mkdtemp(join(tmpdir(), "cfx-demo-relayers-"));
    const mnemonic = Mnemonic.fromPhrase(HARDHAT_MNEMONIC);
    const keys = RELAYER_ACCOUNTS.map((i) => HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${i}`).privateKey);
    const env = Object.fromEntries(keys.map((key, i) => [`DEMO_RELAYER_${i}_KEY`, key]));
    const ports = await Promise.all(keys.map(() => freePort()));
    const relayers: Relayer[] = [];
    for (let i = 0; i < keys.length; i++) {
      const config = parseRelayerConfig(
        {
          name: `demo-relayer-${i}`,
          rpcUrl,
          oracle,
          key: { env: `DEMO_RELAYER_${i}_KEY` },
          listen: { host: "127.0.0.1", port: ports[i] },
          peers: ports.filter((_, j) => j !== i).map((port) => `http://127.0.0.1:${port}`),
          feeds: FEED_FILES.map((file) => join(process.cwd(), file)),
          schedule: { graceSeconds: 30, peerTimeoutMs: 2000 },
          stateDir: join(dir, `relayer-${i}`),
        },
        join(dir, `relayer-${i}.yaml`),
      );
      const logger = pino({ level: process.env.DEMO_LOG ?? "silent" }).child({ relayer: i });
      relayers.push(await Relayer.start(config, { env, clock, logger }));
    }
    return new DemoRelayers(relayers, dir);
  }

  get addresses(): string[] {
    return this.relayers.map((r) => r.address);
  }

  /** Every relayer observes both feeds, then each tries to transmit: only the one whose turn it is may. */
  async round(): Promise<string[]> {
    for (const relayer of this.relayers) await relayer.observeAll();
    const transmitted: string[] = [];
    for (const relayer of this.relayers) transmitted.push(...(await relayer.transmit()).transmitted);
    return transmitted;
  }

  async stop(): Promise<void> {
    for (const relayer of this.relayers) await relayer.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
