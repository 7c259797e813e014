/**
 * The one-process MatchStore (no REDIS_URL). Each method runs to completion without
 * awaiting, which on one event loop is what makes it atomic. Records need no expiry:
 * they live and die with the only process that could hold their players. For the same
 * reason no pending match is ever stale: a crash between claim and room takes every
 * player with it, so there is nothing to restore (stalePending finds nothing). Pending
 * matches still hold their players until committed or dropped, as in Redis. Stale
 * holders (heldAt, evict) behave as in Redis, though in one process a matchmaker room is
 * gone only after its players left, which gave up what held them.
 */
import { MATCH_RECORD_TTL_MS } from "../utils/limits.ts";
import {
  holderKind,
  partyHolder,
  ticketHolder,
  type Claim,
  type ClaimTag,
  type CreatePartyResult,
  type EnqueueResult,
  type EvictResult,
  type HeldAt,
  type Holder,
  type JoinPartyResult,
  type LeavePartyResult,
  type MatchStore,
  type Party,
  type PartyMember,
  type RestoreResult,
  type StalePending,
  type StartPartyResult,
  type Ticket,
} from "./store.ts";

export class MemoryMatchStore implements MatchStore {
  /** queueKey → tickets, oldest first. */
  private readonly queues = new Map<string, Ticket[]>();
  private readonly parties = new Map<string, Party>();
  private readonly partyByCode = new Map<string, string>();
  private readonly holders = new Map<string, Holder>();
  private readonly pending = new Map<string, Claim>();
  /** matchId → the room it was committed to, oldest first; kept MATCH_RECORD_TTL_MS like Redis' `mm:matched`. */
  private readonly committed = new Map<string, { roomId: string; at: number }>();

  async enqueue(ticket: Ticket, playersPerMatch: number, tag: ClaimTag): Promise<EnqueueResult> {
    const holder = this.holders.get(ticket.userId);
    if (holder) return { kind: "busy", holder };
    const queue = this.queues.get(ticket.queueKey) ?? [];
    queue.push(structuredClone(ticket));
    this.queues.set(ticket.queueKey, queue);
    this.holders.set(ticket.userId, ticketHolder(ticket.ticketId));
    if (queue.length < playersPerMatch) return { kind: "queued" };

    const tickets = queue.splice(0, playersPerMatch);
    if (queue.length === 0) this.queues.delete(ticket.queueKey);
    const claim = { source: "queue" as const, matchId: tag.matchId, tickets };
    this.pending.set(tag.matchId, claim);
    return { kind: "matched", claim: structuredClone(claim) };
  }

  async cancel(ticket: { ticketId: string; userId: string; queueKey: string }): Promise<boolean> {
    const queue = this.queues.get(ticket.queueKey);
    const index = queue?.findIndex((t) => t.ticketId === ticket.ticketId) ?? -1;
    if (index < 0) return false;
    queue!.splice(index, 1);
    if (queue!.length === 0) this.queues.delete(ticket.queueKey);
    this.releaseHolder(ticket.userId, ticketHolder(ticket.ticketId));
    return true;
  }

  async createParty(party: Party): Promise<CreatePartyResult> {
    const leader = party.members[0];
    const holder = this.holders.get(leader.userId);
    if (holder) return { kind: "busy", holder };
    if (this.partyByCode.has(party.partyCode)) return { kind: "code_taken" };
    this.parties.set(party.partyId, structuredClone(party));
    this.partyByCode.set(party.partyCode, party.partyId);
    this.holders.set(leader.userId, partyHolder(party.partyId));
    return { kind: "ok" };
  }

  async joinParty(partyCode: string, member: PartyMember): Promise<JoinPartyResult> {
    const partyId = this.partyByCode.get(partyCode);
    const party = partyId ? this.parties.get(partyId) : undefined;
    if (!party) return { kind: "not_found" };
    const holder = this.holders.get(member.userId);
    if (holder) return { kind: "busy", holder };
    if (party.members.length >= party.criteria.playersPerMatch) return { kind: "full" };
    party.members.push(structuredClone(member));
    this.holders.set(member.userId, partyHolder(party.partyId));
    return { kind: "ok", party: structuredClone(party) };
  }

