/**
 * `npm run bench [-- --quick] [-- --only tick,latency,capacity,reconnect,baseline] [-- --out file.json]`
 *
 * Starts real server processes (src/index.ts, and bench/baseline/server.ts for the
 * idiomatic-Colyseus comparison) and separate load-generator processes
 * (bench/load.ts, bench/reconnect.ts), all on loopback, and prints ONE JSON document
 * on stdout. Progress goes to stderr. Every figure carries its conditions.
 *
 * Server-side tick figures are read from GET /metrics (framesync_ticks_total and the
 * framesync_tick_lateness_seconds histogram): the difference of two scrapes gives a
 * window; quantiles are interpolated inside a bucket like histogram_quantile(), and
 * the max is reported as the bucket that holds it. CPU and RSS come from
 * /proc/<pid>/stat of the server process.
 */
import os from "node:os";
import { writeFileSync } from "node:fs";
import { startLoad, type LoadReport } from "./lib/loadgen.ts";
import { cpuPerSecond, killAllNow, procSample, sleep, spawnTracked, startServer, stopAll, stopChild, type ServerHandle, outputTail } from "./lib/proc.ts";
import { histogramWindow, latenessFigures, scrape, total, type Scrape } from "./lib/stats.ts";

// ---------------------------------------------------------------------------
// Plan: durations and sizes. The full run stays under 10 minutes on 2 cores.

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const onlyArg = args[args.indexOf("--only") + 1];
const only = args.includes("--only") && onlyArg ? new Set(onlyArg.split(",")) : undefined;
const outArg = args.includes("--out") ? args[args.indexOf("--out") + 1] : undefined;
const wanted = (section: string) => !only || only.has(section);

const PLAYERS_PER_ROOM = 4;
const SEND_HZ = 20;
const CAPACITY_FPS = 20;

const plan = quick
  ? {
      tickS: 2, warmupS: 0.5, latencyRooms: 2, latencyS: 2,
      capacityClients: [8], capacityS: 2, loadedClients: 16, loadedS: 2,
      searchStart: 24, searchStep: 8, searchSteps: 1, searchS: 2, searchResolution: 4,
      reconnectTrials: 3, clientsPerLoadProcess: 500,
    }
  : {
      tickS: 60, warmupS: 3, latencyRooms: 25, latencyS: 15,
      capacityClients: [250, 500], capacityS: 15, loadedClients: 1000, loadedS: 60,
      searchStart: 1500, searchStep: 500, searchSteps: 4, searchS: 15, searchResolution: 100,
      reconnectTrials: 40, clientsPerLoadProcess: 500,
    };
/** Hard bound of the whole run; every child is killed when it passes. */
const RUN_LIMIT_MS = quick ? 5 * 60_000 : 14 * 60_000;
/** The capacity search stops early rather than push the full run past 10 minutes. */
const SEARCH_BUDGET_END_MS = 8.6 * 60_000;

const OURS = "src/index.ts";
const BASELINE = "bench/baseline/server.ts";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/14";

const runStart = performance.now();
const log = (msg: string) => process.stderr.write(`[bench +${((performance.now() - runStart) / 1000).toFixed(0)}s] ${msg}\n`);
const round = (v: number, d = 2) => +v.toFixed(d);

const machine = {
  cores: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? "unknown",
  memoryGB: round(os.totalmem() / 2 ** 30, 1),
  node: process.version,
  platform: `${os.type()} ${os.release()} ${os.arch()}`,
  loadAvgAtStart: os.loadavg().map((v) => round(v)),
};

function conditions(extra: Record<string, unknown>) {
  return { ...extra, node: machine.node, cores: machine.cores };
}

// ---------------------------------------------------------------------------
// One measured point: a fresh server, its load, a window.

interface PointOptions {
  entry: string;
  env?: Record<string, string>;
  fps: number;
  rooms: number;
  sendHz: number;
  durationS: number;
  latencyEvery: number;
  tag: string;
}

