/**
 * One measured point of a bench run: fresh server process(es), their load, one window.
 * Server-side figures come from each server's GET /metrics (two scrapes give the
 * window; several servers' scrapes are summed, so a cluster's histograms merge) and
 * from /proc/<pid> (CPU, RSS, syscalls); client-side figures from the load generators.
 */
import os from "node:os";
import { startLoad, type LoadReport } from "./loadgen.ts";
import { serverCoreFor, type Pinning } from "./pinning.ts";
import { cpuPerSecond, procSample, sleep, startServer, stopChild, type ProcSample, type ServerHandle } from "./proc.ts";
import { histogramWindow, latenessFigures, scrape, total, type Scrape } from "./stats.ts";
import { BENCH_JWT_SECRET } from "./wire.ts";

export const OURS = "src/index.ts";
export const BASELINE = "bench/baseline/server.ts";
export const PLAYERS_PER_ROOM = 4;

export const round = (v: number, d = 2) => +v.toFixed(d);

export interface PointContext {
  warmupS: number;
  clientsPerLoadProcess: number;
  pinning: Pinning;
  cores: number;
  node: string;
}

export interface PointOptions {
  entry: string;
  env?: Record<string, string>;
  fps: number;
  rooms: number;
  sendHz: number;
  durationS: number;
  latencyEvery: number;
  tag: string;
  protocol?: "sdk" | "json";
  /** Server processes (a cluster when > 1: give env REDIS_URL and PUBLIC_ADDRESS "self"). */
  processes?: number;
  /** Pin the load generators (default: when the run pins and there is one server process). */
  pinLoad?: boolean;
  /** Pin servers on a different core each, starting at this index of the allowed cores (default 0). */
  firstServerCore?: number;
}

export interface PointResult {
  conditions: Record<string, unknown>;
  joined: number;
  joinFailed: number;
  frames: { expectedPerRoom: number; countedPerRoom: number; driftFrames: number };
  tickLateness: ReturnType<typeof latenessFigures>;
  intervalError?: ReturnType<typeof latenessFigures>;
  serverCpuSecondsPerSecond: number;
  /** Per server process (a cluster has several). */
  perProcess: Array<{ cores: string | null; cpuSecondsPerSecond: number; runQueueWaitMsPerS: number; rooms: number; clients: number }>;
  projectedClientsPerCore: number | null;
  rssMB: number;
  rssIdleMB: number;
  rssMeanMB: number;
  rssMaxMB: number;
  rssPerClientKB: number | null;
  heapUsedMB: number;
  heapPerClientKB: number | null;
  heapTotalPerClientKB: number | null;
  externalPerClientKB: number | null;
  gcSecondsPerSecond: number;
  downBytesPerClientPerS: number | null;
  upBytesPerClientPerS: number | null;
  downMessagesPerClientPerS: number | null;
  /** Inputs the load generators really sent, per client per second (the plan says o.sendHz). */
  upMessagesPerClientPerS: number | null;
  serverSendsPerS: number;
  inputsAcceptedPerS: number;
  messagesRejectedPerS: number;
  serverWriteSyscallsPerS: number;
  serverReadSyscallsPerS: number;
  clientsBehind: number;
  clientsClosedInWindow: number;
  inputToOwnActionMs: LoadReport["latencyMs"];
  loadGenCpuSecondsPerSecond: number;
  /** How long the clients took to join (all load processes, before the warm-up). */
  joinSeconds: number;
  loadAvg1m: number;
  saturation: Saturation;
}

export interface Saturation {
  saturated: boolean;
  reasons: string[];
  /** A server's main thread waited >= CONTENDED_WAIT_MS_PER_S for its core: other processes were on it. */
  contended: boolean;
  runQueueWaitMsPerS: number;
}

export const SATURATION_RULE =
  "saturated = frames behind (a client received < 90% of the window's patches, or a room simulated < 97% of the expected frames) or tick p99 >= 10 ms or server CPU >= 0.9 s/s (any one process) or a join failed or a client was closed, or the load generators sent < 90% of the planned inputs (load not delivered), or (marked load-bound) the pinned load generators used >= 0.9 of their core. Separately, contended = a server's main thread waited >= 50 ms/s on the run queue (/proc/<pid>/schedstat) because other processes held its core. For the baseline the tick p99 is its interval error p99 (|actual - nominal| interval): its setInterval has no fixed schedule, so its lateness against start + n x interval grows even idle.";

