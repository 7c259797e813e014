/**
 * Where queues and parties live (contract §4). Two implementations with the same
 * behaviour: MemoryMatchStore for one process (no REDIS_URL) and RedisMatchStore for a
 * cluster (REDIS_URL). Every method is one atomic step, so two processes can never
 * seat a ticket twice, and a queue never holds a full match's worth of tickets
 * without forming it (no ticket is stranded).
 *
 * Record keys (Redis): `mm:queue:{queueKey}` (sorted set of ticket ids, oldest first),
 * `mm:ticket:{ticketId}`, `mm:party:{partyId}`, `mm:partycode:{CODE}`, and
 * `mm:user:{userId}` — the user's one ticket or party, which is what stops a user from
 * queueing twice or being matched twice.
 *
 * Pending matches (issue 13): the step that takes tickets off a queue or starts a party
 * also records the claim — `mm:pending` (sorted set of match ids by claim time) and
 * `mm:pending:{matchId}` (the claiming process and the claim) — and keeps its players
 * held until the match's room exists (commitMatch) or could not be made (dropMatch). A
 * claim whose process died before either is found by any other process (stalePending)
 * and its players still here are put back where they were (restorePending).
 *
 * Stale holders (issue 13): a queued ticket or a party seat whose player's matchmaker
 * room is gone (its process was killed) still holds the user until it expires. The
 * store says where a holder's player connected (heldAt) and frees it (evict), atomically
 * and only while that same holder, connected there, still holds the user; whether that
 * room is gone is ./staleHolders.ts's question.
 */

/** Where a player's matchmaker messages go: its matchmaker room and session (any process). */
export interface Address {
  lobbyRoomId: string;
  sessionId: string;
}

/** What a queue is keyed by (contract §4). */
export interface QueueCriteria {
  playersPerMatch: number;
  modeId: string;
  region: string;
  gameRoomName: string;
}

export interface Ticket extends Address {
  ticketId: string;
  userId: string;
  queueKey: string;
  criteria: QueueCriteria;
  recordFrames: boolean;
  /** Absent in records written before the option existed: false. */
  lockstep?: boolean;
  createdAt: number;
}

export interface PartyMember extends Address {
  userId: string;
  name?: string;
}

export interface Party {
  partyId: string;
  partyCode: string;
  leaderUserId: string;
  criteria: QueueCriteria;
  recordFrames: boolean;
  lockstep?: boolean;
  /** In join order; seats are given in this order. */
  members: PartyMember[];
  createdAt: number;
}

/** What holds a user: `t:{ticketId}` or `p:{partyId}`. */
export type Holder = string;
export const ticketHolder = (ticketId: string): Holder => `t:${ticketId}`;
export const partyHolder = (partyId: string): Holder => `p:${partyId}`;
export const holderKind = (holder: Holder): "ticket" | "party" => (holder.startsWith("p:") ? "party" : "ticket");

/** Who claims a match: its id (chosen before the store step) and the claiming process (Colyseus' processId). */
export interface ClaimTag {
  matchId: string;
  by: string;
}

/**
 * Players taken off a queue or out of a party in one store step, for one match: pending
 * until the match's room exists. Its players stay held (their `mm:user` marker) until then.
 */
export type Claim =
  /** Oldest first. */
  | { source: "queue"; matchId: string; tickets: Ticket[] }
  | { source: "party"; matchId: string; party: Party };

export type EnqueueResult =
  | { kind: "busy"; holder: Holder }
  | { kind: "queued" }
  /** This ticket completed a match: these tickets (oldest first, this one among them) were taken off the queue. */
  | { kind: "matched"; claim: Extract<Claim, { source: "queue" }> };

export type CreatePartyResult = { kind: "ok" } | { kind: "busy"; holder: Holder } | { kind: "code_taken" };

export type JoinPartyResult =
  | { kind: "ok"; party: Party }
  | { kind: "not_found" }
  | { kind: "full" }
  | { kind: "busy"; holder: Holder };

export type LeavePartyResult =
  /** Removed; the party goes on with these members (leader passed on if it was the leader). */
  | { kind: "left"; party: Party }
  /** Removed, and the party was empty, so it is gone. */
  | { kind: "dissolved" }
  /** The party no longer exists (started or expired) or this user was not in it. */
  | { kind: "gone" };

