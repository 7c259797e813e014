/**
 * Reconnection without Redis (contract §3): every path on the embedded default, where
 * reconnect records live in process memory. Plus what happens when the configured
 * Redis is unreachable at the moment a seat is held.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Room } from "@colyseus/sdk";
import { metrics } from "../../src/utils/metrics.ts";
import { ReconnectStore, initReconnectStore, reconnectStore, type ReconnectRecord } from "../../src/reconnection/reconnectStore.ts";
import { Redis } from "ioredis";
import { redisOptions } from "../../src/utils/redis.ts";
import { NetProxy, nextMessage, playerIn, sdk, startServer, tokenFor, waitFor, type TestServer } from "../support/helpers.ts";
import { freePort } from "../support/processes.ts";
import { leaveQuietly, reconnectionSuite } from "../support/reconnection-paths.ts";

const WINDOW_MS = 6000;
let server: TestServer;

before(async () => {
  server = await startServer({ MATCH_RECONNECT_WINDOW_MS: String(WINDOW_MS) });
});
after(() => server.close());

describe("reconnection with records in process memory", () => {
  reconnectionSuite({
    server: () => server,
    windowMs: WINDOW_MS,
    user: (name) => name,
    probe: {
      async expectHeld(matchId, userId, expected, windowMs) {
        const record = await reconnectStore().get(matchId, userId);
        assert.ok(record, `a record for ${matchId}/${userId}`);
        assert.equal(record.roomId, expected.roomId);
        assert.equal(record.seatIndex, expected.seatIndex);
        assert.equal(record.reconnectKey, expected.reconnectKey);
        const leftMs = record.expiresAt - Date.now();
        assert.ok(leftMs > 0 && leftMs <= windowMs, `record expires in ${leftMs} ms (window ${windowMs} ms)`);
      },
      async expectGone(matchId, userId) {
        await waitFor(async () => (await reconnectStore().get(matchId, userId)) === undefined, { timeoutMs: 5000, what: `record of ${userId} deleted` });
      },
    },
  });
});

/**
 * A real ioredis client, with the server's options, to a port where nothing listens.
 * Made outside redis.ts on purpose: that module's clients decide whether the whole
 * server reports Redis as down, and only the reconnect store is meant to be cut off here.
 */
async function unreachableRedis(): Promise<Redis> {
  const redis = new Redis(`redis://127.0.0.1:${await freePort()}/11`, redisOptions());
  redis.on("error", () => {}); // connection errors are the point of the test
  return redis;
}

async function redisErrors(op: string): Promise<number> {
  return (await metrics.redisErrors.get()).values.find((v) => v.labels.op === op)?.value ?? 0;
}

describe("when Redis is unreachable at the moment a seat is held", () => {
  test("the store's hold() resolves, keeps the in-process record, and counts the failure", async () => {
    const redis = await unreachableRedis();
    try {
      const store = new ReconnectStore(redis);
      const record: ReconnectRecord = {
        roomId: "room-x",
        matchId: "m-outage",
        userId: "u-outage",
        sessionId: "s-1",
        seatIndex: 0,
        reconnectKey: "k-1",
        expiresAt: Date.now() + 5000,
      };
      const holdErrors = await redisErrors("reconnect.hold");
      const t0 = Date.now();
      await store.hold(record, 5000); // resolves: never rejects into its caller
      assert.ok(Date.now() - t0 < 5000, "hold() gave up on Redis quickly");
      assert.equal(await redisErrors("reconnect.hold"), holdErrors + 1);
      assert.deepEqual(await store.get("m-outage", "u-outage"), record);
      assert.equal(store.localSize, 1);

      const releaseErrors = await redisErrors("reconnect.release");
      await store.release("m-outage", "u-outage");
      assert.equal(await redisErrors("reconnect.release"), releaseErrors + 1);
      assert.equal(store.localSize, 0);
      assert.equal(await store.get("m-outage", "u-outage"), undefined);
    } finally {
      redis.disconnect();
    }
  });

  test("a dropped player's seat is still held and reclaimed by key, and the room keeps ticking", async () => {
    const redis = await unreachableRedis();
    initReconnectStore(redis); // rooms of this server now write records to a Redis that is not there
    const proxy = await new NetProxy(server.port).start();
    const rooms: Room[] = [];
    try {
      const alice = await sdk(server.endpoint).create("game_room", { token: tokenFor("olga", server.cfg) });
      rooms.push(alice);
      await nextMessage(alice, "frameSync");
      const bob = await sdk(proxy.endpoint).joinById(alice.roomId, { token: tokenFor("oscar", server.cfg) });
      rooms.push(bob);
      bob.reconnection.enabled = false;
      const bobSync = await nextMessage(bob, "frameSync");
      await waitFor(() => playerIn(alice, bob.sessionId), { timeoutMs: 5000, what: "oscar in state" });

      const holdErrors = await redisErrors("reconnect.hold");
      const offline = nextMessage(alice, "playerOffline");
      proxy.cut();
      await offline;
      await waitFor(async () => (await redisErrors("reconnect.hold")) > holdErrors, { timeoutMs: 5000, what: "the failed Redis write counted" });
      const record = await reconnectStore().get("none", "oscar");
      assert.equal(record?.reconnectKey, bobSync.reconnectKey, "the in-process record holds the seat");
      const frame = (alice.state as any).frame;
      await waitFor(() => (alice.state as any).frame >= frame + 5, { timeoutMs: 5000, what: "frames keep advancing" });

      const back = await sdk(server.endpoint).joinById(alice.roomId, { token: tokenFor("oscar", server.cfg), matchId: "none", reconnectKey: bobSync.reconnectKey });
      rooms.push(back);
      const ok = await nextMessage(back, "reconnect:ok");
      assert.equal(ok.sessionId, back.sessionId);
      await waitFor(() => playerIn(alice, back.sessionId)?.online === true, { timeoutMs: 5000, what: "oscar back" });
      await waitFor(() => reconnectStore().localSize === 0, { timeoutMs: 5000, what: "record released" });
    } finally {
      for (const room of rooms) await leaveQuietly(room);
      await proxy.close();
      initReconnectStore(undefined);
      redis.disconnect();
    }
  });
});