/** Run-queue wait of a server's main thread above which its figures are the machine's as much as its own. */
export const CONTENDED_WAIT_MS_PER_S = 50;

export function saturation(p: Omit<PointResult, "saturation">, baseline: boolean): Saturation {
  const reasons: string[] = [];
  if (p.clientsBehind > 0) reasons.push(`${p.clientsBehind} clients behind`);
  // A starved load generator offers less than planned, which makes the server look cheap.
  const planned = p.conditions.inputsPerClientPerS as number;
  if (planned > 0 && (p.upMessagesPerClientPerS ?? 0) < 0.9 * planned) reasons.push(`load not delivered: ${p.upMessagesPerClientPerS} of ${planned} inputs/s per client sent`);
  if (p.frames.countedPerRoom < 0.97 * p.frames.expectedPerRoom) reasons.push(`frames behind (${p.frames.countedPerRoom} of ${p.frames.expectedPerRoom})`);
  const p99 = baseline ? p.intervalError?.p99Ms : p.tickLateness.p99Ms;
  if (p99 === null || p99 === undefined || p99 >= 10) reasons.push(`${baseline ? "interval error" : "tick"} p99 ${p99 ?? "?"} ms >= 10`);
  const busiest = Math.max(...p.perProcess.map((s) => s.cpuSecondsPerSecond));
  if (busiest >= 0.9) reasons.push(`server CPU ${round(busiest, 2)} s/s >= 0.9`);
  if (p.joinFailed > 0) reasons.push(`${p.joinFailed} joins failed`);
  if (p.clientsClosedInWindow > 0) reasons.push(`${p.clientsClosedInWindow} clients closed`);
  // Not the server's saturation, but it makes "clients behind" and latency the load's, not the server's.
  if (p.conditions.loadCores !== "any" && p.loadGenCpuSecondsPerSecond >= 0.9) reasons.push(`load generators at ${p.loadGenCpuSecondsPerSecond} CPU s/s on their one core: load-bound`);
  // Contention is not saturation, but a contended point's figures are the machine's as much as the server's.
  const waited = Math.max(...p.perProcess.map((s) => s.runQueueWaitMsPerS));
  return { saturated: reasons.length > 0, reasons, contended: waited >= CONTENDED_WAIT_MS_PER_S, runQueueWaitMsPerS: waited };
}

/** The capacity search's criterion (the "tick p99 lateness < 10 ms", every client served). */
export const holds = (p: PointResult) =>
  p.joinFailed === 0 && p.clientsBehind === 0 && p.clientsClosedInWindow === 0 && (p.tickLateness.p99Ms ?? Infinity) < 10;

async function timedScrape(servers: ServerHandle[]): Promise<{ at: number; s: Scrape; each: Scrape[] }> {
  const t0 = performance.now();
  const each = await Promise.all(servers.map((s) => scrape(s.http)));
  const sum: Scrape = new Map();
  for (const one of each) for (const [k, v] of one) sum.set(k, (sum.get(k) ?? 0) + v);
  return { at: (t0 + performance.now()) / 2, s: sum, each };
}

