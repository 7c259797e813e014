/**
 * `npm run bench [-- --quick] [-- --only tick,latency,capacity,reconnect,baseline,json,cluster] [-- --out file.json]`
 *
 * Starts real server processes (src/index.ts, and bench/baseline/server.ts for the
 * idiomatic-Colyseus comparison) and separate load-generator processes
 * (bench/load.ts, bench/reconnect.ts), all on loopback, and prints ONE JSON document
 * on stdout. Progress goes to stderr as `phase k/N <name> (ETA mm:ss)`. Every figure
 * carries its conditions; `figures` holds issue 16's table.
 *
 * Servers run pinned to one core and load generators to another (taskset, see
 * lib/pinning.ts), so CPU and lateness are the server's own. Tick figures come from
 * the server's GET /metrics (framesync_ticks_total, framesync_tick_lateness_seconds:
 * the difference of two scrapes; quantiles interpolated within a bucket like
 * histogram_quantile()), heap from its prom-client default metrics, CPU and RSS from
 * /proc/<pid>.
 */
import { execFileSync } from "node:child_process";
import os from "node:os";
import { writeFileSync } from "node:fs";
import { probeJsonEndpoint } from "./lib/jsonClient.ts";
import { decidePinning, pinSelf } from "./lib/pinning.ts";
import { BASELINE, OURS, PLAYERS_PER_ROOM, SATURATION_RULE, capacityFigures, holds, round, runPoint, type PointContext, type PointOptions, type PointResult } from "./lib/point.ts";
import { killAllNow, outputTail, spawnTracked, startServer, stopAll, stopChild } from "./lib/proc.ts";
import { Progress, type PhaseEstimate } from "./lib/progress.ts";
import { buildFigures, targets } from "./lib/figures.ts";

// ---------------------------------------------------------------------------
// Plan: durations and sizes. The full run stays under ~12 minutes on 2 cores.

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const onlyArg = args[args.indexOf("--only") + 1];
const only = args.includes("--only") && onlyArg ? new Set(onlyArg.split(",")) : undefined;
const outArg = args.includes("--out") ? args[args.indexOf("--out") + 1] : undefined;
const wanted = (section: string) => !only || only.has(section);

const SEND_HZ = 20;
const CAPACITY_FPS = 20;

const plan = quick
  ? {
      tickS: 2, warmupS: 0.5, latencyRooms: 2, latencyS: 2,
      capacityClients: [8], capacityS: 2, loadedClients: 24, loadedS: 2, loaded60Clients: 16, loaded60S: 2,
      baselineClients: [8, 24], baselineS: 2, jsonClients: 8, jsonS: 2,
      searchStart: 32, searchStep: 8, searchSteps: 1, searchS: 2, searchResolution: 4,
      clusterSteps: 1, clusterS: 2,
      reconnectTrials: 3, clientsPerLoadProcess: 500,
    }
  : {
      tickS: 60, warmupS: 3, latencyRooms: 25, latencyS: 15,
      capacityClients: [252, 500], capacityS: 15, loadedClients: 1000, loadedS: 40, loaded60Clients: 500, loaded60S: 20,
      baselineClients: [252, 500], baselineS: 15, jsonClients: 252, jsonS: 15,
      searchStart: 1500, searchStep: 500, searchSteps: 4, searchS: 15, searchResolution: 48,
      clusterSteps: 4, clusterS: 15,
      reconnectTrials: 40, clientsPerLoadProcess: 500,
    };
/** Hard bound of the whole run; every child is killed when it passes. */
const RUN_LIMIT_MS = quick ? 7 * 60_000 : 20 * 60_000;
/** The searches stop early rather than push the full run past ~12 minutes. */
const SEARCH_BUDGET_END_MS = 8.5 * 60_000;
const CLUSTER_BUDGET_END_MS = 12 * 60_000;

/** Redis of the reconnect and two-process sections: BENCH_REDIS_URL, else the tests' Redis (DB 14), else the local default. */
function redisUrl(): string {
  if (process.env.BENCH_REDIS_URL) return process.env.BENCH_REDIS_URL;
  const test = process.env.TEST_REDIS_URL;
  if (test) return /\/\d+$/.test(test) ? test : `${test.replace(/\/$/, "")}/14`;
  return "redis://127.0.0.1:6379/14";
}
const REDIS_URL = redisUrl();

