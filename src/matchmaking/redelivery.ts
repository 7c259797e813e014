/**
 * `match:found` until the player is in (issue 13). The first delivery goes over pub/sub
 * (delivery.ts), which loses a message whose subscriber is away for a moment, and the
 * process that formed the match may crash right after. So the match's own room, which
 * outlives both and knows who has joined, sends `match:found` again every
 * MATCH_FOUND_REDELIVER_MS to each seated player not in yet, and when it stops waiting —
 * the seats expired (MATCH_FIRST_JOIN_TIMEOUT_MS) or the room closes first — tells each
 * player who never got in `match:abandoned { matchId, reason }`. The matchmaker room
 * passes each match on to its client once (MatchmakerRoom drops repeats).
 */
import type { SeatGrant } from "../utils/auth.ts";
import { metrics } from "../utils/metrics.ts";
import { deliver, type Delivery } from "./delivery.ts";
import type { MatchFound } from "./messages.ts";

/** Where a seated player waits: its matchmaker session, and the ticket the match ended (queue matches). */
export interface MatchLobby {
  userId: string;
  lobbyRoomId: string;
  sessionId: string;
  ticketId?: string;
}

export interface MatchInfo {
  roomName: string;
  roomId: string;
  matchId: string;
  playersPerMatch: number;
  queueKey?: string;
  partyId?: string;
  seats: SeatGrant[];
}

/** Why a waiting player's match is off: the room stopped waiting for it, or closed before it came. */
export type AbandonReason = "seat_expired" | "room_closed";

export interface MatchAbandoned {
  matchId: string;
  reason: AbandonReason;
}

/** The `match:found` a seat gets (contract §4). */
export function matchFoundFor(match: MatchInfo, seat: SeatGrant): MatchFound {
  const joinOptions = { matchId: match.matchId, seatIndex: seat.seatIndex, reconnectKey: seat.reconnectKey };
  return {
    roomName: match.roomName,
    roomId: match.roomId,
    ...joinOptions,
    playersPerMatch: match.playersPerMatch,
    joinOptions,
    ...(match.queueKey !== undefined ? { queueKey: match.queueKey } : { partyId: match.partyId }),
  };
}

export function endsFor(match: Pick<MatchInfo, "partyId">, lobby: Pick<MatchLobby, "ticketId">): Delivery["ends"] {
  return match.partyId !== undefined ? { partyId: match.partyId } : { ticketId: lobby.ticketId };
}

export class MatchRedelivery {
  private over = false;

  constructor(
    private readonly match: MatchInfo,
    private readonly lobbies: MatchLobby[],
    private readonly joined: (userId: string) => boolean,
  ) {}

  /** Sends `match:found` again to every seated player not in yet. */
  redeliver(): void {
    if (this.over) return;
    for (const { lobby, seat } of this.waiting()) {
      metrics.matchRedeliveries.inc({ type: "match:found" });
      deliver(lobby, { type: "match:found", payload: matchFoundFor(this.match, seat), ends: endsFor(this.match, lobby) });
    }
  }

  /** The room stops waiting: each player never joined hears `match:abandoned`, once. */
  abandon(reason: AbandonReason): void {
    if (this.over) return;
    this.over = true;
    for (const { lobby } of this.waiting()) {
      metrics.matchRedeliveries.inc({ type: "match:abandoned" });
      const payload: MatchAbandoned = { matchId: this.match.matchId, reason };
      deliver(lobby, { type: "match:abandoned", payload, ends: endsFor(this.match, lobby) });
    }
  }

  private *waiting(): Generator<{ lobby: MatchLobby; seat: SeatGrant }> {
    for (const lobby of this.lobbies) {
      if (this.joined(lobby.userId)) continue;
      const seat = this.match.seats.find((s) => s.userId === lobby.userId);
      if (seat) yield { lobby, seat };
    }
  }
}
