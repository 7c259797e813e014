/**
 * Hostile clients against the real server (contract §2, §6, §8). For every bad input or
 * fault: the reply (or close code) is the one the contract names, a well-behaved player in
 * the same room keeps moving every single frame, the process stays up (/health), and
 * /metrics counted it.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import jwt from "jsonwebtoken";
import { pack } from "msgpackr";
import type { Room } from "@colyseus/sdk";
import { collect, leaveCode, nextMessage, sdk, startServer, tokenFor, type TestServer } from "../support/helpers.ts";
import { joinLobby } from "../support/matchmaking-helpers.ts";
import { metricKey, readMetrics as scrapeMetrics, type Samples } from "../support/metrics.ts";
import { Mover } from "../support/mover.ts";
import { elapse, waitFor } from "../support/wait.ts";

const WINDOW_MS = 3000;
/**
 * The mover schedules its input this many frames (1 s) ahead, as a client with an input
 * buffer does: server and clients share this test's event loop, and a pause of it must
 * not leave a frame without input.
 */
const LEAD_FRAMES = 20;
/** First frame of the whole-run check: after the warm-up (first fetch, first WebSocket and first joins load lazily). */
let coverageStart = 0;

let server: TestServer;
let mover: Room;
let roomId: string;

// --- the well-behaved player -------------------------------------------------

let moving: Mover;

async function startMover(): Promise<void> {
  mover = await sdk(server.endpoint).create("game_room", { token: tokenFor("mover", server.cfg), lockstep: true });
  roomId = mover.roomId;
  moving = new Mover(mover, LEAD_FRAMES);
  await nextMessage(mover, "frameSync");
  await moving.started();
}

/** The last frame the server simulated, as the mover saw it. */
const frameNow = () => moving.lastFrame;
const assertMovedEveryFrame = (from: number, to: number) => moving.assertMovedEveryFrame(from, to);

// --- /metrics and /health ------------------------------------------------------

const readMetrics = (): Promise<Samples> => scrapeMetrics(server.url("/"));

async function healthy(): Promise<void> {
  const res = await fetch(server.url("/health"));
  assert.equal(res.status, 200);
  assert.equal((await res.json()).status, "ok");
}

// --- attackers ---------------------------------------------------------------

let attackers = 0;

/** A fresh attacker seated in the mover's room (each case gets its own, so error replies are never throttled across cases). */
async function attacker(): Promise<Room> {
  const room = await sdk(server.endpoint).joinById(roomId, { token: tokenFor(`attacker-${++attackers}`, server.cfg) });
  await nextMessage(room, "frameSync");
  for (const type of ["lockstepFrame", "playerJoined", "playerLeft", "playerOffline", "playerOnline", "playerAction", "chat"]) {
    room.onMessage(type, () => {});
  }
  return room;
}

const ROOM_DATA = 13;

/** A ROOM_DATA frame: protocol byte, message type (msgpack string or number), msgpack payload bytes. */
function dataFrame(type: string | number, payload?: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from([ROOM_DATA]), pack(type), payload ?? Buffer.alloc(0)]);
}

function sendRaw(room: Room, bytes: Uint8Array | string): void {
  (room.connection as unknown as { send(data: Uint8Array | string): void }).send(bytes);
}

interface Expect {
  /** The `error.code` the attacker gets back. */
  code: string;
  /** A part of the error message (usually the field it names). */
  message?: RegExp;
}

/**
 * One hostile case: a fresh attacker does `act`; the reply must be `expect`; the
 * rejection counter of that code must move; the mover keeps moving; /health is ok.
 */
async function rejected(act: (room: Room) => void, expect: Expect, afterReply?: (room: Room) => Promise<void>): Promise<void> {
  const room = await attacker();
  const before = await readMetrics();
  const key = metricKey("framesync_messages_rejected_total", { code: expect.code });
  const startFrame = frameNow();
  const reply = nextMessage<{ code: string; message: string }>(room, "error", () => true, 8000);
  act(room);
  const error = await reply;
  assert.equal(error.code, expect.code, `reply: ${JSON.stringify(error)}`);
  if (expect.message) assert.match(error.message, expect.message);
  await afterReply?.(room);
  // The attacker is still connected and can play.
  room.send("input", { inputs: { jump: true } });
  await nextMessage(room, "playerAction", (a) => a.sessionId === room.sessionId && a.action === "jump", 8000);
  await healthy();
  const afterM = await readMetrics();
  assert.ok((afterM.get(key) ?? 0) > (before.get(key) ?? 0), `${key} did not move`);
  const endFrame = await waitFor(() => (frameNow() >= startFrame + 3 ? frameNow() : 0), { timeoutMs: 8000, what: "frames to pass" });
  assertMovedEveryFrame(startFrame + 1, endFrame);
  await room.leave();
}