const runStart = performance.now();
const pinning = decidePinning();
// The orchestrator's own work (a /metrics scrape and parse every 2 s, /proc samples every 0.5 s) is load-side
// work: on the server's core it preempted the server (runs measured 30-40 ms/s of run-queue wait at 500 clients).
if (pinning.pinned) pinSelf(pinning.loadCores!);

const machine = {
  cores: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? "unknown",
  memoryGB: round(os.totalmem() / 2 ** 30, 1),
  node: process.version,
  platform: `${os.type()} ${os.release()} ${os.arch()}`,
  loadAvgAtStart: os.loadavg().map((v) => round(v)),
};

const ctx: PointContext = { warmupS: plan.warmupS, clientsPerLoadProcess: plan.clientsPerLoadProcess, pinning, cores: machine.cores, node: machine.node };

/** Seconds a point is expected to take: server start, joins (~40 clients/s on this loaded machine), warm-up, window, stop. */
const pointEstimate = (clients: number, windowS: number, processes = 1) => Math.round(3 * processes + clients / 40 + plan.warmupS + windowS + 2);

function phasePlan(): PhaseEstimate[] {
  const phases: PhaseEstimate[] = [];
  if (wanted("latency")) phases.push({ name: "latency", estimateS: pointEstimate(plan.latencyRooms * 4, plan.latencyS) });
  if (wanted("capacity") || wanted("tick") || wanted("baseline") || wanted("json") || wanted("cluster")) {
    for (const c of plan.capacityClients) phases.push({ name: `capacity ${c}`, estimateS: pointEstimate(c, plan.capacityS) });
    phases.push({ name: `capacity ${plan.loadedClients}`, estimateS: pointEstimate(plan.loadedClients, plan.loadedS) });
  }
  if (wanted("baseline")) for (const c of plan.baselineClients) phases.push({ name: `baseline ${c}`, estimateS: pointEstimate(c, plan.baselineS) });
  if (wanted("json")) phases.push({ name: "json clients", estimateS: pointEstimate(plan.jsonClients, plan.jsonS) });
  if (wanted("tick")) phases.push({ name: "tick 60 fps loaded", estimateS: pointEstimate(plan.loaded60Clients, plan.loaded60S) });
  if (wanted("reconnect")) phases.push({ name: "reconnect", estimateS: quick ? 4 : 15 });
  if (wanted("tick")) phases.push({ name: "tick idle", estimateS: pointEstimate(4, plan.tickS) });
  if (wanted("capacity") || wanted("cluster")) for (let i = 0; i < plan.searchSteps; i++) phases.push({ name: "capacity search", estimateS: pointEstimate(quick ? 32 : 400, plan.searchS) });
  if (wanted("cluster")) for (let i = 0; i < plan.clusterSteps; i++) phases.push({ name: "cluster search", estimateS: pointEstimate(quick ? 32 : 800, plan.clusterS, 2) });
  return phases;
}

const progress = new Progress(phasePlan());
const log = (msg: string) => progress.log(msg);

function point(o: Omit<PointOptions, "sendHz" | "latencyEvery"> & Partial<PointOptions>): Promise<PointResult> {
  return runPoint(ctx, { sendHz: SEND_HZ, latencyEvery: 10, ...o });
}

const roomsFor = (clients: number) => Math.ceil(clients / PLAYERS_PER_ROOM);

// ---------------------------------------------------------------------------
// Sections

async function latencySection() {
  progress.phase("latency", `${plan.latencyRooms} rooms × 4 at 20 fps, every client measuring, ${plan.latencyS} s`);
  const p = await point({ entry: OURS, fps: 20, rooms: plan.latencyRooms, durationS: plan.latencyS, latencyEvery: 1, tag: "lat" });
  return {
    conditions: p.conditions,
    what: "input sent → the sender's own playerAction of the frame the input was merged into (loopback; inputs sent at random phases of the tick)",
    ...p.inputToOwnActionMs,
    serverCpuSecondsPerSecond: p.serverCpuSecondsPerSecond,
  };
}

async function capacityPoints() {
  const points: PointResult[] = [];
  for (const clients of [...plan.capacityClients, plan.loadedClients]) {
    const windowS = clients === plan.loadedClients ? plan.loadedS : plan.capacityS;
    progress.phase(`capacity ${clients}`, `clients, ${windowS} s`);
    points.push(await point({ entry: OURS, fps: CAPACITY_FPS, rooms: roomsFor(clients), durationS: windowS, tag: `cap${clients}` }));
  }
  return points;
}

