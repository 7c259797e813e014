/**
 * Records a `recordFrames` room for its replay (contract §7; format in ../game/replay.ts).
 *
 * Frames are kept as their JSON text, so the bound is measured in the bytes a replay
 * will have, and so is the memory a recording room holds. When a bound is reached the
 * oldest frame is dropped *into* the start snapshot: its roster events and inputs are
 * applied to `start.players` with the game's rules. A replay therefore always starts
 * from the exact state before its first kept frame, however long the match ran.
 */
import type { Inputs } from "../game/merge.ts";
import {
  REPLAY_FORMAT_VERSION,
  applyReplayEvent,
  applyReplayFrame,
  emptyRoster,
  type PlayerRecord,
  type ReplayEntry,
  type ReplayEvent,
  type ReplayFrame,
  type ReplaySeat,
  type Roster,
} from "../game/replay.ts";
import { MAX_RECORDED_FRAMES, MAX_REPLAY_BYTES } from "../utils/limits.ts";

/**
 * How a game's player state is captured and stepped for replays. `P` is that state as
 * plain data, `Player` the game's player schema it is captured from.
 */
export interface ReplayRules<P extends object = object, Player = unknown> {
  /** The player's game state as plain data: what the rules change (the example game: x, y, attacking). */
  capture(player: Player): P;
  /** Applies one frame's merged inputs to a player's state, in place: the game's own pure rule. */
  apply(state: P, inputs: Inputs): unknown;
}

export interface ReplayBounds {
  /** Frames kept at most. Default MAX_RECORDED_FRAMES. */
  maxFrames: number;
  /** Bytes of the saved replay at most (UTF-8 JSON). Default MAX_REPLAY_BYTES. */
  maxBytes: number;
}

export interface ReplayMeta {
  roomId: string;
  matchId: string;
  fps: number;
  startedAt: number;
  endedAt: number;
}

interface Kept {
  frame: number;
  json: string;
  bytes: number;
}

interface KeptEvent<P> {
  event: ReplayEvent<P>;
  bytes: number;
}

const byteLength = (json: string) => Buffer.byteLength(json, "utf8");

/** A FIFO that drops from the front in O(1) and compacts now and then. */
class Queue<T> {
  private items: T[] = [];
  private head = 0;

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    const item = this.items[this.head];
    if (item === undefined) return undefined;
    this.items[this.head++] = undefined as T;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  values(): T[] {
    return this.items.slice(this.head);
  }
}

export class ReplayRecorder<P extends object = object> {
  private readonly frames = new Queue<Kept>();
  private readonly events = new Queue<KeptEvent<P>>();
  /** The state just before the first kept frame; players dropped into it leave no trace. */
  private readonly start: Roster<P>;
  private startFrame: number;
  /** The last state of players who left within the kept span, as the server had it. */
  private readonly departed = new Map<string, PlayerRecord<P>>();
  private bytes = 0;
  /** Frames dropped into the start snapshot so far. */
  droppedFrames = 0;

  constructor(
    private readonly rules: ReplayRules<P, any>,
    private readonly bounds: ReplayBounds = { maxFrames: MAX_RECORDED_FRAMES, maxBytes: MAX_REPLAY_BYTES },
    firstFrame = 0,
  ) {
    this.start = emptyRoster<P>();
    this.startFrame = firstFrame;
  }

  /** A player entered before `frame` with this state (its spawn). */
  join(frame: number, player: PlayerRecord<P>): void {
    this.addEvent({ frame, type: "join", ...player } as ReplayEvent<P>);
  }

  /** A player was removed before `frame`; `last` is its state as the server had it. */
  leave(frame: number, last: PlayerRecord<P>): void {
    this.departed.set(last.sessionId, last);
    this.addEvent({ frame, type: "leave", sessionId: last.sessionId });
  }

  /** A player moved to a new session before `frame`. */
  rename(frame: number, from: string, to: string): void {
    this.addEvent({ frame, type: "rename", from, to });
  }

