/**
 * A seat held for a dropped player (contract §3): Colyseus' reconnection wait, the
 * reconnect record in the store (Redis or memory) and the seatsHeld gauge change
 * together, here, so no path forgets one of them.
 */
import { config } from "../config.ts";
import type { ReconnectionHold } from "../net/internals.ts";
import { metrics } from "../utils/metrics.ts";
import { reconnectStore, type ReconnectRecord } from "./reconnectStore.ts";
import type { Seat } from "./seats.ts";

/** Holds `seat` for `windowMs`: `hold` is Colyseus' wait, the record lets any process find the seat. */
export function holdSeat(seat: Seat, hold: ReconnectionHold, record: Omit<ReconnectRecord, "expiresAt" | "publicAddress">, windowMs: number): void {
  const expiresAt = Date.now() + windowMs;
  seat.held = { cancel: hold.cancel, expiresAt };
  metrics.seatsHeld.inc();
  void reconnectStore().hold({ ...record, expiresAt, publicAddress: config().publicAddress }, windowMs);
}

/**
 * The hold ends: the player is back (SDK reconnect: Colyseus' wait already ended; a
 * reconnect-key claim: `cancelWait` ends it) or the room closes. False if it held nothing.
 */
export function endHold(seat: Seat, matchId: string, cancelWait: boolean): boolean {
  const held = seat.held;
  if (!held) return false;
  seat.held = undefined;
  if (cancelWait) held.cancel();
  metrics.seatsHeld.dec();
  void reconnectStore().release(matchId, seat.userId);
  return true;
}
