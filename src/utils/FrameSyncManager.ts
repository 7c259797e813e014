/**
 * FrameSyncManager (contract §3 "Per tick"): the fixed tick scheduled against its start
 * time (no drift) and the per-frame input merge. No sockets: FrameSyncRoom adapts it to
 * Colyseus. It keeps no history of frames: a recording room's ReplayRecorder does
 * (../replays/), a lockstep room's LockstepLog does (./lockstep.ts).
 */
import { mergeInputs, mergeInputsInto, type Inputs } from "../game/merge.ts";
import { MAX_CATCHUP_FRAMES, MAX_FRAME_DELAY_MS } from "./limits.ts";
import { metrics } from "./metrics.ts";

// ---------------------------------------------------------------------------

/** Emptied input buckets a manager keeps for reuse; more than a couple are needed only when clients name future frames. */
const SPARE_BUCKETS = 4;

export interface ClientInput {
  /** The sender's sessionId. */
  clientId: string;
  inputs: Inputs;
  /** The frame these inputs belong to. */
  frame: number;
  /** Epoch ms of the latest message merged into this entry. */
  timestamp: number;
}

export interface FrameData {
  frame: number;
  /** Epoch ms when the frame was simulated. */
  timestamp: number;
  inputs: ClientInput[];
}

export interface FrameSyncConfig {
  targetFPS: number;
  /** A tick later or longer than this (ms) is counted and logged. Default MAX_FRAME_DELAY_MS. */
  maxFrameDelay?: number;
}

/** Time source of the scheduler; tests pass a controlled one. */
export interface TickClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: TickClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A fixed-size FIFO: pushing past capacity drops the oldest entry. */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.items = new Array(capacity);
  }

  push(item: T): void {
    const end = (this.start + this.count) % this.capacity;
    this.items[end] = item;
    if (this.count < this.capacity) this.count++;
    else this.start = (this.start + 1) % this.capacity;
  }

  get length(): number {
    return this.count;
  }

  first(): T | undefined {
    return this.count ? this.items[this.start] : undefined;
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.items[(this.start + i) % this.capacity] as T);
    return out;
  }
}

export interface TickStats {
  ticks: number;
  lateTicks: number;
  maxLatenessMs: number;
}

export class FrameSyncManager {
  /** The next frame to simulate; frames start at 0. */
  currentFrame = 0;
  readonly targetFPS: number;
  readonly intervalMs: number;
  readonly maxFrameDelay: number;
  readonly stats: TickStats = { ticks: 0, lateTicks: 0, maxLatenessMs: 0 };

  /**
   * Set by the owner (FrameSyncRoom.initFrameSync): `step` runs the frame (the game
   * step), then `afterStep` gets the same frame and the same inputs array (the room's
   * per-frame sync: replay, lockstep, patch). Named apart from the room's own hooks
   * (onFrameUpdate, onFrameSync), which the room calls from these.
   */
  step: (frame: number, inputs: ClientInput[]) => void = () => {};
  afterStep: (frame: number, frameData: FrameData) => void = () => {};
  /** Called for each late tick (already counted). */
  lateTick: (frame: number, latenessMs: number, runMs: number) => void = () => {};

  private readonly pending = new Map<number, Map<string, ClientInput>>();
  /** Emptied per-frame buckets kept for the next frames (at most SPARE_BUCKETS): no Map per tick. */
  private readonly spareBuckets: Map<string, ClientInput>[] = [];
  private running = false;
  private timer: unknown;
  private startTime = 0;
  private startFrame = 0;

  constructor(cfg: FrameSyncConfig, private readonly clock: TickClock = realClock) {
    this.targetFPS = cfg.targetFPS;
    this.intervalMs = 1000 / cfg.targetFPS;
    this.maxFrameDelay = cfg.maxFrameDelay ?? MAX_FRAME_DELAY_MS;
  }

  /**
   * Queues a client's inputs for `frame` (see targetFrame), merged with what it
   * already sent for that frame.
   */
  addInput(clientId: string, inputs: Inputs, frame: number): void {
    let bucket = this.pending.get(frame);
    if (!bucket) this.pending.set(frame, (bucket = this.spareBuckets.pop() ?? new Map()));
    const prev = bucket.get(clientId);
    if (prev) {
      // Still pending, so nothing outside holds it yet: merge in place.
      mergeInputsInto(prev.inputs, inputs);
      prev.timestamp = Date.now();
      return;
    }
    bucket.set(clientId, { clientId, inputs: mergeInputs(undefined, inputs), frame, timestamp: Date.now() });
  }

  /** Forgets a client's queued inputs (it left or dropped). */
  dropInputs(clientId: string): void {
    for (const bucket of this.pending.values()) bucket.delete(clientId);
  }

  /** Starts the tick loop; ticks are scheduled against the start time, so they do not drift. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.startTime = this.clock.now();
    this.startFrame = this.currentFrame;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Runs one frame now. The loop calls it; tests may call it directly. */
  tick(latenessMs = 0): void {
    const t0 = this.clock.now();
    const frame = this.currentFrame;
    const bucket = this.pending.get(frame);
    this.pending.delete(frame);
    const inputs = bucket ? [...bucket.values()] : [];
    if (bucket && this.spareBuckets.length < SPARE_BUCKETS) {
      bucket.clear();
      this.spareBuckets.push(bucket);
    }
    const frameData: FrameData = { frame, timestamp: Date.now(), inputs };
    try {
      this.step(frame, inputs);
      this.afterStep(frame, frameData);
    } finally {
      // A failing game step must not stop the clock: the frame still counts.
      this.currentFrame = frame + 1;
      const runMs = this.clock.now() - t0;
      this.stats.ticks++;
      this.stats.maxLatenessMs = Math.max(this.stats.maxLatenessMs, latenessMs);
      metrics.ticks.inc();
      metrics.tickLateness.observe(latenessMs / 1000);
      metrics.tickDuration.observe(runMs / 1000);
      if (latenessMs > this.maxFrameDelay || runMs > this.maxFrameDelay) {
        this.stats.lateTicks++;
        metrics.lateTicks.inc();
        this.lateTick(frame, latenessMs, runMs);
      }
    }
  }

  private dueTime(frame: number): number {
    return this.startTime + (frame - this.startFrame) * this.intervalMs;
  }

  private schedule(): void {
    const delay = Math.max(0, this.dueTime(this.currentFrame) - this.clock.now());
    this.timer = this.clock.setTimeout(this.loop, delay);
  }

  private readonly loop = (): void => {
    this.timer = undefined;
    if (!this.running) return;
    // Blocked for longer than MAX_CATCHUP_FRAMES: skip ahead rather than burst.
    const behind = Math.floor((this.clock.now() - this.dueTime(this.currentFrame)) / this.intervalMs);
    if (behind > MAX_CATCHUP_FRAMES) this.startTime += (behind - MAX_CATCHUP_FRAMES) * this.intervalMs;
    try {
      while (this.running && this.clock.now() >= this.dueTime(this.currentFrame)) {
        this.tick(this.clock.now() - this.dueTime(this.currentFrame));
      }
    } finally {
      if (this.running) this.schedule();
    }
  };
}
