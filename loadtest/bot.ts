/**
 * Bots for @colyseus/loadtest: each gets a dev token, joins a game and plays it —
 * a moving `input` at the room's fps (from its `frameSync`), with an occasional
 * attack and jump.
 *
 *   npm run loadtest -- --numClients 40                          # joinOrCreate game_room
 *   npm run loadtest -- --numClients 40 --room matchmaker_room   # queue, match:found, joinById
 *   npm run loadtest -- --numClients 40 --endpoint ws://127.0.0.1:2567 --playersPerMatch 4
 *
 * `--room` defaults to game_room. Against a production server (no dev tokens) pass
 * `--token <jwt>`: every bot then uses it with its own `demoUserId`, which a
 * production server ignores (so there one token is one player).
 */
import { cli, type Options } from "@colyseus/loadtest";
import { Client, type Room } from "@colyseus/sdk";

const argv = process.argv.slice(2);
if (!argv.includes("--room") && !argv.includes("--roomId")) process.argv.push("--room", "game_room");

const flag = (name: string) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
const PLAYERS_PER_MATCH = Number(flag("playersPerMatch") ?? 4);
const FIXED_TOKEN = flag("token");
/** A bot stops after this long (default: plays until the load test is stopped). */
const PLAY_MS = Number(flag("playSeconds") ?? 0) * 1000;
/** Sends per direction before the move flips, so a bot keeps moving inside the arena. */
const SENDS_PER_DIRECTION = 60;
const MATCH_TIMEOUT_MS = 60_000;

const runId = Math.random().toString(36).slice(2, 8);

function httpBase(endpoint: string): string {
  return endpoint.replace(/^ws/, "http").replace(/\/$/, "");
}

async function tokenFor(endpoint: string, userId: string): Promise<string> {
  if (FIXED_TOKEN) return FIXED_TOKEN;
  const res = await fetch(`${httpBase(endpoint)}/auth/dev-token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userId }),
  });
  if (!res.ok) throw new Error(`POST /auth/dev-token: HTTP ${res.status} (pass --token on a production server)`);
  return ((await res.json()) as { token: string }).token;
}

/** Resolves with the first `type` message (the handler is attached before any later message arrives). */
function first<T>(room: Room, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} within ${timeoutMs} ms`)), timeoutMs);
    room.onMessage(type, (msg: T) => {
      clearTimeout(timer);
      resolve(msg);
    });
  });
}

/**
 * Queues in the matchmaker and resolves once queued; `seated` then settles with the
 * game room it seats this bot in. (@colyseus/loadtest starts bots one after another,
 * awaiting each: a bot that waited here for its match would hold back the others.)
 */
async function queueInMatchmaker(client: Client, token: string, demoUserId: string | undefined): Promise<{ seated: Promise<Room> }> {
  const lobby = await client.joinOrCreate("matchmaker_room", { token, demoUserId });
  lobby.onMessage("*", () => {});
  lobby.onMessage("match:error", (err: unknown) => console.warn("match:error", err));
  const found = first<{ roomId: string; joinOptions: Record<string, unknown> }>(lobby, "match:found", MATCH_TIMEOUT_MS);
  const queued = first<{ queueKey: string }>(lobby, "match:queued", 10_000);
  lobby.send("match:find", { playersPerMatch: PLAYERS_PER_MATCH });
  await queued;
  const seated = found.then(async (match) => {
    const room = await client.joinById(match.roomId, { ...match.joinOptions, token, demoUserId });
    void lobby.leave(true).catch(() => {});
    return room;
  });
  return { seated };
}

function play(room: Room, fps: number, clientId: number): void {
  let n = 0;
  const timer = setInterval(() => {
    const direction = Math.floor(n / SENDS_PER_DIRECTION) % 2 === 0 ? 1 : -1;
    const inputs: Record<string, unknown> = { move: { x: direction, y: clientId % 2 === 0 ? 0.5 : -0.5 } };
    if (n % (fps * 3) === 0) inputs.attack = (n / (fps * 3)) % 2 === 0;
    if (n % (fps * 5) === fps) inputs.jump = true;
    room.send("input", { inputs });
    n++;
  }, 1000 / fps);
  room.onLeave((code: number) => {
    clearInterval(timer);
    console.log(`bot ${clientId} left (${code})`);
  });
  if (PLAY_MS > 0) setTimeout(() => void room.leave(true).catch(() => {}), PLAY_MS);
}

/** Attached in the microtask the join resolved in, before frameSync can arrive; then plays. */
async function enter(room: Room, clientId: number, userId: string): Promise<void> {
  const frameSync = first<{ targetFPS: number }>(room, "frameSync", 10_000);
  // Game messages this bot does not act on.
  for (const type of ["playerAction", "playerJoined", "playerLeft", "playerOffline", "playerOnline", "chat", "reconnect:ok", "lockstepFrame"]) room.onMessage(type, () => {});
  room.onMessage("error", (err: unknown) => console.warn(`bot ${clientId} error`, err));
  const { targetFPS } = await frameSync;
  console.log(`bot ${clientId} (${userId}) playing in ${room.roomId} at ${targetFPS} fps`);
  play(room, targetFPS, clientId);
}

async function main(options: Options): Promise<void> {
  const userId = `bot-${runId}-${options.clientId}`;
  const client = new Client(options.endpoint);
  const token = await tokenFor(options.endpoint, userId);
  const demoUserId = FIXED_TOKEN ? userId : undefined;

  if (options.roomName === "matchmaker_room") {
    const { seated } = await queueInMatchmaker(client, token, demoUserId);
    seated.then((room) => enter(room, options.clientId, userId)).catch((err: Error) => console.error(`bot ${options.clientId}: ${err.message}`));
    return;
  }
  const room = options.roomId
    ? await client.joinById(options.roomId, { token, demoUserId })
    : await client.joinOrCreate(options.roomName, { token, demoUserId });
  await enter(room, options.clientId, userId);
}

cli(main);
