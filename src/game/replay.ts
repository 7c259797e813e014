/**
 * Replays of the example game (contract §7) as data, and the pure checker that re-runs
 * one through ./rules.ts. The server builds replays in this shape (utils/replayRecorder.ts),
 * the demo page plays them back with the same functions, and tests check them.
 *
 * This file must stay dependency-free apart from ./rules.ts: it is compiled for the
 * browser as-is.
 *
 * How a replay is re-run: start from `start.players` (the state just before frame
 * `start.frame`, the first kept frame); then for each frame, first apply the `events`
 * whose `frame` is at most that frame (in order), then every entry's inputs through the
 * rules. Events after the last frame are applied at the end. The result — the players
 * still in the game and the last state of every player who left — equals `final.players`.
 */
import { applyPlayerInput, type SimPlayer } from "./rules.ts";

/** Bumped when the shape below changes in a way a reader must know about. */
export const REPLAY_FORMAT_VERSION = 1;

/** Who played a session. */
export interface ReplaySeat {
  sessionId: string;
  userId: string;
  seatIndex: number;
}

/** A session's seat plus its game state (the example game: x, y, attacking). */
export type PlayerRecord<P = SimPlayer> = ReplaySeat & P;

/** One player's merged inputs of one frame. Players who sent nothing have no entry. */
export interface ReplayEntry {
  sessionId: string;
  seatIndex: number;
  inputs: Record<string, unknown>;
}

export interface ReplayFrame {
  frame: number;
  /** Epoch ms when the server simulated the frame. */
  timestamp: number;
  inputs: ReplayEntry[];
}

/**
 * What changed the roster between two ticks. Each takes effect before the inputs of
 * its `frame` (the next frame the server simulated after it happened).
 * - `join`: a player entered at this state (its spawn position).
 * - `leave`: the player was removed (its last state is in `final.players`).
 * - `rename`: the player moved to a new session (a reconnect-key reclaim or a takeover
 *   by the same user, contract §3 path 2): same seat, same state, new sessionId.
 */
export type ReplayEvent<P = SimPlayer> =
  | ({ frame: number; type: "join" } & PlayerRecord<P>)
  | { frame: number; type: "leave"; sessionId: string }
  | { frame: number; type: "rename"; from: string; to: string };

export interface Replay<P = SimPlayer> {
  version: number;
  roomId: string;
  matchId: string;
  fps: number;
  /** Epoch ms: room created / disposed. */
  startedAt: number;
  endedAt: number;
  /** Every session that appears in this replay (start, joins, renames), in order of appearance. */
  players: ReplaySeat[];
  /** The players in the game just before `start.frame`; `start.frame` > 0 when older frames were dropped for the bounds. */
  start: { frame: number; players: PlayerRecord<P>[] };
  events: ReplayEvent<P>[];
  /** Consecutive frames from `start.frame` to `final.frame`. */
  frames: ReplayFrame[];
  /** The last simulated frame, and the last state of every session: in the game at the end, or when it left. */
  final: { frame: number; players: PlayerRecord<P>[] };
}

/** One row of `GET /replays`. */
export interface ReplaySummary {
  roomId: string;
  matchId: string;
  startedAt: number;
  endedAt: number;
  frameCount: number;
}

/** Players during a re-run: those in the game, and the last state of those who left. */
export interface Roster<P = SimPlayer> {
  present: Map<string, PlayerRecord<P>>;
  departed: Map<string, PlayerRecord<P>>;
}

export function emptyRoster<P = SimPlayer>(players: Iterable<PlayerRecord<P>> = []): Roster<P> {
  const present = new Map<string, PlayerRecord<P>>();
  for (const p of players) present.set(p.sessionId, { ...p });
  return { present, departed: new Map() };
}

