/**
 * The JSON protocol (contract §9) against real server processes: SIGTERM drains a JSON
 * player like an SDK one (serverShutdown, patches until the deadline, new joins refused
 * with 503, closed with 4001, exit 0), and on a two-process cluster a JSON join whose
 * room lives on the other process is refused with 503 naming that process's address.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { Client } from "@colyseus/sdk";
import { signAccessToken } from "../../src/utils/auth.ts";
import { sleep } from "../support/helpers.ts";
import { JsonSocket } from "../support/json-client.ts";
import { RedisProcess, ServerProcess } from "../support/processes.ts";

const JWT_SECRET = "json-process-test-secret";
const token = (userId: string) => signAccessToken({ userId, username: userId }, 3600, JWT_SECRET);
const redisSkip = process.env.CI === "true" ? false : RedisProcess.unavailable();

const started: Array<{ kill(): Promise<void> }> = [];
const sockets: JsonSocket[] = [];
after(async () => {
  for (const s of sockets) s.terminate();
  await Promise.all(started.map((p) => p.kill()));
});

async function open(endpoint: string): Promise<JsonSocket> {
  const s = await JsonSocket.open(endpoint);
  sockets.push(s);
  return s;
}

test("SIGTERM: a JSON player is told, keeps getting patches until the deadline, is closed with 4001; new JSON joins get 503", { timeout: 60_000 }, async () => {
  const server = await ServerProcess.start({ JWT_SECRET, SHUTDOWN_DRAIN_MS: "2000" });
  started.push(server);
  const player = await open(server.endpoint);
  await player.join("create", "game_room", { token: token("drain-json") });
  await player.next((f) => f.type === "state");
  server.signal("SIGTERM");
  const told = await player.next((f) => f.type === "message" && f.name === "serverShutdown");
  assert.ok(told.data.deadlineMs > 0);
  const seqAtSignal = player.seq;

  const late = await open(server.endpoint).catch(() => undefined);
  if (late) {
    await assert.rejects(late.join("joinOrCreate", "game_room", { token: token("late-json") }), (e: any) => e.code === 503);
  }
  assert.equal(await player.closed, 4001);
  assert.ok(player.seq - seqAtSignal >= 20, `only ${player.seq - seqAtSignal} patches during a 2 s drain`);
  const exit = await server.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, server.output());
});

describe("a two-process cluster", { skip: redisSkip }, () => {
  test("a JSON join of a room served by the other process answers 503 naming its address; on that process it plays", { timeout: 90_000 }, async () => {
    const redis = await RedisProcess.start();
    started.push(redis);
    const a = await ServerProcess.start({ JWT_SECRET, REDIS_URL: redis.url });
    started.push(a);
    const b = await ServerProcess.start({ JWT_SECRET, REDIS_URL: redis.url });
    started.push(b);
    // A room made through B: the matchmaker puts it on either process; `home` is the one serving it.
    const host = await new Client(b.endpoint).create("game_room", { token: token("host") });
    host.onMessage("*", () => {});
    const homePort = Number(new URL((host as any).connection.url).port);
    const [home, other] = homePort === a.port ? [a, b] : [b, a];
    await sleep(300);

    const elsewhere = await open(other.endpoint);
    const refused = await elsewhere.join("joinById", host.roomId, { token: token("json-elsewhere") }).catch((e) => e);
    assert.equal(refused.code, 503, JSON.stringify(refused.frame ?? refused));
    assert.match(refused.frame.message, new RegExp(`127\\.0\\.0\\.1:${home.port}`));
    assert.equal(elsewhere.closeCode, undefined, "the socket stays open");

    const atHome = await open(home.endpoint);
    const joined = await atHome.join("joinById", host.roomId, { token: token("json-home") });
    assert.equal(joined.roomId, host.roomId);
    await atHome.next((f) => f.type === "patch");
    await host.leave();
  });
});