export type StartPartyResult =
  | { kind: "started"; claim: Extract<Claim, { source: "party" }> }
  | { kind: "not_found" }
  | { kind: "not_leader" }
  | { kind: "not_full"; members: number; needed: number };

/** Records a process keeps alive for the players it holds (see MATCH_RECORD_TTL_MS). */
export interface HeldRecords {
  tickets: Array<{ ticketId: string; userId: string; queueKey: string }>;
  parties: Array<{ partyId: string; partyCode: string; userId: string }>;
}

/** What holds a user and where its player connected: a queued ticket or a party seat (not a pending match's). */
export interface HeldAt {
  holder: Holder;
  lobbyRoomId: string;
}

export type EvictResult =
  /** That holder no longer holds the user there (it moved on, was matched, or is a pending match's): nothing changed. */
  | { kind: "moved" }
  /** The ticket is off its queue and the user free. */
  | { kind: "cancelled" }
  /** The user left the party, as with leaveParty. */
  | LeavePartyResult;

/** A claim no room has committed yet, `ageMs` after it was made. */
export interface StalePending {
  claim: Claim;
  by: string;
  ageMs: number;
}

export type RestoreResult =
  /** No longer pending: its room committed it, it was dropped, or another process restored it. */
  | { kind: "gone" }
  | {
      kind: "restored";
      /** The players put back; every other player of the claim was released. */
      kept: string[];
      /** A party claim with players gone: the party as it is now (lead passed on if the leader was gone). */
      party?: Party;
      /** The players put back completed a match at once (a queue that filled, a party whose players are all here). */
      claim?: Claim;
    };

export interface MatchStore {
  /**
   * Puts the ticket in its queue unless the user is already held, and in the same
   * step takes `playersPerMatch` tickets off the queue when it holds that many,
   * recorded as the pending match `tag`.
   */
  enqueue(ticket: Ticket, playersPerMatch: number, tag: ClaimTag): Promise<EnqueueResult>;
  /** Takes the ticket off its queue. False when it was no longer there (already matched). */
  cancel(ticket: { ticketId: string; userId: string; queueKey: string }): Promise<boolean>;
  /** Creates the party with `party.members[0]` as its leader, unless that user is held or the code is taken. */
  createParty(party: Party): Promise<CreatePartyResult>;
  joinParty(partyCode: string, member: PartyMember): Promise<JoinPartyResult>;
  leaveParty(partyId: string, userId: string): Promise<LeavePartyResult>;
  /** The leader of a full party starts it: the party is removed and recorded as the pending match `tag`, atomically. */
  startParty(partyId: string, userId: string, tag: ClaimTag): Promise<StartPartyResult>;
  /**
   * The match's room exists: its pending record ends and its players are released. True
   * when `roomId` is the match's room (the first to commit it, or committed to it before);
   * false when the match went another way (restored, dropped) and that room must close.
   */
  commitMatch(matchId: string, roomId: string): Promise<boolean>;
  /** The match's room could not be made: the record ends, its players are released. True when it was still pending. */
  dropMatch(matchId: string): Promise<boolean>;
  /** Pending matches claimed at least `olderThanMs` ago, oldest first, at most `limit`. */
  stalePending(olderThanMs: number, limit: number): Promise<StalePending[]>;
  /**
   * Ends a pending match whose claimer is gone: the players in `live` who are still held
   * by it go back where they were (a queue at their old place, the party), the others are
   * released; when that completes a match it is claimed again as `tag`. A party gets its
   * code back, or `spareCode` if another party took it meanwhile.
   */
  restorePending(matchId: string, live: string[], tag: ClaimTag, spareCode: string): Promise<RestoreResult>;
  /** What holds `userId` when it is a queued ticket or a party seat, with where its player connected; null otherwise. */
  heldAt(userId: string): Promise<HeldAt | null>;
  /**
   * Frees `userId` if, in one step, `at.holder` still holds it with its player connected
   * at `at.lobbyRoomId`: the ticket is taken off its queue, or the user leaves the party
   * (the lead passes on; the last one out dissolves it).
   */
  evict(userId: string, at: HeldAt): Promise<EvictResult>;
  /** Extends the life of records whose players are still connected. */
  refresh(held: HeldRecords): Promise<void>;
  /** Tickets waiting in a queue (tests, diagnostics). */
  queueLength(queueKey: string): Promise<number>;
}