/** Applies one roster event, in place. */
export function applyReplayEvent<P>(roster: Roster<P>, event: ReplayEvent<P>): void {
  switch (event.type) {
    case "join": {
      const { frame: _frame, type: _type, ...record } = event;
      roster.present.set(record.sessionId, record as unknown as PlayerRecord<P>);
      return;
    }
    case "leave": {
      const player = roster.present.get(event.sessionId);
      if (!player) return;
      roster.present.delete(event.sessionId);
      roster.departed.set(event.sessionId, player);
      return;
    }
    case "rename": {
      const player = roster.present.get(event.from);
      if (!player) return;
      roster.present.delete(event.from);
      roster.present.set(event.to, { ...player, sessionId: event.to });
      return;
    }
  }
}

/** Applies one frame's inputs to the players in the game, in place. Entries of absent sessions are ignored, as on the server. */
export function applyReplayFrame<P>(
  roster: Roster<P>,
  frame: Pick<ReplayFrame, "inputs">,
  apply: (player: PlayerRecord<P>, inputs: Record<string, unknown>) => unknown,
): void {
  for (const entry of frame.inputs) {
    const player = roster.present.get(entry.sessionId);
    if (player && entry.inputs) apply(player, entry.inputs);
  }
}

/**
 * Re-runs a replay (see the top of this file). `until` stops after that frame, for a
 * player scrubbing to it; by default the whole replay, trailing events included.
 */
export function simulateReplay(replay: Replay, until = Infinity): Roster {
  const roster = emptyRoster(replay.start.players);
  let e = 0;
  for (const frame of replay.frames) {
    if (frame.frame > until) return roster;
    while (e < replay.events.length && replay.events[e]!.frame <= frame.frame) applyReplayEvent(roster, replay.events[e++]!);
    applyReplayFrame(roster, frame, applyPlayerInput);
  }
  if (until >= replay.final.frame) while (e < replay.events.length) applyReplayEvent(roster, replay.events[e++]!);
  return roster;
}

export interface ReplayCheck {
  ok: boolean;
  /** What differs, at most MAX_REPORTED_MISMATCHES lines. */
  mismatches: string[];
  /** The re-run's result keyed by sessionId. */
  simulated: Record<string, PlayerRecord>;
}

const MAX_REPORTED_MISMATCHES = 20;

/**
 * Re-runs a replay with the example rules and compares the result with `final.players`
 * exactly (same sessions; same x, y and attacking). Also reports frames that are not
 * consecutive from `start.frame` and events out of order, which would make a re-run
 * meaningless.
 */
export function checkReplay(replay: Replay): ReplayCheck {
  const mismatches: string[] = [];
  const report = (line: string) => {
    if (mismatches.length < MAX_REPORTED_MISMATCHES) mismatches.push(line);
  };

  replay.frames.forEach((f, i) => {
    if (f.frame !== replay.start.frame + i) report(`frames[${i}] is frame ${f.frame}, expected ${replay.start.frame + i}`);
  });
  for (let i = 1; i < replay.events.length; i++) {
    if (replay.events[i]!.frame < replay.events[i - 1]!.frame) report(`events[${i}] is out of frame order`);
  }

  const roster = simulateReplay(replay);
  const simulated: Record<string, PlayerRecord> = {};
  for (const [id, p] of roster.departed) simulated[id] = p;
  for (const [id, p] of roster.present) simulated[id] = p;

  const expected = new Map(replay.final.players.map((p) => [p.sessionId, p]));
  for (const [id, p] of Object.entries(simulated)) {
    const want = expected.get(id);
    if (!want) {
      report(`session ${id} is in the re-run but not in final.players`);
      continue;
    }
    for (const key of ["x", "y", "attacking"] as const) {
      if (p[key] !== want[key]) report(`session ${id}: ${key} re-run ${p[key]}, final ${want[key]}`);
    }
  }
  for (const id of expected.keys()) {
    if (!(id in simulated)) report(`session ${id} is in final.players but not in the re-run`);
  }
  return { ok: mismatches.length === 0, mismatches, simulated };
}