const sumSamples = (samples: ProcSample[]): ProcSample =>
  samples.reduce(
    (a, b) => ({ at: a.at + b.at / samples.length, cpuS: a.cpuS + b.cpuS, rssBytes: a.rssBytes + b.rssBytes, readCalls: a.readCalls + b.readCalls, writeCalls: a.writeCalls + b.writeCalls, runQueueWaitS: a.runQueueWaitS + b.runQueueWaitS }),
    { at: 0, cpuS: 0, rssBytes: 0, readCalls: 0, writeCalls: 0, runQueueWaitS: 0 },
  );

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export async function runPoint(ctx: PointContext, o: PointOptions): Promise<PointResult> {
  const n = o.processes ?? 1;
  const servers: ServerHandle[] = [];
  try {
    for (let i = 0; i < n; i++) servers.push(await startServer(o.entry, o.env, serverCoreFor(ctx.pinning, (o.firstServerCore ?? 0) + i)));
    const playersPerRoom = o.sendHz === 0 && o.rooms === 1 ? 1 : PLAYERS_PER_ROOM;
    const pinLoad = o.pinLoad ?? n === 1;
    const loadCores = pinLoad ? ctx.pinning.loadCores : null;
    await sleep(500);
    const idle = sumSamples(servers.map((s) => procSample(s.pid)));
    const idleScrape = await timedScrape(servers);
    const clients = o.rooms * playersPerRoom;
    // A cluster gets at least one load process per server, so every server's HTTP is used.
    const loadProcesses = Math.max(n, Math.ceil(clients / ctx.clientsPerLoadProcess));
    const load = await startLoad(
      {
        http: servers[0].http,
        ws: servers[0].ws,
        playersPerRoom,
        fps: o.fps,
        sendHz: o.sendHz,
        latencyEvery: o.latencyEvery,
        // Every load process shares one loopback IP: keep joins at a steady pace.
        joinConcurrency: Math.max(2, Math.floor(24 / loadProcesses)),
        // Joins crawl on a loaded shared machine: allow ~150 ms a client per process, at least 2 minutes.
        joinTimeoutMs: Math.max(120_000, Math.ceil(clients / loadProcesses) * 150),
        protocol: o.protocol ?? "sdk",
        jwtSecret: BENCH_JWT_SECRET,
      },
      o.rooms,
      loadProcesses,
      o.tag,
      { targets: servers.map((s) => ({ http: s.http, ws: s.ws })), cores: loadCores },
    );
    try {
      await sleep(ctx.warmupS * 1000);
      const loadAvg1m = os.loadavg()[0];
      await load.mark();
      const m0 = await timedScrape(servers);
      const p0 = servers.map((s) => procSample(s.pid));
      // RSS and heap swing with garbage collection: sample them through the window.
      const rss: number[] = [];
      const heap: Array<{ used: number; total: number; external: number }> = [];
      const end = performance.now() + o.durationS * 1000;
      for (let i = 0; performance.now() < end; i++) {
        await sleep(Math.max(0, Math.min(500, end - performance.now())));
        rss.push(servers.reduce((sum, s) => sum + procSample(s.pid).rssBytes, 0));
        if (i % 4 === 3) {
          const h = await timedScrape(servers);
          heap.push({ used: total(h.s, "nodejs_heap_size_used_bytes"), total: total(h.s, "nodejs_heap_size_total_bytes"), external: total(h.s, "nodejs_external_memory_bytes") });
        }
      }
      const m1 = await timedScrape(servers);
      const p1 = servers.map((s) => procSample(s.pid));
      const rep = await load.report();
      const partial = summarize(ctx, o, servers, playersPerRoom, load.joined, load.failed, { idleScrape, m0, m1, idle, p0, p1, rss, heap, rep, loadAvg1m, loadCores, joinMs: load.joinMs });
      return { ...partial, saturation: saturation(partial, o.entry === BASELINE) };
    } finally {
      await load.stop();
    }
  } finally {
    await Promise.all(servers.map((s) => stopChild(s.child)));
  }
}

interface Window {
  idleScrape: { at: number; s: Scrape };
  m0: { at: number; s: Scrape; each: Scrape[] };
  m1: { at: number; s: Scrape; each: Scrape[] };
  idle: ProcSample;
  p0: ProcSample[];
  p1: ProcSample[];
  rss: number[];
  heap: Array<{ used: number; total: number; external: number }>;
  rep: LoadReport;
  loadAvg1m: number;
  loadCores: string | null;
  joinMs: number;
}

