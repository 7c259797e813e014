/**
 * The input fast path (src/net/inputFastPath.ts) against sanitize + zod, over thousands of
 * generated `input` frames encoded as the SDK encodes them: the gate with the fast check
 * and the gate without it must give the same outcome — the same accept, the same payload,
 * the same error code and text. And the fast path must really take the common shapes.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Protocol, getMessageBytes } from "@colyseus/core";
import { gateMessage, type GatedHandler } from "../../src/net/messageGate.ts";
import { anyInputsFast, isFastInput, type InputsFastCheck } from "../../src/net/inputFastPath.ts";
import { RateLimiter } from "../../src/net/rateLimit.ts";
import { AnyInputs, inputMessage } from "../../src/protocol/messages.ts";
import { ExampleInputs, exampleInputsFast } from "../../src/rooms/GameRoomExample.ts";
import type { z } from "zod";

/** mulberry32: a small seeded generator, so a failure names a reproducible seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
type Rng = ReturnType<typeof rng>;

const KEYS = ["move", "attack", "jump", "x", "y", "inputs", "frame", "__proto__", "__proto_", "constructor", "prototype", "a", "k".repeat(33), "k".repeat(32), ""] as const;
const NUMBERS = [0, -0, 1, -1, 0.5, -0.25, 3.75, 1e-7, 1e300, -1e300, 2 ** 53, 2 ** 53 - 1, 2 ** 60, -(2 ** 31), NaN, Infinity, -Infinity, 42, 7.000001];

/** An own property even for "__proto__" (a literal would set the prototype instead). */
function put(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function scalar(r: Rng): unknown {
  switch (r.int(9)) {
    case 0:
    case 1:
      return r.pick(NUMBERS);
    case 2:
      return r.next() * 4 - 2;
    case 3:
      return r.chance(0.5);
    case 4:
      return null;
    case 5:
      return r.pick(["", "x", "hit", "é", "a".repeat(1024), "a".repeat(1025)]);
    case 6:
      return r.int(1000);
    case 7:
      return undefined;
    default:
      return new Date(0);
  }
}

function value(r: Rng, depth: number): unknown {
  if (depth > 5 || r.chance(0.55)) return scalar(r);
  if (r.chance(0.3)) return Array.from({ length: r.pick([0, 1, 2, 17]) }, () => value(r, depth + 1));
  const obj: Record<string, unknown> = {};
  const n = r.pick([0, 1, 2, 3, 17]);
  for (let i = 0; i < n; i++) put(obj, r.chance(0.7) ? r.pick(KEYS) : `k${r.int(40)}`, value(r, depth + 1));
  return obj;
}

/** Mostly the common shape, each part sometimes bent; sometimes anything at all. */
function inputPayload(r: Rng): unknown {
  if (r.chance(0.15)) return value(r, 0);
  const inputs: Record<string, unknown> = {};
  if (r.chance(0.85)) {
    const move: Record<string, unknown> = {};
    if (r.chance(0.95)) put(move, "x", r.chance(0.8) ? r.pick([-1, 0, 1, 0.5]) : scalar(r));
    if (r.chance(0.95)) put(move, "y", r.chance(0.8) ? r.next() * 2 - 1 : scalar(r));
    if (r.chance(0.05)) put(move, r.pick(KEYS), scalar(r));
    put(inputs, "move", r.chance(0.95) ? move : value(r, 2));
  }
  if (r.chance(0.2)) put(inputs, "attack", scalar(r));
  if (r.chance(0.15)) put(inputs, "jump", r.chance(0.8) ? r.chance(0.5) : scalar(r));
  if (r.chance(0.1)) put(inputs, r.pick(KEYS), value(r, 2));
  for (let i = r.chance(0.03) ? 17 : 0; i > 0; i--) put(inputs, `k${i}`, 1);
  const msg: Record<string, unknown> = {};
  put(msg, "inputs", r.chance(0.95) ? inputs : value(r, 1));
  if (r.chance(0.3)) put(msg, "frame", r.chance(0.8) ? r.int(100000) : scalar(r));
  if (r.chance(0.05)) put(msg, r.pick(KEYS), value(r, 1));
  return msg;
}

function outcomeOf(buffer: Buffer, handlers: Map<string, GatedHandler>) {
  const out = gateMessage(buffer, new RateLimiter(performance.now()), handlers);
  // The dispatch outcome object is reused by the next call: keep what it says now.
  return out.kind === "dispatch"
    ? { kind: out.kind, type: out.type, payload: out.payload }
    : out.kind === "reject"
      ? { kind: out.kind, code: out.code, message: out.message }
      : { kind: out.kind };
}

function agreeOn(label: string, inputsSchema: z.ZodType<Record<string, unknown>>, check: InputsFastCheck, seed: number, cases: number) {
  const schema = inputMessage(inputsSchema);
  const slow = new Map<string, GatedHandler>([["input", { schema }]]);
  const fast = new Map<string, GatedHandler>([["input", { schema, fast: (raw) => isFastInput(raw, check) }]]);
  const r = rng(seed);
  let tookFast = 0;
  let accepted = 0;
  let rejected = 0;
  for (let i = 0; i < cases; i++) {
    const payload = inputPayload(r);
    let buffer: Buffer;
    try {
      buffer = getMessageBytes.raw(Protocol.ROOM_DATA, "input", payload);
    } catch {
      continue; // not encodable: never on the wire
    }
    const a = outcomeOf(buffer, slow);
    const b = outcomeOf(buffer, fast);
    assert.deepStrictEqual(b, a, `${label} seed ${seed} case ${i}: ${JSON.stringify(payload)}`);
    if (a.kind === "dispatch") accepted++;
    else rejected++;
    if (b.kind === "dispatch" && "payload" in b && isFastInput(b.payload, check)) tookFast++;
  }
  return { tookFast, accepted, rejected };
}

describe("the input fast path", () => {
  test("gives the example game's inputs exactly the outcome zod gives, and takes most of them", () => {
    const { tookFast, accepted, rejected } = agreeOn("example", ExampleInputs, exampleInputsFast, 1605, 8_000);
    assert.ok(rejected > 800, `enough refused cases: ${rejected}`);
    assert.ok(tookFast > accepted * 0.9, `the fast path took ${tookFast} of ${accepted} accepted inputs`);
  });

  test("gives the generic room's inputs exactly the outcome zod gives", () => {
    const { tookFast, accepted, rejected } = agreeOn("generic", AnyInputs, anyInputsFast, 1606, 8_000);
    assert.ok(rejected > 400, `enough refused cases: ${rejected}`);
    assert.ok(tookFast > 400, `the fast path took ${tookFast} of ${accepted} accepted inputs`);
  });

  test("takes the shapes the clients send every tick", () => {
    for (const msg of [
      { inputs: { move: { x: 1, y: 0 } } },
      { inputs: { move: { x: -1, y: 0.000123 } }, frame: 42 },
      { inputs: { attack: true } },
      { inputs: { jump: true, move: { x: 0, y: 1 } } },
      { inputs: {} },
    ]) {
      assert.ok(isFastInput(msg, exampleInputsFast), JSON.stringify(msg));
      assert.ok(isFastInput(msg, anyInputsFast) === !("move" in msg.inputs), JSON.stringify(msg));
    }
  });
});
