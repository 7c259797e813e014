/** Two real SDK clients play the example game on the real server (contract §2, §3). */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import jwt from "jsonwebtoken";
import type { Room } from "@colyseus/sdk";
import {
  NetProxy,
  allowQuickReconnect,
  collect,
  joinGame,
  joinedOnServer,
  leaveCode,
  nextMessage,
  playerIn,
  sdk,
  startServer,
  tokenFor,
  waitFor,
  type TestServer,
} from "../support/helpers.ts";
import { matchMaker } from "@colyseus/core";
import { elapse } from "../support/wait.ts";

const WINDOW_MS = 1500;
let server: TestServer;

before(async () => {
  server = await startServer({ MATCH_RECONNECT_WINDOW_MS: String(WINDOW_MS) });
});
after(() => server.close());

async function joinError(options: Record<string, unknown>): Promise<{ code: number; message: string }> {
  try {
    const room = await sdk(server.endpoint).joinOrCreate("game_room", options);
    await room.leave();
  } catch (err) {
    return err as { code: number; message: string };
  }
  throw new Error("join was accepted");
}

describe("joining needs a valid access token", () => {
  const secret = () => server.cfg.jwtSecret;
  const exp = () => Math.floor(Date.now() / 1000) + 600;
  const cases: Array<[string, () => Record<string, unknown>, RegExp]> = [
    ["a join without a token", () => ({}), /missing/],
    ["a token that is not a JWT", () => ({ token: "not-a-jwt" }), /malformed/],
    ["a token signed with another secret", () => ({ token: jwt.sign({ userId: "u", exp: exp() }, "wrong-secret") }), /bad signature/],
    ["an expired token", () => ({ token: jwt.sign({ userId: "u", exp: Math.floor(Date.now() / 1000) - 10 }, secret()) }), /expired/],
    ["a token without exp", () => ({ token: jwt.sign({ userId: "u" }, secret()) }), /exp/],
    ["an alg:none token", () => ({ token: jwt.sign({ userId: "u", exp: exp() }, "", { algorithm: "none" }) }), /malformed|signature/],
    ["an HS512 token", () => ({ token: jwt.sign({ userId: "u", exp: exp() }, secret(), { algorithm: "HS512" }) }), /signature|algorithm/],
    ["a token without userId or sub", () => ({ token: jwt.sign({ exp: exp() }, secret()) }), /userId/],
  ];
  for (const [name, options, reason] of cases) {
    test(`${name} is refused with 401 naming the fault`, async () => {
      const err = await joinError(options());
      assert.equal(err.code, 401);
      assert.match(err.message, reason);
    });
  }

  test("accessToken and sub are accepted in place of token and userId", async () => {
    const accessToken = jwt.sign({ sub: "subject-user", exp: exp() }, secret(), { algorithm: "HS256" });
    const room = await sdk(server.endpoint).create("game_room", { accessToken });
    const frameSync = await nextMessage(room, "frameSync");
    assert.equal(frameSync.targetFPS, 20);
    await waitFor(() => playerIn(room, room.sessionId)?.userId === "subject-user", { timeoutMs: 3000, what: "player userId" });
    await room.leave();
  });
});

