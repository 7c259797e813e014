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

export type EnqueueResult =
  | { kind: "busy"; holder: Holder }
  | { kind: "queued" }
  /** This ticket completed a match: these tickets (oldest first, this one among them) were taken off the queue. */
  | { kind: "matched"; tickets: Ticket[] };

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
  | { kind: "started"; party: Party }
  | { kind: "not_found" }
  | { kind: "not_leader" }
  | { kind: "not_full"; members: number; needed: number };

/** Records a process keeps alive for the players it holds (see MATCH_RECORD_TTL_MS). */
export interface HeldRecords {
  tickets: Array<{ ticketId: string; userId: string; queueKey: string }>;
  parties: Array<{ partyId: string; partyCode: string; userId: string }>;
}

export interface MatchStore {
  /**
   * Puts the ticket in its queue unless the user is already held, and in the same
   * step takes `playersPerMatch` tickets off the queue when it holds that many.
   */
  enqueue(ticket: Ticket, playersPerMatch: number): Promise<EnqueueResult>;
  /** Takes the ticket off its queue. False when it was no longer there (already matched). */
  cancel(ticket: { ticketId: string; userId: string; queueKey: string }): Promise<boolean>;
  /** Creates the party with `party.members[0]` as its leader, unless that user is held or the code is taken. */
  createParty(party: Party): Promise<CreatePartyResult>;
  joinParty(partyCode: string, member: PartyMember): Promise<JoinPartyResult>;
  leaveParty(partyId: string, userId: string): Promise<LeavePartyResult>;
  /** The leader of a full party starts it: the party is removed and its members released, atomically. */
  startParty(partyId: string, userId: string): Promise<StartPartyResult>;
  /** Extends the life of records whose players are still connected. */
  refresh(held: HeldRecords): Promise<void>;
  /** Tickets waiting in a queue (tests, diagnostics). */
  queueLength(queueKey: string): Promise<number>;
}
