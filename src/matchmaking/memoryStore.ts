/**
 * The one-process MatchStore (no REDIS_URL). Each method runs to completion without
 * awaiting, which on one event loop is what makes it atomic. Records need no expiry:
 * they live and die with the only process that could hold their players.
 */
import {
  partyHolder,
  ticketHolder,
  type CreatePartyResult,
  type EnqueueResult,
  type Holder,
  type JoinPartyResult,
  type LeavePartyResult,
  type MatchStore,
  type Party,
  type PartyMember,
  type StartPartyResult,
  type Ticket,
} from "./store.ts";

export class MemoryMatchStore implements MatchStore {
  /** queueKey → tickets, oldest first. */
  private readonly queues = new Map<string, Ticket[]>();
  private readonly parties = new Map<string, Party>();
  private readonly partyByCode = new Map<string, string>();
  private readonly holders = new Map<string, Holder>();

  async enqueue(ticket: Ticket, playersPerMatch: number): Promise<EnqueueResult> {
    const holder = this.holders.get(ticket.userId);
    if (holder) return { kind: "busy", holder };
    const queue = this.queues.get(ticket.queueKey) ?? [];
    queue.push(structuredClone(ticket));
    this.queues.set(ticket.queueKey, queue);
    this.holders.set(ticket.userId, ticketHolder(ticket.ticketId));
    if (queue.length < playersPerMatch) return { kind: "queued" };

    const tickets = queue.splice(0, playersPerMatch);
    if (queue.length === 0) this.queues.delete(ticket.queueKey);
    for (const t of tickets) this.releaseHolder(t.userId, ticketHolder(t.ticketId));
    return { kind: "matched", tickets };
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

  async startParty(partyId: string, userId: string): Promise<StartPartyResult> {
    const party = this.parties.get(partyId);
    if (!party) return { kind: "not_found" };
    if (party.leaderUserId !== userId) return { kind: "not_leader" };
    if (party.members.length < party.criteria.playersPerMatch) return { kind: "not_full", members: party.members.length, needed: party.criteria.playersPerMatch };
    this.deleteParty(party);
    for (const m of party.members) this.releaseHolder(m.userId, partyHolder(partyId));
    return { kind: "started", party };
  }

  async refresh(): Promise<void> {
    // Nothing expires in memory (see the module comment).
  }

  async queueLength(queueKey: string): Promise<number> {
    return this.queues.get(queueKey)?.length ?? 0;
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