before(async () => {
  server = await startServer({ MATCH_RECONNECT_WINDOW_MS: String(WINDOW_MS) });
  await startMover();
  await healthy();
  await readMetrics();
  await (await attacker()).leave();
  // The whole-run check starts once the warm-up is over: a second of frames after it.
  coverageStart = (await moving.framesPass(20)) + 1;
});

after(async () => {
  await mover?.leave().catch(() => {});
  await server?.close();
});

describe("malformed frames get an error reply and the sender stays connected", () => {
  test("garbage bytes", () => rejected((r) => sendRaw(r, Uint8Array.from([0xff, 0x13, 0x37, 0x00, 0xde, 0xad])), { code: "UNKNOWN_MESSAGE" }));
  test("garbage after a ROOM_DATA byte", () => rejected((r) => sendRaw(r, Uint8Array.from([ROOM_DATA, 0xc1, 0xc1, 0xff])), { code: "INVALID_MESSAGE", message: /decoded/ }));
  test("a frame with only the protocol byte", () => rejected((r) => sendRaw(r, Uint8Array.from([ROOM_DATA])), { code: "UNKNOWN_MESSAGE" }));
  test("an empty frame", () => rejected((r) => sendRaw(r, new Uint8Array(0)), { code: "UNKNOWN_MESSAGE" }));
  // The kind is the low 5 bits of byte 0 (the high bits are modifiers, as Colyseus reads them): 0x3e is kind 30, which does not exist.
  test("an unknown protocol code", () => rejected((r) => sendRaw(r, Uint8Array.from([0x3e, 1, 2, 3])), { code: "UNKNOWN_MESSAGE", message: /frame kind 30/ }));
  test("a ROOM_DATA_BYTES frame the room does not take", () => rejected((r) => sendRaw(r, Uint8Array.from([17, 0xa5, ...Buffer.from("input"), 1, 2])), { code: "UNKNOWN_MESSAGE" }));
  test("a ROOM_REQUEST frame the room does not answer", () => rejected((r) => sendRaw(r, Uint8Array.from([21, 1, 0xa5, ...Buffer.from("input")])), { code: "UNKNOWN_MESSAGE" }));
  test("a text frame instead of a binary one", () => rejected((r) => sendRaw(r, '{"type":"input","inputs":{}}'), { code: "UNKNOWN_MESSAGE" }));
  test("ROOM_DATA with a numeric type", () => rejected((r) => sendRaw(r, dataFrame(7, pack({ inputs: {} }))), { code: "UNKNOWN_MESSAGE", message: /7/ }));
  test("an unknown message type", () => rejected((r) => r.send("teleport", { x: 1 }), { code: "UNKNOWN_MESSAGE", message: /teleport/ }));
  test("a payload that is not msgpack (truncated map32)", () => rejected((r) => sendRaw(r, dataFrame("input", Uint8Array.from([0xdf, 0xff, 0xff, 0xff, 0xff]))), { code: "INVALID_MESSAGE", message: /decoded/ }));
  test("trailing bytes after a valid payload", () => rejected((r) => sendRaw(r, dataFrame("input", Buffer.concat([pack({ inputs: {} }), Buffer.from([1, 2, 3])]))), { code: "INVALID_MESSAGE" }));
  test("a reserved msgpack byte (0xc1) as payload", () => rejected((r) => sendRaw(r, dataFrame("input", Uint8Array.from([0xc1]))), { code: "INVALID_MESSAGE" }));
});

