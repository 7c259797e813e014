/**
 * Replays in a two-process cluster (contract §7): two real server processes share Redis
 * database 13; a replay recorded by whichever process hosts the room is stored under
 * `mm:replay:{roomId}` with TTL REPLAY_TTL_S and served and listed by both.
 * Without Redis the suite is skipped, except under CI=true, where it fails.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Client } from "@colyseus/sdk";
import { Redis } from "ioredis";
import { checkReplay, type Replay } from "../../src/game/replay.ts";
import { REPLAY_INDEX_KEY, replayKey } from "../../src/replays/store.ts";
import { nextMessage } from "../support/helpers.ts";
import { ServerProcess } from "../support/processes.ts";
import { TEST_REDIS_DB, skipWithoutRedis, testRedisUrl } from "../support/redis.ts";
import { waitFor } from "../support/wait.ts";

/** This test file's database alone: it is flushed before and after. */
const REDIS_URL = testRedisUrl(TEST_REDIS_DB.replays);
const REPLAY_TTL_S = 600;
const skip = await skipWithoutRedis(REDIS_URL);

/** `node --import tsx src/index.ts` as a cluster member on a free port. */
function startProcess(): Promise<ServerProcess> {
  return ServerProcess.start({ NODE_ENV: "development", REDIS_URL, REPLAY_TTL_S: String(REPLAY_TTL_S), LOG_LEVEL: "warn", SHUTDOWN_DRAIN_MS: "0" });
}

describe("replays in a two-process cluster sharing Redis", { skip }, () => {
  let redis: Redis;
  let a: ServerProcess;
  let b: ServerProcess;
  /** One recorded match per process: [room id, the user who played it, the process it was played through]. */
  let recorded: Array<[string, string, ServerProcess]>;

  before(async () => {
    redis = new Redis(REDIS_URL);
    await redis.flushdb();
    [a, b] = await Promise.all([startProcess(), startProcess()]);
    recorded = [
      [await recordMatch(a, "cluster-alice"), "cluster-alice", a],
      [await recordMatch(b, "cluster-bob"), "cluster-bob", b],
    ];
  });

  after(async () => {
    await Promise.all([a, b].map((p) => p?.stop(10_000)));
    if (redis) {
      await redis.flushdb().catch(() => {});
      redis.disconnect();
    }
  });

  async function devToken(proc: ServerProcess, userId: string): Promise<string> {
    const res = await fetch(proc.url("/auth/dev-token"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userId }),
    });
    assert.equal(res.status, 200);
    return ((await res.json()) as { token: string }).token;
  }

  /** Plays a short recorded match through `proc`'s endpoint and returns its room id. */
  async function recordMatch(proc: ServerProcess, userId: string): Promise<string> {
    const room = await new Client(`ws://127.0.0.1:${proc.port}`).create("game_room", { token: await devToken(proc, userId), recordFrames: true, fps: 30 });
    await nextMessage(room, "frameSync");
    // One input per frame: wait for the frame to move on before sending the next.
    for (let i = 0; i < 8; i++) {
      const frame = (room.state as any).frame;
      room.send("input", { inputs: { move: { x: 1, y: -0.25 }, attack: i % 2 === 0 } });
      await waitFor(() => (room.state as any).frame > frame, { timeoutMs: 5_000, what: `frame ${frame + 1}` });
    }
    await waitFor(() => (room.state as any).frame > 20, { timeoutMs: 10_000, what: "frames" });
    await room.leave();
    return room.roomId;
  }

  async function replayFrom(proc: ServerProcess, roomId: string): Promise<string> {
    return waitFor(async () => {
      const res = await fetch(proc.url(`/replays/${roomId}`));
      return res.status === 200 ? res.text() : undefined;
    }, { timeoutMs: 15_000, what: `replay ${roomId} from port ${proc.port}` });
  }

  test("a replay recorded through either process is stored in Redis with its TTL and served by both", async () => {
    for (const [roomId, name] of recorded) {
      const fromA = await replayFrom(a, roomId);
      const fromB = await replayFrom(b, roomId);
      assert.equal(fromA, fromB, "both processes serve the same replay");

      // It lives in Redis under the contract's key, with the configured TTL.
      assert.equal(await redis.get(replayKey(roomId)), fromA);
      const ttl = await redis.ttl(replayKey(roomId));
      assert.ok(ttl > 0 && ttl <= REPLAY_TTL_S, `TTL ${ttl} s`);

      const replay = JSON.parse(fromA) as Replay;
      assert.equal(replay.roomId, roomId);
      assert.equal(replay.players[0]!.userId, name);
      const check = checkReplay(replay);
      assert.ok(check.ok, check.mismatches.join("; "));
      assert.ok(replay.frames.some((f) => f.inputs.length > 0), "the inputs were recorded");
    }
  });

  test("both processes list the cluster's replays, newest first, and answer 404 for unknown ones", async () => {
    for (const [roomId] of recorded) await replayFrom(a, roomId);
    const members = await redis.zrevrange(REPLAY_INDEX_KEY, 0, -1);
    assert.deepEqual(members.map((m) => JSON.parse(m).roomId).sort(), recorded.map(([roomId]) => roomId).sort());
    const lists = await Promise.all([a, b].map(async (p) => (await fetch(p.url("/replays"))).json()));
    assert.deepEqual(lists[0], lists[1]);
    const rows = lists[0] as Array<{ roomId: string; frameCount: number; endedAt: number }>;
    assert.deepEqual(rows.map((r) => r.roomId), members.map((m) => JSON.parse(m).roomId));
    assert.ok(rows[0]!.endedAt >= rows[1]!.endedAt);
    assert.ok(rows.every((r) => r.frameCount > 20));
    for (const p of [a, b]) assert.equal((await fetch(p.url("/replays/nosuchroom"))).status, 404);
  });
});