interface PointResult {
  conditions: Record<string, unknown>;
  joined: number;
  joinFailed: number;
  frames: { expectedPerRoom: number; countedPerRoom: number; driftFrames: number };
  tickLateness: ReturnType<typeof latenessFigures>;
  intervalError?: ReturnType<typeof latenessFigures>;
  serverCpuSecondsPerSecond: number;
  projectedClientsPerCore: number | null;
  rssMB: number;
  rssIdleMB: number;
  rssMeanMB: number;
  rssMaxMB: number;
  rssPerClientKB: number | null;
  heapUsedMB: number;
  heapPerClientKB: number | null;
  downBytesPerClientPerS: number | null;
  upBytesPerClientPerS: number | null;
  downMessagesPerClientPerS: number | null;
  serverSendsPerS: number;
  inputsAcceptedPerS: number;
  messagesRejectedPerS: number;
  serverWriteSyscallsPerS: number;
  serverReadSyscallsPerS: number;
  clientsBehind: number;
  clientsClosedInWindow: number;
  inputToOwnActionMs: LoadReport["latencyMs"];
  loadGenCpuSecondsPerSecond: number;
  loadAvg1m: number;
}

async function runPoint(o: PointOptions, server?: ServerHandle): Promise<PointResult> {
  const own = !server;
  const srv = server ?? (await startServer(o.entry, o.env));
  const playersPerRoom = o.sendHz === 0 && o.rooms === 1 ? 1 : PLAYERS_PER_ROOM;
  try {
    await sleep(500);
    const idle = procSample(srv.pid);
    const idleScrape = await timedScrape(srv.http);
    const load = await startLoad(
      {
        http: srv.http,
        ws: srv.ws,
        playersPerRoom,
        fps: o.fps,
        sendHz: o.sendHz,
        latencyEvery: o.latencyEvery,
        // Every load process shares one loopback IP: stay well under the server's per-IP cap
        // on connections not yet in a room (MAX_PENDING_CONNECTIONS_PER_IP, 64).
        joinConcurrency: Math.max(2, Math.floor(24 / Math.ceil((o.rooms * playersPerRoom) / plan.clientsPerLoadProcess))),
        joinTimeoutMs: 120_000,
      },
      o.rooms,
      Math.ceil((o.rooms * playersPerRoom) / plan.clientsPerLoadProcess),
      o.tag,
    );
    try {
      await sleep(plan.warmupS * 1000);
      const loadAvg1m = os.loadavg()[0];
      await load.mark();
      const m0 = await timedScrape(srv.http);
      const p0 = procSample(srv.pid);
      // RSS swings with garbage collection: sample it through the window.
      const rss: number[] = [];
      const end = performance.now() + o.durationS * 1000;
      for (let i = 0; i < o.durationS * 2 + 2 && performance.now() < end; i++) {
        await sleep(Math.min(500, end - performance.now()));
        rss.push(procSample(srv.pid).rssBytes);
      }
      const m1 = await timedScrape(srv.http);
      const p1 = procSample(srv.pid);
      const rep = await load.report();
      return summarizePoint(o, playersPerRoom, load.joined, load.failed, idleScrape, m0, m1, idle, p0, p1, rss, rep, loadAvg1m);
    } finally {
      await load.stop();
    }
  } finally {
    if (own) await stopChild(srv.child);
  }
}

async function timedScrape(http: string): Promise<{ at: number; s: Scrape }> {
  const t0 = performance.now();
  const s = await scrape(http);
  return { at: (t0 + performance.now()) / 2, s };
}

