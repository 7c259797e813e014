/**
 * Lockstep bookkeeping (contract §7), free of sockets: the frame each tick broadcasts
 * (one entry per player, ordered by seat), the kept window that `frames:since` answers
 * from, and the once-only `previousSessionId` notice when a player moved to a new session.
 */
import type { Inputs } from "../game/merge.ts";
import type { FrameData } from "./FrameSyncManager.ts";
import { RingBuffer } from "./FrameSyncManager.ts";

export interface LockstepEntry {
  sessionId: string;
  seatIndex: number;
  inputs: Inputs | null;
  /**
   * Only in the first frame after the player moved to this session (reconnect-key reclaim
   * or takeover, contract §3 path 2): the session it had before, whose state it keeps.
   */
  previousSessionId?: string;
}

export interface LockstepFrame {
  frame: number;
  timestamp: number;
  inputs: LockstepEntry[];
}

/** Lockstep and replay entries are ordered by seatIndex, then sessionId (contract §7). */
export const bySeat = (a: { seatIndex: number; sessionId: string }, b: { seatIndex: number; sessionId: string }) =>
  a.seatIndex - b.seatIndex || (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0);

export class LockstepLog {
  private readonly history: RingBuffer<LockstepFrame>;
  /** Sessions renamed since the last frame (new → the one before), announced once. */
  private readonly renames = new Map<string, string>();

  /** Keeps the newest `keptFrames` frames for catch-up. */
  constructor(keptFrames: number) {
    this.history = new RingBuffer(keptFrames);
  }

  /** Builds, keeps and returns this tick's frame from its merged inputs (no second merge). */
  record(frameData: FrameData, players: Iterable<{ sessionId: string; seatIndex: number }>): LockstepFrame {
    const byClient = new Map(frameData.inputs.map((i) => [i.clientId, i.inputs]));
    const entries: LockstepEntry[] = [];
    for (const p of players) {
      const entry: LockstepEntry = { sessionId: p.sessionId, seatIndex: p.seatIndex, inputs: byClient.get(p.sessionId) ?? null };
      const previous = this.renames.get(p.sessionId);
      if (previous !== undefined) entry.previousSessionId = previous;
      entries.push(entry);
    }
    this.renames.clear();
    entries.sort(bySeat);
    const frame: LockstepFrame = { frame: frameData.frame, timestamp: frameData.timestamp, inputs: entries };
    this.history.push(frame);
    return frame;
  }

  /** A player moved from session `from` to `to`; two moves within one tick (X → Y → Z) read as X → Z. */
  renamed(from: string, to: string): void {
    const origin = this.renames.get(from) ?? from;
    this.renames.delete(from);
    this.renames.set(to, origin);
  }

  /**
   * Every kept frame after `since`, or `{ expired: oldest }` when frames the client needs
   * are gone. `nextFrame` is the frame the room will simulate next (used while nothing is kept).
   */
  since(since: number, nextFrame: number): { frames: LockstepFrame[] } | { expired: number } {
    const oldest = this.history.first()?.frame ?? nextFrame;
    if (since + 1 < oldest) return { expired: oldest };
    return { frames: this.history.toArray().filter((f) => f.frame > since) };
  }
}