function summarize(ctx: PointContext, o: PointOptions, servers: ServerHandle[], playersPerRoom: number, joined: number, joinFailed: number, w: Window): Omit<PointResult, "saturation"> {
  const { m0, m1, rep } = w;
  const windowS = (m1.at - m0.at) / 1000;
  const ticks = total(m1.s, "framesync_ticks_total") - total(m0.s, "framesync_ticks_total");
  // The rooms that really exist (a room whose later joins failed still ticks), from the servers.
  const rooms = total(m1.s, "framesync_rooms{room=\"game_room\"}") || total(m1.s, "framesync_rooms") || o.rooms;
  const expected = windowS * o.fps;
  const counted = ticks / rooms;
  const perProcess = servers.map((s, i) => ({
    cores: s.cores,
    cpuSecondsPerSecond: round(cpuPerSecond(w.p0[i], w.p1[i]), 3),
    runQueueWaitMsPerS: round(((w.p1[i].runQueueWaitS - w.p0[i].runQueueWaitS) / ((w.p1[i].at - w.p0[i].at) / 1000)) * 1000, 1),
    rooms: total(m1.each[i], "framesync_rooms{room=\"game_room\"}") || total(m1.each[i], "framesync_rooms"),
    clients: total(m1.each[i], "framesync_clients{room=\"game_room\"}") || total(m1.each[i], "framesync_clients"),
  }));
  const cpu = perProcess.reduce((s, p) => s + p.cpuSecondsPerSecond, 0);
  const p0 = sumSamples(w.p0);
  const p1 = sumSamples(w.p1);
  const perClient = (v: number) => (joined > 0 ? round(v / joined / rep.seconds, 1) : null);
  const interval = histogramWindow(m0.s, m1.s, "baseline_tick_interval_error_seconds");
  const rssMean = w.rss.length ? mean(w.rss) : p1.rssBytes;
  const idleHeap = { used: total(w.idleScrape.s, "nodejs_heap_size_used_bytes"), total: total(w.idleScrape.s, "nodejs_heap_size_total_bytes"), external: total(w.idleScrape.s, "nodejs_external_memory_bytes") };
  const heapMean = (k: "used" | "total" | "external") => (w.heap.length ? mean(w.heap.map((h) => h[k])) : total(m1.s, k === "used" ? "nodejs_heap_size_used_bytes" : k === "total" ? "nodejs_heap_size_total_bytes" : "nodejs_external_memory_bytes"));
  const kbPerClient = (bytes: number) => (joined > 0 ? round(bytes / 1024 / joined, 1) : null);
  const rate = (name: string) => Math.round((total(m1.s, name) - total(m0.s, name)) / windowS);
  const ioSeconds = (p1.at - p0.at) / 1000;
  return {
    conditions: {
      server: o.entry === BASELINE ? "baseline (bench/baseline; V8 defaults)" : "framesync (src/index.ts; V8 allocation-site pretenuring and concurrent marking off, src/v8Flags.ts)",
      protocol: o.protocol === "json" ? "json (/json, contract §9)" : "sdk (Colyseus wire protocol)",
      serverProcesses: servers.length,
      fps: o.fps,
      rooms,
      playersPerRoom,
      clients: rooms * playersPerRoom,
      inputsPerClientPerS: o.sendHz,
      durationS: round(windowS, 1),
      serverCores: servers.map((s) => s.cores ?? "any"),
      loadCores: w.loadCores ?? "any",
      node: ctx.node,
      cores: ctx.cores,
      loadAvg1m: round(w.loadAvg1m),
    },
    joined,
    joinFailed,
    frames: { expectedPerRoom: round(expected, 1), countedPerRoom: round(counted, 1), driftFrames: round(counted - expected, 1) },
    tickLateness: latenessFigures(histogramWindow(m0.s, m1.s, "framesync_tick_lateness_seconds")),
    ...(interval.count > 0 ? { intervalError: latenessFigures(interval) } : {}),
    serverCpuSecondsPerSecond: round(cpu, 3),
    perProcess,
    projectedClientsPerCore: cpu > 0 && joined > 0 ? Math.round(joined / cpu) : null,
    rssMB: round(p1.rssBytes / 2 ** 20, 1),
    rssIdleMB: round(w.idle.rssBytes / 2 ** 20, 1),
    rssMeanMB: round(rssMean / 2 ** 20, 1),
    rssMaxMB: round(Math.max(p1.rssBytes, ...w.rss) / 2 ** 20, 1),
    rssPerClientKB: kbPerClient(rssMean - w.idle.rssBytes),
    heapUsedMB: round(heapMean("used") / 2 ** 20, 1),
    heapPerClientKB: kbPerClient(heapMean("used") - idleHeap.used),
    heapTotalPerClientKB: kbPerClient(heapMean("total") - idleHeap.total),
    externalPerClientKB: kbPerClient(heapMean("external") - idleHeap.external),
    gcSecondsPerSecond: round((total(m1.s, "nodejs_gc_duration_seconds_sum") - total(m0.s, "nodejs_gc_duration_seconds_sum")) / windowS, 4),
    downBytesPerClientPerS: perClient(rep.bytesDown),
    upBytesPerClientPerS: perClient(rep.bytesUp),
    downMessagesPerClientPerS: perClient(rep.messagesDown),
    upMessagesPerClientPerS: perClient(rep.messagesUp),
    serverSendsPerS: Math.round(rep.messagesDown / rep.seconds),
    inputsAcceptedPerS: rate("framesync_inputs_accepted_total"),
    messagesRejectedPerS: rate("framesync_messages_rejected_total"),
    serverWriteSyscallsPerS: Math.round((p1.writeCalls - p0.writeCalls) / ioSeconds),
    serverReadSyscallsPerS: Math.round((p1.readCalls - p0.readCalls) / ioSeconds),
    clientsBehind: rep.clientsBehind,
    clientsClosedInWindow: rep.closedInWindow,
    inputToOwnActionMs: rep.latencyMs,
    loadGenCpuSecondsPerSecond: rep.loadGenCpuPerS,
    joinSeconds: round(w.joinMs / 1000, 1),
    loadAvg1m: round(w.loadAvg1m),
  };
}

