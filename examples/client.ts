/**
 * A minimal @colyseus/sdk 0.18 client for game_room: gets a dev token, joins, listens to
 * Schema state and events the 0.18 way, and walks in a square. Fully typed from the
 * server's own definitions (`Client<GameServer>`): room names, join options, state,
 * and every message each way are checked by the compiler, with no casts and no `any`.
 * The README quotes it.
 *
 *   npm run example:client -- [endpoint] [userId]     (endpoint defaults to http://localhost:2567)
 */
import { Callbacks, Client, type Room } from "@colyseus/sdk";
// A type-only import: nothing of the server is bundled into a client.
import type { GameServer } from "../src/app.config.ts";

export interface ExampleOptions {
  endpoint: string;
  userId: string;
  /** Stop after this many ms (omit to play until Ctrl-C). */
  durationMs?: number;
  log?: (line: string) => void;
}

/** What `POST /auth/dev-token` answers (contract §2). */
interface DevToken {
  token: string;
  userId: string;
  expiresIn: number;
}

export async function playExample({ endpoint, userId, durationMs, log = console.log }: ExampleOptions): Promise<Room> {
  // 1. A token: in development the server mints one; in production your auth service does.
  const http = endpoint.replace(/^ws/, "http");
  const res = await fetch(`${http}/auth/dev-token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userId }),
  });
  const { token } = (await res.json()) as DevToken;

  // 2. Join. (From the matchmaker you would call client.joinById(roomId, { ...joinOptions, token }).)
  const client = new Client<GameServer>(endpoint);
  const room = await client.joinOrCreate("game_room", { token });

  // 3. Events, typed by the room: frameSync carries what to persist for reconnection path 2.
  room.onMessage("frameSync", (m) => log(`frameSync frame=${m.currentFrame} fps=${m.targetFPS} matchId=${m.matchId}`));
  room.onMessage("playerAction", (m) => {
    if (m.action !== "move") log(`playerAction ${m.sessionId} ${m.action} ${JSON.stringify(m.data)}`);
  });
  room.onMessage("playerJoined", (m) => log(`playerJoined ${m.userId} (${m.playerCount} players)`));
  room.onMessage("playerLeft", (m) => log(`playerLeft ${m.userId}`));
  room.onMessage("error", (m) => log(`error ${m.code}: ${m.message}`));

  // 4. Schema state, 0.18 style: Callbacks.get(room), then onAdd / listen.
  const $ = Callbacks.get(room);
  $.onAdd("players", (player, sessionId) => {
    log(`player ${player.userId} at ${player.x},${player.y}${sessionId === room.sessionId ? " (me)" : ""}`);
    let changes = 0;
    $.listen(player, "x", (x) => {
      if (sessionId === room.sessionId && changes++ % 10 === 0) log(`me x=${x} y=${player.y}`);
    });
  });

  // 5. Input once per tick (20 fps): walk a square, jump at each corner.
  const square = [
    { x: 1, y: 0 },
    { x: 0, y: 1 },
    { x: -1, y: 0 },
    { x: 0, y: -1 },
  ];
  let tick = 0;
  const timer = setInterval(() => {
    const side = Math.floor(tick / 20) % 4;
    room.send("input", { inputs: { move: square[side], jump: tick % 20 === 0 } });
    tick++;
  }, 50);
  room.onLeave(() => clearInterval(timer));

  if (durationMs !== undefined) {
    setTimeout(() => void room.leave(), durationMs);
  }
  return room;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [endpoint = "http://localhost:2567", userId = `player-${process.pid}`] = process.argv.slice(2);
  let room: Room;
  try {
    room = await playExample({ endpoint, userId });
  } catch (err) {
    // A refused join (MatchMakeError: code and message from the server) or no server: one line, exit 1.
    const { code, message } = err as { code?: number; message?: string };
    console.error(`could not join ${endpoint} as ${userId}: ${message ?? String(err)}${code ? ` (${code})` : ""}`);
    if (code === 403) console.error("a seat held after a dropped connection is reclaimed with its reconnectKey (docs/reconnection.md); or wait for the hold to end, or play as another userId");
    process.exit(1);
  }
  // Ctrl-C leaves the room (a consented leave: the seat is given up) instead of dropping the
  // connection, which the server would hold the seat for, refusing this userId a fresh join.
  const leave = () => void room.leave().finally(() => process.exit(0));
  process.once("SIGINT", leave);
  process.once("SIGTERM", leave);
}
