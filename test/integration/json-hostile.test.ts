/**
 * Hostile JSON (contract §6, §9): whatever a JSON socket sends, the answer is an
 * `error` (envelope faults) or the room's own `error` message, never a crash; each is
 * counted in /metrics; an SDK player in the same room keeps moving every frame; the
 * hostile socket itself stays open (except for a flood: 4002, no seat held).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Room } from "@colyseus/sdk";
import { collect, nextMessage, sdk, sleep, startServer, tokenFor, waitFor, type TestServer } from "../support/helpers.ts";
import { JsonSocket, type Frame } from "../support/json-client.ts";
import { Mover } from "../support/mover.ts";

let server: TestServer;
let mover: Room;
let moving: Mover;
let roomId: string;
let coverageStart = 0;
let n = 0;

async function readMetrics(): Promise<Map<string, number>> {
  const text = await (await fetch(server.url("/metrics"))).text();
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

async function counted(key: string, action: () => Promise<void>, atLeast = 1): Promise<void> {
  const before = (await readMetrics()).get(key) ?? 0;
  await action();
  await waitFor(async () => ((await readMetrics()).get(key) ?? 0) >= before + atLeast, { timeoutMs: 3000, what: `${key} to grow by ${atLeast}` });
}

/** A JSON socket seated in the mover's room. */
async function seated(): Promise<JsonSocket> {
  const s = await JsonSocket.open(server.endpoint);
  await s.join("joinById", roomId, { token: tokenFor(`hostile-${++n}`, server.cfg) });
  await s.next((f) => f.type === "state");
  return s;
}

/** A consented leave, so the socket's seat frees at once (a dropped one would be held). */
async function done(s: JsonSocket): Promise<void> {
  if (s.closeCode !== undefined) return;
  s.sendJson({ type: "leave" });
  await s.closed;
}

const envelopeError = (s: JsonSocket) => s.after((f) => f.type === "error");
const roomError = (s: JsonSocket, code: string) => s.after((f) => f.type === "message" && f.name === "error" && f.data.code === code);

before(async () => {
  server = await startServer({ MATCH_RECONNECT_WINDOW_MS: "3000" });
  mover = await sdk(server.endpoint).create("game_room", { token: tokenFor("mover", server.cfg), lockstep: true });
  roomId = mover.roomId;
  moving = new Mover(mover, 20);
  await nextMessage(mover, "frameSync");
  await moving.started();
  coverageStart = moving.lastFrame + 1;
});
after(async () => {
  // The well-behaved player moved on every frame of the whole run, attacks and all.
  moving.assertMovedEveryFrame(coverageStart, moving.lastFrame - 1);
  const health = await fetch(server.url("/health"));
  assert.equal(health.status, 200);
  await server.close();
});

describe("envelope faults: error BAD_FRAME / NOT_JOINED / ALREADY_JOINED, socket open, counted", () => {
  const badFrames: Array<[string, string | Buffer, RegExp]> = [
    ["not JSON", "{type: join", /not JSON/],
    ["invalid UTF-8 bytes", Buffer.from([0xff, 0xfe, 0x7b]), /not JSON/],
    ["a JSON array", "[1,2,3]", /JSON object/],
    ["a JSON string", '"join"', /JSON object/],
    ["null", "null", /JSON object/],
    ["an unknown type", '{"type":"hack"}', /unknown type "hack"/],
    ["no type at all", '{"rid":1}', /unknown type null/],
    ["deep nesting as the frame", "[".repeat(1500) + "]".repeat(1500), /JSON object/],
    ["a join with a bad mode", '{"type":"join","mode":"steal","room":"game_room"}', /mode/],
    ["a join without a room", '{"type":"join","mode":"joinOrCreate"}', /room: required/],
    ["a join with a non-object options", '{"type":"join","mode":"create","room":"game_room","options":[1]}', /options/],
    ["a reconnect without a token", '{"type":"join","mode":"reconnect"}', /reconnectionToken/],
  ];
  for (const [what, frame, message] of badFrames) {
    test(`${what} → BAD_FRAME`, async () => {
      const s = await JsonSocket.open(server.endpoint);
      let answer: Frame | undefined;
      await counted('framesync_json_envelope_errors_total{code="BAD_FRAME"}', async () => {
        s.sendRaw(frame, Buffer.isBuffer(frame));
        answer = await envelopeError(s);
      });
      assert.equal(answer!.code, "BAD_FRAME");
      assert.match(answer!.message, message);
      // Still open and still usable.
      const joined = await s.join("joinById", roomId, { token: tokenFor(`recovered-${++n}`, server.cfg) });
      assert.ok(joined.sessionId);
      await done(s);
    });
  }

  test("send, resync and leave before a join → NOT_JOINED", async () => {
    const s = await JsonSocket.open(server.endpoint);
    await counted('framesync_json_envelope_errors_total{code="NOT_JOINED"}', async () => {
      for (const frame of [{ type: "send", name: "input", data: { inputs: {} } }, { type: "resync" }, { type: "leave" }]) {
        s.sendJson(frame);
        assert.equal((await envelopeError(s)).code, "NOT_JOINED");
      }
    }, 3);
    assert.equal(s.closeCode, undefined);
    await done(s);
  });

  test("a second join → ALREADY_JOINED, the first membership untouched", async () => {
    const s = await seated();
    await counted('framesync_json_envelope_errors_total{code="ALREADY_JOINED"}', async () => {
      s.sendJson({ type: "join", rid: "again", mode: "create", room: "game_room", options: { token: tokenFor("x", server.cfg) } });
      const e = await envelopeError(s);
      assert.equal(e.code, "ALREADY_JOINED");
      assert.equal(e.rid, "again");
    });
    await s.after((f) => f.type === "patch");
    await done(s);
  });

  test("a send without a name, or with a non-string name → BAD_FRAME", async () => {
    const s = await seated();
    s.sendJson({ type: "send", data: {} });
    assert.match((await envelopeError(s)).message, /name/);
    s.sendJson({ type: "send", name: { evil: true }, data: {} });
    assert.equal((await envelopeError(s)).code, "BAD_FRAME");
    await done(s);
  });
});