/** The figures of a capacity-style point, flat, as the JSON reports them. */
export function capacityFigures(p: PointResult) {
  return {
    conditions: p.conditions,
    joined: p.joined,
    saturated: p.saturation.saturated,
    saturatedBecause: p.saturation.reasons,
    contended: p.saturation.contended,
    runQueueWaitMsPerS: p.saturation.runQueueWaitMsPerS,
    serverCpuSecondsPerSecond: p.serverCpuSecondsPerSecond,
    perProcess: p.perProcess,
    projectedClientsPerCore: p.projectedClientsPerCore,
    rssMB: p.rssMB,
    rssIdleMB: p.rssIdleMB,
    rssMeanMB: p.rssMeanMB,
    rssMaxMB: p.rssMaxMB,
    rssPerClientKB: p.rssPerClientKB,
    heapUsedMB: p.heapUsedMB,
    heapPerClientKB: p.heapPerClientKB,
    heapTotalPerClientKB: p.heapTotalPerClientKB,
    externalPerClientKB: p.externalPerClientKB,
    gcSecondsPerSecond: p.gcSecondsPerSecond,
    tickLatenessP99Ms: p.tickLateness.p99Ms,
    tickLateness: p.tickLateness,
    ...(p.intervalError ? { intervalError: p.intervalError } : {}),
    frames: p.frames,
    downBytesPerClientPerS: p.downBytesPerClientPerS,
    upBytesPerClientPerS: p.upBytesPerClientPerS,
    downMessagesPerClientPerS: p.downMessagesPerClientPerS,
    upMessagesPerClientPerS: p.upMessagesPerClientPerS,
    serverSendsPerS: p.serverSendsPerS,
    inputsAcceptedPerS: p.inputsAcceptedPerS,
    messagesRejectedPerS: p.messagesRejectedPerS,
    serverWriteSyscallsPerS: p.serverWriteSyscallsPerS,
    serverReadSyscallsPerS: p.serverReadSyscallsPerS,
    clientsBehind: p.clientsBehind,
    clientsClosedInWindow: p.clientsClosedInWindow,
    joinFailed: p.joinFailed,
    inputToOwnActionMs: p.inputToOwnActionMs,
    loadGenCpuSecondsPerSecond: p.loadGenCpuSecondsPerSecond,
    joinSeconds: p.joinSeconds,
    loadAvg1m: p.loadAvg1m,
  };
}

export type CapacityFigures = ReturnType<typeof capacityFigures>;