function summarizePoint(
  o: PointOptions,
  playersPerRoom: number,
  joined: number,
  joinFailed: number,
  mIdle: { at: number; s: Scrape },
  m0: { at: number; s: Scrape },
  m1: { at: number; s: Scrape },
  idle: ReturnType<typeof procSample>,
  p0: ReturnType<typeof procSample>,
  p1: ReturnType<typeof procSample>,
  rss: number[],
  rep: LoadReport,
  loadAvg1m: number,
): PointResult {
  const windowS = (m1.at - m0.at) / 1000;
  const ticks = total(m1.s, "framesync_ticks_total") - total(m0.s, "framesync_ticks_total");
  // The rooms that really exist (a room whose later joins failed still ticks), from the server.
  const rooms = total(m1.s, "framesync_rooms") || o.rooms;
  const expected = windowS * o.fps;
  const counted = ticks / rooms;
  const cpu = cpuPerSecond(p0, p1);
  const perClient = (v: number) => (joined > 0 ? round(v / joined / rep.seconds, 1) : null);
  const interval = histogramWindow(m0.s, m1.s, "baseline_tick_interval_error_seconds");
  return {
    conditions: conditions({
      server: o.entry === OURS ? "framesync (src/index.ts)" : "baseline (bench/baseline)",
      fps: o.fps,
      rooms,
      playersPerRoom,
      clients: rooms * playersPerRoom,
      inputsPerClientPerS: o.sendHz,
      durationS: round(windowS, 1),
    }),
    joined,
    joinFailed,
    frames: { expectedPerRoom: round(expected, 1), countedPerRoom: round(counted, 1), driftFrames: round(counted - expected, 1) },
    tickLateness: latenessFigures(histogramWindow(m0.s, m1.s, "framesync_tick_lateness_seconds")),
    ...(interval.count > 0 ? { intervalError: latenessFigures(interval) } : {}),
    serverCpuSecondsPerSecond: round(cpu, 3),
    projectedClientsPerCore: cpu > 0 && joined > 0 ? Math.round(joined / cpu) : null,
    rssMB: round(p1.rssBytes / 2 ** 20, 1),
    rssIdleMB: round(idle.rssBytes / 2 ** 20, 1),
    rssMeanMB: round((rss.length ? rss.reduce((a, b) => a + b, 0) / rss.length : p1.rssBytes) / 2 ** 20, 1),
    rssMaxMB: round(Math.max(p1.rssBytes, ...rss) / 2 ** 20, 1),
    rssPerClientKB: joined > 0 ? round(((rss.length ? rss.reduce((a, b) => a + b, 0) / rss.length : p1.rssBytes) - idle.rssBytes) / 1024 / joined, 1) : null,
    heapUsedMB: round(total(m1.s, "nodejs_heap_size_used_bytes") / 2 ** 20, 1),
    heapPerClientKB: joined > 0 ? round((total(m1.s, "nodejs_heap_size_used_bytes") - total(mIdle.s, "nodejs_heap_size_used_bytes")) / 1024 / joined, 1) : null,
    downBytesPerClientPerS: perClient(rep.bytesDown),
    upBytesPerClientPerS: perClient(rep.bytesUp),
    downMessagesPerClientPerS: perClient(rep.messagesDown),
    serverSendsPerS: Math.round(rep.messagesDown / rep.seconds),
    inputsAcceptedPerS: Math.round((total(m1.s, "framesync_inputs_accepted_total") - total(m0.s, "framesync_inputs_accepted_total")) / windowS),
    messagesRejectedPerS: Math.round((total(m1.s, "framesync_messages_rejected_total") - total(m0.s, "framesync_messages_rejected_total")) / windowS),
    serverWriteSyscallsPerS: Math.round((p1.writeCalls - p0.writeCalls) / ((p1.at - p0.at) / 1000)),
    serverReadSyscallsPerS: Math.round((p1.readCalls - p0.readCalls) / ((p1.at - p0.at) / 1000)),
    clientsBehind: rep.clientsBehind,
    clientsClosedInWindow: rep.closedInWindow,
    inputToOwnActionMs: rep.latencyMs,
    loadGenCpuSecondsPerSecond: rep.loadGenCpuPerS,
    loadAvg1m: round(loadAvg1m),
  };
}

// ---------------------------------------------------------------------------
// Sections

async function tickSection(loaded20: PointResult | undefined, loaded60: PointResult | undefined) {
  log(`tick: idle rooms at 20 and 60 fps (ours and baseline, in parallel), ${plan.tickS} s`);
  const idle = await Promise.all([
    runPoint({ entry: OURS, fps: 20, rooms: 1, sendHz: 0, durationS: plan.tickS, latencyEvery: 0, tag: "idle20" }),
    runPoint({ entry: OURS, fps: 60, rooms: 1, sendHz: 0, durationS: plan.tickS, latencyEvery: 0, tag: "idle60" }),
    runPoint({ entry: BASELINE, fps: 20, rooms: 1, sendHz: 0, durationS: plan.tickS, latencyEvery: 0, tag: "bidle20" }),
    runPoint({ entry: BASELINE, fps: 60, rooms: 1, sendHz: 0, durationS: plan.tickS, latencyEvery: 0, tag: "bidle60" }),
  ]);
  const pick = (p: PointResult) => ({ conditions: p.conditions, frames: p.frames, tickLateness: p.tickLateness, ...(p.intervalError ? { intervalError: p.intervalError } : {}) });
  return {
    note: "Idle: one room with one connected client that sends nothing; the four idle servers ran at the same time. Loaded: the capacity load (4-player rooms, every client sending a moving input 20×/s).",
    idle: [pick(idle[0]), pick(idle[1])],
    loaded: [loaded20, loaded60].filter(Boolean).map((p) => pick(p!)),
    baselineIdle: [pick(idle[2]), pick(idle[3])],
  };
}