describe("two players in one room", () => {
  let a: Room;
  let b: Room;

  before(async () => {
    const first = await joinGame(sdk(server.endpoint), server.cfg, "alice", {}, "create");
    a = first.room;
    assert.equal(first.frameSync.targetFPS, 20);
    assert.equal(first.frameSync.matchId, "none");
    assert.equal(typeof first.frameSync.currentFrame, "number");
    assert.equal(typeof first.frameSync.reconnectKey, "string");
    const joined = nextMessage(a, "playerJoined");
    b = (await sdk(server.endpoint).joinById(a.roomId, { token: tokenFor("bob", server.cfg) })) as Room;
    const announced = await joined;
    assert.deepEqual(announced, { sessionId: b.sessionId, userId: "bob", playerCount: 2 });
  });

  after(async () => {
    await a?.leave().catch(() => {});
    await b?.leave().catch(() => {});
  });

  test("both see both players in Schema state, and the frame counter advances", async () => {
    await waitFor(() => playerIn(a, b.sessionId) && playerIn(b, a.sessionId), { timeoutMs: 3000, what: "players in state" });
    const f0 = (a.state as any).frame;
    await waitFor(() => (a.state as any).frame >= f0 + 4, { timeoutMs: 3000, what: "frames advancing" });
    assert.equal(playerIn(b, a.sessionId).userId, "alice");
    assert.equal(playerIn(a, b.sessionId).online, true);
  });

  test("a move is applied 3 px per frame, seen in state and in playerAction by the other player", async () => {
    const start = { ...playerIn(b, a.sessionId) };
    const action = nextMessage(b, "playerAction", (m) => m.sessionId === a.sessionId && m.action === "move");
    a.send("input", { inputs: { move: { x: 1, y: 0 } } });
    const msg = await action;
    assert.deepEqual(msg.data.move, { x: 1, y: 0 });
    assert.equal(msg.data.x, start.x + 3);
    assert.equal(msg.data.y, start.y);
    await waitFor(() => playerIn(b, a.sessionId).x === start.x + 3, { timeoutMs: 3000, what: "state x" });
  });

  test("move components are clamped to [-1, 1] and positions to the arena", async () => {
    const before = playerIn(b, a.sessionId).x;
    const action = nextMessage(b, "playerAction", (m) => m.sessionId === a.sessionId && m.action === "move");
    a.send("input", { inputs: { move: { x: 50, y: 0 } } });
    const msg = await action;
    assert.deepEqual(msg.data.move, { x: 1, y: 0 });
    assert.equal(msg.data.x, before + 3);
    // Push into the left wall: the position stops at 15 and further moves broadcast nothing.
    const moves = collect(b, "playerAction");
    const frames = Math.ceil((msg.data.x - 15) / 3) + 5;
    // One move per frame: each waits for the frame of the one before.
    for (let i = 0; i < frames; i++) {
      const frame = (a.state as any).frame;
      a.send("input", { inputs: { move: { x: -1, y: 0 } } });
      await waitFor(() => (a.state as any).frame > frame, { timeoutMs: 3000, what: `frame ${frame + 1}` });
    }
    await waitFor(() => playerIn(b, a.sessionId).x === 15, { timeoutMs: 5000, what: "x clamped at 15" });
    const atWall = moves.filter((m) => m.sessionId === a.sessionId && m.action === "move" && m.data.x === 15);
    assert.equal(atWall.length, 1, "only the move that reached the wall is broadcast");
  });

  test("a jump pressed and released within one tick is never lost", async () => {
    const jump = nextMessage(b, "playerAction", (m) => m.sessionId === a.sessionId && m.action === "jump");
    a.send("input", { inputs: { jump: true } });
    a.send("input", { inputs: { jump: false } });
    assert.deepEqual((await jump).data, { jump: true });
  });

  test("attack sets attacking and is broadcast every frame it is present", async () => {
    const attack = nextMessage(b, "playerAction", (m) => m.sessionId === a.sessionId && m.action === "attack");
    a.send("input", { inputs: { attack: true } });
    assert.deepEqual((await attack).data, { attacking: true });
    await waitFor(() => playerIn(b, a.sessionId).attacking === true, { timeoutMs: 3000, what: "attacking in state" });
    a.send("input", { inputs: { attack: false } });
    await waitFor(() => playerIn(b, a.sessionId).attacking === false, { timeoutMs: 3000, what: "attacking cleared" });
  });

  test("an input for a future frame waits for that frame", async () => {
    const target = (a.state as any).frame + 10;
    const action = nextMessage(b, "playerAction", (m) => m.sessionId === a.sessionId && m.action === "jump");
    a.send("input", { inputs: { jump: true }, frame: target });
    await action;
    const frameNow = (b.state as any).frame;
    assert.ok(frameNow >= target - 1, `jump applied at frame ${frameNow}, expected about ${target}`);
  });

  test("chat is relayed to the other players, trimmed", async () => {
    const chat = nextMessage(b, "chat");
    a.send("chat", "  hello bob  ");
    assert.deepEqual(await chat, { sessionId: a.sessionId, message: "hello bob" });
    const chat2 = nextMessage(a, "chat");
    b.send("chat", { message: "hi alice" });
    assert.deepEqual(await chat2, { sessionId: b.sessionId, message: "hi alice" });
  });
});

