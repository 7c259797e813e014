/**
 * Replays in a two-process cluster (contract §7): two real server processes share Redis
 * database 13; a replay recorded by whichever process hosts the room is stored under
 * `mm:replay:{roomId}` with TTL REPLAY_TTL_S and served and listed by both.
 * Without Redis the suite is skipped, except under CI=true, where it fails.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Client } from "@colyseus/sdk";
import { Redis } from "ioredis";
import { checkReplay, type Replay } from "../../src/game/replay.ts";
import { REPLAY_INDEX_KEY, replayKey } from "../../src/replays/store.ts";
import { nextMessage, sleep, waitFor } from "../support/helpers.ts";
import { freePort } from "../support/processes.ts";
import { redisReachable, testRedisUrl } from "../support/redis.ts";

/** Database 13 belongs to this test file alone: it is flushed before and after. */
const REDIS_URL = testRedisUrl(13);
const REPLAY_TTL_S = 600;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");


const redisUp = await redisReachable(REDIS_URL);
const required = process.env.CI === "true";

test("Redis for the cluster test is reachable (required under CI=true)", { skip: !redisUp && !required && `no Redis at ${REDIS_URL}` }, () => {
  assert.ok(redisUp, `Redis at ${REDIS_URL} is required when CI=true`);
});


interface Proc {
  port: number;
  child: ChildProcess;
  output: () => string;
  url: (p: string) => string;
}

const children: ChildProcess[] = [];

/** Starts `node --import tsx src/index.ts` as a cluster member on a free port. */
async function startProcess(): Promise<Proc> {
  const port = await freePort();
  const child = spawn(path.join(root, "node_modules/.bin/node"), ["--import", "tsx", "src/index.ts"], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: "development",
      PORT: String(port),
      HOST: "127.0.0.1",
      REDIS_URL,
      PUBLIC_ADDRESS: `127.0.0.1:${port}`,
      REPLAY_TTL_S: String(REPLAY_TTL_S),
      LOG_LEVEL: "warn",
      SHUTDOWN_DRAIN_MS: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const url = (p: string) => `http://127.0.0.1:${port}${p}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
      return fetch(url("/health")).then((r) => r.ok, () => false);
    },
    60_000,
    `process on port ${port} to answer /health`,
  );
  return { port, child, output: () => output, url };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

describe("replays in a two-process cluster sharing Redis", { skip: !redisUp && "no Redis" }, () => {
  let redis: Redis;
  let a: Proc;
  let b: Proc;

  before(async () => {
    redis = new Redis(REDIS_URL);
    await redis.flushdb();
    [a, b] = await Promise.all([startProcess(), startProcess()]);
  });

  after(async () => {
    await Promise.all(children.map(stop));
    if (redis) {
      await redis.flushdb().catch(() => {});
      redis.disconnect();
    }
  });

  async function devToken(proc: Proc, userId: string): Promise<string> {
    const res = await fetch(proc.url("/auth/dev-token"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userId }),
    });
    assert.equal(res.status, 200);
    return ((await res.json()) as { token: string }).token;
  }

  /** Plays a short recorded match through `proc`'s endpoint and returns its room id. */
  async function recordMatch(proc: Proc, userId: string): Promise<string> {
    const room = await new Client(`ws://127.0.0.1:${proc.port}`).create("game_room", { token: await devToken(proc, userId), recordFrames: true, fps: 30 });
    await nextMessage(room, "frameSync");
    for (let i = 0; i < 8; i++) {
      room.send("input", { inputs: { move: { x: 1, y: -0.25 }, attack: i % 2 === 0 } });
      await sleep(50);
    }
    await waitFor(() => (room.state as any).frame > 20, 10_000, "frames");
    await room.leave();
    return room.roomId;
  }

  async function replayFrom(proc: Proc, roomId: string): Promise<string> {
    return waitFor(async () => {
      const res = await fetch(proc.url(`/replays/${roomId}`));
      return res.status === 200 ? res.text() : undefined;
    }, 15_000, `replay ${roomId} from port ${proc.port}`);
  }

  test("a replay recorded through either process is stored in Redis with its TTL and served by both", async () => {
    for (const [via, name] of [
      [a, "cluster-alice"],
      [b, "cluster-bob"],
    ] as const) {
      const roomId = await recordMatch(via, name);
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
    const members = await redis.zrevrange(REPLAY_INDEX_KEY, 0, -1);
    assert.equal(members.length, 2);
    const lists = await Promise.all([a, b].map(async (p) => (await fetch(p.url("/replays"))).json()));
    assert.deepEqual(lists[0], lists[1]);
    const rows = lists[0] as Array<{ roomId: string; frameCount: number; endedAt: number }>;
    assert.deepEqual(rows.map((r) => r.roomId), members.map((m) => JSON.parse(m).roomId));
    assert.ok(rows[0]!.endedAt >= rows[1]!.endedAt);
    assert.ok(rows.every((r) => r.frameCount > 20));
    for (const p of [a, b]) assert.equal((await fetch(p.url("/replays/nosuchroom"))).status, 404);
  });
});