async function latencySection() {
  log(`latency: ${plan.latencyRooms} rooms × 4 at 20 fps, every client measuring, ${plan.latencyS} s`);
  const p = await runPoint({ entry: OURS, fps: 20, rooms: plan.latencyRooms, sendHz: SEND_HZ, durationS: plan.latencyS, latencyEvery: 1, tag: "lat" });
  return {
    conditions: p.conditions,
    what: "input sent → the sender's own playerAction of the frame the input was merged into (loopback; inputs sent at random phases of the tick)",
    ...p.inputToOwnActionMs,
    serverCpuSecondsPerSecond: p.serverCpuSecondsPerSecond,
  };
}

function capacityFigures(p: PointResult) {
  return {
    conditions: p.conditions,
    joined: p.joined,
    serverCpuSecondsPerSecond: p.serverCpuSecondsPerSecond,
    projectedClientsPerCore: p.projectedClientsPerCore,
    rssMB: p.rssMB,
    rssIdleMB: p.rssIdleMB,
    rssMeanMB: p.rssMeanMB,
    rssMaxMB: p.rssMaxMB,
    rssPerClientKB: p.rssPerClientKB,
    heapUsedMB: p.heapUsedMB,
    heapPerClientKB: p.heapPerClientKB,
    tickLatenessP99Ms: p.tickLateness.p99Ms,
    tickLateness: p.tickLateness,
    frames: p.frames,
    downBytesPerClientPerS: p.downBytesPerClientPerS,
    upBytesPerClientPerS: p.upBytesPerClientPerS,
    downMessagesPerClientPerS: p.downMessagesPerClientPerS,
    serverSendsPerS: p.serverSendsPerS,
    inputsAcceptedPerS: p.inputsAcceptedPerS,
    messagesRejectedPerS: p.messagesRejectedPerS,
    serverWriteSyscallsPerS: p.serverWriteSyscallsPerS,
    serverReadSyscallsPerS: p.serverReadSyscallsPerS,
    clientsBehind: p.clientsBehind,
    clientsClosedInWindow: p.clientsClosedInWindow,
    inputToOwnActionMs: p.inputToOwnActionMs,
    loadGenCpuSecondsPerSecond: p.loadGenCpuSecondsPerSecond,
    loadAvg1m: p.loadAvg1m,
  };
}

const holds = (p: PointResult) =>
  p.joinFailed === 0 && p.clientsBehind === 0 && p.clientsClosedInWindow === 0 && (p.tickLateness.p99Ms ?? Infinity) < 10;

async function capacitySection() {
  const points: PointResult[] = [];
  for (const clients of plan.capacityClients) {
    log(`capacity: ${clients} clients, ${plan.capacityS} s`);
    points.push(await runPoint({ entry: OURS, fps: CAPACITY_FPS, rooms: Math.ceil(clients / PLAYERS_PER_ROOM), sendHz: SEND_HZ, durationS: plan.capacityS, latencyEvery: 10, tag: `cap${clients}` }));
  }
  log(`capacity: ${plan.loadedClients} clients, ${plan.loadedS} s (also the loaded 20 fps tick figure)`);
  const loaded20 = await runPoint({ entry: OURS, fps: CAPACITY_FPS, rooms: Math.ceil(plan.loadedClients / PLAYERS_PER_ROOM), sendHz: SEND_HZ, durationS: plan.loadedS, latencyEvery: 10, tag: `cap${plan.loadedClients}` });
  points.push(loaded20);
  return { points, loaded20 };
}

