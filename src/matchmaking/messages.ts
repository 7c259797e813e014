/**
 * The matchmaker's wire protocol (contract §4), typed twice: zod schemas for what
 * arrives over the socket and TypeScript types for what goes out. Payloads reach these
 * schemas only after `sanitize` (protocol.ts) has bounded their shape.
 */
import { z } from "zod";
import {
  MAX_PARTY_NAME_CHARS,
  MAX_QUEUE_CRITERION_CHARS,
  PLAYERS_PER_MATCH_MAX,
  PLAYERS_PER_MATCH_MIN,
} from "../utils/limits.ts";
import { ErrorCodes, MatchErrorCodes } from "../protocol/codes.ts";
import type { Party, QueueCriteria } from "./store.ts";

/** Defaults of the optional queue criteria. */
export const DEFAULT_MODE_ID = "default";
export const DEFAULT_REGION = "any";
export const DEFAULT_GAME_ROOM = "game_room";

/** Criteria become parts of `queueKey` and Redis keys, so they are plain tokens. */
const criterion = z
  .string()
  .regex(
    new RegExp(`^[A-Za-z0-9_-]{1,${MAX_QUEUE_CRITERION_CHARS}}$`),
    `must be 1-${MAX_QUEUE_CRITERION_CHARS} letters, digits, _ or -`,
  );

const playersPerMatch = z
  .number({ error: `must be an integer from ${PLAYERS_PER_MATCH_MIN} to ${PLAYERS_PER_MATCH_MAX}` })
  .int(`must be an integer from ${PLAYERS_PER_MATCH_MIN} to ${PLAYERS_PER_MATCH_MAX}`)
  .min(PLAYERS_PER_MATCH_MIN, `must be at least ${PLAYERS_PER_MATCH_MIN}`)
  .max(PLAYERS_PER_MATCH_MAX, `must be at most ${PLAYERS_PER_MATCH_MAX}`);

const queueFields = {
  playersPerMatch,
  modeId: criterion.optional(),
  region: criterion.optional(),
  gameRoomName: criterion.optional(),
  /** Ask the game room to record a replay (contract §7). A match records if any of its players asked. */
  recordFrames: z.boolean().optional(),
  /** Ask for a lockstep game room (contract §7). A match is lockstep if any of its players asked. */
  lockstep: z.boolean().optional(),
};

/** A party member's public profile; the userId always comes from the token. */
const PartyUser = z.strictObject({
  name: z.string().trim().min(1).max(MAX_PARTY_NAME_CHARS).optional(),
});

/** No payload, or an empty object. */
const Empty = z.strictObject({}).optional();

export const MatchFind = z.strictObject(queueFields);
export const MatchCancel = Empty;
export const PartyCreate = z.strictObject({ ...queueFields, user: PartyUser.optional() });
export const PartyJoin = z.strictObject({ partyCode: z.string().min(1).max(32), user: PartyUser.optional() });
export const PartyLeave = Empty;
export const PartyStart = Empty;

export type MatchFind = z.infer<typeof MatchFind>;
export type PartyCreate = z.infer<typeof PartyCreate>;
export type PartyJoin = z.infer<typeof PartyJoin>;

/**
 * The code for a payload that failed its schema: a bad playersPerMatch has its own
 * code (contract §4 names it); anything else is INVALID_MESSAGE.
 */
export function validationCode(error: z.ZodError): "BAD_PLAYERS_PER_MATCH" | "INVALID_MESSAGE" {
  return error.issues[0]?.path[0] === "playersPerMatch" ? MatchErrorCodes.BAD_PLAYERS_PER_MATCH : ErrorCodes.INVALID_MESSAGE;
}

export function criteriaOf(msg: MatchFind | PartyCreate): QueueCriteria {
  return {
    playersPerMatch: msg.playersPerMatch,
    modeId: msg.modeId ?? DEFAULT_MODE_ID,
    region: msg.region ?? DEFAULT_REGION,
    gameRoomName: msg.gameRoomName ?? DEFAULT_GAME_ROOM,
  };
}

/**
 * The queue a ticket waits in: one per (playersPerMatch, modeId, region, gameRoomName).
 * Criteria cannot contain `:`, so the key is unambiguous.
 */
export function queueKeyOf(c: QueueCriteria): string {
  return `${c.playersPerMatch}:${c.modeId}:${c.region}:${c.gameRoomName}`;
}

// --- server → client ---

export interface MatchQueued {
  queueKey: string;
  playersPerMatch: number;
}

export interface MatchCancelled {
  /** False when there was no ticket to cancel — possibly because a match was just found (match:found follows). */
  ok: boolean;
}

export interface JoinOptions {
  matchId: string;
  seatIndex: number;
  reconnectKey: string;
}

export interface MatchFound extends JoinOptions {
  roomName: string;
  roomId: string;
  playersPerMatch: number;
  /** Pass these with your token to `joinById(roomId, …)`. */
  joinOptions: JoinOptions;
  queueKey?: string;
  partyId?: string;
}

export interface PartyView {
  partyId: string;
  partyCode: string;
  leaderUserId: string;
  members: Array<{ userId: string; name?: string }>;
  playersPerMatch: number;
  modeId: string;
  region: string;
  gameRoomName: string;
}

/** What members see of their party (`party:created`, `party:joined`, `party:update`). */
export function partyView(party: Party): PartyView {
  return {
    partyId: party.partyId,
    partyCode: party.partyCode,
    leaderUserId: party.leaderUserId,
    members: party.members.map((m) => (m.name === undefined ? { userId: m.userId } : { userId: m.userId, name: m.name })),
    playersPerMatch: party.criteria.playersPerMatch,
    modeId: party.criteria.modeId,
    region: party.criteria.region,
    gameRoomName: party.criteria.gameRoomName,
  };
}

export interface ErrorReply {
  code: string;
  message: string;
}
