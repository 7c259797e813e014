/**
 * `matchmaker_room` (contract §4): queues (`match:find` / `match:cancel`) and parties
 * with codes (`party:create/join/leave/start`). The room only adapts sockets to the
 * store (../matchmaking/): every state change is one atomic store call, so several
 * processes can serve players from one set of queues and parties.
 *
 * Each connection's operations run one after another in its own lane, so a player's
 * `match:cancel` can never overtake its `match:find`, and leaving cancels whatever the
 * player's last operation left behind. The rate limiter bounds how much a lane can hold.
 */
import { randomUUID } from "node:crypto";
import type { Client } from "@colyseus/core";
import type { z } from "zod";
import { identityForJoin, type Identity } from "../utils/auth.ts";
import type { MatchmakerClientMessages, MatchmakerServerMessages } from "../protocol/payloads.ts";
import { ErrorCodes, MatchErrorCodes, type ReplyCode } from "../protocol/codes.ts";
import { GuardedRoom } from "../net/GuardedRoom.ts";
import {
  MATCH_ORPHAN_SWEEP_MS,
  MATCH_RECORD_REFRESH_MS,
  PARTY_CODE_ATTEMPTS,
  PARTY_JOIN_FAILURES_MAX,
  PARTY_JOIN_FAILURE_WINDOW_MS,
} from "../utils/limits.ts";
import { logger } from "../utils/logger.ts";
import { metrics, trackRoom, untrackRoom } from "../utils/metrics.ts";
import {
  countWaiting,
  deliverPartyUpdate,
  isFrameSyncRoomName,
  lobbyChannel,
  matchStore,
  newClaimTag,
  startMatch,
  type Delivery,
} from "../matchmaking/matchmaker.ts";
import { sweepOrphans } from "../matchmaking/orphans.ts";
import { evictIfStale, withoutGhosts } from "../matchmaking/staleHolders.ts";
import {
  MatchCancel,
  MatchFind,
  PartyCreate,
  PartyJoin,
  PartyLeave,
  PartyStart,
  criteriaOf,
  partyView,
  queueKeyOf,
  validationCode,
  type MatchQueued,
  type PartyView,
} from "../matchmaking/messages.ts";
import { newPartyCode, normalizePartyCode } from "../matchmaking/partyCode.ts";
import { holderKind, partyHolder, ticketHolder, type EnqueueResult, type Holder, type Party, type PartyMember, type QueueCriteria } from "../matchmaking/store.ts";


type ErrorChannel = "match:error" | "party:error";

/** A message's errors go on its family's channel: `party:*` (known or not) on party:error, the rest on match:error. */
function channelOf(type: string | undefined): ErrorChannel {
  return type?.startsWith("party:") ? "party:error" : "match:error";
}

interface LobbySession {
  client: Client;
  identity: Identity;
  /** The end of this connection's operation lane. */
  lane: Promise<void>;
  /** Set from before the store call until the ticket is matched, cancelled or refused. */
  ticket?: { ticketId: string; queueKey: string; counted: boolean };
  party?: { partyId: string; partyCode: string };
  joinFailures: { count: number; since: number };
  left: boolean;
  /** Matches this connection was told of: a match's room sends match:found again until the player is in, the client gets it once. */
  matchesSeen?: Set<string>;
}

/** A matchmaker request: runs in the connection's lane; a Refusal it throws becomes the error reply. */
type Request<T> = (session: LobbySession, msg: T) => Promise<void>;

/** A client fault to report on the message's error channel; thrown inside a handler, caught by the lane. */
class Refusal extends Error {
  constructor(readonly code: ReplyCode, message: string) {
    super(message);
  }
}

const BUSY_CODE = { ticket: MatchErrorCodes.ALREADY_QUEUED, party: MatchErrorCodes.ALREADY_IN_PARTY } as const;
const BUSY_MESSAGE = {
  ticket: "you are already waiting in a queue: match:cancel first",
  party: "you are already in a party: party:leave first",
} as const;

function refuseBusy(holder: Holder): never {
  const kind = holderKind(holder);
  throw new Refusal(BUSY_CODE[kind], BUSY_MESSAGE[kind]);
}

/**
 * A store call that found the user held, tried once more when what held it was a ticket
 * or party seat whose matchmaker room is gone and is now freed (staleHolders.ts).
 */
async function unlessStale<R extends { kind: string }>(session: LobbySession, call: () => Promise<R>): Promise<R> {
  const first = await call();
  if (first.kind !== "busy" || !(await evictIfStale(session.identity.userId))) return first;
  return call();
}

/** This connection already waits in a queue or sits in a party (the store checks the user across connections). */
function refuseIfHeld(session: LobbySession): void {
  if (session.ticket) refuseBusy(ticketHolder(session.ticket.ticketId));
  if (session.party) refuseBusy(partyHolder(session.party.partyId));
}