/**
 * The largest client count that holds (see `holds`): from the points already measured,
 * step up by `step` while the largest holds, else bisect between the largest that held
 * and the smallest that failed; bounded in steps and by the run's time budget.
 */
async function search(
  phase: string,
  alreadyRun: PointResult[],
  opts: {
    start: number;
    step: number;
    steps: number;
    resolution: number;
    granule: number;
    budgetEndMs: number;
    measure: (clients: number) => Promise<PointResult>;
    /** A count below which bisection need not look (not reported as held unless measured). */
    floor?: number;
  },
) {
  const steps: ReturnType<typeof capacityFigures>[] = [];
  let best = alreadyRun.filter(holds).reduce<PointResult | undefined>((b, p) => (!b || p.joined > b.joined ? p : b), undefined);
  let lo = Math.max(best?.joined ?? 0, opts.floor ?? 0);
  // A smaller point failing (a noisy window) while a larger one held does not bound the search.
  let hi = alreadyRun.filter((p) => !holds(p) && (p.conditions.clients as number) > lo).reduce((m, p) => Math.min(m, p.conditions.clients as number), Infinity);
  let stoppedBy = "step limit";
  for (let i = 0; i < opts.steps; i++) {
    // The first step always runs, so each search measures something even on a slow, loaded machine.
    if (!quick && i > 0 && performance.now() - runStart > opts.budgetEndMs) {
      stoppedBy = "time budget of the run";
      break;
    }
    const next = hi === Infinity ? Math.max(lo + opts.step, opts.start) : Math.round((lo + hi) / 2 / opts.granule) * opts.granule;
    if ((hi !== Infinity && hi - lo <= opts.resolution) || next <= lo || next >= hi) {
      stoppedBy = `resolution reached (${lo} held, ${hi} failed)`;
      break;
    }
    progress.phase(phase, `${next} clients, step ${i + 1}/${opts.steps}`);
    const p = await opts.measure(next);
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

function baselinePoints() {
  return (async () => {
    const points: PointResult[] = [];
    for (const clients of plan.baselineClients) {
      progress.phase(`baseline ${clients}`, `clients on the idiomatic room, ${plan.baselineS} s`);
      points.push(await point({ entry: BASELINE, fps: CAPACITY_FPS, rooms: roomsFor(clients), durationS: plan.baselineS, tag: `base${clients}` }));
    }
    return points;
  })();
}

const cpuPerClient = (p: PointResult) => (p.joined ? p.serverCpuSecondsPerSecond / p.joined : null);
/** A late server simulates fewer frames (and sends less): CPU per client per frame it actually ran. */
const cpuPerClientFrame = (p: PointResult) => {
  const framesPerS = p.frames.countedPerRoom / (p.conditions.durationS as number);
  return p.joined && framesPerS > 0 ? p.serverCpuSecondsPerSecond / p.joined / framesPerS : null;
};

function ratio(a: number | null | undefined, b: number | null | undefined, digits = 2) {
  return a === null || a === undefined || b === null || b === undefined || b === 0 ? null : round(a / b, digits);
}

function baselineSection(ours: PointResult[], base: PointResult[]) {
  const pairs = base.map((b) => {
    const o = ours.find((p) => p.conditions.clients === b.conditions.clients);
    return {
      clients: b.conditions.clients as number,
      oursSaturated: o ? o.saturation.saturated : null,
      baselineSaturated: b.saturation.saturated,
      bothUnsaturated: !!o && !o.saturation.saturated && !b.saturation.saturated,
      oursDividedByBaseline: o
        ? {
            cpuPerClient: ratio(cpuPerClient(o), cpuPerClient(b)),
            cpuPerClientPerSimulatedFrame: ratio(cpuPerClientFrame(o), cpuPerClientFrame(b)),
            downBytesPerClient: ratio(o.downBytesPerClientPerS, b.downBytesPerClientPerS),
            upBytesPerClient: ratio(o.upBytesPerClientPerS, b.upBytesPerClientPerS),
            tickLatenessP99: ratio(o.tickLateness.p99Ms, b.tickLateness.p99Ms, 3),
            driftFramesAbs: ratio(Math.abs(o.frames.driftFrames), Math.abs(b.frames.driftFrames), 3),
            inputToOwnActionP50: ratio(o.inputToOwnActionMs.p50, b.inputToOwnActionMs.p50),
          }
        : null,
    };
  });
  const largest = pairs.at(-1);
  return {
    what: "bench/baseline: the same game (src/game/rules.ts, src/game/merge.ts, the same Schema and playerAction broadcasts) as a plain Room: onMessage queues input, setSimulationInterval applies it, default patchRate (50 ms). No rate limit, no zod validation, no seats. Same pinning and load as ours.",
    saturationRule: SATURATION_RULE,
    conditions: base.at(-1)?.conditions,
    points: base.map(capacityFigures),
    pairs,
    // The ratios of the largest pair (kept for continuity with earlier runs; both may be saturated there).
    oursDividedByBaseline: largest?.oursDividedByBaseline ?? null,
  };
}

async function jsonSection(sdkPoints: PointResult[]) {
  progress.phase("json clients", `probe /json, then ${plan.jsonClients} JSON clients, ${plan.jsonS} s`);
  const probeServer = await startServer(OURS, {}, pinning.serverCores);
  const probe = await probeJsonEndpoint(probeServer.ws).finally(() => stopChild(probeServer.child));
  const sdk = sdkPoints.find((p) => p.conditions.clients === plan.jsonClients);
  if (!probe.answers) {
    log(`json: not measured (${probe.reason})`);
    return { what: "the same capacity load from JSON-protocol clients (contract §9, ws://HOST:PORT/json) beside SDK clients", measured: false, reason: probe.reason, cpuPerClientJsonDividedBySdk: null };
  }
  const json = await point({ entry: OURS, fps: CAPACITY_FPS, rooms: roomsFor(plan.jsonClients), durationS: plan.jsonS, tag: "json", protocol: "json" });
  return {
    what: "the same capacity load from JSON-protocol clients (contract §9, ws://HOST:PORT/json) beside SDK clients: server CPU per JSON client ÷ per SDK client at the same client count",
    measured: true,
    probe: probe.reason,
    json: capacityFigures(json),
    sdkClients: sdk ? sdk.conditions.clients : null,
    bothUnsaturated: !!sdk && !sdk.saturation.saturated && !json.saturation.saturated,
    cpuPerClientJsonDividedBySdk: sdk ? ratio(cpuPerClient(json), cpuPerClient(sdk)) : null,
  };
}

async function reconnectSection() {
  progress.phase("reconnect", `${plan.reconnectTrials} trials per path, Redis ${REDIS_URL}`);
  const srv = await startServer(OURS, { REDIS_URL, MATCH_RECONNECT_WINDOW_MS: "15000" }, pinning.serverCores);
  try {
    const child = spawnTracked("bench/reconnect.ts", [], { BENCH_RECONNECT: JSON.stringify({ http: srv.http, ws: srv.ws, port: srv.port, trials: plan.reconnectTrials }) }, false, [], pinning.loadCores);
    let out = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    const line = out.trim().split("\n").pop() ?? "";
    if (code !== 0 || !line.startsWith("{")) throw new Error(`reconnect bench failed (${code}): ${outputTail(child)}`);
    const r = JSON.parse(line);
    return {
      conditions: { fps: 20, rooms: 1, playersPerRoom: 2, trialsPerPath: plan.reconnectTrials, redis: REDIS_URL, serverCores: [pinning.serverCores ?? "any"], loadCores: pinning.loadCores ?? "any", node: machine.node, cores: machine.cores },
      what: "from opening the new connection (matchmake HTTP + WebSocket + JOIN) to receiving reconnect:ok, after the server marked the player offline",
      sdkPathMs: r.sdk,
      reconnectKeyPathMs: r.key,
    };
  } finally {
    await stopChild(srv.child);
  }
}

async function tickSection(loaded20: PointResult | undefined, loaded60: PointResult | undefined) {
  progress.phase("tick idle", `rooms at 20 and 60 fps (ours and baseline, in parallel), ${plan.tickS} s`);
  // Four idle servers at once: ours share the server core, the baselines the load core.
  const idle = await Promise.all([
    point({ entry: OURS, fps: 20, rooms: 1, sendHz: 0, durationS: plan.tickS, latencyEvery: 0, tag: "idle20" }),
    point({ entry: OURS, fps: 60, rooms: 1, sendHz: 0, durationS: plan.tickS, latencyEvery: 0, tag: "idle60" }),
    point({ entry: BASELINE, fps: 20, rooms: 1, sendHz: 0, durationS: plan.tickS, latencyEvery: 0, tag: "bidle20", firstServerCore: 1 }),
    point({ entry: BASELINE, fps: 60, rooms: 1, sendHz: 0, durationS: plan.tickS, latencyEvery: 0, tag: "bidle60", firstServerCore: 1 }),
  ]);
  const pick = (p: PointResult) => ({ conditions: p.conditions, frames: p.frames, tickLateness: p.tickLateness, ...(p.intervalError ? { intervalError: p.intervalError } : {}) });
  return {
    note: "Idle: one room with one connected client that sends nothing; the four idle servers ran at the same time (ours on the server core, the baselines on the load core). Loaded: the capacity load (4-player rooms, every client sending a moving input 20×/s).",
    idle: [pick(idle[0]), pick(idle[1])],
    loaded: [loaded20, loaded60].filter(Boolean).map((p) => pick(p!)),
    baselineIdle: [pick(idle[2]), pick(idle[3])],
  };
}

async function clusterSection(single: PointResult[], singleLargest: number | null) {
  const measure = (clients: number) =>
    point({ entry: OURS, env: { REDIS_URL, PUBLIC_ADDRESS: "self" }, processes: 2, fps: CAPACITY_FPS, rooms: roomsFor(clients), durationS: plan.clusterS, tag: `cluster${clients}` });
  const granule = 2 * PLAYERS_PER_ROOM;
  // Starts at what one process held and steps up by half that while it holds; a failure bisects below. No floor:
  // on a 2-core machine the unpinned load shares both cores with the two servers, so two may hold less than one did.
  const start = Math.max(granule, Math.round((singleLargest ?? plan.capacityClients[0]) / granule) * granule);
  const result = await search("cluster search", [], { start, step: Math.max(granule, Math.round(start / 2 / granule) * granule), steps: plan.clusterSteps, resolution: plan.searchResolution * 2, granule, budgetEndMs: CLUSTER_BUDGET_END_MS, measure });
  const held = result.largestHeld?.clients ?? null;
  return {
    what: "two server processes (as `npm run cluster`: RedisPresence + RedisDriver on one Redis, PUBLIC_ADDRESS each) with rooms spread over both by the matchmaker; each process pinned to its own core; the load generators unpinned (this machine has only two cores, so they compete with both servers — the one-process figure had a core of its own for its load)",
    redis: REDIS_URL,
    oneProcessLargestHeld: singleLargest,
    twoProcesses: result,
    capacityRatio: held !== null && singleLargest ? round(held / singleLargest, 2) : null,
    capacityRatioBounds: {
      atLeast: held !== null && singleLargest ? round(held / singleLargest, 2) : null,
      below: result.smallestFailed !== null && singleLargest ? round(result.smallestFailed / singleLargest, 2) : null,
    },
    singlePointsCompared: single.length,
  };
}

// ---------------------------------------------------------------------------

/** `--point N[,fps[,baseline|json|cluster]]`: one capacity-style point only (for investigating; not part of the report). */
async function singlePoint(spec: string) {
  const [n, fps, which] = spec.split(",");
  const p = await point({
    entry: which === "baseline" ? BASELINE : OURS,
    fps: Number(fps || CAPACITY_FPS),
    rooms: roomsFor(Number(n)),
    durationS: plan.capacityS,
    tag: "point",
    ...(which === "json" ? { protocol: "json" as const } : {}),
    ...(which === "cluster" ? { processes: 2, env: { REDIS_URL, PUBLIC_ADDRESS: "self" } } : {}),
  });
  process.stdout.write(`${JSON.stringify(capacityFigures(p), null, 2)}\n`);
}

/** The command as typed, with the environment that changes what it measures. */
function commandLine(): string {
  const env = ["BENCH_REDIS_URL", "TEST_REDIS_URL", "BENCH_PIN", "BENCH_SERVER_NODE_ARGS"].filter((k) => process.env[k]).map((k) => `${k}=${JSON.stringify(process.env[k]).replace(/^"(.*)"$/, "$1")}`);
  return [...env, "npm run bench", ...(args.length ? ["--", ...args] : [])].join(" ");
}

function gitCommit(): string | null {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src", "bench"], { encoding: "utf8" }).trim() !== "";
    return dirty ? `${head} (+ uncommitted changes in src/ or bench/)` : head;
  } catch {
    return null;
  }
}

async function main() {
  if (args.includes("--point")) return singlePoint(args[args.indexOf("--point") + 1]);
  const doc: Record<string, unknown> = {
    bench: "framesync-server",
    command: commandLine(),
    mode: quick ? "quick" : "full",
    startedAt: new Date().toISOString(),
    commit: gitCommit(),
    machine,
    conditions: {
      pinning,
      serverCores: pinning.serverCores ?? "any (not pinned)",
      loadCores: pinning.loadCores ?? "any (not pinned)",
      pinningNote: pinning.pinned
        ? `servers run under taskset -c ${pinning.serverCores}, load generators under taskset -c ${pinning.loadCores}; the bench orchestrator (this process: scrapes, /proc samples) runs on the load core too. Exceptions, said where they apply: the idle baselines run on the load core, the cluster's two servers take one core each and its load is unpinned.`
        : `not pinned: ${pinning.reason}`,
      loadAvg1mAtStart: machine.loadAvgAtStart[0],
      playersPerRoom: PLAYERS_PER_ROOM,
      inputsPerClientPerS: SEND_HZ,
      saturationRule: SATURATION_RULE,
    },
  };
  let ours: PointResult[] = [];
  let base: PointResult[] = [];

  if (wanted("latency")) doc.latency = await latencySection();
  if (wanted("capacity") || wanted("tick") || wanted("baseline") || wanted("json") || wanted("cluster")) ours = await capacityPoints();
  const loaded20 = ours.find((p) => p.conditions.clients === plan.loadedClients);
  if (wanted("baseline")) {
    base = await baselinePoints();
    doc.baseline = baselineSection(ours, base);
  }
  if (wanted("json")) doc.json = await jsonSection(ours);
  let loaded60: PointResult | undefined;
  if (wanted("tick")) {
    progress.phase("tick 60 fps loaded", `${plan.loaded60Clients} clients at 60 fps (inputs still 20×/s), ${plan.loaded60S} s`);
    loaded60 = await point({ entry: OURS, fps: 60, rooms: roomsFor(plan.loaded60Clients), durationS: plan.loaded60S, tag: "load60" });
  }
  if (wanted("reconnect")) doc.reconnect = await reconnectSection();
  if (wanted("tick")) doc.tick = await tickSection(loaded20, loaded60);
  let largest: number | null = null;
  if (wanted("capacity") || wanted("cluster")) {
    const granule = PLAYERS_PER_ROOM;
    const measure = (clients: number) => point({ entry: OURS, fps: CAPACITY_FPS, rooms: roomsFor(clients), durationS: plan.searchS, tag: `search${clients}` });
    const maxClientsOneProcess = await search("capacity search", ours, { start: plan.searchStart, step: plan.searchStep, steps: plan.searchSteps, resolution: plan.searchResolution, granule, budgetEndMs: SEARCH_BUDGET_END_MS, measure });
    largest = maxClientsOneProcess.largestHeld?.clients ?? null;
    doc.capacity = {
      what: "4-player game_rooms at 20 fps, every client sending a moving input 20×/s; bytes are WebSocket payload + frame header as seen by the clients; projectedClientsPerCore = clients ÷ server CPU s/s; rssPerClientKB = (mean RSS over the window − RSS of the idle server before the load) ÷ clients; heapPerClientKB the same with nodejs_heap_size_used_bytes from the server's /metrics, sampled every 2 s",
      saturationRule: SATURATION_RULE,
      points: ours.map(capacityFigures),
      maxClientsOneProcess,
    };
  }
  if (wanted("cluster")) doc.cluster = await clusterSection(ours, largest);
  progress.done();
  doc.durationS = round((performance.now() - runStart) / 1000, 1);
  doc.loadAvgAtEnd = os.loadavg().map((v) => round(v));
  doc.figures = buildFigures(doc, { loadedClients: plan.loadedClients });
  doc.targets = targets(doc, plan.loadedClients);
  const json = JSON.stringify(doc, null, 2);
  if (outArg) writeFileSync(outArg, `${json}\n`);
  process.stdout.write(`${json}\n`);
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