describe("payloads with wrong types or shapes get INVALID_MESSAGE naming the field", () => {
  test("input that is a string", () => rejected((r) => r.send("input", "move left"), { code: "INVALID_MESSAGE" }));
  test("input without inputs", () => rejected((r) => r.send("input", { frame: 1 }), { code: "INVALID_MESSAGE", message: /inputs/ }));
  test("inputs that is an array", () => rejected((r) => r.send("input", { inputs: [1, 2, 3] }), { code: "INVALID_MESSAGE", message: /inputs/ }));
  test("an unknown key on input", () => rejected((r) => r.send("input", { inputs: {}, godMode: true }), { code: "INVALID_MESSAGE", message: /godMode/ }));
  test("an unknown key inside inputs", () => rejected((r) => r.send("input", { inputs: { fly: true } }), { code: "INVALID_MESSAGE", message: /fly/ }));
  test("move.x that is a string", () => rejected((r) => r.send("input", { inputs: { move: { x: "1", y: 0 } } }), { code: "INVALID_MESSAGE", message: /move/ }));
  test("NaN in move.x (the player does not move)", async () => {
    let x: number | undefined;
    await rejected(
      (r) => {
        x = (r.state as any).players.get(r.sessionId).x;
        r.send("input", { inputs: { move: { x: NaN, y: 0 } } });
      },
      { code: "INVALID_MESSAGE", message: /move\.x.*finite/ },
      async (r) => {
        const frame = frameNow();
        await waitFor(() => frameNow() >= frame + 3, { timeoutMs: 8000, what: "frames to pass" });
        assert.equal((r.state as any).players.get(r.sessionId).x, x, "the position did not change");
      },
    );
  });
  test("Infinity in move.y", () => rejected((r) => r.send("input", { inputs: { move: { x: 0, y: Infinity } } }), { code: "INVALID_MESSAGE", message: /move\.y.*finite/ }));
  test("-Infinity as frame", () => rejected((r) => r.send("input", { inputs: {}, frame: -Infinity }), { code: "INVALID_MESSAGE", message: /frame/ }));
  test("a negative frame", () => rejected((r) => r.send("input", { inputs: {}, frame: -5 }), { code: "INVALID_MESSAGE", message: /frame/ }));
  test("a fractional frame", () => rejected((r) => r.send("input", { inputs: {}, frame: 10.5 }), { code: "INVALID_MESSAGE", message: /frame/ }));
  test("a frame beyond 2^53", () => rejected((r) => r.send("input", { inputs: {}, frame: 2 ** 60 }), { code: "INVALID_MESSAGE", message: /frame/ }));
  test("a 64-bit integer (bigint) in inputs", () => rejected((r) => sendRaw(r, dataFrame("input", Buffer.concat([Buffer.from([0x81, 0xa6]), Buffer.from("inputs"), Buffer.from([0x81, 0xa6]), Buffer.from("attack"), Buffer.from([0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]))), { code: "INVALID_MESSAGE", message: /attack/ }));
  test("a msgpack timestamp (Date) in inputs", () => rejected((r) => sendRaw(r, dataFrame("input", pack({ inputs: { attack: new Date() } }))), { code: "INVALID_MESSAGE", message: /attack/ }));
  test("binary data in inputs", () => rejected((r) => sendRaw(r, dataFrame("input", pack({ inputs: { attack: Buffer.from([1, 2, 3]) } }))), { code: "INVALID_MESSAGE", message: /attack/ }));
  test("an unknown msgpack extension", () => rejected((r) => sendRaw(r, dataFrame("input", Uint8Array.from([0x81, 0xa6, ...Buffer.from("inputs"), 0xd4, 0x05, 0x00]))), { code: "INVALID_MESSAGE" }));
});

describe("oversized and deep structures are refused before they reach the game", () => {
  const deep = (n: number): unknown => (n === 0 ? 1 : { a: deep(n - 1) });
  test("an array of 1000 items", () => rejected((r) => r.send("input", { inputs: { attack: Array.from({ length: 1000 }, () => 1) } }), { code: "INVALID_MESSAGE", message: /array longer/ }));
  test("nesting 20 levels deep", () => rejected((r) => r.send("input", { inputs: { attack: deep(20) } }), { code: "INVALID_MESSAGE", message: /deeper/ }));
  test("nesting ~4000 levels deep in one 4 KB frame", () => rejected((r) => sendRaw(r, dataFrame("input", Buffer.concat([Buffer.alloc(4000, 0x91), Buffer.from([1])]))), { code: "INVALID_MESSAGE" }));
  test("an object with 200 keys", () => rejected((r) => r.send("input", { inputs: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, 1])) }), { code: "INVALID_MESSAGE", message: /keys/ }));
  test("a 2000-character string", () => rejected((r) => r.send("input", { inputs: { attack: "x".repeat(2000) } }), { code: "INVALID_MESSAGE", message: /string longer/ }));
  test("a 100-character key", () => rejected((r) => r.send("input", { inputs: { ["k".repeat(100)]: 1 } }), { code: "INVALID_MESSAGE", message: /key longer/ }));
  test("a chat message of 281 characters", () => rejected((r) => r.send("chat", "y".repeat(281)), { code: "INVALID_MESSAGE", message: /280/ }));
  test("a chat of 280 characters padded with spaces is relayed, not refused", async () => {
    const room = await attacker();
    const text = "c".repeat(280);
    const relayed = nextMessage(mover, "chat", (m) => m.sessionId === room.sessionId, 8000);
    room.send("chat", `   ${text}   `);
    assert.equal((await relayed).message, text);
    await room.leave();
  });
  test("an empty chat message", () => rejected((r) => r.send("chat", "   "), { code: "INVALID_MESSAGE", message: /empty/ }));
  test("chat that is a number", () => rejected((r) => r.send("chat", 42), { code: "INVALID_MESSAGE" }));
  test("frames:since with a string frame", () => rejected((r) => r.send("frames:since", { frame: "0" }), { code: "INVALID_MESSAGE", message: /frame/ }));

  test("a frame over 4 KB is closed by the transport with 1009, counted", async () => {
    const before = await readMetrics();
    const room = await attacker();
    const startFrame = frameNow();
    const code = leaveCode(room);
    sendRaw(room, dataFrame("chat", pack("z".repeat(5000))));
    assert.equal(await code, 1009);
    await healthy();
    const afterM = await readMetrics();
    const key = metricKey("framesync_protocol_errors_total", { code: "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" });
    assert.ok((afterM.get(key) ?? 0) > (before.get(key) ?? 0), `${key} did not move`);
    const endFrame = await waitFor(() => (frameNow() >= startFrame + 3 ? frameNow() : 0), { timeoutMs: 8000, what: "frames to pass" });
    assertMovedEveryFrame(startFrame + 1, endFrame);
  });
});