  /** Records one simulated frame. Entries are the players that sent inputs. */
  record(frame: number, timestamp: number, inputs: ReplayEntry[]): void {
    const json = JSON.stringify({ frame, timestamp, inputs } satisfies ReplayFrame);
    const bytes = byteLength(json) + 1; // + the comma between frames
    this.frames.push({ frame, json, bytes });
    this.bytes += bytes;
    this.enforce(this.bounds.maxBytes);
  }

  get frameCount(): number {
    return this.frames.length;
  }

  /** Bytes of frames and events held (what bounds the replay's size). */
  get heldBytes(): number {
    return this.bytes;
  }

  /**
   * The replay as JSON, at most `maxBytes` long: if the roster and final state push it
   * over, more of the oldest frames are dropped into the start snapshot. `present` are
   * the players still in the game, `lastFrame` the last simulated frame. Returns
   * undefined only if even no frames at all would not fit.
   */
  build(meta: ReplayMeta, present: PlayerRecord<P>[], lastFrame: number): { json: string; frameCount: number } | undefined {
    for (;;) {
      const json = this.compose(meta, present, lastFrame);
      const over = byteLength(json) - this.bounds.maxBytes;
      if (over <= 0) return { json, frameCount: this.frames.length };
      if (this.frames.length === 0) return undefined;
      this.enforce(this.bytes - over);
    }
  }

  private compose(meta: ReplayMeta, present: PlayerRecord<P>[], lastFrame: number): string {
    const events = this.events.values().map((e) => e.event);
    const final = [...this.departed.values(), ...present];
    const head = JSON.stringify({
      version: REPLAY_FORMAT_VERSION,
      ...meta,
      players: this.roster(events),
      start: { frame: this.startFrame, players: [...this.start.present.values()] },
      events,
      final: { frame: lastFrame, players: final },
    });
    // Frames are already JSON: splice them in rather than parse and re-serialize them.
    return `${head.slice(0, -1)},"frames":[${this.frames.values().map((f) => f.json).join(",")}]}`;
  }

  /** Every session of the replay, in order of appearance. */
  private roster(events: ReplayEvent<P>[]): ReplaySeat[] {
    const seats = new Map<string, ReplaySeat>();
    const add = (sessionId: string, userId: string, seatIndex: number) => {
      if (!seats.has(sessionId)) seats.set(sessionId, { sessionId, userId, seatIndex });
    };
    for (const p of this.start.present.values()) add(p.sessionId, p.userId, p.seatIndex);
    for (const e of events) {
      if (e.type === "join") add(e.sessionId, e.userId, e.seatIndex);
      if (e.type === "rename") {
        const from = seats.get(e.from);
        if (from) add(e.to, from.userId, from.seatIndex);
      }
    }
    return [...seats.values()];
  }

  private addEvent(event: ReplayEvent<P>): void {
    const bytes = byteLength(JSON.stringify(event)) + 1;
    this.events.push({ event, bytes });
    this.bytes += bytes;
    this.enforce(this.bounds.maxBytes);
  }

  /** Drops the oldest frames into the start snapshot until within both bounds. */
  private enforce(maxBytes: number): void {
    while (this.frames.length > this.bounds.maxFrames || (this.bytes > maxBytes && this.frames.length > 0)) {
      this.dropOldest();
    }
  }

  private dropOldest(): void {
    const oldest = this.frames.shift()!;
    for (let e = this.events.peek(); e && e.event.frame <= oldest.frame; e = this.events.peek()) {
      this.events.shift();
      this.bytes -= e.bytes;
      applyReplayEvent(this.start, e.event);
      // A player who left before the new start is in neither the start nor the events.
      if (e.event.type === "leave") this.departed.delete(e.event.sessionId);
    }
    this.start.departed.clear();
    const frame = JSON.parse(oldest.json) as ReplayFrame;
    applyReplayFrame(this.start, frame, (player, inputs) => this.rules.apply(player as P, inputs));
    this.bytes -= oldest.bytes;
    this.startFrame = oldest.frame + 1;
    this.droppedFrames++;
  }
}
