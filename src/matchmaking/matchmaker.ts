/**
 * The process-wide side of matchmaking: which store holds queues and parties, how a
 * formed match becomes a game room, and how messages reach a player whose matchmaker
 * connection may live on another process.
 *
 * Delivery goes through Colyseus presence publish/subscribe on the channel
 * `mm:lobby:{roomId}` of the player's matchmaker room: in-process with LocalPresence,
 * through Redis with RedisPresence, so the same code serves one process and a cluster.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { matchMaker } from "@colyseus/core";
import { newReconnectKey, signSeatGrants, type SeatGrant } from "../utils/auth.ts";
import { FrameSyncRoom } from "../utils/FrameSync.ts";
import { MatchErrorCodes } from "../protocol/codes.ts";
import { FPS_DEFAULT } from "../utils/limits.ts";
import { logger } from "../utils/logger.ts";
import { metrics } from "../utils/metrics.ts";
import { MemoryMatchStore } from "./memoryStore.ts";
import type { ErrorReply } from "./messages.ts";
import { matchFoundFor, type MatchLobby } from "./redelivery.ts";
import { RedisMatchStore } from "./redisStore.ts";
import { deliver, type Delivery } from "./delivery.ts";
import type { Address, MatchStore, QueueCriteria } from "./store.ts";

let store: MatchStore = new MemoryMatchStore();

/** Chooses where queues and parties live; called once at boot (Redis when REDIS_URL is set). */
export function initMatchmaking(redis?: Redis): MatchStore {
  store = redis ? new RedisMatchStore(redis) : new MemoryMatchStore();
  return store;
}

export function matchStore(): MatchStore {
  return store;
}

// --- delivery (./delivery.ts) ---

export { deliver, lobbyChannel, type Delivery } from "./delivery.ts";

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
  criteria: QueueCriteria;
  recordFrames: boolean;
  lockstep: boolean;
  queueKey?: string;
  partyId?: string;
  /** In seat order. */
  players: MatchPlayer[];
}

/**
 * Creates the game room for players already taken off their queue or party, then tells
 * each of them its seat. The room may be created on any process of the cluster (Colyseus
 * picks the least busy); the seat reservation a client gets from joinById names that
 * process's public address. Never throws: a failure is reported to every player.
 */
export async function startMatch(spec: MatchSpec): Promise<void> {
  const matchId = `m-${randomUUID()}`;
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
    log.error({ err: (err as Error).message }, "could not create the game room for a match");
    const payload: ErrorReply = { code: MatchErrorCodes.MATCH_FAILED, message: "the game room could not be created; queue again" };
    for (const p of spec.players) {
      deliver(p, { type: spec.source === "party" ? "party:error" : "match:error", payload, ends: ends(spec, p) });
    }
    return;
  }

  metrics.matchesMade.inc({ source: spec.source });
  log.info({ roomId, players: spec.players.map((p) => p.userId) }, "match made");
  const match = { roomName: gameRoomName, roomId, matchId, playersPerMatch, queueKey: spec.queueKey, partyId: spec.partyId, seats };
  spec.players.forEach((p, seatIndex) => {
    deliver(p, { type: "match:found", payload: matchFoundFor(match, seats[seatIndex]!), ends: ends(spec, p) });
  });
}

function ends(spec: MatchSpec, p: MatchPlayer): Delivery["ends"] {
  return spec.source === "party" ? { partyId: spec.partyId } : { ticketId: p.ticketId };
}
