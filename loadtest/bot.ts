/**
 * `npm run loadtest`: bots that get a dev token, join a game and play it (loadtest/bots.ts).
 *
 *   npm run loadtest -- --numClients 40                          # joinOrCreate game_room
 *   npm run loadtest -- --numClients 40 --room matchmaker_room   # queue, match:found, joinById
 *   npm run loadtest -- --numClients 40 --endpoint ws://127.0.0.1:2567 --playersPerMatch 4
 *   npm run loadtest -- --numClients 40 --duration 60 --headless # fixed run, JSON summary
 *
 * On a terminal it is @colyseus/loadtest's live screen (stop it with Ctrl-C; `--playSeconds`
 * makes each bot leave after that long). Without a terminal (CI, a pipe) or with `--headless`
 * it runs for `--duration` seconds (default 30), prints one line of JSON with the summary and
 * exits 1 when a bot failed (loadtest/headless.ts).
 *
 * `--room` defaults to game_room. Against a production server (no dev tokens) pass
 * `--token <jwt>` (`npm run token -- loadtest`): every bot then uses it with its own
 * `demoUserId`, which a production server ignores (so there one token is one player).
 */
import { parseArgs } from "node:util";
import { Bot, type BotOptions } from "./bots.ts";

const { values } = parseArgs({
  strict: false,
  options: {
    headless: { type: "boolean" },
    duration: { type: "string" },
    endpoint: { type: "string" },
    room: { type: "string" },
    roomId: { type: "string" },
    numClients: { type: "string" },
    delay: { type: "string" },
    playersPerMatch: { type: "string" },
    token: { type: "string" },
    playSeconds: { type: "string" },
  },
});
const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const num = (name: string, v: unknown, fallback: number) => {
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name} must be a non-negative number, got ${String(v)}`);
    process.exit(2);
  }
  return n;
};

const botOptions: BotOptions = {
  endpoint: str(values.endpoint) ?? "ws://localhost:2567",
  roomName: str(values.room) ?? (values.roomId ? undefined : "game_room"),
  roomId: str(values.roomId),
  playersPerMatch: num("playersPerMatch", values.playersPerMatch, 4),
  token: str(values.token),
  runId: Math.random().toString(36).slice(2, 8),
};

if (values.headless || !process.stdout.isTTY) {
  const { runHeadless } = await import("./headless.ts");
  const code = await runHeadless({
    ...botOptions,
    numClients: num("numClients", values.numClients, 1),
    delayMs: num("delay", values.delay, 0),
    durationS: num("duration", values.duration, 30),
  });
  process.exit(code);
} else {
  // @colyseus/loadtest reads its own flags (--numClients, --delay, ...) from argv.
  if (!process.argv.includes("--room") && !process.argv.includes("--roomId")) process.argv.push("--room", "game_room");
  const { cli } = await import("@colyseus/loadtest");
  const playMs = num("playSeconds", values.playSeconds, 0) * 1000;
  cli(async (options) => {
    const bot = new Bot(options.clientId, { ...botOptions, endpoint: options.endpoint, roomName: options.roomName, roomId: options.roomId }, {
      log: (line) => console.log(line),
      joined: () => {
        if (playMs > 0) setTimeout(() => void bot.stop(), playMs);
      },
      failed: (id, err) => console.error(`bot ${id}: ${err.message}`),
      message: () => {},
      latency: () => {},
      serverError: (id, err) => console.warn(`bot ${id} error`, err),
      left: (id, code) => console.log(`bot ${id} left (${code})`),
    });
    const { seated } = await bot.start();
    seated.catch((err: Error) => console.error(`bot ${options.clientId}: ${err.message}`));
  });
}