export class MatchmakerRoom extends GuardedRoom<any, LobbySession> {
  // Types only (no runtime effect): what this room sends and accepts, for `Client<GameServer>`.
  declare "~client": Client<{ messages: MatchmakerServerMessages }>;
  declare messages: MatchmakerClientMessages;

  private readonly sessions = new Map<string, LobbySession>();
  /** Every matchmaker message is a request the client waits on: each refusal is its answer. */
  protected readonly answersEveryRefusal = true;

  async onCreate(): Promise<void> {
    this.log = logger.child({ roomId: this.roomId, room: this.roomName });
    trackRoom(this);

    this.onRequest("match:find", MatchFind, (s, msg) => this.find(s, msg));
    this.onRequest("match:cancel", MatchCancel, (s) => this.cancel(s));
    this.onRequest("party:create", PartyCreate, (s, msg) => this.createParty(s, msg));
    this.onRequest("party:join", PartyJoin, (s, msg) => this.joinParty(s, msg));
    this.onRequest("party:leave", PartyLeave, (s) => this.leaveParty(s));
    this.onRequest("party:start", PartyStart, (s) => this.startParty(s));

    // Scoped to the room: Colyseus unsubscribes when it is disposed.
    await this.presence.subscribe(lobbyChannel(this.roomId), (delivery: Delivery) => this.onDelivery(delivery));
    this.clock.setInterval(() => void this.refreshRecords(), MATCH_RECORD_REFRESH_MS);
    // Matches whose claiming process died before making their room: their players here go back to their queue or party.
    this.clock.setInterval(() => void sweepOrphans(), MATCH_ORPHAN_SWEEP_MS);
  }

  onJoin(client: Client, options: unknown, auth?: Identity): void {
    // A server-side join skips onAuth; the token is still required.
    const identity = auth ?? identityForJoin(options);
    this.sessions.set(client.sessionId, {
      client,
      identity,
      lane: Promise.resolve(),
      joinFailures: { count: 0, since: performance.now() },
      left: false,
    });
    this.openGate(client.sessionId);
    this.log.debug({ sessionId: client.sessionId, userId: identity.userId }, "joined matchmaker");
  }

  /** Leaving or dropping ends the connection's ticket and party membership (after its pending operations). */
  async onLeave(client: Client): Promise<void> {
    const session = this.sessions.get(client.sessionId);
    if (!session) return;
    session.left = true;
    await this.inLane(session, undefined, async () => {
      if (session.ticket) await this.withdrawTicket(session);
      if (session.party) await this.quitParty(session);
    });
    this.sessions.delete(client.sessionId);
    this.closeGate(client.sessionId);
  }

  onDispose(): void {
    untrackRoom(this);
  }

  // --- queue ---

  private async find(session: LobbySession, msg: MatchFind): Promise<void> {
    refuseIfHeld(session);
    const criteria = this.checkCriteria(criteriaOf(msg));
    const queueKey = queueKeyOf(criteria);
    const ticket = {
      ticketId: `t-${randomUUID()}`,
      userId: session.identity.userId,
      queueKey,
      criteria,
      recordFrames: msg.recordFrames ?? false,
      lockstep: msg.lockstep ?? false,
      lobbyRoomId: this.roomId,
      sessionId: session.client.sessionId,
      createdAt: Date.now(),
    };
    // Known before the store answers, so a match:found that races the answer still finds it.
    const mine: NonNullable<LobbySession["ticket"]> = { ticketId: ticket.ticketId, queueKey, counted: false };
    session.ticket = mine;
    const dropMine = () => {
      if (session.ticket === mine) session.ticket = undefined;
    };
    let result: EnqueueResult;
    try {
      result = await unlessStale(session, () => matchStore().enqueue(ticket, criteria.playersPerMatch, newClaimTag()));
    } catch (err) {
      dropMine();
      throw err;
    }
    if (result.kind === "busy") {
      dropMine();
      refuseBusy(result.holder);
    }
    if (session.ticket === mine) {
      mine.counted = true;
      countWaiting(1);
    }
    const queued: MatchQueued = { queueKey, playersPerMatch: criteria.playersPerMatch };
    session.client.send("match:queued", queued);
    this.log.debug({ sessionId: session.client.sessionId, userId: ticket.userId, queueKey }, "ticket queued");

    if (result.kind !== "matched") return;
    const formed = await withoutGhosts(result.claim);
    if (formed.claim) await startMatch(formed.claim);
  }

  private async cancel(session: LobbySession): Promise<void> {
    const ok = session.ticket ? await this.withdrawTicket(session) : false;
    session.client.send("match:cancelled", { ok });
  }

