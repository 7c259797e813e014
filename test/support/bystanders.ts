/**
 * Innocent players for fault tests: two well-behaved Movers (mover.ts) filling a
 * lockstep room of two, so no stranger's join can land in it. A test marks where they
 * were before the fault and checks afterwards that they moved in every frame and that
 * the room ticked at (nearly) its full rate meanwhile.
 */
import assert from "node:assert/strict";
import { Client, type Room } from "@colyseus/sdk";
import { Mover } from "./mover.ts";

export interface Mark {
  frame: number;
  at: number;
}

export interface KeptPlaying {
  frames: number;
  seconds: number;
  /** Frames per second the bystanders saw over the marked span. */
  fps: number;
}

/** How far ahead bystanders send their moves (the server takes up to 2 × fps ahead). */
const BYSTANDER_LEAD_FRAMES = 30;

/** Below this share of the room's fps the room did not tick "at full rate" (the machine is shared and loaded). */
const FULL_RATE_SHARE = 0.85;

export class Bystanders {
  private constructor(
    readonly rooms: Room[],
    readonly movers: Mover[],
    readonly fps: number,
  ) {}

  /** Two players in a new lockstep room of capacity 2 at `endpoint`; resolves once both move. */
  static async start(endpoint: string, token: (userId: string) => string, fps = 20, tag = "bystander"): Promise<Bystanders> {
    const first = await new Client(endpoint).create("game_room", { token: token(`${tag}-a`), lockstep: true, playersPerMatch: 2, fps });
    const second = await new Client(endpoint).joinById(first.roomId, { token: token(`${tag}-b`) });
    // Inputs 30 frames (1.5 s at 20 fps) ahead: a test process stalled by a loaded machine must not look like a server fault.
    const movers = [new Mover(first, BYSTANDER_LEAD_FRAMES), new Mover(second, BYSTANDER_LEAD_FRAMES)];
    await Promise.all(movers.map((m) => m.started()));
    return new Bystanders([first, second], movers, fps);
  }

  mark(): Mark {
    return { frame: Math.min(...this.movers.map((m) => m.lastFrame)) + 1, at: performance.now() };
  }

  /**
   * Both players moved in every frame since `mark`, and the room's frames kept pace with
   * the clock. Waits until the span holds at least `minFrames`, so the rate is measured
   * over a meaningful stretch.
   */
  async assertKeptPlaying(mark: Mark, minFrames = this.fps): Promise<KeptPlaying> {
    await Promise.all(this.movers.map((m) => m.reached(mark.frame + minFrames - 1, 15_000 + (minFrames / this.fps) * 2000)));
    // One more frame, so the span ends on a frame both have seen.
    await Promise.all(this.movers.map((m) => m.framesPass(1)));
    const to = Math.min(...this.movers.map((m) => m.lastFrame));
    const seconds = (performance.now() - mark.at) / 1000;
    for (const m of this.movers) m.assertMovedEveryFrame(mark.frame, to);
    const frames = to - mark.frame + 1;
    const fps = frames / seconds;
    assert.ok(fps >= this.fps * FULL_RATE_SHARE, `bystanders saw ${frames} frames in ${seconds.toFixed(2)} s (${fps.toFixed(1)} fps, room runs ${this.fps})`);
    return { frames, seconds: +seconds.toFixed(2), fps: +fps.toFixed(1) };
  }

  async leave(): Promise<void> {
    await Promise.all(this.rooms.map((r) => r.leave().catch(() => undefined)));
  }
}