describe("prototype pollution keys are dropped", () => {
  for (const key of ["__proto__", "constructor", "prototype"]) {
    test(`a ${key} key in inputs is ignored and the rest of the input applies`, async () => {
      const room = await attacker();
      const before = await readMetrics();
      const startFrame = frameNow();
      // msgpack carries "__proto__" as an ordinary map key; build it by hand so no JS object is involved.
      const inputs = Buffer.concat([
        Buffer.from([0x82, 0xa0 + key.length]),
        Buffer.from(key),
        pack({ polluted: true, x: 1 }),
        Buffer.from([0xa4]),
        Buffer.from("jump"),
        Buffer.from([0xc3]),
      ]);
      const payload = Buffer.concat([Buffer.from([0x81, 0xa6]), Buffer.from("inputs"), inputs]);
      const jumped = nextMessage(room, "playerAction", (a) => a.sessionId === room.sessionId && a.action === "jump", 8000);
      sendRaw(room, dataFrame("input", payload));
      await jumped;
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
      const afterM = await readMetrics();
      assert.ok(afterM.get("framesync_inputs_accepted_total")! > before.get("framesync_inputs_accepted_total")!);
      await healthy();
      assertMovedEveryFrame(startFrame + 1, await moving.framesPass(2));
      await room.leave();
    });
  }
});

describe("frames far away in time", () => {
  test("an input for a frame far in the future gets FRAME_OUT_OF_RANGE", () =>
    rejected((r) => r.send("input", { inputs: { jump: true }, frame: frameNow() + 100_000 }), { code: "FRAME_OUT_OF_RANGE", message: /ahead/ }));

  test("an input for a frame long past applies on the next tick", async () => {
    const room = await attacker();
    const before = await readMetrics();
    const startFrame = frameNow();
    const jumped = nextMessage(room, "playerAction", (a) => a.sessionId === room.sessionId && a.action === "jump", 8000);
    room.send("input", { inputs: { jump: true }, frame: 0 });
    await jumped;
    const afterM = await readMetrics();
    assert.ok(afterM.get("framesync_inputs_accepted_total")! > before.get("framesync_inputs_accepted_total")!);
    await healthy();
    assertMovedEveryFrame(startFrame + 1, await moving.framesPass(2));
    await room.leave();
  });
});