  /** Takes the session's ticket off its queue; false when a match had already taken it. */
  private async withdrawTicket(session: LobbySession): Promise<boolean> {
    const ticket = session.ticket!;
    const removed = await matchStore().cancel({ ticketId: ticket.ticketId, userId: session.identity.userId, queueKey: ticket.queueKey });
    this.forgetTicket(session, ticket.ticketId);
    return removed;
  }

  private forgetTicket(session: LobbySession, ticketId: string): void {
    if (session.ticket?.ticketId !== ticketId) return;
    if (session.ticket.counted) countWaiting(-1);
    session.ticket = undefined;
  }

  // --- parties ---

  private async createParty(session: LobbySession, msg: PartyCreate): Promise<void> {
    refuseIfHeld(session);
    const criteria = this.checkCriteria(criteriaOf(msg));
    const party: Party = {
      partyId: `p-${randomUUID()}`,
      partyCode: "",
      leaderUserId: session.identity.userId,
      criteria,
      recordFrames: msg.recordFrames ?? false,
      lockstep: msg.lockstep ?? false,
      members: [this.memberOf(session, msg.user?.name)],
      createdAt: Date.now(),
    };
    for (let attempt = 0; attempt < PARTY_CODE_ATTEMPTS; attempt++) {
      party.partyCode = newPartyCode();
      const result = await unlessStale(session, () => matchStore().createParty(party));
      if (result.kind === "busy") refuseBusy(result.holder);
      if (result.kind === "code_taken") continue;
      session.party = { partyId: party.partyId, partyCode: party.partyCode };
      session.client.send("party:created", partyView(party));
      this.log.info({ userId: party.leaderUserId, partyId: party.partyId }, "party created");
      return;
    }
    throw new Error(`no free party code after ${PARTY_CODE_ATTEMPTS} attempts`);
  }

  private async joinParty(session: LobbySession, msg: PartyJoin): Promise<void> {
    refuseIfHeld(session);
    this.checkJoinFailures(session);
    const code = normalizePartyCode(msg.partyCode);
    const member = this.memberOf(session, msg.user?.name);
    const result = code ? await unlessStale(session, () => matchStore().joinParty(code, member)) : { kind: "not_found" as const };
    if (result.kind === "busy") refuseBusy(result.holder);
    if (result.kind === "not_found") {
      session.joinFailures.count++;
      throw new Refusal(MatchErrorCodes.PARTY_NOT_FOUND, `no open party has the code ${JSON.stringify(msg.partyCode)}`);
    }
    if (result.kind === "full") throw new Refusal(MatchErrorCodes.PARTY_FULL, "that party is full");
    const party = result.party;
    session.party = { partyId: party.partyId, partyCode: party.partyCode };
    session.client.send("party:joined", partyView(party));
    deliverPartyUpdate(party);
    this.log.info({ userId: session.identity.userId, partyId: party.partyId, members: party.members.length }, "party joined");
  }

  private async leaveParty(session: LobbySession): Promise<void> {
    if (!session.party) throw new Refusal(MatchErrorCodes.NOT_IN_PARTY, "you are not in a party");
    const { partyId } = session.party;
    await this.quitParty(session);
    session.client.send("party:left", { partyId });
  }

  /** Removes the session from its party and tells the members who remain (the leader passes on). */
  private async quitParty(session: LobbySession): Promise<void> {
    const { partyId } = session.party!;
    const result = await matchStore().leaveParty(partyId, session.identity.userId);
    session.party = undefined;
    if (result.kind === "left") deliverPartyUpdate(result.party);
    this.log.info({ userId: session.identity.userId, partyId, outcome: result.kind }, "party left");
  }

  private async startParty(session: LobbySession): Promise<void> {
    if (!session.party) throw new Refusal(MatchErrorCodes.NOT_IN_PARTY, "you are not in a party");
    const result = await matchStore().startParty(session.party.partyId, session.identity.userId, newClaimTag());
    if (result.kind === "not_found") {
      session.party = undefined;
      throw new Refusal(MatchErrorCodes.PARTY_NOT_FOUND, "your party no longer exists");
    }
    if (result.kind === "not_leader") throw new Refusal(MatchErrorCodes.NOT_LEADER, "only the party leader can start");
    if (result.kind === "not_full") {
      throw new Refusal(MatchErrorCodes.PARTY_NOT_FULL, `the party has ${result.members} of the ${result.needed} players it needs`);
    }
    // A member whose matchmaker room is gone is dropped from the party first: then it is not full.
    const formed = await withoutGhosts(result.claim);
    if (formed.claim) return void (await startMatch(formed.claim));
    if (!formed.party) return; // the claim went another way (a sweep restored it): its members were told there
    session.party = { partyId: formed.party.partyId, partyCode: formed.party.partyCode };
    const needed = formed.party.criteria.playersPerMatch;
    throw new Refusal(MatchErrorCodes.PARTY_NOT_FULL, `the party has ${formed.party.members.length} of the ${needed} players it needs`);
  }

