/**
 * What a trading or operations command works with: the deployment, an RPC provider, the client
 * SDK connected with the user's key (or read-only), the series by name, and where its output
 * goes. `runSession` opens it from the common options and always closes the provider, so the
 * process exits when the command is done.
 */
import type { JsonRpcProvider } from "ethers";

import { connect, type CfxClient, type Deployment } from "../client/index.js";
import { resolveDeployment, rpcUrl } from "./deployment.js";
import { loadKey } from "./key.js";
import { DEFAULT_KEY_ENV, type ConnectionOptions, type KeyOptions } from "./options.js";
import { progress, type Progress } from "./progress.js";
import { openProvider } from "./rpc.js";
import { listedSeries, type ListedSeries } from "./series-list.js";
import { nameSeries, namingProducts, resolveSeries, type NamedSeries } from "./series-names.js";

export interface Session {
  deployment: Deployment;
  provider: JsonRpcProvider;
  /** The client SDK, with the user's key when the command signs. */
  client: CfxClient;
  json: boolean;
  progress: Progress;
  /** The listed series, named (cached for the command). */
  series(): Promise<(NamedSeries & ListedSeries)[]>;
  /** The series the user typed (a name, a label or an id), or a message listing the known ones. */
  findSeries(text: string, option?: string): Promise<NamedSeries & ListedSeries>;
  /** The name to show for a series id. */
  nameOf(id: string): Promise<string>;
}

export interface SessionNeeds {
  /** The command signs: load the key before anything else (a missing key fails fast). */
  signer: boolean;
}

/** The common options; the key options only on commands that may sign. */
export type SessionOptions = ConnectionOptions & Partial<KeyOptions>;

export async function runSession<T>(options: SessionOptions, needs: SessionNeeds, work: (session: Session) => Promise<T>): Promise<T> {
  const wallet = needs.signer ? await loadKey({ ...options, keyEnv: options.keyEnv ?? DEFAULT_KEY_ENV }) : undefined;
  const deployment = await resolveDeployment(options);
  const { provider } = await openProvider(rpcUrl(options, deployment));
  try {
    const client = await connect(wallet === undefined ? provider : wallet.connect(provider), deployment);
    return await work(session(options, deployment, provider, client));
  } finally {
    provider.destroy();
  }
}

function session(
  options: SessionOptions,
  deployment: Deployment,
  provider: JsonRpcProvider,
  client: CfxClient,
): Session {
  let named: Promise<(NamedSeries & ListedSeries)[]> | undefined;
  const series = () => {
    named ??= (async () => {
      const [listed, products] = await Promise.all([listedSeries(client), namingProducts(options.params, deployment)]);
      const names = nameSeries(listed, products);
      return listed.map((s, i) => ({ ...s, ...names[i] }));
    })();
    return named;
  };
  return {
    deployment,
    provider,
    client,
    json: options.json === true,
    progress: progress({ quiet: options.json === true }),
    series,
    findSeries: async (text, option) => {
      const all = await series();
      const found = resolveSeries(text, all, option);
      return all.find((s) => s.id === found.id)!;
    },
    nameOf: async (id) => (await series()).find((s) => s.id === id.toLowerCase())?.name ?? id,
  };
}
