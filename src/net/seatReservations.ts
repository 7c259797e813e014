/**
 * Seat reservations of a direct (not matchmade) room, counted against its real capacity
 * (contract §8: concurrent `joinOrCreate` never answers "room full").
 *
 * Colyseus' own slot limit (`maxClients`) is kept at a multiple of the capacity so that
 * a held seat and a reclaiming or replacing connection are never refused as "full"
 * (CONNECTION_SLOTS_PER_SEAT). Without more, Colyseus would hand out twice as many fresh
 * seats as the room has, and the room could only refuse the extra players in onJoin,
 * after `joinOrCreate` had committed them to it. So a fresh player's reservation is
 * refused at reservation time (internals.ts gateSeatReservations) once the seats taken
 * plus the fresh reservations not yet joined fill the room: Colyseus' `joinOrCreate`
 * then retries on another room or creates one, and `join`/`joinById` get `403`
 * (matchmakeChecks.ts).
 */
import type { Room } from "@colyseus/core";
import { hasReservation } from "./internals.ts";

/**
 * Fresh seats handed out and not yet joined. An entry ends when its player reaches
 * onJoin (`settle`) or when Colyseus drops the reservation (it expired, or the socket
 * closed before joining): `count` prunes those.
 */
export class PendingSeats {
  private readonly sessions = new Set<string>();

  constructor(private readonly room: Room<any>) {}

  add(sessionId: string): void {
    this.sessions.add(sessionId);
  }

  settle(sessionId: string): void {
    this.sessions.delete(sessionId);
  }

  get count(): number {
    for (const sessionId of this.sessions) {
      if (!hasReservation(this.room, sessionId)) this.sessions.delete(sessionId);
    }
    return this.sessions.size;
  }
}

/** Colyseus' answer when every room a join tried had no seat left (SeatReservationError, sent as 523). */
export function isFullRefusal(err: unknown): boolean {
  return /is already full/.test((err as Error | undefined)?.message ?? "");
}
