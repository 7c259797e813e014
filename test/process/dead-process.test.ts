/**
 * A room on a process that is gone (contract §8): two real server processes on a
 * redis-server of this test's own; one is killed with SIGKILL while it holds a room.
 * `joinById` for that room through the survivor answers 404 at once (Colyseus alone waits
 * for its IPC timeout and a health check, then answers 523), the dead process's rooms
 * leave the cluster's listing, and players on the survivor keep playing every frame.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Client, type Room } from "@colyseus/sdk";
import { Redis } from "ioredis";
import { signAccessToken } from "../../src/utils/auth.ts";
import { waitFor } from "../support/helpers.ts";
import { Bystanders } from "../support/bystanders.ts";
import { RedisProcess, ServerProcess } from "../support/processes.ts";
import { skipWithoutRedisServer } from "../support/redis.ts";
import { elapse, settlesWithin } from "../support/wait.ts";

const JWT_SECRET = "dead-process-test-secret";
const skip = skipWithoutRedisServer();
const token = (userId: string) => signAccessToken({ userId, username: userId }, 3600, JWT_SECRET);
/** Well under Colyseus' own answer (2 s IPC timeout + 2 s health check), with room for a loaded machine. */
const FAST_MS = 1_500;

async function gameRooms(server: ServerProcess): Promise<number> {
  return server.metric("framesync_rooms", { room: "game_room" });
}

async function refusal(join: Promise<Room>): Promise<{ code: number; message: string; ms: number }> {
  const started = performance.now();
  try {
    const room = await join;
    await room.leave().catch(() => {});
  } catch (err) {
    const e = err as { code: number; message: string };
    return { code: e.code, message: e.message, ms: Math.round(performance.now() - started) };
  }
  throw new Error("the join was accepted");
}

describe("a room whose process was killed", { skip }, () => {
  let redis: RedisProcess;
  let servers: ServerProcess[];
  let bystanders: Bystanders;
  let survivor: ServerProcess;
  let victim: ServerProcess;
  let doomedRoomIds: string[] = [];
  const doomed: Room[] = [];

  before(async () => {
    redis = await RedisProcess.start();
    const env = { REDIS_URL: redis.url, JWT_SECRET, SHUTDOWN_DRAIN_MS: "0" };
    servers = await Promise.all([ServerProcess.start(env), ServerProcess.start(env)]);
    bystanders = await Bystanders.start(servers[0].endpoint, token);
    // The bystanders' room lives on one process: that one survives.
    const [a, b] = servers;
    survivor = (await gameRooms(a)) === 1 ? a : b;
    victim = survivor === a ? b : a;
    // Rooms go to the process with the fewest (its count is published about once a second): make some until the victim holds two.
    for (let i = 0; i < 20 && (await gameRooms(victim)) < 2; i++) {
      const room = await new Client(survivor.endpoint).create("game_room", { token: token(`doomed-${i}`) });
      room.onMessage("*", () => {});
      doomed.push(room);
      await elapse(300); // placement reads the published counts, which change about once a second: give them time
    }
    assert.equal(await gameRooms(victim), 2, "the victim process holds two rooms");
    const onVictim = await waitFor(async () => {
      const ids = await Promise.all(doomed.map(async (r) => ((await listing(r.roomId))?.processId === (await processIdOf(victim)) ? r.roomId : undefined)));
      const found = ids.filter((id): id is string => Boolean(id));
      return found.length === 2 ? found : undefined;
    }, { timeoutMs: 5_000, what: "the victim's rooms in the listing" });
    doomedRoomIds = onVictim;
  });

  after(async () => {
    await bystanders?.leave();
    await Promise.all(doomed.map((r) => settlesWithin(r.leave(), 1000)));
    await Promise.all([...(servers ?? []).map((s) => s.kill()), redis?.kill()]);
  });

  async function processIdOf(server: ServerProcess): Promise<string> {
    return (await server.health()).body.processId;
  }

  async function listing(roomId: string): Promise<{ processId: string } | undefined> {
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      const raw = await client.hget("roomcaches", roomId);
      return raw ? JSON.parse(raw) : undefined;
    } finally {
      client.disconnect();
    }
  }

  test("joinById answers 404 at once, the dead process's rooms leave the listing, and the survivor's players keep playing", async (t) => {
    const mark = bystanders.mark();
    await victim.kill();

    const first = await refusal(new Client(survivor.endpoint).joinById(doomedRoomIds[0], { token: token("late-1") }));
    assert.equal(first.code, 404, `first joinById: ${first.code} ${first.message} (${first.ms} ms)`);
    assert.ok(first.ms < FAST_MS, `first joinById answered in ${first.ms} ms`);
    const second = await refusal(new Client(survivor.endpoint).joinById(doomedRoomIds[1], { token: token("late-2") }));
    assert.equal(second.code, 404, `second joinById: ${second.code} ${second.message} (${second.ms} ms)`);
    assert.ok(second.ms < FAST_MS, `second joinById answered in ${second.ms} ms`);

    const cleanStart = performance.now();
    await waitFor(async () => !(await listing(doomedRoomIds[0])) && !(await listing(doomedRoomIds[1])), { timeoutMs: 10_000, what: "the dead process's rooms to leave the listing" });
    const cleanMs = Math.round(performance.now() - cleanStart);

    // The cluster still makes rooms: a new player is seated on the survivor.
    const fresh = await new Client(survivor.endpoint).joinOrCreate("game_room", { token: token("after-crash"), playersPerMatch: 2 });
    fresh.onMessage("*", () => {});
    await fresh.leave();

    const kept = await bystanders.assertKeptPlaying(mark);
    assert.ok(survivor.running, "the survivor is still running");
    t.diagnostic(
      `joinById after kill -9: ${first.code} in ${first.ms} ms, then ${second.code} in ${second.ms} ms; listing clean ${cleanMs} ms after; bystanders ${kept.frames} frames in ${kept.seconds} s (${kept.fps} fps)`,
    );
  });
});