/**
 * The largest client count one server process holds: from the capacity points, step up
 * by `searchStep` while the largest point holds, else bisect between the largest that
 * held and the smallest that failed; bounded in steps and by the run's time budget.
 */
async function searchSection(alreadyRun: PointResult[]) {
  const steps: ReturnType<typeof capacityFigures>[] = [];
  let best = alreadyRun.filter(holds).reduce<PointResult | undefined>((b, p) => (!b || p.joined > b.joined ? p : b), undefined);
  let lo = best?.joined ?? 0;
  let hi = alreadyRun.filter((p) => !holds(p)).reduce((m, p) => Math.min(m, p.conditions.clients as number), Infinity);
  let stoppedBy = "step limit";
  for (let i = 0; i < plan.searchSteps; i++) {
    if (!quick && performance.now() - runStart > SEARCH_BUDGET_END_MS) {
      stoppedBy = "time budget of the run";
      break;
    }
    const next = hi === Infinity ? Math.max(lo + plan.searchStep, plan.searchStart) : Math.round((lo + hi) / 2 / PLAYERS_PER_ROOM) * PLAYERS_PER_ROOM;
    if ((hi !== Infinity && hi - lo <= plan.searchResolution) || next <= lo || next >= hi) {
      stoppedBy = `resolution reached (${lo} held, ${hi} failed)`;
      break;
    }
    log(`capacity search: ${next} clients, ${plan.searchS} s`);
    const p = await runPoint({ entry: OURS, fps: CAPACITY_FPS, rooms: next / PLAYERS_PER_ROOM, sendHz: SEND_HZ, durationS: plan.searchS, latencyEvery: 10, tag: `search${next}` });
    steps.push(capacityFigures(p));
    if (holds(p)) {
      best = p;
      lo = next;
    } else {
      hi = next;
    }
  }
  return {
    criterion: "p99 tick lateness < 10 ms, no client under 90% of the window's patches, no client closed, no join failed",
    largestHeld: best ? { clients: best.joined, conditions: best.conditions, tickLatenessP99Ms: best.tickLateness.p99Ms, serverCpuSecondsPerSecond: best.serverCpuSecondsPerSecond } : null,
    smallestFailed: hi === Infinity ? null : hi,
    stoppedBy,
    steps,
  };
}

async function loaded60Point() {
  log(`tick: ${plan.loadedClients} clients at 60 fps (inputs still 20×/s), ${plan.loadedS} s`);
  return runPoint({ entry: OURS, fps: 60, rooms: Math.ceil(plan.loadedClients / PLAYERS_PER_ROOM), sendHz: SEND_HZ, durationS: plan.loadedS, latencyEvery: 10, tag: "load60" });
}

async function reconnectSection() {
  log(`reconnect: ${plan.reconnectTrials} trials per path, Redis ${REDIS_URL}`);
  const srv = await startServer(OURS, { REDIS_URL, MATCH_RECONNECT_WINDOW_MS: "15000" });
  try {
    const child = spawnTracked("bench/reconnect.ts", [], { BENCH_RECONNECT: JSON.stringify({ http: srv.http, ws: srv.ws, port: srv.port, trials: plan.reconnectTrials }) });
    let out = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    const line = out.trim().split("\n").pop() ?? "";
    if (code !== 0 || !line.startsWith("{")) throw new Error(`reconnect bench failed (${code}): ${outputTail(child)}`);
    const r = JSON.parse(line);
    return {
      conditions: conditions({ fps: 20, rooms: 1, playersPerRoom: 2, trialsPerPath: plan.reconnectTrials, redis: REDIS_URL }),
      what: "from opening the new connection (matchmake HTTP + WebSocket + JOIN) to receiving reconnect:ok, after the server marked the player offline",
      sdkPathMs: r.sdk,
      reconnectKeyPathMs: r.key,
    };
  } finally {
    await stopChild(srv.child);
  }
}

function ratio(a: number | null | undefined, b: number | null | undefined, digits = 2) {
  return a === null || a === undefined || b === null || b === undefined || b === 0 ? null : round(a / b, digits);
}

