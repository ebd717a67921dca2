/**
 * `cfx keeper start --config` as a real process against a `hardhat node` process: it starts,
 * serves /healthz and /metrics, does its work (liquidates an account an index fall pushed below
 * maintenance margin), stops cleanly on SIGTERM without writing its key anywhere, and refuses a
 * bad config with one line naming the field.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Wallet, id, parseEther } from "ethers";

import { CfxProcess, until } from "../helpers/cfxProcess.js";
import { HardhatNode, STARTUP_TIMEOUT_MS, freePort } from "../helpers/hardhatNode.js";
import { INITIAL_INDEX, USD, depositFrom, fundAccount, marketFixture, stepIndexTo, trade, type MarketFx } from "../helpers/market.js";

const P170 = 1_700_000_000_000_000_000n;

class KeeperProcess extends CfxProcess {
  constructor(config: string, env: NodeJS.ProcessEnv) {
    super(["keeper", "start", "--config", config], env);
  }
}

describe("cfx keeper start, as a process against a hardhat node process", function () {
  this.timeout(120_000);

  let node: HardhatNode;
  let connection: NetworkConnection;
  let fx: MarketFx;
  let dir: string;
  let keeper: KeeperProcess | undefined;
  const wallet = new Wallet(id("keeper-process-test"));
  const env = { KEEPER_KEY: wallet.privateKey };

  before(async function () {
    node = new HardhatNode(await freePort());
    await node.ready(STARTUP_TIMEOUT_MS);
    connection = await network.create({ network: "localhost", override: { url: node.url } });
    fx = await marketFixture(connection);
    dir = await mkdtemp(join(tmpdir(), "cfx-keeper-process-"));
    await (await fx.admin.sendTransaction({ to: wallet.address, value: parseEther("10") })).wait();
    await fundAccount(fx, wallet.address, 1_000n * USD);
  });

  after(async function () {
    await keeper?.stop();
    await connection?.close();
    await node?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("starts, liquidates an account below maintenance margin, and stops cleanly on SIGTERM", async function () {
    const [erin] = (await connection.ethers.getSigners()).slice(8);
    await depositFrom(fx, erin, 1_000n * USD);
    await trade(fx, fx.bob, erin, { size: 10n, price: INITIAL_INDEX });
    const port = await freePort();
    const config = join(dir, "keeper.yaml");
    await writeFile(
      config,
      `name: process-keeper
rpcUrl: ${node.url}
deployment: { vault: "${fx.vaultAddress}", market: "${fx.marketAddress}", startBlock: 0 }
key: { env: KEEPER_KEY }
listen: { port: ${port} }
intervalSeconds: 1
stateDir: ${join(dir, "state")}
`,
    );
    keeper = new KeeperProcess(config, env);
    await until("/healthz to answer 200", 30_000, async () => ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok ? true : undefined));
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).to.match(/^cfx_keeper_accounts_tracked \d+$/m);

    await stepIndexTo(fx, connection.networkHelpers.time, P170);
    const [event] = await until("a PositionLiquidated event", 60_000, async () => {
      const events = await fx.market.queryFilter(fx.market.filters.PositionLiquidated(erin.address));
      return events.length > 0 ? events : undefined;
    });
    expect(event.args[2]).to.equal(wallet.address); // the liquidator is the keeper's key

    expect(await keeper.stop()).to.equal(0);
    expect(keeper.output).to.include('"msg":"keeper stopped"');
    expect(keeper.output).not.to.include(wallet.privateKey.slice(2));
  });

  it("refuses a bad config at start-up with one line naming the field", async function () {
    const bad = join(dir, "bad.yaml");
    await writeFile(bad, `rpcUrl: ${node.url}\ndeployment: { vault: "0x12", market: "${fx.marketAddress}", startBlock: 0 }\nkey: { env: KEEPER_KEY }\n`);
    const p = new KeeperProcess(bad, env);
    expect(await p.exited).to.equal(1);
    expect(p.output.trim()).to.match(new RegExp(`^cfx: ${bad.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: deployment\\.vault: .+$`));
  });
});
