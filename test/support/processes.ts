/**
 * Real processes for operations tests: the server as `npm start` runs it
 * (node --import tsx src/index.ts) and a redis-server of the test's own on a spare
 * port (no persistence, never the shared one). Output is kept for failure messages.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "./helpers.ts";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const NODE = path.join(ROOT, "node_modules", ".bin", "node");

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

class Child {
  private readonly lines: string[] = [];
  exited!: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  child!: ChildProcess;

  protected run(cmd: string, args: string[], env: Record<string, string>): void {
    this.child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    const keep = (chunk: Buffer) => {
      this.lines.push(...chunk.toString().split("\n").filter(Boolean));
      if (this.lines.length > 500) this.lines.splice(0, this.lines.length - 500);
    };
    this.child.stdout!.on("data", keep);
    this.child.stderr!.on("data", keep);
    this.exited = new Promise((resolve) => this.child.on("exit", (code, signal) => resolve({ code, signal })));
    // A test file that ends early (a timeout, a crash) must not leave servers or Redis behind.
    const reap = () => this.child.kill("SIGKILL");
    process.once("exit", reap);
    this.child.once("exit", () => process.removeListener("exit", reap));
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.lines.join("\n");
  }

  /** The JSON log lines (pino) printed so far. */
  logs(): Array<Record<string, any>> {
    const out: Array<Record<string, any>> = [];
    for (const line of this.lines) {
      try {
        out.push(JSON.parse(line));
      } catch {}
    }
    return out;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) this.child.kill(sig);
  }

  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGKILL");
    await this.exited;
  }
}

/** The real server process. */
export class ServerProcess extends Child {
  constructor(
    readonly port: number,
    readonly env: Record<string, string>,
  ) {
    super();
  }

  static async start(env: Record<string, string> = {}): Promise<ServerProcess> {
    const port = await freePort();
    const server = new ServerProcess(port, env);
    server.run(NODE, ["--import", "tsx", "src/index.ts"], {
      PORT: String(port),
      HOST: "127.0.0.1",
      PUBLIC_ADDRESS: `127.0.0.1:${port}`,
      LOG_LEVEL: "info",
      ...env,
    });
    await waitFor(async () => !server.running || (await server.health()).status === 200, 30_000, "the server to answer /health").catch((err) => {
      throw new Error(`${err.message}\n${server.output()}`);
    });
    if (!server.running) throw new Error(`the server exited:\n${server.output()}`);
    return server;
  }

  get endpoint(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  url(p: string): string {
    return `http://127.0.0.1:${this.port}${p}`;
  }

  async health(): Promise<{ status: number; body: any }> {
    try {
      const res = await fetch(this.url("/health"), { signal: AbortSignal.timeout(3_000) });
      return { status: res.status, body: await res.json().catch(() => undefined) };
    } catch {
      return { status: 0, body: undefined };
    }
  }

  /** One metric's value (0 when absent), e.g. metric("framesync_redis_up"). */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const text = await (await fetch(this.url("/metrics"), { signal: AbortSignal.timeout(3_000) })).text();
    const parts = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    const key = parts.length ? `${name}{${parts.join(",")}}` : name;
    for (const line of text.split("\n")) {
      if (line.startsWith(`${key} `)) return Number(line.slice(key.length + 1));
    }
    return 0;
  }
}

/** A redis-server of the test's own: no RDB, no AOF, on a spare port. */
export class RedisProcess extends Child {
  constructor(readonly port: number) {
    super();
  }

  /** False, or why redis-server cannot be used here. */
  static unavailable(): string | false {
    const probe = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
    return probe.status === 0 ? false : "redis-server is not installed";
  }

  static async start(port?: number): Promise<RedisProcess> {
    const redis = new RedisProcess(port ?? (await freePort()));
    await redis.up();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (or restarts, same port, empty) and waits until it accepts connections. */
  async up(): Promise<void> {
    this.run("redis-server", ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {});
    await waitFor(
      () =>
        new Promise<boolean>((resolve) => {
          const socket = net.connect(this.port, "127.0.0.1");
          socket.once("connect", () => {
            socket.end("PING\r\n");
            resolve(true);
          });
          socket.once("error", () => resolve(false));
        }),
      15_000,
      `redis-server on ${this.port}`,
    );
  }

  /** Gone at once, like a crashed or unplugged Redis. */
  async down(): Promise<void> {
    await this.kill();
  }
}
