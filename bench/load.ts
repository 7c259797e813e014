/**
 * A load-generator process (bench only). Joins `rooms × playersPerRoom` lean clients
 * to a server over loopback — the first of each room `create`s it with `{ fps }`, the
 * others `joinById` — and has every client send a moving `input` `sendHz` times a
 * second. Driven by its parent over IPC:
 *
 *   parent → { type: "mark" }    start a measurement window (counters reset)
 *   parent → { type: "report" }  answer { type: "report", stats } for the window
 *   parent → { type: "stop" }    leave and exit
 *   child  → { type: "ready", joined, failed, joinMs } once every client has joined
 *
 * Latency: every `latencyEvery`-th client tags its inputs (move.y carries a small
 * code, echoed back in `playerAction.data.move`), so the time from sending an input
 * to receiving the own `playerAction` of the frame it was merged into is exact.
 */
import { percentile, summarize } from "./lib/stats.ts";
import { JsonClient } from "./lib/jsonClient.ts";
import { LeanClient, devToken, reserveSeat, signToken, type BenchClient } from "./lib/wire.ts";

export interface LoadConfig {
  http: string;
  ws: string;
  rooms: number;
  playersPerRoom: number;
  fps: number;
  sendHz: number;
  /** Distinguishes userIds between load processes. */
  prefix: string;
  /** Every n-th client measures input → own playerAction latency (0: none). */
  latencyEvery: number;
  /** Rooms joined at once. */
  joinConcurrency: number;
  /** Upper bound of the whole join phase. */
  joinTimeoutMs: number;
  /**
   * The server's JWT_SECRET, when the caller started it with one it knows (lib/wire.ts
   * BENCH_JWT_SECRET): players' tokens are then signed here; without it each is fetched from
   * the server's dev-token route.
   */
  jwtSecret?: string;
  /** "sdk": the Colyseus wire protocol (LeanClient); "json": the JSON protocol on /json (JsonClient). */
  protocol?: "sdk" | "json";
}

const cfg = JSON.parse(process.env.BENCH_LOAD ?? "{}") as LoadConfig;
const send = (msg: unknown) => process.send?.(msg);

/** Inputs flip direction every this many sends, so players keep moving inside the arena. */
const SENDS_PER_DIRECTION = 100;
/** Latency tags cycle through this many codes; pending sends older than MAX_PENDING_MS are forgotten. */
const TAG_CODES = 1000;
const MAX_PENDING_MS = 2000;
const MAX_PENDING = 64;

interface Bot {
  client: BenchClient;
  seq: number;
  timer?: NodeJS.Timeout;
  pending?: Array<{ code: number; at: number }>;
  patchesAtMark: number;
}

const bots: Bot[] = [];
const latencies: number[] = [];
let failed = 0;
let closedInWindow = 0;
let markAt = performance.now();
let cpuAtMark = process.cpuUsage();
let countersAtMark = { bytesDown: 0, bytesUp: 0, messagesDown: 0, messagesUp: 0 };
let stopping = false;

function sums() {
  const s = { bytesDown: 0, bytesUp: 0, messagesDown: 0, messagesUp: 0 };
  for (const b of bots) {
    s.bytesDown += b.client.counters.bytesDown;
    s.bytesUp += b.client.counters.bytesUp;
    s.messagesDown += b.client.counters.messagesDown;
    s.messagesUp += b.client.counters.messagesUp;
  }
  return s;
}

function makeBot(client: BenchClient, measure: boolean): Bot {
  const bot: Bot = { client, seq: 0, patchesAtMark: 0, pending: measure ? [] : undefined };
  if (measure) {
    client.onData = (type, payload) => {
      if (type !== "playerAction") return;
      const msg = payload as { sessionId?: string; action?: string; data?: { move?: { y?: number } } };
      if (msg.sessionId !== client.reservation.sessionId || msg.action !== "move") return;
      const code = Math.round((msg.data?.move?.y ?? 0) * 1e6);
      const pending = bot.pending!;
      const idx = pending.findIndex((p) => p.code === code);
      if (idx < 0) return;
      const now = performance.now();
      // Every input up to the echoed one was merged into this frame.
      for (const p of pending.splice(0, idx + 1)) latencies.push(now - p.at);
    };
  }
  client.onClose = () => {
    if (!stopping) closedInWindow++;
  };
  return bot;
}

function startSending(bot: Bot): void {
  const period = 1000 / cfg.sendHz;
  const tick = () => {
    const n = bot.seq++;
    const x = Math.floor(n / SENDS_PER_DIRECTION) % 2 === 0 ? 1 : -1;
    let y = 0;
    if (bot.pending) {
      const code = (n % TAG_CODES) + 1;
      y = code / 1e6;
      const now = performance.now();
      while (bot.pending.length && (bot.pending.length >= MAX_PENDING || now - bot.pending[0].at > MAX_PENDING_MS)) bot.pending.shift();
      bot.pending.push({ code, at: now });
    }
    bot.client.send("input", { inputs: { move: { x, y } } });
  };
  // Spread the clients' send phases over one period.
  bot.timer = setTimeout(() => {
    tick();
    bot.timer = setInterval(tick, period);
  }, Math.random() * period);
}

