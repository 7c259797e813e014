/**
 * Which seat a joining connection gets (contract §3 "Disconnects and reconnection"), as
 * one decision: refused, taking over a seat already played (a reconnect-key claim of a
 * held seat, or the same user arriving while still present), or sitting in a seat.
 * FrameSyncRoom.onJoin acts on the decision; this module only reads and books seats.
 */
import { JoinCodes, type JoinCode } from "../protocol/codes.ts";
import type { GameJoinOptions } from "../protocol/messages.ts";
import { RECLAIM_RACE_GUARD_MS } from "../utils/limits.ts";
import type { Seat, SeatBook } from "./seats.ts";

/** How a seat moved to a new connection: by its reconnect key, or replacing a live connection (4100). */
export type TakeOverPath = "key" | "replace";

export type SeatDecision =
  | { kind: "refuse"; code: JoinCode; message: string; path?: "key" }
  | { kind: "takeOver"; seat: Seat; path: TakeOverPath }
  | { kind: "sit"; seat: Seat };

export interface RoomSeating {
  matchId: string;
  /** Seats were granted by the matchmaker: only those users may sit. */
  matchmade: boolean;
  capacity: number;
}

const refuse = (message: string, path?: "key"): SeatDecision => ({ kind: "refuse", code: JoinCodes.FORBIDDEN, message, path });

export function decideSeat(seats: SeatBook, userId: string, options: GameJoinOptions, room: RoomSeating, now = Date.now()): SeatDecision {
  const key = options.reconnectKey;
  if (options.matchId !== undefined && options.matchId !== room.matchId) return refuse("wrong matchId for this room", key !== undefined ? "key" : undefined);

  const seat = seats.ofUser(userId);
  if (seat?.sessionId) {
    if (key !== undefined && key !== seat.reconnectKey) return refuse("wrong reconnectKey", "key");
    if (seat.held) {
      if (key === undefined) return refuse("this seat is held: pass its reconnectKey to reclaim it", "key");
      return { kind: "takeOver", seat, path: "key" };
    }
    if (key !== undefined && seat.claimedAt !== undefined && now - seat.claimedAt < RECLAIM_RACE_GUARD_MS) {
      return refuse("seat was just reclaimed by another connection", "key");
    }
    // A key claim while the old connection still looks alive (an app relaunched before
    // the ping noticed the drop) starts the race guard too: a second tab is refused.
    if (key !== undefined) seat.claimedAt = now;
    return { kind: "takeOver", seat, path: "replace" };
  }

  if (room.matchmade) {
    if (!seat) return refuse("not seated in this match");
    if (options.seatIndex !== undefined && options.seatIndex !== seat.seatIndex) return refuse("wrong seatIndex");
    if (key !== undefined && key !== seat.reconnectKey) return refuse("wrong reconnectKey");
    return { kind: "sit", seat };
  }
  // A key names a seat this user holds; with none (expired, removed, or someone
  // else's key) the join would silently start a fresh player, so refuse it instead.
  if (key !== undefined) return refuse("no seat of yours to reclaim with this reconnectKey", "key");
  if (seats.occupied >= room.capacity) return refuse("room full");
  return { kind: "sit", seat: seats.open(userId) };
}
