/**
 * Redis going away mid-match (issue 7, contract §1 REDIS_URL): two real server processes
 * form a cluster on a redis-server of this test's own. The Redis is killed while a match
 * runs: the match keeps ticking and its players keep moving every frame, a player may
 * leave without taking the process down, joins fail at once with 503 naming Redis, and
 * /metrics shows the outage. Redis comes back empty (no persistence): without a restart
 * the processes reconnect, write their rooms back, and a new player joins the running
 * match through the other process.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Client, type Room } from "@colyseus/sdk";
import { signAccessToken } from "../../src/utils/auth.ts";
import { nextMessage } from "../support/helpers.ts";
import { Mover } from "../support/mover.ts";
import { RedisProcess, ServerProcess } from "../support/processes.ts";
import { skipWithoutRedisServer } from "../support/redis.ts";
import { settlesWithin, waitFor } from "../support/wait.ts";

const JWT_SECRET = "redis-outage-test-secret";
const skip = skipWithoutRedisServer();
const token = (userId: string) => signAccessToken({ userId, username: userId }, 3600, JWT_SECRET);

describe("a Redis outage mid-match", { skip }, () => {
  let redis: RedisProcess;
  let a: ServerProcess;
  let b: ServerProcess;
  const rooms: Room[] = [];
  let alice: Mover;
  let bob: Mover;
  let roomId: string;

  before(async () => {
    redis = await RedisProcess.start();
    const env = { REDIS_URL: redis.url, JWT_SECRET, MATCH_RECONNECT_WINDOW_MS: "5000", SHUTDOWN_DRAIN_MS: "0" };
    [a, b] = await Promise.all([ServerProcess.start(env), ServerProcess.start(env)]);

    const aliceRoom = await new Client(a.endpoint).create("game_room", { token: token("alice"), lockstep: true });
    rooms.push(aliceRoom);
    roomId = aliceRoom.roomId;
    alice = new Mover(aliceRoom);
    // Bob asks the other process: the cluster finds the room in Redis and seats him where it runs.
    const bobRoom = await new Client(b.endpoint).joinById(roomId, { token: token("bob") });
    rooms.push(bobRoom);
    bob = new Mover(bobRoom);
    await Promise.all([alice.started(), bob.started()]);
  });

  after(async () => {
    // leave() on a room that already left never settles: give each a moment only.
    await Promise.all(rooms.map((r) => settlesWithin(r.leave(), 2000)));
    await Promise.all([a?.kill(), b?.kill(), redis?.kill()]);
  });

  test("players keep playing through the outage, joins fail fast and clearly, and everything resumes when Redis returns", async () => {
    const carol = await new Client(a.endpoint).joinById(roomId, { token: token("carol") });
    rooms.push(carol);
    carol.onMessage("*", () => {});
    await nextMessage(carol, "frameSync");
    const startFrame = alice.lastFrame + 1;
    const errorsBefore = await a.metric("framesync_redis_errors_total", { op: "connection" });
    assert.equal(await a.metric("framesync_redis_up"), 1);

    // --- Redis dies ---
    await redis.down();
    await waitFor(async () => (await a.metric("framesync_redis_up")) === 0, { timeoutMs: 15_000, what: "A to notice the outage" });
    await waitFor(async () => (await b.metric("framesync_redis_up")) === 0, { timeoutMs: 15_000, what: "B to notice the outage" });

    // A player leaves mid-outage: Colyseus' un-awaited room-count write fails; the process stays.
    await carol.leave();
    rooms.splice(rooms.indexOf(carol), 1);
    const outageFrame = await alice.framesPass(40, 20_000);
    await bob.reached(outageFrame);
    alice.assertMovedEveryFrame(startFrame, outageFrame);
    bob.assertMovedEveryFrame(startFrame, outageFrame);
    assert.ok(a.running && b.running, "both processes are up");

    const health = await a.health();
    assert.equal(health.status, 200);
    assert.equal(health.body.redis, "down");

    // Matchmaking needs Redis: refused with 503 naming it, not left hanging.
    for (const [server, join] of [
      [a, (c: Client) => c.joinOrCreate("game_room", { token: token("dave") })],
      [b, (c: Client) => c.joinById(roomId, { token: token("erin") })],
    ] as const) {
      const err = await join(new Client(server.endpoint)).then(
        (room) => {
          rooms.push(room);
          return undefined;
        },
        (e: { code?: number; message?: string }) => e,
      );
      assert.ok(err, "a join during the outage was accepted");
      assert.equal(err.code, 503, err.message);
      assert.match(err.message ?? "", /Redis/);
    }
    assert.ok((await a.metric("framesync_redis_errors_total", { op: "connection" })) > errorsBefore);
    assert.ok((await a.metric("framesync_redis_errors_total", { op: "matchmake" })) >= 1);

    // --- Redis returns, empty ---
    await redis.up();
    await waitFor(async () => (await a.metric("framesync_redis_up")) === 1, { timeoutMs: 20_000, what: "A to reconnect" });
    await waitFor(async () => (await b.metric("framesync_redis_up")) === 1, { timeoutMs: 20_000, what: "B to reconnect" });

    // The running match is findable again through the other process, and new matches can be made.
    const frank = await waitFor(
      () => new Client(b.endpoint).joinById(roomId, { token: token("frank") }).catch(() => undefined),
      { timeoutMs: 20_000, what: "a join through B into the running room" },
    );
    rooms.push(frank);
    frank.onMessage("*", () => {});
    const frankSync = await nextMessage(frank, "frameSync");
    assert.ok(frankSync.currentFrame > outageFrame, "the room kept its frame count: it never restarted");
    const fresh = await new Client(a.endpoint).joinOrCreate("game_room", { token: token("gina") });
    rooms.push(fresh);
    fresh.onMessage("*", () => {});
    await nextMessage(fresh, "frameSync");

    const endFrame = await alice.framesPass(10);
    await bob.reached(endFrame);
    alice.assertMovedEveryFrame(startFrame, endFrame);
    bob.assertMovedEveryFrame(startFrame, endFrame);
    assert.ok(a.running && b.running, "both processes are up");
    assert.equal((await a.health()).body.redis, "up");
    // The logs said what happened, once, without stack traces.
    const logs = a.logs();
    assert.ok(logs.some((l) => /redis connection lost/.test(l.msg)), a.output());
    assert.ok(logs.some((l) => /redis connection restored/.test(l.msg)), a.output());
    assert.ok(logs.some((l) => /matchmaking state written back/.test(l.msg)), a.output());
    assert.ok(!/\n\s+at /.test(a.output()), "no stack trace in A's output");
  });
});