describe("floods", () => {
  test("a burst over the limit gets RATE_LIMITED at most once a second, and the sender stays", async () => {
    const room = await attacker();
    const before = await readMetrics();
    const errors = collect<{ code: string }>(room, "error");
    const startFrame = frameNow();
    const started = Date.now();
    for (let i = 0; i < 300; i++) room.send("input", { inputs: { attack: true } });
    await waitFor(() => errors.some((e) => e.code === "RATE_LIMITED"), { timeoutMs: 8000, what: "RATE_LIMITED" });
    // Tokens come back with time: the sender can play again after a pause.
    await elapse(1100);
    room.send("input", { inputs: { jump: true } });
    // A connection's messages are handled in order: the burst was all handled before this jump.
    await nextMessage(room, "playerAction", (a) => a.sessionId === room.sessionId && a.action === "jump", 8000);
    const limited = errors.filter((e) => e.code === "RATE_LIMITED").length;
    const seconds = (Date.now() - started) / 1000;
    assert.ok(limited <= Math.ceil(seconds) + 1, `${limited} RATE_LIMITED replies in ${seconds.toFixed(1)} s`);
    const afterM = await readMetrics();
    const key = metricKey("framesync_messages_rejected_total", { code: "RATE_LIMITED" });
    assert.ok((afterM.get(key) ?? 0) - (before.get(key) ?? 0) >= 100, "most of the burst was counted as rejected");
    await healthy();
    assertMovedEveryFrame(startFrame + 1, await moving.framesPass(2));
    await room.leave();
  });

  test("a sustained flood is closed with 4002 and holds no seat (playerLeft at once)", async () => {
    const room = await attacker();
    const before = await readMetrics();
    const startFrame = frameNow();
    const left = nextMessage(mover, "playerLeft", (m) => m.sessionId === room.sessionId, 15_000);
    const offline = collect<{ sessionId: string }>(mover, "playerOffline");
    const code = leaveCode(room);
    let closed = false;
    void code.then(() => (closed = true));
    // About 400 messages a second (over 4 × 60) until the server closes the socket.
    const deadline = Date.now() + 10_000;
    while (!closed && Date.now() < deadline) {
      for (let i = 0; i < 20 && !closed; i++) room.send("input", { inputs: { attack: true } });
      // Pacing, not waiting: the flood must be sustained over time, not one burst.
      await elapse(50);
    }
    assert.equal(await code, 4002);
    await left;
    assert.equal(offline.filter((m) => m.sessionId === room.sessionId).length, 0, "no playerOffline: the seat is not held");
    await healthy();
    const afterM = await readMetrics();
    const key = metricKey("framesync_clients_closed_total", { code: "4002" });
    assert.ok((afterM.get(key) ?? 0) > (before.get(key) ?? 0), `${key} did not move`);
    assertMovedEveryFrame(startFrame + 1, await moving.framesPass(2));
  });
});

describe("joins with bad tokens or absurd options are refused with a clear error", () => {
  const exp = () => Math.floor(Date.now() / 1000) + 600;
  async function refusedJoin(join: () => Promise<Room>, code: number, message: RegExp): Promise<void> {
    const before = await readMetrics();
    const startFrame = frameNow();
    let err: { code: number; message: string } | undefined;
    try {
      const room = await join();
      await room.leave();
    } catch (e) {
      err = e as { code: number; message: string };
    }
    assert.ok(err, "the join was accepted");
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    await healthy();
    const afterM = await readMetrics();
    const key = metricKey("framesync_joins_refused_total", { code: String(code) });
    assert.ok((afterM.get(key) ?? 0) > (before.get(key) ?? 0), `${key} did not move`);
    const endFrame = await waitFor(() => (frameNow() >= startFrame + 2 ? frameNow() : 0), { timeoutMs: 8000, what: "frames to pass" });
    assertMovedEveryFrame(startFrame + 1, endFrame);
  }
  const joinWith = (token: string) => () => sdk(server.endpoint).joinById(roomId, { token });

  test("a token with alg none", () => refusedJoin(joinWith(jwt.sign({ userId: "x", exp: exp() }, "", { algorithm: "none" })), 401, /token/));
  test("a token without exp", () => refusedJoin(joinWith(jwt.sign({ userId: "x" }, server.cfg.jwtSecret)), 401, /exp/));
  test("an expired token", () => refusedJoin(joinWith(jwt.sign({ userId: "x", exp: Math.floor(Date.now() / 1000) - 60 }, server.cfg.jwtSecret)), 401, /expired/));
  test("a token signed with another secret", () => refusedJoin(joinWith(jwt.sign({ userId: "x", exp: exp() }, "not-the-secret")), 401, /signature/));
  test("a 10 KB token", () => refusedJoin(joinWith("a".repeat(10_000)), 401, /malformed/));
  test("a 100 KB token (the request body is over the matchmaking limit)", () => refusedJoin(joinWith("a".repeat(100_000)), 413, /body over/));

  const create = (options: Record<string, unknown>) => () => sdk(server.endpoint).create("game_room", { token: tokenFor("creator", server.cfg), ...options });
  test("create with fps 1e9", () => refusedJoin(create({ fps: 1e9 }), 400, /fps/));
  test("create with fps 0", () => refusedJoin(create({ fps: 0 }), 400, /fps/));
  test("create with fps as a string", () => refusedJoin(create({ fps: "fast" }), 400, /fps/));
  test("create with playersPerMatch 1e6", () => refusedJoin(create({ playersPerMatch: 1e6 }), 400, /playersPerMatch/));
  test("create with a 10 KB matchId", () => refusedJoin(create({ matchId: "m".repeat(10_000) }), 400, /matchId/));
  test("create with forged seats", () =>
    refusedJoin(create({ matchId: "forged", seats: [{ userId: "creator", seatIndex: 0, reconnectKey: "k" }], seatsSig: "nope" }), 403, /signed/));
  test("create with fps hidden behind __proto__", async () => {
    await refusedJoin(create(JSON.parse('{"__proto__": {"fps": 1000000000}, "recordFrames": "yes"}')), 400, /recordFrames/);
    assert.equal(({} as Record<string, unknown>).fps, undefined);
  });
  test("join with a non-integer seatIndex", () => refusedJoin(() => sdk(server.endpoint).joinById(roomId, { token: tokenFor("seaty", server.cfg), seatIndex: 1.5 }), 400, /seatIndex/));
  test("join with a 10 KB reconnectKey", () => refusedJoin(() => sdk(server.endpoint).joinById(roomId, { token: tokenFor("keyy", server.cfg), reconnectKey: "k".repeat(10_000) }), 400, /reconnectKey/));
});

