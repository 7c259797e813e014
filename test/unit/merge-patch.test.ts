/** RFC 7396 merge patches between state snapshots (src/net/json/mergePatch.ts). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { applyMergePatch, diffMergePatch, type Json } from "../../src/net/json/mergePatch.ts";

test("an unchanged snapshot has no patch", () => {
  assert.equal(diffMergePatch({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 2] } }), undefined);
});

test("changed fields, added and removed players", () => {
  const from = { frame: 1, players: { A: { x: 1, y: 2 }, B: { x: 5, y: 5 } } };
  const to = { frame: 2, players: { A: { x: 4, y: 2 }, C: { x: 0, y: 0 } } };
  assert.deepEqual(diffMergePatch(from, to), { frame: 2, players: { A: { x: 4 }, B: null, C: { x: 0, y: 0 } } });
});

test("arrays are replaced whole; a scalar replacing an object and back", () => {
  assert.deepEqual(diffMergePatch({ a: [1, 2] }, { a: [1, 3] }), { a: [1, 3] });
  assert.deepEqual(diffMergePatch({ a: { b: 1 } }, { a: 3 }), { a: 3 });
  assert.deepEqual(diffMergePatch({ a: 3 }, { a: { b: 1 } }), { a: { b: 1 } });
});

test("applying the diff gives the target (the RFC 7396 examples' shape, randomised snapshots)", () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const snapshot = (): Json => {
    const players: Record<string, Json> = {};
    for (const id of ["a", "b", "c", "d"]) if (rnd() > 0.3) players[id] = { x: Math.round(rnd() * 10), online: rnd() > 0.5, tags: rnd() > 0.5 ? [1] : [] };
    return { frame: Math.round(rnd() * 100), players };
  };
  for (let i = 0; i < 500; i++) {
    const from = snapshot();
    const to = snapshot();
    const patch = diffMergePatch(from, to);
    assert.deepEqual(patch === undefined ? from : applyMergePatch(from, patch), to);
  }
});

test("applyMergePatch: null removes, objects merge, the target is not mutated", () => {
  const target = { a: { b: 1, c: 2 } };
  assert.deepEqual(applyMergePatch(target, { a: { b: null, d: 4 } }), { a: { c: 2, d: 4 } });
  assert.deepEqual(target, { a: { b: 1, c: 2 } });
});

test("syncSnapshot keeps a plain snapshot of a Schema state in place and returns the same patch as a full diff", async () => {
  const { MyRoomState, Player } = await import("../../src/rooms/schema/MyRoomState.ts");
  const { syncSnapshot } = await import("../../src/net/json/snapshot.ts");
  const state = new MyRoomState();
  const snapshot = state.toJSON() as { [key: string]: Json };
  let seed = 11;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let tick = 0; tick < 400; tick++) {
    const before = structuredClone(snapshot);
    state.frame = tick;
    const id = "s" + Math.floor(rnd() * 6);
    const roll = rnd();
    if (roll < 0.2) state.players.set(id, new Player({ sessionId: id, userId: "u" + id, seatIndex: Math.floor(rnd() * 4), online: true, x: 100, y: 100, attacking: false }));
    else if (roll < 0.3) state.players.delete(id);
    else {
      const p = state.players.get(id);
      if (p) {
        p.x = Math.round(rnd() * 800);
        if (rnd() < 0.3) p.online = !p.online;
        if (rnd() < 0.3) p.attacking = rnd() < 0.5;
      }
    }
    const patch = syncSnapshot(state, snapshot);
    assert.deepEqual(snapshot, state.toJSON(), `snapshot at tick ${tick}`);
    assert.deepEqual(patch, diffMergePatch(before, state.toJSON() as Json), `patch at tick ${tick}`);
  }
});
