/**
 * Two real server processes sharing a real Redis (DB 12) form one cluster (contract §4):
 * players queued on different processes are matched into one room and play in it, and
 * a stampede of 40 players across both makes exactly 10 matches. Also: `npm run cluster`
 * starts two processes that answer /health.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Room } from "@colyseus/sdk";
import type { Redis } from "ioredis";
import { signAccessToken } from "../../src/utils/auth.ts";
import { assertOneMatch, assertPlaying, enterMatch, joinLobby, leaveAll, type Lobby, type MatchFound } from "../support/matchmaking-helpers.ts";
import { readMetrics, sample } from "../support/metrics.ts";
import { ServerProcess, freePort, spawnNpm, type Spawned } from "../support/processes.ts";
import { TEST_REDIS_URL, freshTestDb, skipWithoutRedis } from "../support/redis.ts";
import { elapse, waitFor } from "../support/wait.ts";

const JWT_SECRET = "cluster-test-secret";
const skip = await skipWithoutRedis();

const token = (userId: string) => signAccessToken({ userId, username: userId }, 3600, JWT_SECRET);

async function healthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) });
    return res.ok && (await res.json()).status === "ok";
  } catch {
    return false;
  }
}

/** `node --import tsx src/index.ts` as one member of the cluster. */
function startNode(): Promise<ServerProcess> {
  return ServerProcess.start({ REDIS_URL: TEST_REDIS_URL, JWT_SECRET, NODE_ENV: "test", LOG_LEVEL: "warn", SHUTDOWN_DRAIN_MS: "500" });
}

/** Where an SDK room's socket actually goes: `host:port` of the process serving it. */
const addressOf = (room: Room) => new URL((room as any).connection.url).host;

async function metricSum(nodes: ServerProcess[], name: string, labels: Record<string, string>): Promise<number> {
  let total = 0;
  for (const node of nodes) total += sample(await readMetrics(node.url("/")), name, labels);
  return total;
}

describe("two server processes sharing Redis", { skip }, () => {
  let nodes: ServerProcess[] = [];
  let ports: number[] = [];
  const opened: Room[] = [];
  let redis: Redis;
  let serial = 0;

  const endpoint = (i: number) => `ws://127.0.0.1:${ports[i]}`;
  async function player(node: number, name: string): Promise<Lobby> {
    const userId = `${name}-${++serial}`;
    const lobby = await joinLobby(endpoint(node), userId, token(userId));
    opened.push(lobby.room);
    return lobby;
  }

  before(async () => {
    redis = await freshTestDb();
    nodes = await Promise.all([startNode(), startNode()]);
    ports = nodes.map((n) => n.port);
  });

  after(async () => {
    await leaveAll(opened);
    await Promise.all(nodes.map((n) => n.stop()));
    redis?.disconnect();
  });

  test("the two processes are different members of one cluster", async () => {
    const health = await Promise.all(ports.map(async (p) => (await fetch(`http://127.0.0.1:${p}/health`)).json()));
    assert.notEqual(health[0].processId, health[1].processId);
    assert.ok(health.every((h) => h.redis === "up"));
  });

  test("players queued on different processes are matched into one room and play in it", async () => {
    const a = await player(0, "west");
    const b = await player(1, "east");
    // Each waits in the matchmaker room of the process it reached.
    assert.equal(addressOf(a.room), `127.0.0.1:${ports[0]}`);
    assert.equal(addressOf(b.room), `127.0.0.1:${ports[1]}`);

    await a.ask("match:find", { playersPerMatch: 2, modeId: "crossing" }, "match:queued");
    assert.equal(await redis.zcard("mm:queue:2:crossing:any:game_room"), 1, "the ticket waits in Redis");
    await b.ask("match:find", { playersPerMatch: 2, modeId: "crossing" }, "match:queued");
    const found = await Promise.all([a, b].map((p) => p.inbox.take<MatchFound>("match:found", () => true, 30_000)));
    assertOneMatch(found, 2);

    const entered = await Promise.all([a, b].map((p, i) => enterMatch(p, found[i])));
    const rooms = entered.map((e) => e.room);
    opened.push(...rooms);
    // Both sockets go to the one process holding the room (the SDK follows publicAddress),
    // so at least one of the two players crossed to the other process.
    const gameAddress = addressOf(rooms[0]);
    assert.equal(addressOf(rooms[1]), gameAddress);
    assert.ok(ports.some((p) => gameAddress === `127.0.0.1:${p}`));
    for (const e of entered) assert.equal(e.frameSync.matchId, found[0].matchId);
    await assertPlaying(rooms, 0);
    await assertPlaying(rooms, 1);
  });

  test("a party made on one process is joined and started from the other", async () => {
    const lead = await player(0, "host");
    const guest = await player(1, "guest");
    const created = await lead.ask("party:create", { playersPerMatch: 2 }, "party:created");
    await guest.ask("party:join", { partyCode: created.partyCode.toLowerCase() }, "party:joined");
    const update = await lead.inbox.take("party:update", (u: any) => u.members.length === 2, 30_000);
    assert.deepEqual(update.members.map((m: any) => m.userId), [lead.userId, guest.userId]);
    lead.room.send("party:start");
    const found = await Promise.all([lead, guest].map((p) => p.inbox.take<MatchFound>("match:found", () => true, 30_000)));
    assertOneMatch(found, 2);
    const rooms = (await Promise.all([lead, guest].map((p, i) => enterMatch(p, found[i])))).map((e) => e.room);
    opened.push(...rooms);
    await assertPlaying(rooms, 1);
  });

  test("a stampede of 40 players across both processes makes exactly 10 matches, each player seated once", async () => {
    const before = await metricSum(nodes, "framesync_matches_made_total", { source: "queue" });
    const crowd = await Promise.all(Array.from({ length: 40 }, (_, i) => player(i % 2, `crowd${i}`)));
    // Everyone asks at once, half on each process.
    for (const p of crowd) p.room.send("match:find", { playersPerMatch: 4, modeId: "stampede" });
    await Promise.all(crowd.map((p) => p.inbox.take("match:queued", () => true, 60_000)));
    const found = await Promise.all(crowd.map((p) => p.inbox.take<MatchFound>("match:found", () => true, 60_000)));

    const byRoom = new Map<string, Array<{ lobby: Lobby; found: MatchFound }>>();
    crowd.forEach((lobby, i) => byRoom.set(found[i].roomId, [...(byRoom.get(found[i].roomId) ?? []), { lobby, found: found[i] }]));
    assert.equal(byRoom.size, 10, "exactly 10 rooms");
    for (const seats of byRoom.values()) assertOneMatch(seats.map((s) => s.found), 4);
    assert.ok([...byRoom.values()].some((seats) => new Set(seats.map((s) => addressOf(s.lobby.room))).size === 2), "some match mixes both processes");

    // Nobody is left waiting, nobody hears twice, nothing went wrong.
    assert.equal(await redis.exists("mm:queue:4:stampede:any:game_room"), 0);
    // A late duplicate would come through presence, not in order with anything we could await: give it time to show.
    await elapse(500);
    for (const p of crowd) {
      assert.deepEqual(p.inbox.pending("match:found"), []);
      assert.deepEqual(p.inbox.pending("match:error"), []);
    }
    assert.equal(await metricSum(nodes, "framesync_matches_made_total", { source: "queue" }), before + 10);

    // Every seat is real: all 40 get into their rooms on whichever process holds them.
    const entered = await Promise.all(crowd.map((p, i) => enterMatch(p, found[i])));
    opened.push(...entered.map((e) => e.room));
    entered.forEach((e, i) => assert.equal(e.frameSync.seatIndex, found[i].seatIndex));
    const [firstRoom] = byRoom.keys();
    const oneMatch = crowd.flatMap((_, i) => (found[i].roomId === firstRoom ? [entered[i].room] : []));
    await assertPlaying(oneMatch, 2);
  });
});

