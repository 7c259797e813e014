/**
 * A well-behaved player for fault tests: in a lockstep room it sends a move for every
 * frame, `lead` frames ahead (an input buffer, as real clients keep), and records each
 * frame in which the server applied it. `assertMovedEveryFrame` then proves the room
 * kept ticking and applying this player's input through whatever the test did.
 */
import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
import { waitFor } from "./helpers.ts";

interface LockstepFrameMsg {
  frame: number;
  inputs: Array<{ sessionId: string; inputs: { move?: unknown } | null }>;
}

export class Mover {
  /** Frames in which the server applied this player's move (from `lockstepFrame`, which carries the frame number). */
  readonly frames = new Set<number>();
  /** Move `playerAction`s for this player (the position changed); one per moving frame. */
  moveActions = 0;
  lockstepMoves = 0;
  /** The last frame the server simulated, as this player saw it. */
  lastFrame = -1;
  private lastScheduled = -1;
  private direction = 1;

  /** `room` must be a lockstep room (create option `lockstep: true`). */
  constructor(
    readonly room: Room,
    private readonly lead = 20,
  ) {
    room.onMessage("playerAction", (a: { sessionId: string; action: string }) => {
      if (a.sessionId === room.sessionId && a.action === "move") this.moveActions++;
    });
    room.onMessage("lockstepFrame", (f: LockstepFrameMsg) => this.onFrame(f));
    // The server drops a dropped player's buffered inputs: after reconnecting, send them again.
    room.onMessage("reconnect:ok", () => (this.lastScheduled = -1));
    for (const type of ["playerJoined", "playerLeft", "playerOffline", "playerOnline", "chat", "serverShutdown", "lockstepFrames", "error"]) {
      room.onMessage(type, () => {});
    }
  }

  private onFrame(f: LockstepFrameMsg): void {
    this.lastFrame = f.frame;
    const mine = f.inputs.find((e) => e.sessionId === this.room.sessionId);
    if (mine?.inputs?.move) {
      this.frames.add(f.frame);
      this.lockstepMoves++;
    }
    // Back and forth across the arena, turning well before its edges (positions only change away from them).
    const me = (this.room.state as any)?.players?.get(this.room.sessionId);
    if (me && me.x > 600) this.direction = -1;
    if (me && me.x < 200) this.direction = 1;
    for (let k = Math.max(this.lastScheduled + 1, f.frame + 1); k <= f.frame + this.lead; k++) {
      this.room.send("input", { inputs: { move: { x: this.direction, y: 0 } }, frame: k });
      this.lastScheduled = k;
    }
  }

  async started(timeoutMs = 15_000): Promise<void> {
    await waitFor(() => this.frames.size > 5, { timeoutMs: timeoutMs, what: "the player to start moving" });
  }

  /** Resolves with the frame once `n` more frames have passed. */
  async framesPass(n: number, timeoutMs = 15_000): Promise<number> {
    const target = this.lastFrame + n;
    return waitFor(() => (this.lastFrame >= target ? this.lastFrame : 0), { timeoutMs: timeoutMs, what: `${n} frames` });
  }

  /** Resolves once this player has seen `frame` (another player may be a message ahead). */
  async reached(frame: number, timeoutMs = 15_000): Promise<void> {
    await waitFor(() => this.lastFrame >= frame, { timeoutMs: timeoutMs, what: `frame ${frame}` });
  }

  /** Every frame in [from, to] applied this player's move, and each changed its position. */
  assertMovedEveryFrame(from: number, to = this.lastFrame): void {
    assert.ok(to >= from, `no frames in [${from}, ${to}]`);
    const missing: number[] = [];
    for (let f = from; f <= to; f++) if (!this.frames.has(f)) missing.push(f);
    assert.deepEqual(missing, [], `the player missed frames ${missing.slice(0, 10).join(",")} in [${from}, ${to}]`);
    // A frame's playerAction is sent just before its lockstepFrame: the counts differ by at most that one.
    assert.ok(Math.abs(this.moveActions - this.lockstepMoves) <= 1, `${this.moveActions} move actions for ${this.lockstepMoves} moving frames`);
  }
}
