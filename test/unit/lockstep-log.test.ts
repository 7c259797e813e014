/** LockstepLog, the pure lockstep bookkeeping: frame entries, the kept window, rename notices. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { LockstepLog } from "../../src/utils/lockstep.ts";

const frameData = (frame: number, inputs: Array<[string, Record<string, unknown>]>) => ({
  frame,
  timestamp: 1000 + frame,
  inputs: inputs.map(([clientId, i]) => ({ clientId, inputs: i, frame, timestamp: 0 })),
});

test("one entry per player ordered by seat then sessionId, null for a player who sent nothing", () => {
  const log = new LockstepLog(10);
  const players = [
    { sessionId: "zed", seatIndex: 1 },
    { sessionId: "bob", seatIndex: 1 },
    { sessionId: "amy", seatIndex: 0 },
  ];
  const frame = log.record(frameData(0, [["bob", { jump: true }]]), players);
  assert.deepEqual(frame, {
    frame: 0,
    timestamp: 1000,
    inputs: [
      { sessionId: "amy", seatIndex: 0, inputs: null },
      { sessionId: "bob", seatIndex: 1, inputs: { jump: true } },
      { sessionId: "zed", seatIndex: 1, inputs: null },
    ],
  });
});

test("a move to a new session is announced once, chained moves within a tick as first → last", () => {
  const log = new LockstepLog(10);
  log.renamed("s1", "s2");
  log.renamed("s2", "s3");
  const first = log.record(frameData(0, []), [{ sessionId: "s3", seatIndex: 0 }]);
  assert.equal(first.inputs[0].previousSessionId, "s1");
  const second = log.record(frameData(1, []), [{ sessionId: "s3", seatIndex: 0 }]);
  assert.equal("previousSessionId" in second.inputs[0], false);
});

test("frames:since answers every kept frame after the one asked for, or says which frames expired", () => {
  const log = new LockstepLog(5);
  assert.deepEqual(log.since(-1, 0), { frames: [] });
  for (let f = 0; f < 12; f++) log.record(frameData(f, []), []);
  assert.deepEqual(
    (log.since(8, 12) as { frames: { frame: number }[] }).frames.map((f) => f.frame),
    [9, 10, 11],
  );
  assert.deepEqual((log.since(6, 12) as { frames: { frame: number }[] }).frames.map((f) => f.frame), [7, 8, 9, 10, 11]);
  assert.deepEqual(log.since(5, 12), { expired: 7 });
  assert.deepEqual(log.since(11, 12), { frames: [] });
});