describe("npm run cluster", { skip }, () => {
  let launcher: Spawned | undefined;

  /** The server pids the launcher printed, to clean up even if the launcher is gone. */
  const serverPids = () => [...(launcher?.output().matchAll(/\(pid (\d+),/g) ?? [])].map((m) => Number(m[1]));

  after(async () => {
    await launcher?.stop();
    for (const pid of serverPids()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already stopped
      }
    }
  });

  test("starts two Redis-backed processes that answer /health, and stops them on SIGTERM", async () => {
    const redis = await freshTestDb();
    redis.disconnect();
    const ports = [await freePort(), await freePort()];
    // Its own process group (spawnNpm), so cleanup reaches the servers too.
    launcher = spawnNpm(["run", "cluster", "--", "--ports", ports.join(","), "--public-host", "127.0.0.1"], {
      env: { REDIS_URL: TEST_REDIS_URL, JWT_SECRET, LOG_LEVEL: "warn", SHUTDOWN_DRAIN_MS: "500" },
    });
    const started = launcher;
    await waitFor(async () => (await Promise.all(ports.map(healthy))).every(Boolean), { timeoutMs: 60_000, what: "both cluster processes to answer /health" }).catch((err) => {
      throw new Error(`${err.message}\n${started.output()}`);
    });
    const output = launcher.output();
    for (const port of ports) assert.match(output, new RegExp(`ws://127\\.0\\.0\\.1:${port}`));
    const health = await Promise.all(ports.map(async (p) => (await fetch(`http://127.0.0.1:${p}/health`)).json()));
    assert.ok(health.every((h) => h.redis === "up"));
    assert.notEqual(health[0].processId, health[1].processId);

    // SIGTERM to npm's process group (what a terminal or supervisor sends) reaches the
    // launcher, which forwards it to both servers.
    assert.equal(serverPids().length, 2);
    await launcher.stop();
    await waitFor(async () => !(await Promise.all(ports.map(healthy))).some(Boolean), { timeoutMs: 20_000, what: "both processes to stop" });
  });
});
