/**
 * GET /rooms and /monitor (contract §5) in development, with real SDK clients: the
 * room list shows public game rooms only, and the monitor (Colyseus' own) lists live
 * rooms and clients, kicks a client and disposes a room through its API.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Room } from "@colyseus/sdk";
import { joinGame, leaveCode, sdk, sleep, startServer, tokenFor, waitFor, type TestServer } from "../support/helpers.ts";
import { joinLobby } from "../support/matchmaking-helpers.ts";

let server: TestServer;
const open: Room[] = [];
before(async () => {
  server = await startServer();
});
after(async () => {
  // leave() of a room already closed never settles: give each a moment.
  await Promise.all(open.map((r) => Promise.race([r.leave().catch(() => {}), sleep(1000)])));
  await server.close();
});

async function json(path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(server.url(path), init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function play(userId: string, options: Record<string, unknown> = {}, method: "joinOrCreate" | "create" = "create") {
  const joined = await joinGame(sdk(server.endpoint), server.cfg, userId, options, method);
  open.push(joined.room);
  return joined.room;
}

const listed = async () => (await json("/rooms")).body as Array<Record<string, unknown>>;

test("GET /rooms lists public game rooms with their players, capacity, fps and lockstep", async () => {
  const before = Date.now();
  const a = await play("list-a", { fps: 30, lockstep: true });
  const b = await play("list-b", { playersPerMatch: 3 });

  const { status, body } = await json("/rooms");
  assert.equal(status, 200);
  const byId = new Map(body.map((r: any) => [r.roomId, r]));
  const entryA = byId.get(a.roomId) as any;
  assert.deepEqual(Object.keys(entryA).sort(), ["clients", "createdAt", "fps", "lockstep", "maxPlayers", "name", "roomId"]);
  assert.equal(entryA.name, "game_room");
  assert.equal(entryA.clients, 1);
  assert.equal(entryA.fps, 30);
  assert.equal(entryA.lockstep, true);
  assert.equal(entryA.maxPlayers, 16, "the default capacity, not Colyseus' maxClients (2 slots a seat)");
  assert.ok(entryA.createdAt >= before - 1000 && entryA.createdAt <= Date.now(), String(entryA.createdAt));
  const entryB = byId.get(b.roomId) as any;
  assert.equal(entryB.maxPlayers, 3);
  assert.equal(entryB.fps, 20);
  assert.equal(entryB.lockstep, false);
  // Oldest first.
  const times = body.map((r: any) => r.createdAt);
  assert.deepEqual(times, [...times].sort((x, y) => x - y));
});

test("a full room leaves the list and a disposed one is gone", async () => {
  const first = await play("full-a", { playersPerMatch: 2 });
  assert.ok((await listed()).some((r) => r.roomId === first.roomId));
  const second = await sdk(server.endpoint).joinById(first.roomId, { token: tokenFor("full-b", server.cfg) });
  open.push(second);
  await waitFor(async () => !(await listed()).some((r) => r.roomId === first.roomId), 5000, "the full room to leave the list");
  await second.leave();
  await waitFor(async () => (await listed()).some((r) => r.roomId === first.roomId && r.clients === 1), 5000, "the room to be listed again with 1 player");
  await first.leave();
  await waitFor(async () => !(await listed()).some((r) => r.roomId === first.roomId), 5000, "the disposed room to leave the list");
});

test("matchmade rooms are never listed, not even before their players arrive", async () => {
  const [x, y] = await Promise.all(["mm-x", "mm-y"].map((u) => joinLobby(server.endpoint, u, tokenFor(u, server.cfg))));
  x.room.send("match:find", { playersPerMatch: 2 });
  y.room.send("match:find", { playersPerMatch: 2 });
  const found = await x.inbox.take("match:found");
  const monitorRooms = (await json("/monitor/api")).body.rooms as Array<{ roomId: string }>;
  assert.ok(monitorRooms.some((r) => r.roomId === found.roomId), "the monitor shows it");
  assert.ok(!(await listed()).some((r) => r.roomId === found.roomId), "GET /rooms does not");
  await Promise.all([x.room.leave(), y.room.leave()]);
});

test("in development /monitor is open: the panel, and its API lists a live room with its clients and state", async () => {
  const page = await fetch(server.url("/monitor/"));
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<html/i);
  const bare = await fetch(server.url("/monitor"), { redirect: "manual" });
  assert.equal(bare.status, 302);

  const room = await play("watched", { fps: 25 });
  const api = await json("/monitor/api");
  assert.equal(api.status, 200);
  const row = api.body.rooms.find((r: any) => r.roomId === room.roomId);
  assert.ok(row, JSON.stringify(api.body));
  assert.equal(row.name, "game_room");
  assert.equal(row.clients, 1);
  assert.deepEqual(row.metadata, { fps: 25, lockstep: false, maxPlayers: 16, matchmade: false });

  const inspect = await json(`/monitor/api/room?roomId=${room.roomId}`);
  assert.equal(inspect.status, 200);
  assert.deepEqual(inspect.body.clients.map((c: any) => c.sessionId), [room.sessionId]);
  assert.equal(inspect.body.state.players[room.sessionId].userId, "watched");
});

test("the monitor's API disconnects a client (the player leaves) and disposes a room (its clients are closed)", async () => {
  const kept = await play("kick-keeper");
  const kicked = sdk(server.endpoint);
  const victim = await kicked.joinById(kept.roomId, { token: tokenFor("kick-victim", server.cfg) });
  const gone = leaveCode(victim);
  const call = (method: string, args: unknown[]) =>
    json(`/monitor/api/room/call?${new URLSearchParams({ roomId: kept.roomId, method, args: JSON.stringify(args) })}`);

  assert.equal((await call("_forceClientDisconnect", [victim.sessionId])).status, 200);
  assert.equal(await gone, 4000, "closed as a consented leave: the SDK does not reconnect into a held seat");
  await waitFor(async () => (await json(`/monitor/api/room?roomId=${kept.roomId}`)).body.clients.length === 1, 5000, "one client left");
  const state = (await json(`/monitor/api/room?roomId=${kept.roomId}`)).body.state;
  assert.deepEqual(Object.keys(state.players), [kept.sessionId], "the kicked player is removed from the state");

  const closed = leaveCode(kept);
  assert.equal((await call("disconnect", [])).status, 200);
  assert.ok((await closed) >= 4000, "closed by the server");
  await waitFor(async () => !(await json("/monitor/api")).body.rooms.some((r: any) => r.roomId === kept.roomId), 5000, "the room gone from the monitor");
  assert.ok(!(await listed()).some((r) => r.roomId === kept.roomId));
});

test("an unknown route answers 404 in JSON naming it; the routes beside it still answer", async () => {
  const missing = await fetch(server.url("/no-such-page?x=1"));
  assert.equal(missing.status, 404);
  assert.match(missing.headers.get("content-type") ?? "", /application\/json/);
  assert.deepEqual(await missing.json(), { error: "no route GET /no-such-page" });
  assert.equal((await json("/rooms")).status, 200);
  assert.equal((await fetch(server.url("/monitor/"))).status, 200);
  assert.equal((await fetch(server.url("/FrameSync.html"))).status, 200);
  // Colyseus' matchmaking routes are not Express': they still answer as before.
  assert.equal((await fetch(server.url("/matchmake/create/game_room"), { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status, 401);
});
