/**
 * Real processes for tests, spawned one way: the server as `npm start` runs it
 * (node --import tsx src/index.ts), npm scripts, the built dist/, the bench, and a
 * redis-server of the test's own on a spare port (no persistence, never the shared one).
 * Output is kept for failure messages; whatever a test file started is killed when that
 * file's process exits, even after a timeout or a crash.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import net from "node:net";
import { readMetrics, sample } from "./metrics.ts";
import { NODE, ROOT } from "./paths.ts";
import { waitFor } from "./wait.ts";

export { NODE, ROOT } from "./paths.ts";

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface SpawnOptions {
  /** Added to this process' environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Working directory (default ROOT). */
  cwd?: string;
  /** Its own process group (for npm → sh → node chains): signals, stop() and the exit reaper reach the whole group. */
  group?: boolean;
}

/** Children still running, for the signal reaper. */
const live = new Set<Spawned>();
let reaperInstalled = false;

/**
 * The test runner ends a file that overran its timeout with SIGTERM, which skips
 * process 'exit' handlers: kill every child first (a bench's whole process group
 * included), then let the signal do what it would have done.
 */
function reapOnSignals(): void {
  if (reaperInstalled) return;
  reaperInstalled = true;
  for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
    process.once(sig, () => {
      for (const child of live) child.reap();
      process.kill(process.pid, sig);
    });
  }
}

/** A child process whose output is kept and which cannot outlive the test file. */
export class Spawned {
  private out = "";
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly group: boolean;

  constructor(cmd: string, args: string[], { env = {}, cwd = ROOT, group = false }: SpawnOptions = {}) {
    this.group = group;
    const fullEnv: Record<string, string | undefined> = { ...process.env, ...env };
    for (const [k, v] of Object.entries(fullEnv)) if (v === undefined) delete fullEnv[k];
    this.child = spawn(cmd, args, { cwd, env: fullEnv, stdio: ["ignore", "pipe", "pipe"], detached: group });
    this.child.stdout!.on("data", (d) => (this.out += d));
    this.child.stderr!.on("data", (d) => (this.out += d));
    this.exited = new Promise((resolve) => this.child.on("exit", (code, signal) => resolve({ code, signal })));
    const reap = () => this.sendSignal("SIGKILL");
    process.once("exit", reap);
    live.add(this);
    this.child.once("exit", () => {
      process.removeListener("exit", reap);
      live.delete(this);
    });
    reapOnSignals();
  }

  /** SIGKILL now, without waiting (for the signal reaper below). */
  reap(): void {
    this.sendSignal("SIGKILL");
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Everything it printed so far, stdout and stderr interleaved. */
  output(): string {
    return this.out;
  }

  /** The JSON log lines (pino) printed so far. */
  logs(): Array<Record<string, any>> {
    return this.out.split("\n").flatMap((line) => {
      try {
        const v = JSON.parse(line);
        return v && typeof v === "object" ? [v] : [];
      } catch {
        return [];
      }
    });
  }

  /** Waits until `GET url` answers 200 while the process runs; fails with its output otherwise. */
  async healthy(url: string, timeoutMs = 30_000): Promise<void> {
    await waitFor(
      async () => {
        if (!this.running) throw new Error(`the process exited:\n${this.out}`);
        const res = await fetch(url, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
        return res?.status === 200;
      },
      { timeoutMs, what: `${url} to answer 200` },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${this.out}`);
    });
  }

  /** Sends `sig` to the child (to its whole group when spawned with `group`). */
  signal(sig: NodeJS.Signals): void {
    if (this.running) this.sendSignal(sig);
  }

  private sendSignal(sig: NodeJS.Signals): void {
    try {
      process.kill(this.group ? -this.pid : this.pid, sig);
    } catch {
      // already gone
    }
  }

  /** The exit code, or fails naming the command if it has not exited within `timeoutMs`. */
  async exitCode(timeoutMs = 30_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.child.spawnargs.join(" ")} did not exit within ${timeoutMs} ms:\n${this.output()}`)), timeoutMs);
    });
    try {
      return (await Promise.race([this.exited, late])).code;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM (or `sig`), then SIGKILL if it has not exited within `timeoutMs`. */
  async stop(timeoutMs = 20_000, sig: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (!this.running) return;
    this.signal(sig);
    const timer = setTimeout(() => this.sendSignal("SIGKILL"), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    if (!this.running) return;
    this.sendSignal("SIGKILL");
    await this.exited;
  }

  /** Every process below this one (npm → sh → node), from /proc. */
  descendants(): number[] {
    const all = readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number);
    const parentOf = new Map(all.map((p) => [p, Number(/\) \S+ (\d+)/.exec(readProc(`/proc/${p}/stat`))?.[1])]));
    const out: number[] = [];
    const walk = (parent: number) => {
      for (const p of all) {
        if (parentOf.get(p) !== parent) continue;
        out.push(p);
        walk(p);
      }
    };
    walk(this.pid);
    return out;
  }
}