describe("connection-level faults", () => {
  test("a WebSocket to a room that does not exist (no seat reservation) is closed and counted", async () => {
    const before = await readMetrics();
    const startFrame = frameNow();
    const ws = new WebSocket(`${server.endpoint}/nope/nope?sessionId=forged`);
    const closed = await new Promise<number>((resolve) => ws.addEventListener("close", (e) => resolve(e.code)));
    assert.ok(closed >= 1000, `closed with ${closed}`);
    await healthy();
    const key = metricKey("framesync_connections_refused_total", { reason: "join_failed" });
    await waitFor(async () => ((await readMetrics()).get(key) ?? 0) > (before.get(key) ?? 0), { timeoutMs: 8000, what: `${key} to move` });
    assertMovedEveryFrame(startFrame + 1, await moving.framesPass(2));
  });

  test("a forged reconnection token is refused (524) and counted", async () => {
    const before = await readMetrics();
    const startFrame = frameNow();
    const err = await sdk(server.endpoint)
      .reconnect(`${roomId}:forged-token`)
      .then(
        () => undefined,
        (e: { code?: number; message?: string }) => e,
      );
    assert.ok(err, "the reconnection was accepted");
    assert.equal(err.code, 524, err.message);
    await healthy();
    const key = metricKey("framesync_joins_refused_total", { code: "524" });
    assert.ok(((await readMetrics()).get(key) ?? 0) > (before.get(key) ?? 0), `${key} did not move`);
    assertMovedEveryFrame(startFrame + 1, await moving.framesPass(2));
  });

  test("matchmaking bodies that are not options objects, too big, or for an unknown room get 4xx/5xx answers", async () => {
    const before = await readMetrics();
    const startFrame = frameNow();
    const post = (body: string, room = "game_room") =>
      fetch(server.url(`/matchmake/create/${room}`), { method: "POST", headers: { "content-type": "application/json" }, body });
    // Not JSON at all: Colyseus answers 400 before any room code runs (nothing of ours to count).
    assert.equal((await post("{")).status, 400);
    // JSON but not an options object: no token in it, so 401 naming that, counted.
    for (const body of ["[1,2,3]", "null", '"just a string"', "12"]) {
      const res = await post(body);
      assert.equal(res.status, 401, `${body} → ${res.status}`);
      assert.match((await res.json()).error, /token missing/);
    }
    // Colyseus reads a matchmaking body whole, with no limit: ours refuses it unread.
    const big = await post(JSON.stringify({ token: "t", pad: "p".repeat(2 * 1024 * 1024) })).catch(() => undefined);
    assert.ok(!big || big.status === 413, `a 2 MB body → ${big?.status}`);
    const chunked = await fetch(server.url("/matchmake/create/game_room"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"token":"'));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit).catch(() => undefined);
    assert.ok(!chunked || chunked.status === 411, `a body of unknown length → ${chunked?.status}`);
    const unknownRoom = await post("{}", "no_such_room");
    assert.equal(unknownRoom.status, 520);
    await healthy();
    const afterM = await readMetrics();
    const unauthorized = metricKey("framesync_joins_refused_total", { code: "401" });
    assert.ok((afterM.get(unauthorized) ?? 0) - (before.get(unauthorized) ?? 0) >= 4, `${unauthorized} did not count them`);
    const tooBig = metricKey("framesync_joins_refused_total", { code: "413" });
    assert.ok((afterM.get(tooBig) ?? 0) > (before.get(tooBig) ?? 0), `${tooBig} did not move`);
    const noHandler = metricKey("framesync_joins_refused_total", { code: "520" });
    assert.ok((afterM.get(noHandler) ?? 0) > (before.get(noHandler) ?? 0), `${noHandler} did not move`);
    assertMovedEveryFrame(startFrame + 1, await moving.framesPass(2));
  });

  test("one IP holding many connections that never join is capped; joined players are not affected", async () => {
    const before = await readMetrics();
    const startFrame = frameNow();
    const sockets: net.Socket[] = [];
    let refusedAfter = -1;
    try {
      for (let i = 0; i < server.cfg.maxPendingConnectionsPerIp + 20 && refusedAfter < 0; i++) {
        const socket = net.connect(server.port, "127.0.0.1");
        sockets.push(socket);
        const closedByServer = await new Promise<boolean>((resolve) => {
          socket.once("close", () => resolve(true));
          socket.once("error", () => resolve(true));
          // A refused socket is closed right after it is accepted: one that is still open a moment later was let in.
          socket.once("connect", () => setTimeout(() => resolve(socket.destroyed), 30));
        });
        if (closedByServer) refusedAfter = i;
      }
      assert.ok(refusedAfter >= 0, "the server never refused a connection");
      assert.ok(refusedAfter <= server.cfg.maxPendingConnectionsPerIp, `refused only after ${refusedAfter} sockets`);
    } finally {
      for (const s of sockets) s.destroy();
    }
    // Sockets gone, this IP may connect again.
    await waitFor(async () => (await fetch(server.url("/health")).catch(() => undefined))?.status === 200, { timeoutMs: 8000, what: "/health again" });
    const afterM = await readMetrics();
    const key = metricKey("framesync_connections_refused_total", { reason: "ip_cap" });
    assert.ok((afterM.get(key) ?? 0) > (before.get(key) ?? 0), `${key} did not move`);
    assertMovedEveryFrame(startFrame + 1, await moving.framesPass(2));
  });
});

/**
 * A TCP proxy that can stop reading from the server while still forwarding what the
 * client sends: the server's writes pile up as for a client that stopped reading.
 */
class StallProxy {
  private server!: net.Server;
  private readonly upstream = new Set<net.Socket>();
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  /** The server closed a WebSocket that went through this proxy. */
  webSocketClosed = false;

  async start(targetPort: number): Promise<this> {
    this.server = net.createServer((inbound) => {
      const outbound = net.connect(targetPort, "127.0.0.1");
      this.upstream.add(outbound);
      this.sockets.add(inbound).add(outbound);
      let webSocket = false;
      inbound.once("data", (chunk: Buffer) => (webSocket = /^upgrade:\s*websocket/im.test(chunk.toString("latin1"))));
      inbound.pipe(outbound);
      outbound.pipe(inbound);
      outbound.on("close", () => {
        if (webSocket) this.webSocketClosed = true;
        inbound.destroy();
      });
      inbound.on("close", () => outbound.destroy());
      inbound.on("error", () => {});
      outbound.on("error", () => {});
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  get endpoint(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Stops reading what the server sends (from now on, on every connection). */
  stall(): void {
    for (const s of this.upstream) {
      s.unpipe();
      s.pause();
    }
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

describe("a client that stops reading", () => {
  test("is closed (4010, may reconnect) before the server holds megabytes for it; its seat is held like any drop", async () => {
    const proxy = await new StallProxy().start(server.port);
    try {
      const room = await sdk(proxy.endpoint).joinById(roomId, { token: tokenFor("sleepy", server.cfg) });
      await nextMessage(room, "frameSync");
      room.onMessage("*", () => {});
      const before = await readMetrics();
      const startFrame = frameNow();
      const offline = nextMessage(mover, "playerOffline", (m) => m.sessionId === room.sessionId, 60_000);
      // Six players fill the lockstep history with 1 KB inputs every frame; then the
      // client, no longer reading, asks for all of it (frames:since) again and again:
      // megabytes a second for the server to send, more than the kernel's socket buffers
      // take before the ping timeout would drop it anyway.
      const fat = "f".repeat(1000);
      const fatPlayers: Room[] = [];
      for (let i = 0; i < 6; i++) fatPlayers.push(await attacker());
      const fill = setInterval(() => {
        for (const p of fatPlayers) p.send("input", { inputs: { attack: fat } });
      }, 50);
      try {
        // Let the history fill with fat frames (4 s of them) before the client stops reading.
        await moving.framesPass(80, 30_000);
        proxy.stall();
        // As often as the room answers frames:since (every 250 ms), each answer ~900 KB.
        const pump = setInterval(() => room.send("frames:since", { frame: Math.max(-1, frameNow() - 150) }), 260);
        try {
          await waitFor(() => proxy.webSocketClosed, { timeoutMs: 60_000, what: "the server to close the stalled client" });
        } finally {
          clearInterval(pump);
        }
      } finally {
        clearInterval(fill);
        for (const p of fatPlayers) await p.leave();
      }
      await offline;
      await healthy();
      const afterM = await readMetrics();
      const key = metricKey("framesync_clients_closed_total", { code: "4010" });
      assert.ok((afterM.get(key) ?? 0) > (before.get(key) ?? 0), `${key} did not move`);
      assertMovedEveryFrame(startFrame + 1, await moving.framesPass(2));
    } finally {
      await proxy.close();
    }
  });
});

describe("the matchmaker room takes the same abuse", () => {
  let lobbies = 0;
  /**
   * A fresh attacker in matchmaker_room does `act`; it gets `code` on `channel`, the counter
   * moves, the game room's mover keeps moving, and a well-behaved lobby player still queues.
   */
  async function refusedInLobby(act: (room: Room) => void, code: string, channel = "match:error"): Promise<void> {
    const attackerLobby = await joinLobby(server.endpoint, `lobby-attacker-${++lobbies}`, tokenFor(`lobby-attacker-${lobbies}`, server.cfg));
    const before = await readMetrics();
    const startFrame = frameNow();
    act(attackerLobby.room);
    const reply = await attackerLobby.inbox.take<{ code: string }>(channel, () => true, 8000);
    assert.equal(reply.code, code, JSON.stringify(reply));
    await healthy();
    const key = metricKey("framesync_messages_rejected_total", { code });
    assert.ok(((await readMetrics()).get(key) ?? 0) > (before.get(key) ?? 0), `${key} did not move`);
    // The attacker and a well-behaved player can both still use the matchmaker.
    const good = await joinLobby(server.endpoint, `lobby-good-${lobbies}`, tokenFor(`lobby-good-${lobbies}`, server.cfg));
    await good.ask("match:find", { playersPerMatch: 5, modeId: `m${lobbies}` }, "match:queued");
    await attackerLobby.ask("match:find", { playersPerMatch: 5, modeId: `a${lobbies}` }, "match:queued");
    assertMovedEveryFrame(startFrame + 1, await moving.framesPass(2));
    await Promise.all([good.room.leave(), attackerLobby.room.leave()]);
  }

  test("a frame with only the protocol byte", () => refusedInLobby((r) => sendRaw(r, Uint8Array.from([ROOM_DATA])), "UNKNOWN_MESSAGE"));
  test("garbage bytes", () => refusedInLobby((r) => sendRaw(r, Uint8Array.from([0xff, 0x00, 0x42])), "UNKNOWN_MESSAGE"));
  test("an undecodable payload", () => refusedInLobby((r) => sendRaw(r, dataFrame("match:find", Uint8Array.from([0xdf, 0xff, 0xff, 0xff, 0xff]))), "INVALID_MESSAGE"));
  test("an unknown message type", () => refusedInLobby((r) => r.send("match:steal", {}), "UNKNOWN_MESSAGE"));
  test("NaN players per match", () => refusedInLobby((r) => r.send("match:find", { playersPerMatch: NaN }), "INVALID_MESSAGE"));
  test("a nested structure 20 levels deep", () => {
    const deep = (n: number): unknown => (n === 0 ? 1 : { a: deep(n - 1) });
    return refusedInLobby((r) => r.send("match:find", { playersPerMatch: 2, modeId: deep(20) }), "INVALID_MESSAGE");
  });
  test("a 1000-character party code", () => refusedInLobby((r) => r.send("party:join", { partyCode: "p".repeat(1000) }), "INVALID_MESSAGE", "party:error"));
});

describe("the whole run", () => {
  // Run with the others, this covers every attack above; run alone, it still has its 200 frames to check.
  test("the well-behaved player moved in every frame from start to end", async () => {
    await moving.reached(coverageStart + 200, 30_000);
    assertMovedEveryFrame(coverageStart, frameNow());
  });
});
