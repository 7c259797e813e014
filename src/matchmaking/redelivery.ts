/**
 * `match:found` until the player is in (issue 13). The first delivery goes over pub/sub
 * (delivery.ts), which loses a message whose subscriber is away for a moment, and the
 * process that formed the match may crash right after. So the match's own room, which
 * outlives both and knows who has joined, sends `match:found` again every
 * MATCH_FOUND_REDELIVER_MS to each seated player not in yet, and when it stops waiting —
 * the seats expired (MATCH_FIRST_JOIN_TIMEOUT_MS) or the room closes first — tells each
 * player who never got in `match:abandoned { matchId, reason }`. The matchmaker room
 * passes each match on to its client once (MatchmakerRoom drops repeats).
 *
 * The room also commits its match in the store as soon as it exists (store.ts, pending
 * matches): from then on no other process may restore the claim, even if the process that
 * asked for the room dies before telling anyone. If the store answers that the claim went
 * another way (its claimer was taken for dead and the players were put back), the room
 * says nothing and closes.
 */
import type { SeatGrant } from "../utils/auth.ts";
import { MATCH_FOUND_REDELIVER_MS } from "../utils/limits.ts";
import { logger } from "../utils/logger.ts";
import { metrics } from "../utils/metrics.ts";
import { matchStore } from "./activeStore.ts";
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

/** The part of a room's clock the redelivery runs on. */
interface Clock {
  setInterval(callback: () => void, ms: number): unknown;
}

export class MatchRedelivery {
  /** `unconfirmed` until the store says this room is the match's; `over` once it stopped waiting, or it was not. */
  private state: "unconfirmed" | "confirmed" | "superseded" | "over" = "unconfirmed";
  private confirming = false;

  constructor(
    private readonly match: MatchInfo,
    private readonly lobbies: MatchLobby[],
    private readonly joined: (userId: string) => boolean,
  ) {}

  /**
   * Commits the match to this room now, then every MATCH_FOUND_REDELIVER_MS delivers
   * again (or retries the commit if the store did not answer). `close` is called, from a
   * tick so the room is fully created, when the match turned out not to be this room's.
   */
  start(clock: Clock, close: () => void): void {
    void this.confirm();
    clock.setInterval(() => {
      if (this.state === "superseded") {
        this.state = "over";
        close();
      } else if (this.state === "unconfirmed") {
        void this.confirm().then(() => this.redeliver());
      } else {
        this.redeliver();
      }
    }, MATCH_FOUND_REDELIVER_MS);
  }

  /** Sends `match:found` again to every seated player not in yet. */
  redeliver(): void {
    if (this.state !== "confirmed") return;
    for (const { lobby, seat } of this.waiting()) {
      metrics.matchRedeliveries.inc({ type: "match:found" });
      deliver(lobby, { type: "match:found", payload: matchFoundFor(this.match, seat), ends: endsFor(this.match, lobby) });
    }
  }

  /** The room stops waiting: each player never joined hears `match:abandoned`, once. */
  abandon(reason: AbandonReason): void {
    if (this.state !== "confirmed") return;
    this.state = "over";
    for (const { lobby } of this.waiting()) {
      metrics.matchRedeliveries.inc({ type: "match:abandoned" });
      const payload: MatchAbandoned = { matchId: this.match.matchId, reason };
      deliver(lobby, { type: "match:abandoned", payload, ends: endsFor(this.match, lobby) });
    }
  }

  private async confirm(): Promise<void> {
    if (this.confirming) return;
    this.confirming = true;
    try {
      const ours = await matchStore().commitMatch(this.match.matchId, this.match.roomId);
      if (this.state !== "unconfirmed") return;
      this.state = ours ? "confirmed" : "superseded";
      if (!ours) logger.warn({ roomId: this.match.roomId, matchId: this.match.matchId }, "this room's match was restored elsewhere: it closes without a word");
    } catch (err) {
      metrics.redisErrors.inc({ op: "mm.commit" });
      logger.warn({ roomId: this.match.roomId, matchId: this.match.matchId, err: (err as Error).message }, "could not commit the match to its room; trying again");
    } finally {
      this.confirming = false;
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
