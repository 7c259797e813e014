/**
 * Every code a client can see, in one registry (contract §2, §4, §6; STYLE "one registry
 * of codes"): `error.code` strings, `match:error`/`party:error` codes, WebSocket close
 * codes, join (HTTP matchmaking) refusal codes and the HTTP statuses of the matchmaking
 * request checks. Colyseus' own codes are reused by name (CloseCode, ErrorCode), never
 * re-typed. A code keeps its meaning forever: add a new one rather than reuse one.
 */
import { CloseCode, ErrorCode } from "@colyseus/core";

/** `error.code` values of the game room (and the generic message faults of the matchmaker). */
export const ErrorCodes = {
  INVALID_MESSAGE: "INVALID_MESSAGE",
  UNKNOWN_MESSAGE: "UNKNOWN_MESSAGE",
  RATE_LIMITED: "RATE_LIMITED",
  FRAME_OUT_OF_RANGE: "FRAME_OUT_OF_RANGE",
  FRAMES_EXPIRED: "FRAMES_EXPIRED",
  NOT_LOCKSTEP: "NOT_LOCKSTEP",
} as const;
export type ErrorCodeName = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** `code` values of `match:error` / `party:error` (besides ErrorCodes' INVALID_MESSAGE, UNKNOWN_MESSAGE, RATE_LIMITED). */
export const MatchErrorCodes = {
  /** playersPerMatch missing or outside PLAYERS_PER_MATCH_MIN..MAX. */
  BAD_PLAYERS_PER_MATCH: "BAD_PLAYERS_PER_MATCH",
  /** The user already has a ticket in a queue (from any connection). */
  ALREADY_QUEUED: "ALREADY_QUEUED",
  /** The user is already in a party (from any connection). */
  ALREADY_IN_PARTY: "ALREADY_IN_PARTY",
  /** gameRoomName is not a frame-sync room type this server defines. */
  UNKNOWN_GAME_ROOM: "UNKNOWN_GAME_ROOM",
  /** No open party has that code. */
  PARTY_NOT_FOUND: "PARTY_NOT_FOUND",
  /** The party already has playersPerMatch members. */
  PARTY_FULL: "PARTY_FULL",
  /** party:leave or party:start from a connection that is in no party. */
  NOT_IN_PARTY: "NOT_IN_PARTY",
  /** party:start by a member who is not the leader. */
  NOT_LEADER: "NOT_LEADER",
  /** party:start before the party has playersPerMatch members. */
  PARTY_NOT_FULL: "PARTY_NOT_FULL",
  /** The game room for a formed match could not be created; the players are free to queue again. */
  MATCH_FAILED: "MATCH_FAILED",
  /** The matchmaking store (Redis) did not answer; nothing changed, try again. */
  MATCHMAKER_UNAVAILABLE: "MATCHMAKER_UNAVAILABLE",
} as const;
export type MatchErrorCode = (typeof MatchErrorCodes)[keyof typeof MatchErrorCodes];

/** `error.code` of the JSON protocol's envelope faults (contract §9); the socket stays open. */
export const EnvelopeErrors = {
  /** Not JSON, not an object, unknown `type`, a missing or malformed field. */
  BAD_FRAME: "BAD_FRAME",
  /** `send`, `resync` or `leave` before a join. */
  NOT_JOINED: "NOT_JOINED",
  /** A second `join` on a socket that is in (or joining) a room: one room per socket. */
  ALREADY_JOINED: "ALREADY_JOINED",
} as const;
export type EnvelopeError = (typeof EnvelopeErrors)[keyof typeof EnvelopeErrors];

/** Any `{ code }` a room sends on an error channel (`error`, `match:error`, `party:error`). */
export type ReplyCode = ErrorCodeName | MatchErrorCode;

/** WebSocket close codes (contract §6). */
export const CloseCodes = {
  /** Consented leave (Colyseus). */
  CONSENTED: CloseCode.CONSENTED,
  /** Server shutting down: the drain deadline passed (Colyseus). */
  SERVER_SHUTDOWN: CloseCode.SERVER_SHUTDOWN,
  /** Closed for abuse (a sustained message flood): Colyseus' WITH_ERROR. Holds no seat. */
  ABUSE: CloseCode.WITH_ERROR,
  /**
   * Closed because the client stopped reading (outbound queue over MAX_OUTBOUND_BUFFER_BYTES).
   * Not abuse — a phone on a stalled network looks the same — so it is Colyseus'
   * MAY_TRY_RECONNECT: the SDK reconnects by itself and the seat is held as for any drop.
   */
  SLOW_CONSUMER: CloseCode.MAY_TRY_RECONNECT,
  /** Replaced by a newer connection of the same user (ours). */
  REPLACED: 4100,
  /** A JSON-protocol socket that did not join a room in time (contract §9): WebSocket "policy violation". */
  JOIN_TIMEOUT: 1008,
} as const;
export type CloseCodeValue = (typeof CloseCodes)[keyof typeof CloseCodes];

/** Join refusal codes: the `code` of a refused matchmaking request (contract §2, §6). */
export const JoinCodes = {
  /** Create or join options that do not validate. */
  BAD_OPTIONS: 400,
  /** Bad or missing token. */
  UNAUTHORIZED: 401,
  /** Not allowed in this room (not seated, room full, wrong key, locked). */
  FORBIDDEN: 403,
  /** No such room. */
  NOT_FOUND: 404,
  /** The process takes no joins right now: it is shutting down or Redis is unreachable. Retry later or elsewhere. */
  UNAVAILABLE: 503,
} as const;
export type JoinCode = (typeof JoinCodes)[keyof typeof JoinCodes];

/** Colyseus' own matchmaking refusals (520..526), by name. */
export const ColyseusMatchmakeCodes = [
  ErrorCode.MATCHMAKE_NO_HANDLER,
  ErrorCode.MATCHMAKE_INVALID_CRITERIA,
  ErrorCode.MATCHMAKE_INVALID_ROOM_ID,
  ErrorCode.MATCHMAKE_UNHANDLED,
  ErrorCode.MATCHMAKE_EXPIRED,
  ErrorCode.AUTH_FAILED,
  ErrorCode.APPLICATION_ERROR,
] as const;
export function isColyseusMatchmakeCode(code: unknown): boolean {
  return (ColyseusMatchmakeCodes as readonly unknown[]).includes(code);
}

/** HTTP statuses of our own routes (src/http.ts). */
export const HttpStatus = {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  SERVER_ERROR: 500,
  /** /health while draining after SIGTERM: a load balancer sends no new players here. */
  UNAVAILABLE: 503,
} as const;

/** HTTP statuses of the checks on `POST /matchmake` that refuse a request before Colyseus reads it. */
export const MatchmakeHttpStatus = {
  /** A chunked body, of unknown length. */
  LENGTH_REQUIRED: 411,
  /** A body over MAX_MATCHMAKE_BODY_BYTES. */
  PAYLOAD_TOO_LARGE: 413,
  /** Draining after SIGTERM. */
  UNAVAILABLE: JoinCodes.UNAVAILABLE,
} as const;

/** What the HTTP server answers a request it gives up on before any route sees it (net/httpServer.ts). */
export const RawHttpStatus = {
  /** Not HTTP. */
  BAD_REQUEST: 400,
  /** Headers not complete within HEADERS_TIMEOUT_MS, or the request within REQUEST_TIMEOUT_MS (slowloris). */
  REQUEST_TIMEOUT: 408,
  /** Headers over Node's limit. */
  HEADER_FIELDS_TOO_LARGE: 431,
} as const;
