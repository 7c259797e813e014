/**
 * Who sits where in a frame-sync room: one seat per userId, its seat index, its
 * reconnect key, the session currently playing it, and whether it is held for a
 * dropped player. Bookkeeping only; the room decides what the transitions mean.
 */
import { newReconnectKey, type SeatGrant } from "../utils/auth.ts";

export interface Seat {
  readonly userId: string;
  readonly seatIndex: number;
  readonly reconnectKey: string;
  /** Session playing this seat; undefined before a matchmade player's first join and after removal. */
  sessionId?: string;
  /** Set while the seat is held for a dropped player: cancels Colyseus' own reconnection wait. */
  held?: { cancel: () => void; expiresAt: number };
  /** When a reconnect-key claim last took this seat (guards two simultaneous claims). */
  claimedAt?: number;
  /** Someone has played this seat at least once. */
  joined?: boolean;
}

export class SeatBook {
  private readonly byUser = new Map<string, Seat>();
  private readonly bySession = new Map<string, Seat>();

  /** Seats granted up front by the matchmaker (only those users may join). */
  constructor(grants: SeatGrant[] = []) {
    for (const g of grants) this.byUser.set(g.userId, { ...g });
  }

  ofUser(userId: string): Seat | undefined {
    return this.byUser.get(userId);
  }

  /** The seat this session currently plays, or undefined (unknown or replaced session). */
  ofSession(sessionId: string): Seat | undefined {
    const seat = this.bySession.get(sessionId);
    return seat && seat.sessionId === sessionId ? seat : undefined;
  }

  /** A new seat for a direct (non-matchmade) room: the lowest free index. */
  open(userId: string): Seat {
    const used = new Set([...this.byUser.values()].map((s) => s.seatIndex));
    let seatIndex = 0;
    while (used.has(seatIndex)) seatIndex++;
    const seat: Seat = { userId, seatIndex, reconnectKey: newReconnectKey() };
    this.byUser.set(userId, seat);
    return seat;
  }

  /** Points the seat at `sessionId` (first join, reclaim, replacement). */
  assign(seat: Seat, sessionId: string): void {
    if (seat.sessionId) this.bySession.delete(seat.sessionId);
    seat.sessionId = sessionId;
    seat.joined = true;
    this.bySession.set(sessionId, seat);
  }

  /** The player left for good. Matchmade seats stay granted (the user may come back); others are freed. */
  vacate(seat: Seat, keepGrant: boolean): void {
    if (seat.sessionId) this.bySession.delete(seat.sessionId);
    seat.sessionId = undefined;
    seat.held = undefined;
    if (!keepGrant) this.byUser.delete(seat.userId);
  }

  /** Seats with a player in them (playing or held). */
  get occupied(): number {
    let n = 0;
    for (const seat of this.byUser.values()) if (seat.sessionId) n++;
    return n;
  }

  get size(): number {
    return this.byUser.size;
  }

  /** Every granted seat has been joined at least once (matchmade rooms). */
  allJoined(): boolean {
    for (const seat of this.byUser.values()) if (!seat.joined) return false;
    return true;
  }

  heldSeats(): Seat[] {
    return [...this.byUser.values()].filter((s) => s.held);
  }
}