  private memberOf(session: LobbySession, name: string | undefined): PartyMember {
    const member: PartyMember = { userId: session.identity.userId, lobbyRoomId: this.roomId, sessionId: session.client.sessionId };
    const display = name ?? session.identity.username;
    if (display !== undefined) member.name = display;
    return member;
  }

  /** Unknown party codes are limited per connection so codes cannot be guessed by brute force. */
  private checkJoinFailures(session: LobbySession): void {
    const now = performance.now();
    const f = session.joinFailures;
    if (now - f.since >= PARTY_JOIN_FAILURE_WINDOW_MS) {
      f.count = 0;
      f.since = now;
    }
    if (f.count >= PARTY_JOIN_FAILURES_MAX) {
      throw new Refusal(ErrorCodes.RATE_LIMITED, `too many unknown party codes: at most ${PARTY_JOIN_FAILURES_MAX} a minute`);
    }
  }

  private checkCriteria(criteria: QueueCriteria): QueueCriteria {
    if (!isFrameSyncRoomName(criteria.gameRoomName)) {
      throw new Refusal(MatchErrorCodes.UNKNOWN_GAME_ROOM, `gameRoomName ${JSON.stringify(criteria.gameRoomName)} is not a game room of this server`);
    }
    return criteria;
  }

  // --- deliveries from any process ---

  private onDelivery(delivery: Delivery): void {
    const session = this.sessions.get(delivery.sessionId);
    if (!session) return; // gone: its leave already released what it held
    if (delivery.ends?.ticketId) this.forgetTicket(session, delivery.ends.ticketId);
    if (delivery.ends?.partyId && session.party?.partyId === delivery.ends.partyId) session.party = undefined;
    if (delivery.type === "party:update") this.notePartyCode(session, delivery.payload as PartyView);
    if (delivery.type === "match:found") {
      const matchId = (delivery.payload as { matchId?: string }).matchId ?? "";
      if (session.matchesSeen?.has(matchId)) return;
      (session.matchesSeen ??= new Set()).add(matchId);
    }
    if (!session.left) session.client.send(delivery.type, delivery.payload);
  }

  /** A party put back after a failed start may have a new code: the one to keep alive (refreshRecords). */
  private notePartyCode(session: LobbySession, party: Pick<Party, "partyId" | "partyCode">): void {
    if (session.party?.partyId === party.partyId) session.party.partyCode = party.partyCode;
  }

  /** Keeps the records of players still here from expiring (MATCH_RECORD_TTL_MS). */
  private async refreshRecords(): Promise<void> {
    const tickets = [];
    const parties = [];
    for (const s of this.sessions.values()) {
      if (s.ticket) tickets.push({ ticketId: s.ticket.ticketId, userId: s.identity.userId, queueKey: s.ticket.queueKey });
      if (s.party) parties.push({ ...s.party, userId: s.identity.userId });
    }
    try {
      await matchStore().refresh({ tickets, parties });
    } catch (err) {
      metrics.redisErrors.inc({ op: "mm.refresh" });
      this.log.warn({ err: (err as Error).message }, "could not refresh matchmaking records");
    }
  }

  // --- the message path: GuardedRoom's ladder, then the connection's lane ---

  protected senderOf(client: Client): LobbySession | undefined {
    const session = this.sessions.get(client.sessionId);
    return session && !session.left ? session : undefined;
  }

  protected errorChannelFor(type: string | undefined): ErrorChannel {
    return channelOf(type);
  }

  /** A playersPerMatch out of range has its own code; any other shape fault is INVALID_MESSAGE. */
  protected codeForInvalid(error: z.ZodError): ReplyCode {
    return validationCode(error);
  }

  private onRequest<T>(type: string, schema: z.ZodType<T>, handle: Request<T>): void {
    this.onClientMessage(type, schema, (_client, session, msg) => void this.inLane(session, type, () => handle(session, msg)));
  }

  /**
   * Runs `op` after the connection's earlier operations. A Refusal becomes an error
   * reply; any other failure (the store did not answer) becomes MATCHMAKER_UNAVAILABLE.
   */
  private inLane(session: LobbySession, type: string | undefined, op: () => Promise<void>): Promise<void> {
    const run = session.lane.then(op).catch((err: unknown) => {
      if (err instanceof Refusal) return this.reject(session.client, err.code, err.message, type);
      metrics.redisErrors.inc({ op: "mm.store" });
      this.log.warn({ sessionId: session.client.sessionId, err: (err as Error).message }, "matchmaker operation failed");
      this.reject(session.client, MatchErrorCodes.MATCHMAKER_UNAVAILABLE, "matchmaking is unavailable right now; try again", type);
    });
    session.lane = run;
    return run;
  }
}