  async leaveParty(partyId: string, userId: string): Promise<LeavePartyResult> {
    this.releaseHolder(userId, partyHolder(partyId));
    const party = this.parties.get(partyId);
    const index = party?.members.findIndex((m) => m.userId === userId) ?? -1;
    if (!party || index < 0) return { kind: "gone" };
    party.members.splice(index, 1);
    if (party.members.length === 0) {
      this.deleteParty(party);
      return { kind: "dissolved" };
    }
    if (party.leaderUserId === userId) party.leaderUserId = party.members[0].userId;
    return { kind: "left", party: structuredClone(party) };
  }

  async startParty(partyId: string, userId: string, tag: ClaimTag): Promise<StartPartyResult> {
    const party = this.parties.get(partyId);
    if (!party) return { kind: "not_found" };
    if (party.leaderUserId !== userId) return { kind: "not_leader" };
    if (party.members.length < party.criteria.playersPerMatch) return { kind: "not_full", members: party.members.length, needed: party.criteria.playersPerMatch };
    this.deleteParty(party);
    const claim = { source: "party" as const, matchId: tag.matchId, party };
    this.pending.set(tag.matchId, claim);
    return { kind: "started", claim: structuredClone(claim) };
  }

  async commitMatch(matchId: string, roomId: string): Promise<boolean> {
    const now = performance.now();
    for (const [id, c] of this.committed) {
      if (now - c.at < MATCH_RECORD_TTL_MS) break;
      this.committed.delete(id);
    }
    if (!this.endPending(matchId)) return this.committed.get(matchId)?.roomId === roomId;
    this.committed.set(matchId, { roomId, at: now });
    return true;
  }

  async dropMatch(matchId: string): Promise<boolean> {
    return this.endPending(matchId);
  }

  async stalePending(): Promise<StalePending[]> {
    return []; // see the module comment
  }

  async restorePending(): Promise<RestoreResult> {
    return { kind: "gone" }; // never stale, so never restored (see the module comment)
  }

  async heldAt(userId: string): Promise<HeldAt | null> {
    const holder = this.holders.get(userId);
    const lobbyRoomId = holder ? this.seatOf(userId, holder)?.lobbyRoomId : undefined;
    return holder && lobbyRoomId ? { holder, lobbyRoomId } : null;
  }

  async evict(userId: string, at: HeldAt): Promise<EvictResult> {
    const seat = this.holders.get(userId) === at.holder ? this.seatOf(userId, at.holder) : undefined;
    if (!seat || seat.lobbyRoomId !== at.lobbyRoomId) return { kind: "moved" };
    if (!("ticketId" in seat)) return this.leaveParty(at.holder.slice(2), userId);
    await this.cancel(seat);
    return { kind: "cancelled" };
  }

  async refresh(): Promise<void> {
    // Nothing expires in memory (see the module comment).
  }

  async queueLength(queueKey: string): Promise<number> {
    return this.queues.get(queueKey)?.length ?? 0;
  }

  /** Ends a pending match and frees its players. False when it was not pending. */
  private endPending(matchId: string): boolean {
    const claim = this.pending.get(matchId);
    if (!claim) return false;
    this.pending.delete(matchId);
    if (claim.source === "party") for (const m of claim.party.members) this.releaseHolder(m.userId, partyHolder(claim.party.partyId));
    else for (const t of claim.tickets) this.releaseHolder(t.userId, ticketHolder(t.ticketId));
    return true;
  }

  /** The queued ticket or party seat `holder` gives `userId` (a pending match's are in no queue or party). */
  private seatOf(userId: string, holder: Holder): Ticket | PartyMember | undefined {
    const id = holder.slice(2);
    if (holderKind(holder) === "party") return this.parties.get(id)?.members.find((m) => m.userId === userId);
    for (const queue of this.queues.values()) {
      const ticket = queue.find((t) => t.ticketId === id);
      if (ticket) return ticket;
    }
    return undefined;
  }

  /** Frees the user only if this ticket or party is what holds it (it may have moved on since). */
  private releaseHolder(userId: string, holder: Holder): void {
    if (this.holders.get(userId) === holder) this.holders.delete(userId);
  }

  private deleteParty(party: Party): void {
    this.parties.delete(party.partyId);
    this.partyByCode.delete(party.partyCode);
  }
}
