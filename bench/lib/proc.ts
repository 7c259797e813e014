/**
 * Child processes of a bench run: servers and load generators, each a real Node 22
 * process. Every child is tracked and killed when the run ends, even on error.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { unpinnedCores } from "./pinning.ts";
import { BENCH_JWT_SECRET } from "./wire.ts";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** The Node 22 binary the project pins (node_modules/.bin/node); falls back to the running one. */
export const NODE = process.execPath;

const children = new Set<ChildProcess>();

/**
 * Starts `node --import tsx <script>`; with `cores`, under `taskset -c <cores>`, which
 * execs node in place, so the child's pid is node's (for /proc sampling).
 */
export function spawnTracked(script: string, args: string[], env: Record<string, string>, ipc = false, nodeArgs: string[] = [], pinnedTo: string | null = null): ChildProcess {
  const argv = [...nodeArgs, "--import", "tsx", path.join(ROOT, script), ...args];
  const cores = pinnedTo ?? unpinnedCores;
  const child = spawn(cores === null ? NODE : "taskset", cores === null ? argv : ["-c", cores, NODE, ...argv], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ipc ? ["ignore", "pipe", "pipe", "ipc"] : ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  // Keep the last lines of output for error reports; never let a full pipe block the child.
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(chunk.toString());
    if (tail.length > 40) tail.shift();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  (child as ChildProcess & { outputTail: () => string }).outputTail = () => tail.join("");
  return child;
}

export function outputTail(child: ChildProcess): string {
  return (child as ChildProcess & { outputTail?: () => string }).outputTail?.() ?? "";
}

/** Kills one child (SIGTERM, then SIGKILL after `graceMs`) and waits for it to exit. */
export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c, 2000)));
}

/** Last-resort cleanup when the orchestrator itself dies. */
export function killAllNow(): void {
  for (const c of children) {
    try {
      c.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Environment of every bench server. All load comes from one loopback address, which
 * stands for many players' addresses: like a server behind a reverse proxy, the
 * per-IP cap on connections not yet in a room is turned off (config
 * MAX_PENDING_CONNECTIONS_PER_IP=0), or bursts of joins would be refused. JWT_SECRET is
 * the bench's, so load generators sign their own tokens (lib/wire.ts signToken).
 */
const BENCH_SERVER_ENV = { MAX_PENDING_CONNECTIONS_PER_IP: "0", JWT_SECRET: BENCH_JWT_SECRET };

export interface ServerHandle {
  child: ChildProcess;
  port: number;
  http: string;
  ws: string;
  pid: number;
  /** The taskset core list it runs on, or null (unpinned). */
  cores: string | null;
}

/**
 * Starts a server entry (src/index.ts or the baseline) on a free loopback port and
 * waits until GET /health answers.
 */
export async function startServer(entry: string, env: Record<string, string> = {}, cores: string | null = null, timeoutMs = 90_000): Promise<ServerHandle> {
  const port = await freePort();
  // BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof") is for investigating a run, not for the report.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const childEnv: Record<string, string> = { PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn", NODE_ENV: "development", SHUTDOWN_DRAIN_MS: "0", ...BENCH_SERVER_ENV, ...env };
  // A cluster member must tell clients its own address; the port is only known here.
  if (childEnv.PUBLIC_ADDRESS === "self") childEnv.PUBLIC_ADDRESS = `127.0.0.1:${port}`;
  const child = spawnTracked("bench/lib/orphanGuard.ts", [entry], childEnv, false, nodeArgs, cores);
  const http = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}: ${outputTail(child)}`);
    try {
      const res = await fetch(`${http}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`${entry} did not become healthy in ${timeoutMs} ms: ${outputTail(child)}`);
    }
    await sleep(100);
  }
  return { child, port, http, ws: `ws://127.0.0.1:${port}`, pid: child.pid!, cores };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const CLOCK_TICKS_PER_S = 100; // Linux USER_HZ
const PAGE_BYTES = 4096;

export interface ProcSample {
  at: number;
  cpuS: number;
  rssBytes: number;
  /** read/write system calls so far (/proc/<pid>/io syscr, syscw; writev counts as one write). */
  readCalls: number;
  writeCalls: number;
  /** Seconds the main thread spent runnable but waiting for a CPU (/proc/<pid>/schedstat). */
  runQueueWaitS: number;
}

/** The main thread's run-queue wait: high when other processes hold its core (a shared machine). */
function runQueueWaitS(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[1]) / 1e9;
  } catch {
    return NaN;
  }
}

function ioCounters(pid: number): { readCalls: number; writeCalls: number } {
  try {
    const io = readFileSync(`/proc/${pid}/io`, "utf8");
    const field = (name: string) => Number(io.match(new RegExp(`^${name}: (\\d+)`, "m"))?.[1] ?? NaN);
    return { readCalls: field("syscr"), writeCalls: field("syscw") };
  } catch {
    return { readCalls: NaN, writeCalls: NaN };
  }
}

/** CPU seconds (user + system, all threads) and RSS of a process, from /proc/<pid>/stat. */
export function procSample(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const rssPages = Number(fields[21]);
  return { at: performance.now(), cpuS: (utime + stime) / CLOCK_TICKS_PER_S, rssBytes: rssPages * PAGE_BYTES, ...ioCounters(pid), runQueueWaitS: runQueueWaitS(pid) };
}

export function cpuPerSecond(a: ProcSample, b: ProcSample): number {
  return (b.cpuS - a.cpuS) / ((b.at - a.at) / 1000);
}