/** A process' command line from /proc ("" once it is gone). */
export function cmdline(pid: number): string {
  return readProc(`/proc/${pid}/cmdline`).replaceAll("\0", " ");
}

function readProc(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** `npm run build`'s work, with the Node 22 of the devDependencies; throws with its output. */
export function buildDist(): void {
  const res = spawnSync(NODE, ["--import", "tsx", "scripts/build.ts"], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  if (res.status !== 0) throw new Error(`npm run build failed (${res.status}):\n${res.stdout}${res.stderr}`);
}

/** `node --import tsx <script> ...args` with the project's Node. */
export function spawnScript(script: string, args: string[] = [], options: SpawnOptions = {}): Spawned {
  return new Spawned(NODE, ["--import", "tsx", script, ...args], options);
}

/** `npm <args>` (npm runs the project's Node from node_modules/.bin). */
export function spawnNpm(args: string[], options: SpawnOptions = {}): Spawned {
  return new Spawned("npm", args, { group: true, ...options });
}

/** How a test changes the server process itself: `preload` is a module of test/support run before the server (`node --import`), e.g. to make it fail at a chosen point. */
export interface ServerOptions {
  preload?: string;
}

/** The real server process (`src/index.ts`) on a free port. */
export class ServerProcess extends Spawned {
  private constructor(
    readonly port: number,
    env: Record<string, string>,
    { preload }: ServerOptions = {},
  ) {
    super(NODE, ["--import", "tsx", ...(preload ? ["--import", preload] : []), "src/index.ts"], {
      env: { PORT: String(port), HOST: "127.0.0.1", PUBLIC_ADDRESS: `127.0.0.1:${port}`, LOG_LEVEL: "info", ...env },
    });
  }

  /** Starts a server and waits until it answers /health; fails with its output if it exits or never answers. */
  static async start(env: Record<string, string> = {}, options: ServerOptions = {}): Promise<ServerProcess> {
    const server = ServerProcess.launch(await freePort(), env, options);
    await waitFor(async () => !server.running || (await server.health()).status === 200, { timeoutMs: 60_000, what: `the server on ${server.port} to answer /health` }).catch((err) => {
      throw new Error(`${err.message}\n${server.output()}`);
    });
    if (!server.running) throw new Error(`the server exited:\n${server.output()}`);
    return server;
  }

  /** Starts a server without waiting for it (for boots that must fail). */
  static launch(port: number, env: Record<string, string> = {}, options: ServerOptions = {}): ServerProcess {
    return new ServerProcess(port, env, options);
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
    return sample(await readMetrics(this.url("/")), name, labels);
  }
}

/** A redis-server of the test's own: no RDB, no AOF, on a spare port. Check skipWithoutRedisServer() (./redis.ts) first. */
export class RedisProcess {
  private process: Spawned | undefined;

  private constructor(readonly port: number) {}

  /** @deprecated Use skipWithoutRedisServer() from ./redis.ts (it also applies the CI rule). */
  static unavailable(): string | false {
    return spawnSync("redis-server", ["--version"]).status === 0 ? false : "redis-server is not installed";
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
    this.process = new Spawned("redis-server", ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
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
      { timeoutMs: 15_000, what: `redis-server on ${this.port}` },
    ).catch((err) => {
      throw new Error(`${err.message}\n${this.process?.output()}`);
    });
  }

  /** Gone at once, like a crashed or unplugged Redis. */
  async down(): Promise<void> {
    await this.kill();
  }

  async kill(): Promise<void> {
    await this.process?.kill();
  }
}
