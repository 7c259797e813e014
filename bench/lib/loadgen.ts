/** Parent side of bench/load.ts: spawn load-generator processes and drive their windows. */
import type { ChildProcess } from "node:child_process";
import type { LoadConfig } from "../load.ts";
import { outputTail, spawnTracked, stopChild } from "./proc.ts";

export type LoadReport = {
  clients: number;
  open: number;
  closedInWindow: number;
  seconds: number;
  bytesDown: number;
  bytesUp: number;
  messagesDown: number;
  messagesUp: number;
  patchesExpectedPerClient: number;
  patchesPerClient: { min: number; p1: number; p50: number };
  clientsBehind: number;
  latencyMs: { count: number; p50: number | null; p99: number | null; max: number | null };
  loadGenCpuPerS: number;
};

function request<T>(child: ChildProcess, msg: unknown, answer: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`load generator did not answer "${answer}" in ${timeoutMs} ms: ${outputTail(child)}`));
    }, timeoutMs);
    const onMessage = (m: { type: string }) => {
      if (m.type !== answer) return;
      done();
      resolve(m as T);
    };
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`load generator exited (${code}): ${outputTail(child)}`));
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
    if (msg) child.send(msg as object);
  });
}

/** A room's join in flight when the deadline passes may take up to its players' HTTP + socket timeouts. */
const JOIN_GRACE_MS = 75_000;

export interface Load {
  joined: number;
  failed: number;
  joinMs: number;
  mark(): Promise<void>;
  report(): Promise<LoadReport>;
  stop(): Promise<void>;
}

/**
 * Starts `processes` load generators sharing `rooms` between them and resolves once
 * every client joined (or failed). Each process gets whole rooms.
 */
export interface LoadPlacement {
  /** Servers the load processes matchmake through, round-robin per process (default: base's). */
  targets?: Array<{ http: string; ws: string }>;
  /** taskset core list of every load process, or null (unpinned). */
  cores?: string | null;
}

export async function startLoad(base: Omit<LoadConfig, "rooms" | "prefix">, rooms: number, processes: number, tag: string, placement: LoadPlacement = {}): Promise<Load> {
  const n = Math.max(1, Math.min(processes, rooms));
  const children: ChildProcess[] = [];
  for (let i = 0; i < n; i++) {
    const share = Math.floor(rooms / n) + (i < rooms % n ? 1 : 0);
    const target = placement.targets?.[i % placement.targets.length];
    const cfg: LoadConfig = { ...base, ...(target ?? {}), rooms: share, prefix: `${tag}-g${i}` };
    children.push(spawnTracked("bench/load.ts", [], { BENCH_LOAD: JSON.stringify(cfg) }, true, [], placement.cores ?? null));
  }
  try {
    const ready = await Promise.all(
      children.map((c) => request<{ joined: number; failed: number; joinMs: number }>(c, null, "ready", base.joinTimeoutMs + JOIN_GRACE_MS)),
    );
    return {
      joined: ready.reduce((s, r) => s + r.joined, 0),
      failed: ready.reduce((s, r) => s + r.failed, 0),
      joinMs: Math.max(...ready.map((r) => r.joinMs)),
      async mark() {
        await Promise.all(children.map((c) => request(c, { type: "mark" }, "marked", 10_000)));
      },
      async report() {
        const parts = await Promise.all(children.map((c) => request<{ stats: LoadReport }>(c, { type: "report" }, "report", 10_000)));
        return merge(parts.map((p) => p.stats));
      },
      async stop() {
        for (const c of children) if (c.connected) c.send({ type: "stop" });
        await Promise.all(children.map((c) => stopChild(c, 3000)));
      },
    };
  } catch (err) {
    await Promise.all(children.map((c) => stopChild(c, 1000)));
    throw err;
  }
}

function merge(parts: LoadReport[]): LoadReport {
  const sum = (f: (r: LoadReport) => number) => parts.reduce((s, r) => s + f(r), 0);
  const clients = sum((r) => r.clients);
  const weighted = (f: (r: LoadReport) => number | null) =>
    parts.reduce((m, r) => Math.max(m, f(r) ?? 0), 0) || null;
  return {
    clients,
    open: sum((r) => r.open),
    closedInWindow: sum((r) => r.closedInWindow),
    seconds: Math.max(...parts.map((r) => r.seconds)),
    bytesDown: sum((r) => r.bytesDown),
    bytesUp: sum((r) => r.bytesUp),
    messagesDown: sum((r) => r.messagesDown),
    messagesUp: sum((r) => r.messagesUp),
    patchesExpectedPerClient: parts[0]?.patchesExpectedPerClient ?? 0,
    patchesPerClient: {
      min: Math.min(...parts.map((r) => r.patchesPerClient.min)),
      p1: Math.min(...parts.map((r) => r.patchesPerClient.p1)),
      p50: Math.min(...parts.map((r) => r.patchesPerClient.p50)),
    },
    clientsBehind: sum((r) => r.clientsBehind),
    // Percentiles of different processes cannot be merged exactly: the worst process is reported.
    latencyMs: {
      count: sum((r) => r.latencyMs.count),
      p50: weighted((r) => r.latencyMs.p50),
      p99: weighted((r) => r.latencyMs.p99),
      max: weighted((r) => r.latencyMs.max),
    },
    loadGenCpuPerS: +sum((r) => r.loadGenCpuPerS).toFixed(3),
  };
}
