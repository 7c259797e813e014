/** FrameSyncManager on a controlled clock: tick order, frame numbering, drift, lateness. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FrameSyncManager, RingBuffer, type ClientInput, type FrameData, type TickClock } from "../../src/utils/FrameSyncManager.ts";

/** A clock the test drives: timers fire when `advance` passes them, each `wakeLateMs` late. */
class ControlledClock implements TickClock {
  t = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private nextId = 1;
  constructor(private readonly wakeLateMs: () => number = () => 0) {}

  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.nextId++;
    this.timers.set(id, { at: this.t + Math.max(0, ms) + this.wakeLateMs(), fn });
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.timers.delete(id as number);
  };

  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= Math.max(end, this.t) && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = end;
  }

  /** Simulates the event loop being blocked: time passes, no timer runs. */
  block(ms: number): void {
    this.t += ms;
  }

  get pendingTimers(): number {
    return this.timers.size;
  }
}

describe("the tick", () => {
  test("frames start at 0; update then sync get the same frame and the same inputs array; then the frame advances", () => {
    const clock = new ControlledClock();
    const m = new FrameSyncManager({ targetFPS: 20 }, clock);
    const calls: string[] = [];
    let seen: ClientInput[] | undefined;
    const synced: FrameData[] = [];
    m.step = (frame, inputs) => {
      calls.push(`update ${frame} current=${m.currentFrame}`);
      seen = inputs;
    };
    m.afterStep = (frame, data: FrameData) => {
      calls.push(`sync ${frame} current=${m.currentFrame}`);
      assert.equal(data.frame, frame);
      assert.equal(data.inputs, seen, "the same array, not a copy");
      synced.push(data);
    };
    m.addInput("a", { jump: true }, 0);
    m.tick();
    m.tick();
    assert.deepEqual(calls, ["update 0 current=0", "sync 0 current=0", "update 1 current=1", "sync 1 current=1"]);
    assert.equal(m.currentFrame, 2);
    assert.equal(synced.length, 2);
    assert.deepEqual(synced[0].inputs.map((i) => [i.clientId, i.inputs]), [["a", { jump: true }]]);
    assert.deepEqual(synced[1].inputs, []);
  });

  test("inputs merge per client within a frame; a future frame's inputs wait for it", () => {
    const m = new FrameSyncManager({ targetFPS: 20 }, new ControlledClock());
    const got: Record<number, ClientInput[]> = {};
    m.step = (frame, inputs) => (got[frame] = inputs);
    m.addInput("a", { move: { x: 1, y: 0 }, jump: true }, 0);
    m.addInput("a", { move: { x: 0, y: 1 }, jump: false }, 0);
    m.addInput("b", { attack: true }, 0);
    m.addInput("a", { attack: true }, 2);
    m.tick();
    m.tick();
    m.tick();
    assert.deepEqual(got[0].map((i) => [i.clientId, i.inputs, i.frame]), [
      ["a", { move: { x: 0, y: 1 }, jump: true }, 0],
      ["b", { attack: true }, 0],
    ]);
    assert.deepEqual(got[1], []);
    assert.deepEqual(got[2].map((i) => [i.clientId, i.inputs]), [["a", { attack: true }]]);
  });

  test("inputs for the next frame queued before this tick, and a frame number set from outside, land on their frames", () => {
    const m = new FrameSyncManager({ targetFPS: 20 }, new ControlledClock());
    const got: Record<number, string[]> = {};
    m.step = (frame, inputs) => (got[frame] = inputs.map((i) => `${i.clientId}:${JSON.stringify(i.inputs)}`));
    m.addInput("a", { k: 1 }, 1); // ahead: waits
    m.addInput("b", { k: 0 }, 0);
    m.tick(); // frame 0
    m.addInput("c", { k: 1 }, 1);
    m.tick(); // frame 1: a (queued ahead) and c
    m.addInput("d", { k: 2 }, 2);
    m.addInput("e", { k: 7 }, 7);
    m.currentFrame = 7; // e.g. a room resuming from a saved frame
    m.tick(); // frame 7
    m.currentFrame = 2;
    m.tick(); // frame 2: d still waited for it
    m.tick(); // frame 3: nothing
    assert.deepEqual(got, { 0: ['b:{"k":0}'], 1: ['a:{"k":1}', 'c:{"k":1}'], 7: ['e:{"k":7}'], 2: ['d:{"k":2}'], 3: [] });
  });

  test("a client's queued inputs are dropped when it leaves", () => {
    const m = new FrameSyncManager({ targetFPS: 20 }, new ControlledClock());
    let got: ClientInput[] = [];
    m.step = (_f, inputs) => (got = inputs);
    m.addInput("a", { jump: true }, 0);
    m.addInput("b", { jump: true }, 0);
    m.dropInputs("a");
    m.tick();
    assert.deepEqual(got.map((i) => i.clientId), ["b"]);
  });

  test("a game step that throws does not stop the clock", () => {
    const clock = new ControlledClock();
    const m = new FrameSyncManager({ targetFPS: 20 }, clock);
    m.step = (frame) => {
      if (frame === 3) throw new Error("bug in game code");
    };
    m.start();
    const errors: unknown[] = [];
    for (let i = 0; i < 10; i++) {
      try {
        clock.advance(50);
      } catch (err) {
        errors.push(err);
      }
    }
    assert.equal(errors.length, 1);
    assert.ok(m.currentFrame >= 10, `frame ${m.currentFrame}`);
    assert.ok(m.isRunning);
    m.stop();
  });
});