async function baselineSection(ours: PointResult | undefined) {
  log(`baseline: ${plan.loadedClients} clients on the idiomatic room, ${plan.loadedS} s`);
  const base = await runPoint({ entry: BASELINE, fps: CAPACITY_FPS, rooms: Math.ceil(plan.loadedClients / PLAYERS_PER_ROOM), sendHz: SEND_HZ, durationS: plan.loadedS, latencyEvery: 10, tag: "base" });
  const cpuPerClient = (p: PointResult) => (p.joined ? p.serverCpuSecondsPerSecond / p.joined : null);
  const cpuPerClientFrame = (p: PointResult) => {
    const framesPerS = p.frames.countedPerRoom / (p.conditions.durationS as number);
    return p.joined && framesPerS > 0 ? p.serverCpuSecondsPerSecond / p.joined / framesPerS : null;
  };
  return {
    what: "bench/baseline: the same game (src/game/rules.ts, src/game/merge.ts, the same Schema and playerAction broadcasts) as a plain Room: onMessage queues input, setSimulationInterval applies it, default patchRate (50 ms). No rate limit, no zod validation, no seats.",
    conditions: base.conditions,
    baseline: capacityFigures(base),
    ...(ours
      ? {
          oursDividedByBaseline: {
            cpuPerClient: ratio(cpuPerClient(ours), cpuPerClient(base)),
            // A late baseline simulates fewer frames (and sends less): CPU per client per frame it actually ran.
            cpuPerClientPerSimulatedFrame: ratio(cpuPerClientFrame(ours), cpuPerClientFrame(base)),
            downBytesPerClient: ratio(ours.downBytesPerClientPerS, base.downBytesPerClientPerS),
            upBytesPerClient: ratio(ours.upBytesPerClientPerS, base.upBytesPerClientPerS),
            tickLatenessP99: ratio(ours.tickLateness.p99Ms, base.tickLateness.p99Ms, 3),
            driftFramesAbs: ratio(Math.abs(ours.frames.driftFrames), Math.abs(base.frames.driftFrames), 3),
            inputToOwnActionP50: ratio(ours.inputToOwnActionMs.p50, base.inputToOwnActionMs.p50),
          },
          side: {
            ours: { serverCpuSecondsPerSecond: ours.serverCpuSecondsPerSecond, joined: ours.joined, framesCountedPerRoom: ours.frames.countedPerRoom, driftFrames: ours.frames.driftFrames, serverWriteSyscallsPerS: ours.serverWriteSyscallsPerS, downMessagesPerClientPerS: ours.downMessagesPerClientPerS, inputToOwnActionMs: ours.inputToOwnActionMs, tickLatenessP99Ms: ours.tickLateness.p99Ms, downBytesPerClientPerS: ours.downBytesPerClientPerS, upBytesPerClientPerS: ours.upBytesPerClientPerS },
            baseline: { serverCpuSecondsPerSecond: base.serverCpuSecondsPerSecond, joined: base.joined, framesCountedPerRoom: base.frames.countedPerRoom, driftFrames: base.frames.driftFrames, serverWriteSyscallsPerS: base.serverWriteSyscallsPerS, downMessagesPerClientPerS: base.downMessagesPerClientPerS, inputToOwnActionMs: base.inputToOwnActionMs, tickLatenessP99Ms: base.tickLateness.p99Ms, downBytesPerClientPerS: base.downBytesPerClientPerS, upBytesPerClientPerS: base.upBytesPerClientPerS },
          },
        }
      : {}),
  };
}

// ---------------------------------------------------------------------------

/** `--point N[,fps[,baseline]]`: one capacity-style point only (for investigating; not part of the report). */
async function singlePoint(spec: string) {
  const [n, fps, which] = spec.split(",");
  const p = await runPoint({
    entry: which === "baseline" ? BASELINE : OURS,
    fps: Number(fps ?? CAPACITY_FPS),
    rooms: Math.ceil(Number(n) / PLAYERS_PER_ROOM),
    sendHz: SEND_HZ,
    durationS: plan.capacityS,
    latencyEvery: 10,
    tag: "point",
  });
  process.stdout.write(`${JSON.stringify(capacityFigures(p), null, 2)}\n`);
}

