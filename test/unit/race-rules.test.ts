/** Flag race's pure rules (examples/race/rules.ts): moves, walls, points, the way back. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FIELD_SIZE, FLAG, SPEED, cornerOf, step, towardFlag, type Runner } from "../../examples/race/rules.ts";

const runner = (seatIndex: number): Runner => ({ seatIndex, ...cornerOf(seatIndex), score: 0 });

describe("flag race rules", () => {
  test("a runner moves SPEED px per frame per axis of its direction, and not at all without one", () => {
    const r = runner(0);
    assert.equal(step(r, { dir: { x: 1, y: 0 } }), undefined);
    assert.deepEqual(r, { ...runner(0), x: cornerOf(0).x + SPEED });
    step(r, {});
    step(r, null);
    assert.deepEqual(r, { ...runner(0), x: cornerOf(0).x + SPEED });
  });

  test("the walls stop a runner", () => {
    const r = runner(0);
    for (let i = 0; i < 100; i++) step(r, { dir: { x: -1, y: -1 } });
    assert.deepEqual([r.x, r.y], [0, 0]);
    for (let i = 0; i < 100; i++) step(r, { dir: { x: 1, y: 0 } });
    assert.equal(r.x, FIELD_SIZE);
  });

  test("every seat's corner is distinct, and running toward the flag scores and sends the runner home", () => {
    assert.equal(new Set([0, 1, 2, 3].map((s) => JSON.stringify(cornerOf(s)))).size, 4);
    for (const seat of [0, 1, 2, 3]) {
      const r = runner(seat);
      let event;
      for (let frame = 0; frame < 100 && !event; frame++) event = step(r, { dir: towardFlag(r.x, r.y) });
      assert.deepEqual(event, { type: "flag", score: 1 }, `seat ${seat}`);
      assert.deepEqual(r, { ...runner(seat), score: 1 }, `seat ${seat} is back in its corner`);
    }
  });

  test("towardFlag points at the flag and is zero on it", () => {
    assert.deepEqual(towardFlag(0, FIELD_SIZE), { x: 1, y: -1 });
    assert.deepEqual(towardFlag(FLAG.x, FLAG.y), { x: 0, y: 0 });
  });
});