describe("the schedule", () => {
  for (const fps of [20, 60]) {
    test(`at ${fps} fps with every wake-up 0..4 ms late, 60 s gives ${fps * 60} ± 2 frames (no drift)`, () => {
      let seed = 7;
      const jitter = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 4;
      const clock = new ControlledClock(jitter);
      const m = new FrameSyncManager({ targetFPS: fps }, clock);
      m.start();
      clock.advance(60_000);
      m.stop();
      assert.ok(Math.abs(m.currentFrame - fps * 60) <= 2, `frames=${m.currentFrame}`);
      assert.ok(m.stats.maxLatenessMs <= 4.01, `max lateness ${m.stats.maxLatenessMs}`);
      assert.equal(m.stats.lateTicks, 0);
    });
  }

  test("a blocked event loop is caught up, counted and reported as late", () => {
    const clock = new ControlledClock();
    const m = new FrameSyncManager({ targetFPS: 20, maxFrameDelay: 100 }, clock);
    const late: number[] = [];
    m.lateTick = (frame) => late.push(frame);
    m.start();
    clock.advance(1000);
    clock.block(300);
    clock.advance(700);
    m.stop();
    assert.ok(Math.abs(m.currentFrame - 40) <= 1, `frames=${m.currentFrame}`);
    assert.ok(m.stats.lateTicks >= 1 && late.length === m.stats.lateTicks);
    assert.ok(m.stats.maxLatenessMs >= 250);
  });

  test("a very long stall skips ahead instead of bursting hundreds of frames", () => {
    const clock = new ControlledClock();
    const m = new FrameSyncManager({ targetFPS: 20 }, clock);
    let burst = 0;
    m.step = () => burst++;
    m.start();
    clock.advance(100);
    burst = 0;
    clock.block(60_000);
    clock.advance(0);
    assert.ok(burst <= 12, `ran ${burst} frames in one wake-up`);
    m.stop();
  });

  test("stop leaves no timer behind", () => {
    const clock = new ControlledClock();
    const m = new FrameSyncManager({ targetFPS: 30 }, clock);
    m.start();
    clock.advance(500);
    assert.equal(clock.pendingTimers, 1);
    m.stop();
    assert.equal(clock.pendingTimers, 0);
    const frame = m.currentFrame;
    clock.advance(500);
    assert.equal(m.currentFrame, frame);
  });
});

test("RingBuffer keeps the newest `capacity` items in order", () => {
  const r = new RingBuffer<number>(3);
  assert.deepEqual(r.toArray(), []);
  assert.equal(r.first(), undefined);
  for (let i = 1; i <= 5; i++) r.push(i);
  assert.deepEqual(r.toArray(), [3, 4, 5]);
  assert.equal(r.first(), 3);
  assert.equal(r.length, 3);
});