async function main() {
  if (args.includes("--point")) return singlePoint(args[args.indexOf("--point") + 1]);
  const doc: Record<string, unknown> = {
    bench: "framesync-server",
    command: `npm run bench${quick ? " -- --quick" : ""}`,
    mode: quick ? "quick" : "full",
    startedAt: new Date().toISOString(),
    machine,
  };
  let loaded20: PointResult | undefined;
  let loaded60: PointResult | undefined;
  let capacityPoints: PointResult[] = [];

  if (wanted("latency")) doc.latency = await latencySection();
  if (wanted("capacity") || wanted("tick") || wanted("baseline")) {
    const cap = await capacitySection();
    capacityPoints = cap.points;
    loaded20 = cap.loaded20;
  }
  if (wanted("tick")) loaded60 = await loaded60Point();
  if (wanted("baseline")) doc.baseline = await baselineSection(loaded20);
  if (wanted("reconnect")) doc.reconnect = await reconnectSection();
  if (wanted("tick")) doc.tick = await tickSection(loaded20, loaded60);
  if (wanted("capacity")) {
    doc.capacity = {
      what: "4-player game_rooms at 20 fps, every client sending a moving input 20×/s; bytes are WebSocket payload + frame header as seen by the clients; projectedClientsPerCore = clients ÷ server CPU s/s; rssPerClientKB = (mean RSS over the window − RSS of the idle server before the load) ÷ clients",
      points: capacityPoints.map(capacityFigures),
      maxClientsOneProcess: await searchSection(capacityPoints),
    };
  }
  doc.durationS = round((performance.now() - runStart) / 1000, 1);
  doc.loadAvgAtEnd = os.loadavg().map((v) => round(v));
  doc.targets = targets(doc);
  const json = JSON.stringify(doc, null, 2);
  if (outArg) writeFileSync(outArg, `${json}\n`);
  process.stdout.write(`${json}\n`);
}

/** The targets next to what this run measured (null: not measured in this run). */
function targets(doc: Record<string, any>) {
  const tick = doc.tick;
  const idle = (fps: number) => tick?.idle?.find((t: any) => t.conditions.fps === fps);
  const loaded = (fps: number) => tick?.loaded?.find((t: any) => t.conditions.fps === fps);
  const within = (v: number | null | undefined, limit: number) => (v === null || v === undefined ? null : Math.abs(v) <= limit);
  const cap1000 = doc.capacity?.points?.find((p: any) => p.conditions.clients === plan.loadedClients);
  const half = 1000 / 20 / 2;
  return {
    driftWithin1Frame20fps: within(idle(20)?.frames.driftFrames, 1),
    driftWithin1Frame60fps: within(idle(60)?.frames.driftFrames, 1),
    driftWithin1FrameLoaded20fps: within(loaded(20)?.frames.driftFrames, 1),
    idleP99LatenessAtMost2ms20fps: within(idle(20)?.tickLateness.p99Ms, 2),
    idleP99LatenessAtMost2ms60fps: within(idle(60)?.tickLateness.p99Ms, 2),
    loadedP99LatenessAtMost10ms: within(cap1000?.tickLatenessP99Ms, 10),
    latencyP50AtMostHalfTickPlus2ms: within(doc.latency?.p50, half + 2),
    latencyP99AtMostTickPlus5ms: within(doc.latency?.p99, 2 * half + 5),
    projected2000ClientsPerCore: cap1000 ? cap1000.projectedClientsPerCore >= 2000 : null,
    cpuPerClientNoWorseThanBaseline: doc.baseline?.oursDividedByBaseline ? doc.baseline.oursDividedByBaseline.cpuPerClient <= 1 : null,
    reconnectP99AtMost25ms: doc.reconnect ? Math.max(doc.reconnect.sdkPathMs.p99, doc.reconnect.reconnectKeyPathMs.p99) <= 25 : null,
    rssAtMost30KBPerClientAt1000: cap1000?.rssPerClientKB != null ? cap1000.rssPerClientKB <= 30 : null,
  };
}

const limit = setTimeout(() => {
  log("run limit reached: stopping every child");
  killAllNow();
  process.exit(2);
}, RUN_LIMIT_MS);
limit.unref();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    killAllNow();
    process.exit(130);
  });
}
process.on("exit", killAllNow);

main()
  .then(async () => {
    await stopAll();
    process.exit(0);
  })
  .catch(async (err) => {
    log(`failed: ${(err as Error).stack}`);
    await stopAll();
    process.exit(1);
  });
