/**
 * The JSON protocol (contract §9) end to end over real sockets: join modes, in-band
 * auth with the SDK's refusal texts, `joined` → `state` (seq 0) → a `patch` per tick,
 * envelope errors that keep the socket open, the join timeout, both reconnection
 * paths, 4100 replacement, lockstep and matchmaking over JSON.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";
import { JSON_SUBPROTOCOL } from "../../src/net/json/protocol.ts";
import { applyMergePatch } from "../../src/net/json/mergePatch.ts";
import { sdk, sleep, startServer, tokenFor, waitFor, type TestServer } from "../support/helpers.ts";
import { JsonSocket } from "../support/json-client.ts";

const WINDOW_MS = 5000;
let server: TestServer;
const open: JsonSocket[] = [];

async function socket(): Promise<JsonSocket> {
  const s = await JsonSocket.open(server.endpoint);
  open.push(s);
  return s;
}

before(async () => {
  server = await startServer({ MATCH_RECONNECT_WINDOW_MS: String(WINDOW_MS) });
});
after(async () => {
  for (const s of open) s.terminate();
  await server.close();
});

describe("joining over /json", () => {
  test("joined, then state at seq 0, then frameSync, then one patch per tick with the player's moves", async () => {
    const s = await socket();
    const joined = await s.join("create", "game_room", { token: tokenFor("alice", server.cfg) });
    assert.equal(joined.protocol, JSON_SUBPROTOCOL);
    assert.equal(joined.roomName, "game_room");
    assert.match(joined.reconnectionToken, new RegExp(`^${joined.roomId}:`));
    const at = s.frames.indexOf(joined);
    const state = s.frames[at + 1]!;
    assert.equal(state.type, "state");
    assert.equal(state.seq, 0);
    assert.equal(state.state.players[joined.sessionId].userId, "alice");
    const frameSync = await s.next((f) => f.type === "message" && f.name === "frameSync");
    assert.equal(frameSync.data.matchId, "none");
    assert.ok(frameSync.data.reconnectKey);

    s.sendJson({ type: "send", name: "input", data: { inputs: { move: { x: 1, y: 0 }, jump: true } } });
    const moved = await s.next((f) => f.type === "patch" && f.messages.some((m: any) => m.name === "playerAction" && m.data.action === "move"));
    const actions = moved.messages.filter((m: any) => m.name === "playerAction").map((m: any) => m.data.action);
    assert.deepEqual(actions, ["move", "jump"]);
    assert.equal(s.seqGaps, 0);
    const patches = s.frames.filter((f) => f.type === "patch");
    patches.forEach((p, i) => assert.equal(p.seq, i + 1));
    // One patch per tick: consecutive frames.
    for (let i = 1; i < patches.length; i++) assert.equal(patches[i]!.frame, patches[i - 1]!.frame + 1);
    const me = (s.state as any).players[joined.sessionId];
    assert.equal(me.x, moved.messages[0].data.data.x);
  });

  test("the server echoes the framesync.json.v1 subprotocol when offered, and sends only text frames", async () => {
    const ws = new WebSocket(`${server.endpoint}/json`, [JSON_SUBPROTOCOL]);
    await new Promise((r) => ws.once("open", r));
    assert.equal(ws.protocol, JSON_SUBPROTOCOL);
    ws.close();
  });

  test("a binary frame holding UTF-8 JSON is accepted", async () => {
    const s = await socket();
    s.sendRaw(Buffer.from(JSON.stringify({ type: "join", rid: "b", mode: "joinOrCreate", room: "game_room", options: { token: tokenFor("bin", server.cfg) } })), true);
    const joined = await s.next((f) => f.type === "joined");
    assert.equal(joined.rid, "b");
  });

  test("refused joins answer error with the SDK's code and text, and the socket stays open for another try", async () => {
    const s = await socket();
    await assert.rejects(s.join("joinOrCreate", "game_room", {}), (e: any) => e.code === 401 && /token missing/.test(e.message));
    await assert.rejects(s.join("joinOrCreate", "game_room", { token: "a.b.c" }), (e: any) => e.code === 401);
    await assert.rejects(s.join("joinById", "nosuchroom", { token: tokenFor("carol", server.cfg) }), (e: any) => e.code === 404);
    await assert.rejects(s.join("joinOrCreate", "no_such_room_type", { token: tokenFor("carol", server.cfg) }), (e: any) => e.code === 520 || e.code === 404);
    // The SDK gets the same text for the same fault.
    const sdkError = await sdk(server.endpoint).joinOrCreate("game_room", {}).catch((e) => e);
    const jsonError = await s.join("joinOrCreate", "game_room", {}).catch((e) => e);
    assert.equal(jsonError.frame.message, sdkError.message);
    const joined = await s.join("joinOrCreate", "game_room", { token: tokenFor("carol", server.cfg) });
    assert.ok(joined.sessionId);
  });

  test("envelope faults answer BAD_FRAME / NOT_JOINED / ALREADY_JOINED and keep the socket open", async () => {
    const s = await socket();
    s.sendRaw("not json");
    assert.equal((await s.after((f) => f.type === "error")).code, "BAD_FRAME");
    s.sendJson({ type: "send", name: "input", data: {} });
    assert.equal((await s.after((f) => f.type === "error")).code, "NOT_JOINED");
    s.sendJson({ type: "resync" });
    assert.equal((await s.after((f) => f.type === "error")).code, "NOT_JOINED");
    s.sendJson({ type: "join", mode: "joinOrCreate" });
    assert.equal((await s.after((f) => f.type === "error")).code, "BAD_FRAME");
    await s.join("joinOrCreate", "game_room", { token: tokenFor("dave", server.cfg) });
    s.sendJson({ type: "join", rid: 9, mode: "joinOrCreate", room: "game_room", options: {} });
    const again = await s.after((f) => f.type === "error");
    assert.equal(again.code, "ALREADY_JOINED");
    assert.equal(again.rid, 9);
    assert.equal(s.closeCode, undefined);
  });

  test("a socket that has not joined within 15 s is closed with 1008", { timeout: 25_000 }, async () => {
    const s = await socket();
    const started = Date.now();
    assert.equal(await s.closed, 1008);
    const took = Date.now() - started;
    assert.ok(took >= 14_000 && took < 20_000, `closed after ${took} ms`);
  });

  test("a frame over 4 KB closes the socket with 1009", async () => {
    const s = await socket();
    s.sendRaw(JSON.stringify({ type: "send", name: "chat", data: "x".repeat(5000) }));
    assert.equal(await s.closed, 1009);
  });

  test("resync returns exactly the state the patches built", async () => {
    const s = await socket();
    await s.join("create", "game_room", { token: tokenFor("erin", server.cfg) });
    s.sendJson({ type: "send", name: "input", data: { inputs: { move: { x: 1, y: 1 } } } });
    await s.after((f) => f.type === "patch");
    await s.after((f) => f.type === "patch");
    const before = structuredClone(s.state);
    const seqBefore = s.seq;
    s.sendJson({ type: "resync" });
    const state = await s.after((f) => f.type === "state");
    assert.equal(state.seq, seqBefore + 1);
    assert.deepEqual(state.state, before);
  });

  test("leave closes with 4000 and removes the player at once", async () => {
    const a = await socket();
    const joined = await a.join("create", "game_room", { token: tokenFor("fay", server.cfg) });
    const b = await socket();
    await b.join("joinById", joined.roomId, { token: tokenFor("gus", server.cfg) });
    a.sendJson({ type: "leave" });
    assert.equal(await a.closed, 4000);
    const left = await b.next((f) => f.type === "message" && f.name === "playerLeft");
    assert.equal(left.data.sessionId, joined.sessionId);
    await b.next((f) => f.type === "patch" && f.merge.players?.[joined.sessionId] === null);
  });
});

describe("seats over /json (contract §3)", () => {
  test("a dropped socket holds the seat; path 1 (reconnect with reconnectionToken) gets it back", async () => {
    const a = await socket();
    const joined = await a.join("create", "game_room", { token: tokenFor("hana", server.cfg) });
    const watcher = await socket();
    await watcher.join("joinById", joined.roomId, { token: tokenFor("ivan", server.cfg) });
    a.terminate();
    const offline = await watcher.next((f) => f.type === "message" && f.name === "playerOffline");
    assert.equal(offline.data.sessionId, joined.sessionId);
    const back = await socket();
    const rejoined = await back.join("reconnect", undefined, {}, { reconnectionToken: joined.reconnectionToken });
    assert.equal(rejoined.sessionId, joined.sessionId);
    const ok = await back.next((f) => f.type === "message" && f.name === "reconnect:ok");
    assert.equal(ok.data.sessionId, joined.sessionId);
    await watcher.next((f) => f.type === "message" && f.name === "playerOnline");
    const st = await back.next((f) => f.type === "state");
    assert.equal(st.seq, 0);
    assert.equal(st.state.players[joined.sessionId].online, true);
  });

  test("path 2: joinById with the reconnectKey moves the player to a new session", async () => {
    const a = await socket();
    const joined = await a.join("create", "game_room", { token: tokenFor("jill", server.cfg) });
    const key = (await a.next((f) => f.type === "message" && f.name === "frameSync")).data.reconnectKey;
    a.sendJson({ type: "send", name: "input", data: { inputs: { move: { x: 1, y: 0 } } } });
    await a.next((f) => f.type === "patch" && f.messages.length > 0);
    await sleep(100);
    const x = (a.state as any).players[joined.sessionId].x;
    a.terminate();
    await sleep(200);
    const b = await socket();
    await assert.rejects(b.join("joinById", joined.roomId, { token: tokenFor("jill", server.cfg), reconnectKey: "wrong" }), (e: any) => e.code === 403);
    const again = await b.join("joinById", joined.roomId, { token: tokenFor("jill", server.cfg), reconnectKey: key });
    assert.notEqual(again.sessionId, joined.sessionId);
    await b.next((f) => f.type === "message" && f.name === "reconnect:ok");
    await waitFor(() => (b.state as any)?.players?.[again.sessionId], { timeoutMs: 3000, what: "the moved player" });
    assert.equal((b.state as any).players[again.sessionId].x, x);
    assert.equal((b.state as any).players[joined.sessionId], undefined);
  });

  test("the same user joining again replaces the old socket with 4100; the joiner gets reconnect:ok dedup", async () => {
    const a = await socket();
    const joined = await a.join("create", "game_room", { token: tokenFor("kim", server.cfg) });
    const b = await socket();
    await b.join("joinById", joined.roomId, { token: tokenFor("kim", server.cfg) });
    assert.equal(await a.closed, 4100);
    const ok = await b.next((f) => f.type === "message" && f.name === "reconnect:ok");
    assert.equal(ok.data.dedup, true);
  });
});

describe("lockstep and matchmaking over /json", () => {
  test("a lockstep room's frames ride in the patches, and frames:since answers as a message", async () => {
    const s = await socket();
    const joined = await s.join("create", "game_room", { token: tokenFor("lara", server.cfg), lockstep: true });
    s.sendJson({ type: "send", name: "input", data: { inputs: { jump: true } } });
    const withJump = await s.next((f) => f.type === "patch" && f.messages.some((m: any) => m.name === "lockstepFrame" && m.data.inputs[0]?.inputs?.jump));
    const lf = withJump.messages.find((m: any) => m.name === "lockstepFrame").data;
    assert.equal(lf.inputs[0].sessionId, joined.sessionId);
    assert.equal(lf.frame, withJump.frame);
    s.sendJson({ type: "send", name: "frames:since", data: { frame: lf.frame - 1 } });
    const catchUp = await s.next((f) => f.type === "message" && f.name === "lockstepFrames");
    assert.ok(catchUp.data.frames.some((f: any) => f.frame === lf.frame));
  });

  test("match:find → match:found over JSON, then a second socket joins the match by id", async () => {
    const players = ["mia", "ned"];
    const lobbies = await Promise.all(players.map(() => socket()));
    await Promise.all(lobbies.map((l, i) => l.join("joinOrCreate", "matchmaker_room", { token: tokenFor(players[i]!, server.cfg) })));
    for (const l of lobbies) l.sendJson({ type: "send", name: "match:find", data: { playersPerMatch: 2 } });
    const queued = await lobbies[0]!.next((f) => f.type === "message" && f.name === "match:queued");
    assert.ok(queued.data.queueKey);
    const found = await Promise.all(lobbies.map((l) => l.next((f) => f.type === "message" && f.name === "match:found", 8000)));
    const games = await Promise.all(found.map(() => socket()));
    const joins = await Promise.all(games.map((g, i) => g.join("joinById", found[i]!.data.roomId, { ...found[i]!.data.joinOptions, token: tokenFor(players[i]!, server.cfg) })));
    assert.equal(joins[0]!.roomId, joins[1]!.roomId);
    const fs = await games[0]!.next((f) => f.type === "message" && f.name === "frameSync");
    assert.equal(fs.data.matchId, found[0]!.data.matchId);
    await waitFor(() => Object.keys((games[0]!.state as any)?.players ?? {}).length === 2, { timeoutMs: 3000, what: "both players in the JSON state" });
  });
});

test("applyMergePatch follows RFC 7396", () => {
  assert.deepEqual(applyMergePatch({ a: 1, b: { c: 2 } }, { a: null, b: { d: 3 } }), { b: { c: 2, d: 3 } });
});
