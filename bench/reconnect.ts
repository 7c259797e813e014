/**
 * Reconnect benchmark client process (bench only), real @colyseus/sdk 0.18 clients.
 * For each trial a player joins through a cuttable relay, plays a frame, and its
 * connection is cut (no close frame). Once the server has marked it offline (the
 * observer in the same room receives `playerOffline`), the clock starts and the
 * player comes back by one of the two contract paths:
 *   - sdk: `client.reconnect(room.reconnectionToken)`
 *   - key: `client.joinById(roomId, { token, matchId, reconnectKey })`
 * and stops at its `reconnect:ok`. So each figure spans the whole reopen: the
 * matchmake HTTP request, the WebSocket handshake, the JOIN exchange and the
 * server's seat recovery (Redis record release included when REDIS_URL is set).
 * Prints one JSON line on stdout.
 */
import { Client, type Room } from "@colyseus/sdk";
import { CuttableRelay } from "./lib/proxy.ts";
import { summarize } from "./lib/stats.ts";
import { devToken } from "./lib/wire.ts";

interface ReconnectConfig {
  http: string;
  ws: string;
  port: number;
  trials: number;
}

const cfg = JSON.parse(process.env.BENCH_RECONNECT ?? "{}") as ReconnectConfig;
const TRIAL_TIMEOUT_MS = 5000;

function next<T = any>(room: Room, type: string, match: (m: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${type}`));
    }, TRIAL_TIMEOUT_MS);
    const off = room.onMessage(type, (m: T) => {
      if (!match(m)) return;
      clearTimeout(timer);
      off();
      resolve(m);
    });
  });
}

async function runPath(path: "sdk" | "key", relay: CuttableRelay): Promise<number[]> {
  const samples: number[] = [];
  const observerToken = await devToken(cfg.http, `observer-${path}`);
  const observer = await new Client(cfg.ws).create("game_room", { token: observerToken });
  await next(observer, "frameSync").catch(() => undefined);
  observer.onMessage("*", () => {});
  try {
    for (let i = 0; i < cfg.trials; i++) {
      const userId = `reconnect-${path}-${i}`;
      const token = await devToken(cfg.http, userId);
      const viaRelay = new Client(`ws://127.0.0.1:${relay.port}`);
      const room = await viaRelay.joinById(observer.roomId, { token });
      room.reconnection.enabled = false;
      const frameSync = await next<{ matchId: string; reconnectKey: string }>(room, "frameSync");
      room.onMessage("*", () => {});
      const offline = next(observer, "playerOffline", (m: { sessionId: string }) => m.sessionId === room.sessionId);
      relay.cut();
      await offline;

      const direct = new Client(cfg.ws);
      const t0 = performance.now();
      const back = path === "sdk"
        ? await direct.reconnect(room.reconnectionToken)
        : await direct.joinById(observer.roomId, { token, matchId: frameSync.matchId, reconnectKey: frameSync.reconnectKey });
      await next(back, "reconnect:ok");
      samples.push(performance.now() - t0);
      back.onMessage("*", () => {});
      await back.leave(true);
    }
  } finally {
    await observer.leave(true).catch(() => undefined);
  }
  return samples;
}

async function main(): Promise<void> {
  const relay = await new CuttableRelay(cfg.port).start();
  try {
    const sdk = await runPath("sdk", relay);
    const key = await runPath("key", relay);
    process.stdout.write(`${JSON.stringify({ sdk: summarize(sdk), key: summarize(key) })}\n`);
  } finally {
    await relay.close();
  }
  process.exit(0);
}

setTimeout(() => {
  process.stderr.write("reconnect bench timed out\n");
  process.exit(1);
}, 120_000).unref();

main().catch((err) => {
  process.stderr.write(`reconnect bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
