/**
 * A real `hardhat node` process for tests that need one (JSON-RPC over HTTP, a mempool, restarts):
 * started on a free loopback port in its own process group, stopped group-wide, and killed if
 * the test process exits first.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const STARTUP_TIMEOUT_MS = 60_000;

/** A TCP port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no port"))));
    });
  });
}

/** A `hardhat node` in its own process group, with its output kept for error messages. */
export class HardhatNode {
  readonly url: string;
  private readonly child: ChildProcess;
  private output = "";
  private exited: Promise<void>;
  private hasExited = false;
  private readonly killOnExit = () => this.signal("SIGKILL");
  private readonly killOnSignal = (signal: NodeJS.Signals) => {
    this.signal("SIGKILL");
    process.kill(process.pid, signal); // the handler was `once`: this re-raises with the default action
  };

  constructor(readonly port: number) {
    this.url = `http://127.0.0.1:${port}`;
    // Node 22 (the one running these tests) first on PATH, as for every Hardhat command.
    const env = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}` };
    this.child = spawn("npx", ["hardhat", "node", "--hostname", "127.0.0.1", "--port", String(port)], {
      cwd: ROOT,
      env,
      detached: true, // own process group: npx's children die with it
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-8000);
    };
    this.child.stdout?.on("data", keep);
    this.child.stderr?.on("data", keep);
    this.exited = new Promise((resolve) => {
      this.child.once("exit", () => {
        this.hasExited = true;
        resolve();
      });
      this.child.once("error", (error) => {
        this.output += `\nspawn error: ${error.message}`;
        this.hasExited = true;
        resolve();
      });
    });
    process.once("exit", this.killOnExit);
    process.once("SIGINT", this.killOnSignal);
    process.once("SIGTERM", this.killOnSignal);
  }

  /** Resolves with the chain id once the node answers JSON-RPC; rejects on exit or timeout. */
  async ready(timeoutMs: number): Promise<bigint> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.hasExited) throw new Error(`hardhat node exited before answering:\n${this.output}`);
      try {
        const response = await fetch(this.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
          signal: AbortSignal.timeout(2000),
        });
        const body = (await response.json()) as { result?: string };
        if (body.result !== undefined) return BigInt(body.result);
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`hardhat node did not answer within ${timeoutMs} ms:\n${this.output}`);
  }

  private signal(signal: NodeJS.Signals) {
    if (this.hasExited || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal); // the whole group: npx, npm exec, hardhat
    } catch {
      // already gone
    }
  }

  /** Stops the node group: SIGTERM, then SIGKILL if it lingers. */
  async stop(): Promise<void> {
    process.removeListener("exit", this.killOnExit);
    process.removeListener("SIGINT", this.killOnSignal);
    process.removeListener("SIGTERM", this.killOnSignal);
    this.signal("SIGTERM");
    const timer = setTimeout(() => this.signal("SIGKILL"), 5000);
    await this.exited;
    clearTimeout(timer);
    this.signal("SIGKILL"); // any grandchild that outlived its parent
  }
}
