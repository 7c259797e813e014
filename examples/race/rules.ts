/**
 * Flag race, the rules: every runner dashes from its corner to the flag in the middle of
 * the field; touching it scores a point and sends the runner back to its corner. First
 * to WIN_SCORE wins. Pure functions of (runner, inputs): no sockets, timers or Schema, so
 * the room, the replay re-run and the tests all use this one module.
 *
 * A runner's step depends on its own state and inputs only (never on other runners):
 * that is what lets a replay re-simulate each player from the recorded inputs.
 */
import { applyReplayEvent, applyReplayFrame, emptyRoster, type PlayerRecord, type Replay } from "../../src/game/replay.ts";

/** The square field, in px. */
export const FIELD_SIZE = 400;
export const FLAG = { x: FIELD_SIZE / 2, y: FIELD_SIZE / 2 } as const;
/** A runner within this distance (px) of the flag touches it. */
export const FLAG_RADIUS = 12;
/** Px per frame per unit of `dir` (a 45° dash covers ~14 px per frame). */
export const SPEED = 10;
/** Points that win the race. */
export const WIN_SCORE = 3;
/** Corners are this far (px) from the walls. */
const CORNER_INSET = 40;

export interface Runner {
  seatIndex: number;
  x: number;
  y: number;
  score: number;
}

/** A direction per axis: -1, 0 or 1 (the room's input schema lets nothing else through). */
export interface Direction {
  x: number;
  y: number;
}

/** What a step can tell the room. */
export type RaceEvent = { type: "flag"; score: number };

/** Where seat `seatIndex` starts and returns after each point: the four corners in turn. */
export function cornerOf(seatIndex: number): { x: number; y: number } {
  const far = FIELD_SIZE - CORNER_INSET;
  const corners = [
    { x: CORNER_INSET, y: CORNER_INSET },
    { x: far, y: far },
    { x: far, y: CORNER_INSET },
    { x: CORNER_INSET, y: far },
  ];
  return corners[seatIndex % corners.length]!;
}

const clamp = (v: number) => Math.min(FIELD_SIZE, Math.max(0, v));

/** The `dir` of one frame's inputs; a replay file is data too, so this checks what it reads. */
function directionOf(inputs: Record<string, unknown> | null | undefined): Direction | undefined {
  const dir = inputs?.dir;
  if (typeof dir !== "object" || dir === null || !("x" in dir) || !("y" in dir)) return undefined;
  const { x, y } = dir;
  return typeof x === "number" && typeof y === "number" ? { x, y } : undefined;
}

/** Applies one frame's inputs (`{ dir }`) to `runner`, in place; returns the flag event when it scored. */
export function step(runner: Runner, inputs: Record<string, unknown> | null | undefined): RaceEvent | undefined {
  const dir = directionOf(inputs);
  if (!dir) return undefined;
  runner.x = clamp(runner.x + SPEED * dir.x);
  runner.y = clamp(runner.y + SPEED * dir.y);
  if (Math.hypot(runner.x - FLAG.x, runner.y - FLAG.y) > FLAG_RADIUS) return undefined;
  runner.score += 1;
  Object.assign(runner, cornerOf(runner.seatIndex));
  return { type: "flag", score: runner.score };
}

/** The direction (-1, 0, 1 per axis) from (x, y) toward the flag: what a good runner sends. */
export function towardFlag(x: number, y: number): Direction {
  return { x: Math.sign(FLAG.x - x), y: Math.sign(FLAG.y - y) };
}

/**
 * Re-runs a recorded race with these rules (see src/game/replay.ts for the order of
 * events and frames): every session's last state, present or departed.
 */
export function rerunRace(replay: Replay<Runner>): Map<string, PlayerRecord<Runner>> {
  const roster = emptyRoster(replay.start.players);
  let e = 0;
  for (const frame of replay.frames) {
    while (e < replay.events.length && replay.events[e]!.frame <= frame.frame) applyReplayEvent(roster, replay.events[e++]!);
    applyReplayFrame(roster, frame, step);
  }
  while (e < replay.events.length) applyReplayEvent(roster, replay.events[e++]!);
  return new Map([...roster.departed, ...roster.present]);
}