async function joinJson(p: number, token: string, roomId: string): Promise<BenchClient> {
  const client = new JsonClient(cfg.ws, new Set(["playerAction"]));
  await (p === 0 ? client.join("create", "game_room", { token, fps: cfg.fps }) : client.join("joinById", roomId, { token }));
  return client;
}

async function joinRoom(r: number): Promise<void> {
  const members: BenchClient[] = [];
  try {
    let roomId = "";
    for (let p = 0; p < cfg.playersPerRoom; p++) {
      const userId = `${cfg.prefix}-r${r}-p${p}`;
      const token = cfg.jwtSecret ? signToken(userId, cfg.jwtSecret) : await devToken(cfg.http, userId);
      if (cfg.protocol === "json") {
        const client = await joinJson(p, token, roomId);
        roomId = client.reservation.roomId;
        members.push(client);
        continue;
      }
      const reservation = p === 0
        ? await reserveSeat(cfg.http, "create", "game_room", { token, fps: cfg.fps })
        : await reserveSeat(cfg.http, "joinById", roomId, { token });
      roomId = reservation.roomId;
      const client = new LeanClient(cfg.ws, new Set(["playerAction"]));
      await client.connect(reservation);
      members.push(client);
    }
  } catch (err) {
    failed += cfg.playersPerRoom - members.length;
    process.stderr.write(`room ${r}: ${(err as Error).message}\n`);
  }
  for (const client of members) {
    const index = bots.length;
    bots.push(makeBot(client, cfg.latencyEvery > 0 && index % cfg.latencyEvery === 0));
  }
}

async function joinAll(): Promise<void> {
  const started = performance.now();
  let next = 0;
  const deadline = Date.now() + cfg.joinTimeoutMs;
  const worker = async () => {
    while (next < cfg.rooms && Date.now() < deadline) await joinRoom(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, cfg.joinConcurrency) }, worker));
  if (cfg.sendHz > 0) for (const bot of bots) startSending(bot);
  send({ type: "ready", joined: bots.length, failed: failed + (cfg.rooms - next) * cfg.playersPerRoom, joinMs: Math.round(performance.now() - started) });
}

function mark(): void {
  markAt = performance.now();
  cpuAtMark = process.cpuUsage();
  countersAtMark = sums();
  latencies.length = 0;
  closedInWindow = 0;
  for (const b of bots) b.patchesAtMark = b.client.counters.patches;
}

function report() {
  const seconds = (performance.now() - markAt) / 1000;
  const now = sums();
  const cpu = process.cpuUsage(cpuAtMark);
  const patchCounts = bots.map((b) => b.client.counters.patches - b.patchesAtMark);
  const expected = cfg.fps * seconds;
  const open = bots.filter((b) => b.client.closedCode === undefined).length;
  return {
    clients: bots.length,
    open,
    closedInWindow,
    seconds: +seconds.toFixed(2),
    bytesDown: now.bytesDown - countersAtMark.bytesDown,
    bytesUp: now.bytesUp - countersAtMark.bytesUp,
    messagesDown: now.messagesDown - countersAtMark.messagesDown,
    messagesUp: now.messagesUp - countersAtMark.messagesUp,
    patchesExpectedPerClient: +expected.toFixed(1),
    patchesPerClient: {
      min: patchCounts.length ? Math.min(...patchCounts) : 0,
      p1: percentile(patchCounts, 1) ?? 0,
      p50: percentile(patchCounts, 50) ?? 0,
    },
    /** A client "falls behind" when it received under 90% of the window's patches (one per tick). */
    clientsBehind: patchCounts.filter((n) => n < expected * 0.9).length,
    latencyMs: summarize(latencies),
    loadGenCpuPerS: +((cpu.user + cpu.system) / 1e6 / seconds).toFixed(3),
  };
}

async function stop(): Promise<void> {
  stopping = true;
  for (const b of bots) {
    clearTimeout(b.timer);
    clearInterval(b.timer);
    b.client.leave();
  }
  await new Promise((r) => setTimeout(r, 300));
  for (const b of bots) b.client.drop();
  process.exit(0);
}

process.on("message", (msg: { type: string }) => {
  if (msg.type === "mark") {
    mark();
    send({ type: "marked" });
  } else if (msg.type === "report") {
    send({ type: "report", stats: report() });
  } else if (msg.type === "stop") {
    void stop();
  }
});
process.on("disconnect", () => void stop());
// Never outlive a run: the parent sets the bound.
setTimeout(() => void stop(), Number(process.env.BENCH_LOAD_MAX_MS ?? 900_000)).unref();

void joinAll().catch((err) => {
  process.stderr.write(`load generator failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
