/** Unit tests of the pure modules: input merge, frame targeting and the example game rules. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mergeInputs, mergeInputsInto, targetFrame } from "../../src/game/merge.ts";
import { ARENA, MOVE_SPEED, applyPlayerInput, simulate, spawnPoint, type SimPlayer } from "../../src/game/rules.ts";

describe("merging one client's inputs within a tick", () => {
  test("the latest value of each key wins", () => {
    const merged = mergeInputs({ move: { x: 1, y: 0 }, attack: false }, { move: { x: 0, y: -1 } });
    assert.deepEqual(merged, { move: { x: 0, y: -1 }, attack: false });
  });

  test("a one-shot true pressed and released within the tick survives", () => {
    let pending = mergeInputs(undefined, { jump: true });
    pending = mergeInputs(pending, { jump: false });
    pending = mergeInputs(pending, { move: { x: 1, y: 0 } });
    assert.equal(pending.jump, true);
    assert.deepEqual(pending.move, { x: 1, y: 0 });
  });

  test("merging does not modify the inputs it was given", () => {
    const first = { attack: true };
    const merged = mergeInputs(first, { attack: false, jump: true });
    assert.deepEqual(first, { attack: true });
    assert.deepEqual(merged, { attack: true, jump: true });
  });

  test("merging in place (the server's second input of a tick) gives what merging copies gives", () => {
    const values = [true, false, 0, 1, "x", null, { x: 1, y: 0 }];
    const keys = ["jump", "attack", "move", "fire"];
    let seed = 16;
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let run = 0; run < 500; run++) {
      const sequence = Array.from({ length: 1 + Math.floor(next() * 5) }, () => {
        const inputs: Record<string, unknown> = {};
        for (const key of keys) if (next() < 0.5) inputs[key] = values[Math.floor(next() * values.length)];
        return inputs;
      });
      const copied = sequence.reduce<Record<string, unknown> | undefined>((acc, inputs) => mergeInputs(acc, inputs), undefined);
      const owned = mergeInputs(undefined, sequence[0]);
      for (const inputs of sequence.slice(1)) assert.equal(mergeInputsInto(owned, inputs), owned);
      assert.deepEqual(owned, copied, JSON.stringify(sequence));
    }
  });
});

describe("which frame an input is for", () => {
  test("absent or already past → the next tick", () => {
    assert.equal(targetFrame(100, undefined, 40), 100);
    assert.equal(targetFrame(100, 3, 40), 100);
    assert.equal(targetFrame(100, 100, 40), 100);
  });

  test("a future frame waits for that frame", () => {
    assert.equal(targetFrame(100, 125, 40), 125);
    assert.equal(targetFrame(100, 140, 40), 140);
  });

  test("further ahead than the lead is out of range", () => {
    assert.equal(targetFrame(100, 141, 40), undefined);
  });
});

describe("the example game rules", () => {
  const fresh = (): SimPlayer => ({ x: 400, y: 250, attacking: false });

  test("move goes 3 px per unit per frame and is broadcast with the clamped vector", () => {
    const p = fresh();
    const actions = applyPlayerInput(p, { move: { x: 1, y: -0.5 } });
    assert.deepEqual(p, { x: 400 + MOVE_SPEED, y: 250 - 1.5, attacking: false });
    assert.deepEqual(actions, [{ action: "move", data: { x: 403, y: 248.5, move: { x: 1, y: -0.5 } } }]);
  });

  test("move components are clamped to [-1, 1]", () => {
    const p = fresh();
    const [a] = applyPlayerInput(p, { move: { x: 99, y: -7 } });
    assert.deepEqual(a.data, { x: 403, y: 247, move: { x: 1, y: -1 } });
  });

  test("non-finite components are ignored (no move, nothing broadcast)", () => {
    const p = fresh();
    assert.deepEqual(applyPlayerInput(p, { move: { x: NaN, y: Infinity } }), []);
    assert.deepEqual(p, fresh());
    applyPlayerInput(p, { move: { x: NaN, y: 1 } });
    assert.deepEqual(p, { x: 400, y: 253, attacking: false });
  });

  test("positions are clamped to the arena and a blocked move broadcasts nothing", () => {
    const p: SimPlayer = { x: ARENA.maxX - 1, y: ARENA.minY + 1, attacking: false };
    const [a] = applyPlayerInput(p, { move: { x: 1, y: -1 } });
    assert.deepEqual([p.x, p.y], [ARENA.maxX, ARENA.minY]);
    assert.equal(a.action, "move");
    assert.deepEqual(applyPlayerInput(p, { move: { x: 1, y: -1 } }), []);
  });

  test("attack sets attacking from any defined value and is broadcast every frame present", () => {
    const p = fresh();
    assert.deepEqual(applyPlayerInput(p, { attack: 1 }), [{ action: "attack", data: { attacking: true } }]);
    assert.deepEqual(applyPlayerInput(p, { attack: 1 }), [{ action: "attack", data: { attacking: true } }]);
    assert.deepEqual(applyPlayerInput(p, { attack: "" }), [{ action: "attack", data: { attacking: false } }]);
    assert.equal(p.attacking, false);
    assert.deepEqual(applyPlayerInput(p, {}), []);
  });

  test("jump is broadcast only when exactly true", () => {
    const p = fresh();
    assert.deepEqual(applyPlayerInput(p, { jump: true }), [{ action: "jump", data: { jump: true } }]);
    assert.deepEqual(applyPlayerInput(p, { jump: 1 }), []);
    assert.deepEqual(applyPlayerInput(p, { jump: false }), []);
  });

  test("spawn points are inside the arena and distinct per seat", () => {
    const points = Array.from({ length: 100 }, (_, i) => spawnPoint(i));
    for (const { x, y } of points) {
      assert.ok(x >= ARENA.minX && x <= ARENA.maxX && y >= ARENA.minY && y <= ARENA.maxY);
    }
    assert.equal(new Set(points.slice(0, 64).map((p) => `${p.x},${p.y}`)).size, 64);
  });

  test("the first 16 spawn points are far enough apart for two name labels side by side", () => {
    const points = Array.from({ length: 16 }, (_, i) => spawnPoint(i));
    assert.deepEqual(spawnPoint(0), { x: 100, y: 100 });
    for (const a of points) {
      for (const b of points) {
        if (a === b) continue;
        // Same row: a label of ~180 px fits between; other rows: a label's height and more.
        assert.ok(Math.abs(a.x - b.x) >= 190 || Math.abs(a.y - b.y) >= 100, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      }
    }
  });

  test("simulate re-runs frames deterministically and ignores unknown sessions", () => {
    const start = { a: { x: 100, y: 100, attacking: false } };
    const frames = [
      { frame: 0, inputs: [{ clientId: "a", inputs: { move: { x: 1, y: 0 } } }, { clientId: "ghost", inputs: { move: { x: 1, y: 1 } } }] },
      { frame: 1, inputs: [{ clientId: "a", inputs: { move: { x: 0.5, y: 1 }, attack: true } }] },
    ];
    const end = simulate(start, frames);
    assert.deepEqual(end, { a: { x: 104.5, y: 103, attacking: true } });
    assert.deepEqual(start.a, { x: 100, y: 100, attacking: false }, "the start is not modified");
  });
});