describe("leaving and dropping", () => {
  test("a consented leave removes the player at once", async () => {
    const { room: a } = await joinGame(sdk(server.endpoint), server.cfg, "carol", {}, "create");
    const b = await sdk(server.endpoint).joinById(a.roomId, { token: tokenFor("dave", server.cfg) });
    await waitFor(() => playerIn(a, b.sessionId), { timeoutMs: 3000, what: "dave in state" });
    const left = nextMessage(a, "playerLeft");
    await b.leave();
    assert.deepEqual(await left, { sessionId: b.sessionId, userId: "dave", playerCount: 1 });
    await waitFor(() => !playerIn(a, b.sessionId), { timeoutMs: 3000, what: "dave removed" });
    await a.leave();
  });

  test("an abrupt drop holds the seat and the SDK's reconnection gets it back, position kept", async () => {
    const proxy = await new NetProxy(server.port).start();
    const { room: a } = await joinGame(sdk(server.endpoint), server.cfg, "erin", {}, "create");
    const b = await sdk(proxy.endpoint).joinById(a.roomId, { token: tokenFor("frank", server.cfg) });
    allowQuickReconnect(b);
    b.send("input", { inputs: { move: { x: 1, y: 1 } } });
    await waitFor(() => playerIn(a, b.sessionId)?.x > 100, { timeoutMs: 3000, what: "frank moved" });
    // Settled: a frame later, the position is still the same (no move input left to apply).
    const settledAt = (a.state as any).frame;
    await waitFor(() => (a.state as any).frame > settledAt + 1, { timeoutMs: 3000, what: "two more frames" });
    const position = { x: playerIn(a, b.sessionId).x, y: playerIn(a, b.sessionId).y };
    await joinedOnServer(b);

    const offline = nextMessage(a, "playerOffline");
    const online = nextMessage(a, "playerOnline");
    const ok = nextMessage(b, "reconnect:ok");
    proxy.cut();
    const off = await offline;
    assert.equal(off.sessionId, b.sessionId);
    assert.equal(off.userId, "frank");
    assert.equal(off.reconnectWindowMs, WINDOW_MS);
    assert.equal(playerIn(a, b.sessionId)?.userId, "frank", "seat held while offline");

    assert.deepEqual(await ok, { matchId: "none", sessionId: b.sessionId });
    assert.equal((await online).sessionId, b.sessionId);
    await waitFor(() => playerIn(a, b.sessionId)?.online === true, { timeoutMs: 3000, what: "online again" });
    assert.deepEqual({ x: playerIn(a, b.sessionId).x, y: playerIn(a, b.sessionId).y }, position);

    // Still playing after the reconnection.
    const moved = nextMessage(a, "playerAction", (m) => m.sessionId === b.sessionId && m.action === "move");
    b.send("input", { inputs: { move: { x: -1, y: 0 } } });
    assert.equal((await moved).data.x, position.x - 3);
    await b.leave();
    await a.leave();
    await proxy.close();
  });

  test("when the window expires the player is removed", async () => {
    const proxy = await new NetProxy(server.port).start();
    const { room: a } = await joinGame(sdk(server.endpoint), server.cfg, "gina", {}, "create");
    const b = await sdk(proxy.endpoint).joinById(a.roomId, { token: tokenFor("hank", server.cfg) });
    b.reconnection.enabled = false;
    await waitFor(() => playerIn(a, b.sessionId), { timeoutMs: 3000, what: "hank in state" });
    await joinedOnServer(b);
    const offline = nextMessage(a, "playerOffline");
    const left = nextMessage(a, "playerLeft", () => true, WINDOW_MS + 4000);
    const t0 = Date.now();
    proxy.cut();
    await offline;
    const msg = await left;
    assert.deepEqual(msg, { sessionId: b.sessionId, userId: "hank", playerCount: 1 });
    assert.ok(Date.now() - t0 >= WINDOW_MS - 100, "not removed before the window ends");
    await waitFor(() => !playerIn(a, b.sessionId), { timeoutMs: 3000, what: "hank removed from state" });
    await a.leave();
    await proxy.close();
  });

  test("a player closed by the room does not reconnect on its own (4000 is consent)", async () => {
    const { room: watcher } = await joinGame(sdk(server.endpoint), server.cfg, "judy", {}, "create");
    const room = await sdk(server.endpoint).joinById(watcher.roomId, { token: tokenFor("ivan", server.cfg) });
    await waitFor(() => playerIn(watcher, room.sessionId), { timeoutMs: 3000, what: "ivan in state" });
    allowQuickReconnect(room); // if 4000 were retried, it would be retried at once
    const sdkEvents: string[] = [];
    room.onDrop(() => sdkEvents.push("drop"));
    room.onReconnect(() => sdkEvents.push("reconnect"));
    const joined = collect(watcher, "playerJoined");
    const online = collect(watcher, "playerOnline");
    const offline = collect(watcher, "playerOffline");
    const left = nextMessage(watcher, "playerLeft", (m) => m.sessionId === room.sessionId);
    const code = leaveCode(room);

    await room.leave(true);
    assert.equal(await code, 4000);
    assert.equal((await left).userId, "ivan", "ivan is removed, not held");

    // Nothing must happen now: give a wrongly retrying SDK ample time (ten times its 50 ms retry delay).
    await elapse(500);
    assert.deepEqual(sdkEvents, [], "the SDK neither reported a drop nor reconnected");
    assert.equal(room.reconnection.isReconnecting, false);
    assert.deepEqual([joined, online, offline], [[], [], []], "no playerJoined, playerOnline or playerOffline after the leave");
    assert.equal(playerIn(watcher, room.sessionId), undefined);
    const serverRoom = matchMaker.getLocalRoomById(watcher.roomId)!;
    assert.deepEqual([...serverRoom.clients].map((c) => c.sessionId), [watcher.sessionId], "no new session in the room");
    await watcher.leave();
  });
});
