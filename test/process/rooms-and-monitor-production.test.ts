/**
 * Real processes in production on one real Redis (a redis-server of the test's own):
 * GET /rooms answers the same cluster-wide list on every process, and /monitor is 404
 * without MONITOR_PASSWORD and HTTP Basic (any user name) with it (contract §5).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Client, type Room } from "@colyseus/sdk";
import { signAccessToken } from "../../src/utils/auth.ts";
import { sleep, waitFor } from "../support/helpers.ts";
import { RedisProcess, ServerProcess } from "../support/processes.ts";

const JWT_SECRET = "rooms-monitor-test-secret";
const PASSWORD = "s3cret monitor:pass";
const noRedis = RedisProcess.unavailable();
const token = (userId: string) => signAccessToken({ userId, username: userId }, 3600, JWT_SECRET);

let redis: RedisProcess;
let guarded: ServerProcess; // MONITOR_PASSWORD set
let closed: ServerProcess; // no MONITOR_PASSWORD
const rooms: Room[] = [];

before(async () => {
  if (noRedis) return;
  redis = await RedisProcess.start();
  const env = { NODE_ENV: "production", JWT_SECRET, REDIS_URL: redis.url };
  [guarded, closed] = await Promise.all([
    ServerProcess.start({ ...env, MONITOR_PASSWORD: PASSWORD }),
    ServerProcess.start(env),
  ]);
});
after(async () => {
  await Promise.all(rooms.map((r) => Promise.race([r.leave().catch(() => {}), sleep(1000)])));
  await Promise.all([guarded?.kill(), closed?.kill()]);
  await redis?.kill();
});

const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` });
const listOn = async (server: ServerProcess) => (await (await fetch(server.url("/rooms"))).json()) as Array<Record<string, any>>;

test("GET /rooms on either process lists the public rooms of both", { skip: noRedis }, async () => {
  const onGuarded = await new Client(guarded.endpoint).create("game_room", { token: token("p1"), fps: 10 });
  const onClosed = await new Client(closed.endpoint).create("game_room", { token: token("p2"), lockstep: true, playersPerMatch: 4 });
  rooms.push(onGuarded, onClosed);
  for (const server of [guarded, closed]) {
    const list = await waitFor(async () => {
      const l = await listOn(server);
      return l.some((r) => r.roomId === onGuarded.roomId) && l.some((r) => r.roomId === onClosed.roomId) ? l : undefined;
    }, 10_000, `both rooms on port ${server.port}`);
    const a = list.find((r) => r.roomId === onGuarded.roomId)!;
    const b = list.find((r) => r.roomId === onClosed.roomId)!;
    assert.deepEqual({ ...a, createdAt: 0 }, { roomId: onGuarded.roomId, name: "game_room", clients: 1, maxPlayers: 16, fps: 10, lockstep: false, createdAt: 0 });
    assert.deepEqual({ ...b, createdAt: 0 }, { roomId: onClosed.roomId, name: "game_room", clients: 1, maxPlayers: 4, fps: 20, lockstep: true, createdAt: 0 });
  }
  // A room picked from the list on one process is joined through the other.
  const joiner = await new Client(guarded.endpoint).joinById(onClosed.roomId, { token: token("p3") });
  rooms.push(joiner);
  await waitFor(async () => (await listOn(guarded)).find((r) => r.roomId === onClosed.roomId)?.clients === 2, 10_000, "2 clients listed");
});

test("in production without MONITOR_PASSWORD /monitor does not exist (404)", { skip: noRedis }, async () => {
  for (const p of ["/monitor", "/monitor/", "/monitor/api", "/monitor/api/room?roomId=x"]) {
    assert.equal((await fetch(closed.url(p), { redirect: "manual" })).status, 404, p);
  }
});

test("with MONITOR_PASSWORD, /monitor wants HTTP Basic: missing or wrong → 401, right (any user) → 200", { skip: noRedis }, async () => {
  const missing = await fetch(guarded.url("/monitor/api"));
  assert.equal(missing.status, 401);
  assert.match(missing.headers.get("www-authenticate") ?? "", /^Basic realm=/);
  assert.equal((await fetch(guarded.url("/monitor/api"), { headers: basic("admin", "wrong") })).status, 401);
  assert.equal((await fetch(guarded.url("/monitor/"), { headers: basic("admin", "") })).status, 401);
  assert.equal((await fetch(guarded.url("/monitor/api"), { headers: { authorization: "Bearer x" } })).status, 401);

  for (const user of ["admin", "", "ops"]) {
    const ok = await fetch(guarded.url("/monitor/api"), { headers: basic(user, PASSWORD) });
    assert.equal(ok.status, 200, user);
    const body = await ok.json();
    assert.ok(Array.isArray(body.rooms), JSON.stringify(body));
  }
  const page = await fetch(guarded.url("/monitor/"), { headers: basic("admin", PASSWORD) });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<html/i);
});
