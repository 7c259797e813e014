/**
 * Reconnection with REDIS_URL (contract §3): the same paths as reconnection.test.ts on
 * RedisPresence + RedisDriver, with the reconnect records checked in Redis itself:
 * present with a TTL of at most the window while a seat is held, gone once it is
 * reclaimed or expires. Uses database 11 and deletes only the keys of its own users.
 * Without a reachable Redis the suite is skipped, except under CI=true where it fails.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { metrics } from "../../src/utils/metrics.ts";
import { ReconnectStore, reconnectRecordKey, type ReconnectRecord } from "../../src/reconnection/reconnectStore.ts";
import { closeAllRedis, redisOptions } from "../../src/utils/redis.ts";
import { startServer, waitFor, type TestServer } from "../support/helpers.ts";
import { reconnectionSuite } from "../support/reconnection-paths.ts";
import { TEST_REDIS_DB, TEST_REDIS_HOST, TEST_REDIS_PORT, skipWithoutRedis, testRedisUrl } from "../support/redis.ts";
import { freePort } from "../support/processes.ts";

const REDIS_URL = testRedisUrl(TEST_REDIS_DB.reconnection);
const WINDOW_MS = 6000;
/** User ids unique to this run: the database outlives the process and may be shared. */
const RUN = `rc${process.pid}t${Date.now().toString(36)}`;



/** Starts forwarding `port` to the real Redis: Redis "comes back" on that address. */
async function forwardToRedis(port: number): Promise<() => Promise<void>> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(TEST_REDIS_PORT, TEST_REDIS_HOST);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on("error", () => s.destroy()).on("close", () => sockets.delete(s));
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
}

async function redisErrors(op: string): Promise<number> {
  return (await metrics.redisErrors.get()).values.find((v) => v.labels.op === op)?.value ?? 0;
}

const skip = await skipWithoutRedis(REDIS_URL);

describe("reconnection with records in Redis", { skip }, () => {
  let server: TestServer;
  let redis: Redis;

  before(async () => {
    redis = new Redis(REDIS_URL);
    server = await startServer({ REDIS_URL, MATCH_RECONNECT_WINDOW_MS: String(WINDOW_MS) });
  });

  after(async () => {
    await server?.close();
    await closeAllRedis();
    if (redis) {
      const ours = await redis.keys(reconnectRecordKey("*", `${RUN}-*`));
      if (ours.length > 0) await redis.del(...ours);
      await redis.quit();
    }
  });

  reconnectionSuite({
    server: () => server,
    windowMs: WINDOW_MS,
    user: (name) => `${RUN}-${name}`,
    probe: {
      async expectHeld(matchId, userId, expected, windowMs) {
        const key = reconnectRecordKey(matchId, userId);
        const [raw, ttl] = await Promise.all([redis.get(key), redis.pttl(key)]);
        assert.ok(raw, `${key} exists in Redis`);
        const record = JSON.parse(raw);
        assert.equal(record.roomId, expected.roomId);
        assert.equal(record.seatIndex, expected.seatIndex);
        assert.equal(record.reconnectKey, expected.reconnectKey);
        assert.equal(record.userId, userId);
        assert.equal(record.matchId, matchId);
        assert.ok(ttl > 0 && ttl <= windowMs, `${key} PTTL ${ttl} ms (window ${windowMs} ms)`);
      },
      async expectGone(matchId, userId) {
        const key = reconnectRecordKey(matchId, userId);
        await waitFor(async () => (await redis.exists(key)) === 0, { timeoutMs: 5000, what: `${key} deleted from Redis` });
      },
    },
  });
  test("a seat held while Redis was down is written to Redis when it comes back, and one released meanwhile is deleted", async () => {
    const port = await freePort();
    const client = new Redis(`redis://127.0.0.1:${port}/11`, redisOptions());
    client.on("error", () => {}); // refused connections until Redis "comes back"
    let stopForwarding: (() => Promise<void>) | undefined;
    try {
      const store = new ReconnectStore(client);
      const record = (name: string): ReconnectRecord => ({
        roomId: "room-outage",
        matchId: "none",
        userId: `${RUN}-${name}`,
        sessionId: `s-${name}`,
        seatIndex: 0,
        reconnectKey: `k-${name}`,
        expiresAt: Date.now() + 15_000,
      });
      const held = record("held-during-outage");
      const released = record("released-during-outage");
      // `released` was written to Redis before the outage began.
      await redis.set(reconnectRecordKey("none", released.userId), JSON.stringify(released), "PX", 15_000);

      const errors = await redisErrors("reconnect.hold");
      await store.hold(held, 15_000);
      await store.hold(released, 15_000);
      await store.release("none", released.userId);
      assert.equal(await redisErrors("reconnect.hold"), errors + 2, "both failed writes counted");
      assert.equal(store.localSize, 1, "the in-process record holds the seat");
      assert.equal(await redis.exists(reconnectRecordKey("none", held.userId)), 0);

      stopForwarding = await forwardToRedis(port);
      const key = reconnectRecordKey("none", held.userId);
      await waitFor(async () => (await redis.exists(key)) === 1, { timeoutMs: 15_000, what: "the held record written after the outage" });
      const ttl = await redis.pttl(key);
      assert.ok(ttl > 0 && ttl <= held.expiresAt - Date.now() + 50, `PTTL ${ttl} ms is what was left of the window`);
      assert.equal(JSON.parse((await redis.get(key))!).reconnectKey, held.reconnectKey);
      await waitFor(async () => (await redis.exists(reconnectRecordKey("none", released.userId))) === 0, { timeoutMs: 15_000, what: "the released record deleted after the outage" });
    } finally {
      client.disconnect();
      await stopForwarding?.();
    }
  });
});
