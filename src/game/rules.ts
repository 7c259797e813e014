/**
 * The example game's rules (contract §3 "Example game rules") as pure functions of
 * (player, inputs) → player + events. No sockets, timers or Schema: the server, the
 * replay checker and the demo page all run this same module, so a replay re-simulated
 * from its frames reaches exactly the recorded final positions.
 *
 * This file must stay dependency-free: it is also compiled for the browser as-is.
 */

export const ARENA = { minX: 15, maxX: 785, minY: 15, maxY: 485 } as const;
/** Pixels moved per frame per unit of `move`. */
export const MOVE_SPEED = 3;

export interface SimPlayer {
  x: number;
  y: number;
  attacking: boolean;
}

export interface MoveVector {
  x: number;
  y: number;
}

export type PlayerAction =
  | { action: "move"; data: { x: number; y: number; move: MoveVector } }
  | { action: "attack"; data: { attacking: boolean } }
  | { action: "jump"; data: { jump: true } };

const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);

/** A move component clamped to [-1, 1]; a non-finite or non-number one is ignored (0). */
function moveComponent(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? clamp(v, -1, 1) : 0;
}

/**
 * Applies one frame's merged inputs to a player, in place, and returns the actions
 * to broadcast: `move` only when the position changed, `attack` every frame it is
 * present, `jump` when it is exactly `true`.
 */
export function applyPlayerInput(player: SimPlayer, inputs: Record<string, unknown> | null | undefined): PlayerAction[] {
  const actions: PlayerAction[] = [];
  if (!inputs) return actions;

  const move = inputs.move;
  if (move !== null && typeof move === "object") {
    const m = move as Record<string, unknown>;
    const vector = { x: moveComponent(m.x), y: moveComponent(m.y) };
    const x = clamp(player.x + MOVE_SPEED * vector.x, ARENA.minX, ARENA.maxX);
    const y = clamp(player.y + MOVE_SPEED * vector.y, ARENA.minY, ARENA.maxY);
    if (x !== player.x || y !== player.y) {
      player.x = x;
      player.y = y;
      actions.push({ action: "move", data: { x, y, move: vector } });
    }
  }

  if (inputs.attack !== undefined) {
    player.attacking = Boolean(inputs.attack);
    actions.push({ action: "attack", data: { attacking: player.attacking } });
  }

  if (inputs.jump === true) {
    actions.push({ action: "jump", data: { jump: true } });
  }
  return actions;
}

/** Spawn grid: 4 × 4 cells far enough apart that two players' name labels never overlap. */
const SPAWN = { x0: 100, y0: 100, columns: 4, rows: 4, dx: 190, dy: 100 } as const;
/** Seats past the first 16 fill the gaps between the cells, in this order. */
const SPAWN_LAYER_OFFSETS = [
  [0, 0],
  [95, 50],
  [0, 50],
  [95, 0],
] as const;

/** Where a player of seat `seatIndex` starts (seat 0 at 100,100): deterministic, replays rely on it. */
export function spawnPoint(seatIndex: number): { x: number; y: number } {
  const i = Math.max(0, seatIndex);
  const perLayer = SPAWN.columns * SPAWN.rows;
  const cell = i % perLayer;
  const [ox, oy] = SPAWN_LAYER_OFFSETS[Math.floor(i / perLayer) % SPAWN_LAYER_OFFSETS.length]!;
  return {
    x: clamp(SPAWN.x0 + (cell % SPAWN.columns) * SPAWN.dx + ox, ARENA.minX, ARENA.maxX),
    y: clamp(SPAWN.y0 + Math.floor(cell / SPAWN.columns) * SPAWN.dy + oy, ARENA.minY, ARENA.maxY),
  };
}

export interface SimFrame {
  frame: number;
  inputs: Array<{ clientId: string; inputs: Record<string, unknown> | null }>;
}

/**
 * Re-runs frames over starting players (keyed by sessionId) and returns the players
 * after the last frame. Inputs of a session that is not in `players` are ignored,
 * as the server ignores inputs of a player who is gone.
 */
export function simulate(players: Record<string, SimPlayer>, frames: Iterable<SimFrame>): Record<string, SimPlayer> {
  const state: Record<string, SimPlayer> = {};
  for (const [id, p] of Object.entries(players)) state[id] = { x: p.x, y: p.y, attacking: p.attacking };
  for (const frame of frames) {
    for (const entry of frame.inputs) {
      const p = state[entry.clientId];
      if (p) applyPlayerInput(p, entry.inputs);
    }
  }
  return state;
}