describe("room payloads over JSON take the room's own guarded path", () => {
  test("an unknown message name → the room's UNKNOWN_MESSAGE, counted for protocol json", async () => {
    const s = await seated();
    await counted('framesync_messages_rejected_by_protocol_total{protocol="json"}', async () => {
      s.sendJson({ type: "send", name: "giveMeGold", data: 1 });
      await roomError(s, "UNKNOWN_MESSAGE");
    });
    await done(s);
  });

  test("deeply nested inputs → INVALID_MESSAGE naming the depth", async () => {
    const s = await seated();
    const deep = '{"a":'.repeat(500) + "1" + "}".repeat(500);
    await counted('framesync_messages_rejected_total{code="INVALID_MESSAGE"}', async () => {
      s.sendRaw(`{"type":"send","name":"input","data":{"inputs":${deep}}}`);
      const e = await roomError(s, "INVALID_MESSAGE");
      assert.match(e.data.message, /nested deeper|could not be encoded|inputs/);
    });
    await done(s);
  });

  test("huge numbers (1e400 parses as Infinity, a frame of 1e300) → INVALID_MESSAGE naming the field", async () => {
    const s = await seated();
    await counted('framesync_messages_rejected_total{code="INVALID_MESSAGE"}', async () => {
      s.sendRaw('{"type":"send","name":"input","data":{"inputs":{"move":{"x":1e400,"y":0}}}}');
      const e = await roomError(s, "INVALID_MESSAGE");
      assert.match(e.data.message, /finite/);
    });
    await sleep(1100); // the room answers one error a second per code
    s.sendRaw('{"type":"send","name":"input","data":{"inputs":{"move":{"x":0,"y":0}},"frame":1e300}}');
    assert.match((await roomError(s, "INVALID_MESSAGE")).data.message, /frame/);
    await done(s);
  });

  test("__proto__ keys pollute nothing: not in data, not in the envelope, not in join options", async () => {
    const s = await JsonSocket.open(server.endpoint);
    // A token smuggled in a __proto__ key is no token.
    s.sendRaw(`{"type":"join","rid":1,"mode":"joinById","room":"${roomId}","options":{"__proto__":{"token":"${tokenFor("proto", server.cfg)}"}}}`);
    const refused = await s.after((f) => f.type === "error");
    assert.equal(refused.code, 401);
    await s.join("joinById", roomId, { token: tokenFor(`proto-${++n}`, server.cfg) });
    s.sendRaw('{"type":"send","__proto__":{"name":"chat"},"name":"input","data":{"inputs":{"__proto__":{"polluted":true},"move":{"x":1,"y":0}}}}');
    const moved = await s.after((f) => f.type === "patch" && f.messages.some((m: any) => m.name === "playerAction"));
    assert.ok(moved);
    assert.equal(({} as any).polluted, undefined);
    assert.equal((Object.prototype as any).name, undefined);
    await done(s);
  });

  test("duplicate keys: the last one wins, as in JSON.parse everywhere", async () => {
    const s = await seated();
    s.sendRaw('{"type":"join","type":"send","name":"chat","name":"input","data":{"inputs":{"jump":true}}}');
    const jumped = await s.after((f) => f.type === "patch" && f.messages.some((m: any) => m.data?.action === "jump"));
    assert.ok(jumped);
    await done(s);
  });
});

test("a JSON flood: RATE_LIMITED, then closed with 4002 holding no seat; the room ticks on", { timeout: 20_000 }, async () => {
  const s = await seated();
  const left = collect(mover, "playerLeft");
  const offline = collect(mover, "playerOffline");
  const closedBefore = (await readMetrics()).get('framesync_clients_closed_total{code="4002"}') ?? 0;
  const timer = setInterval(() => {
    for (let i = 0; i < 40 && s.closeCode === undefined; i++) s.sendJson({ type: "send", name: "input", data: { inputs: { jump: true } } });
  }, 40);
  try {
    await roomError(s, "RATE_LIMITED").catch(() => s.next((f) => f.type === "error" && f.code === "RATE_LIMITED"));
    assert.equal(await s.closed, 4002);
  } finally {
    clearInterval(timer);
  }
  await waitFor(() => left.length === 1, { timeoutMs: 3000, what: "playerLeft for the flooder" });
  assert.equal(offline.length, 0, "abuse holds no seat");
  assert.ok(((await readMetrics()).get('framesync_clients_closed_total{code="4002"}') ?? 0) >= closedBefore + 1);
});
