/**
 * The process-wide side of matchmaking: how a claimed match becomes a game room, and
 * how messages reach a player whose matchmaker connection may live on another process.
 * The store is chosen in ./activeStore.ts.
 *
 * Delivery goes through Colyseus presence publish/subscribe on the channel
 * `mm:lobby:{roomId}` of the player's matchmaker room: in-process with LocalPresence,
 * through Redis with RedisPresence, so the same code serves one process and a cluster.
 */
import { randomUUID } from "node:crypto";
import { matchMaker } from "@colyseus/core";
import { newReconnectKey, signSeatGrants, type SeatGrant } from "../utils/auth.ts";
import { FrameSyncRoom } from "../utils/FrameSync.ts";
import { MatchErrorCodes } from "../protocol/codes.ts";
import { FPS_DEFAULT } from "../utils/limits.ts";
import { logger } from "../utils/logger.ts";
import { metrics } from "../utils/metrics.ts";
import { matchStore } from "./activeStore.ts";
import type { ErrorReply } from "./messages.ts";
import { matchFoundFor, type MatchLobby } from "./redelivery.ts";
import { deliver, type Delivery } from "./delivery.ts";
import type { Address, Claim, ClaimTag, QueueCriteria } from "./store.ts";

export { initMatchmaking, matchStore } from "./activeStore.ts";

// --- delivery (./delivery.ts) ---

export { deliver, deliverPartyUpdate, lobbyChannel, type Delivery } from "./delivery.ts";

// --- queue size gauge: tickets waiting whose players this process holds ---

let waiting = 0;

export function countWaiting(delta: 1 | -1): void {
  waiting += delta;
  metrics.queueSize.set(waiting);
}

// --- forming a match ---

/** A game room type the matchmaker may create: defined here and built on FrameSyncRoom (it must honour seats). */
export function isFrameSyncRoomName(roomName: string): boolean {
  return matchMaker.getRoomClass(roomName)?.prototype instanceof FrameSyncRoom;
}

export interface MatchPlayer extends Address {
  userId: string;
  ticketId?: string;
}

export interface MatchSpec {
  source: "queue" | "party";
  matchId: string;
  criteria: QueueCriteria;
  recordFrames: boolean;
  lockstep: boolean;
  queueKey?: string;
  partyId?: string;
  /** In seat order. */
  players: MatchPlayer[];
}

/** The tag of a claim this process is about to make: a fresh match id, and this process as its claimer. */
export function newClaimTag(): ClaimTag {
  return { matchId: `m-${randomUUID()}`, by: matchMaker.processId };
}

/** What a claim asks for. A queue match records a replay, and runs lockstep, when any of its players asked; a party when its leader did. */
export function specOf(claim: Claim): MatchSpec {
  if (claim.source === "party") {
    const { party } = claim;
    return { source: "party", matchId: claim.matchId, criteria: party.criteria, recordFrames: party.recordFrames, lockstep: party.lockstep === true, partyId: party.partyId, players: party.members };
  }
  const { tickets } = claim;
  return {
    source: "queue",
    matchId: claim.matchId,
    criteria: tickets[0]!.criteria,
    recordFrames: tickets.some((t) => t.recordFrames),
    lockstep: tickets.some((t) => t.lockstep === true),
    queueKey: tickets[0]!.queueKey,
    players: tickets.map((t) => ({ userId: t.userId, ticketId: t.ticketId, lobbyRoomId: t.lobbyRoomId, sessionId: t.sessionId })),
  };
}

/**
 * How a claim ended here: its players were told of their seats (`delivered`) or of the
 * failure (`failed`); the store did not answer the commit, so the room delivers once it
 * has committed (`deferred`); or the match went another way (restored elsewhere) and
 * nothing was said (`superseded`).
 */
export type MatchOutcome = "delivered" | "deferred" | "failed" | "superseded";

/**
 * Creates the game room for a claim — players already taken off their queue or party —
 * then tells each of them its seat. The room may be created on any process of the
 * cluster (Colyseus picks the least busy); the seat reservation a client gets from
 * joinById names that process's public address. The claim stays pending until the room
 * commits it (the room does so at once, and this does too when createRoom returns); if
 * this process was taken for dead meanwhile and the claim restored elsewhere, the room
 * closes itself and nothing is said here (orphans.ts). Never throws: a failure is
 * reported to every player.
 */
export async function startMatch(claim: Claim): Promise<MatchOutcome> {
  const spec = specOf(claim);
  const { matchId } = spec;
  const seats: SeatGrant[] = spec.players.map((p, seatIndex) => ({ userId: p.userId, seatIndex, reconnectKey: newReconnectKey() }));
  const log = logger.child({ matchId, source: spec.source, queueKey: spec.queueKey, partyId: spec.partyId });
  const { playersPerMatch, modeId, gameRoomName } = spec.criteria;

  let roomId: string;
  try {
    const listing = await matchMaker.createRoom(gameRoomName, {
      fps: FPS_DEFAULT,
      recordFrames: spec.recordFrames,
      lockstep: spec.lockstep,
      matchId,
      playersPerMatch,
      modeId,
      ...(spec.queueKey !== undefined ? { queueKey: spec.queueKey } : { partyId: spec.partyId }),
      seats,
      seatsSig: signSeatGrants(matchId, seats),
      // Where each player waits: the room delivers match:found again until they are in (redelivery.ts).
      lobbies: spec.players.map((p): MatchLobby => ({ userId: p.userId, lobbyRoomId: p.lobbyRoomId, sessionId: p.sessionId, ...(p.ticketId ? { ticketId: p.ticketId } : {}) })),
    });
    roomId = listing.roomId;
  } catch (err) {
    // Still pending: its players are told. Not: the claim was restored elsewhere (this process taken for dead).
    if (!(await matchStore().dropMatch(matchId).catch(() => true))) return superseded(log);
    log.error({ err: (err as Error).message }, "could not create the game room for a match");
    const payload: ErrorReply = { code: MatchErrorCodes.MATCH_FAILED, message: "the game room could not be created; queue again" };
    for (const p of spec.players) {
      deliver(p, { type: spec.source === "party" ? "party:error" : "match:error", payload, ends: ends(spec, p) });
    }
    return "failed";
  }

  let ours: boolean;
  try {
    ours = await matchStore().commitMatch(matchId, roomId);
  } catch (err) {
    // Unknown: the room commits the match itself and delivers match:found once it has (redelivery.ts).
    metrics.redisErrors.inc({ op: "mm.commit" });
    log.warn({ roomId, err: (err as Error).message }, "could not commit the match; its room will deliver match:found once it can");
    return "deferred";
  }
  if (!ours) return superseded(log, roomId);

  metrics.matchesMade.inc({ source: spec.source });
  log.info({ roomId, players: spec.players.map((p) => p.userId) }, "match made");
  const match = { roomName: gameRoomName, roomId, matchId, playersPerMatch, queueKey: spec.queueKey, partyId: spec.partyId, seats };
  spec.players.forEach((p, seatIndex) => {
    deliver(p, { type: "match:found", payload: matchFoundFor(match, seats[seatIndex]!), ends: ends(spec, p) });
  });
  return "delivered";
}

function superseded(log: typeof logger, roomId?: string): MatchOutcome {
  log.warn({ roomId }, "this match was restored by another process (this one was taken for dead): nothing delivered, its room closes itself");
  return "superseded";
}

function ends(spec: MatchSpec, p: MatchPlayer): Delivery["ends"] {
  return spec.source === "party" ? { partyId: spec.partyId } : { ticketId: p.ticketId };
}
