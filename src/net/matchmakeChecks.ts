/**
 * Every check on `POST /matchmake/:method/:roomName`, in ONE declared order (contract §2,
 * §6, §8). Two stages, because Colyseus offers two places to stand:
 *
 * 1. REQUEST_CHECKS run on the raw HTTP request before any listener (Colyseus' included)
 *    reads its body; the first that answers ends the request:
 *      bodySize   411 without a Content-Length, 413 over MAX_MATCHMAKE_BODY_BYTES
 *      draining   503 with a JSON body the SDK can read, from the shutdown signal on
 * 2. CALL_STEPS run around the matchmaking call itself (controller.invokeMethod), in order:
 *      redisUp          503 at once while Redis is unreachable (no timeout, no bare "Command timed out")
 *      lobbiesLocal     a matchmaker_room request is filtered to this process's rooms
 *      deadProcesses    joinById/reconnect to a room whose process is gone: 404 at once
 *                       (roomLiveness.ts), not Colyseus' 523 after two timeouts
 *      colyseusErrors   Colyseus' 522 becomes 404 (no such room) or 403 (locked), a room
 *                       with no seat left ("already full") 403; its refusals are counted;
 *                       a Redis failure mid-call becomes 503
 *      fullRooms        joinOrCreate runs again when every room it tried filled up first
 *
 * installMatchmakeChecks installs both stages once (the call steps once per process:
 * the controller is process-wide; the request checks once per HTTP server).
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import { ErrorCode, ServerError, matchMaker } from "@colyseus/core";
import { LOBBY_HOME_OPTION, MATCHMAKER_ROOM } from "../matchmaking/lobby.ts";
import { JoinCodes, MatchmakeHttpStatus, isColyseusMatchmakeCode } from "../protocol/codes.ts";
import { isShuttingDown } from "../shutdown.ts";
import { JOIN_OR_CREATE_EXTRA_ATTEMPTS, MAX_MATCHMAKE_BODY_BYTES } from "../utils/limits.ts";
import { metrics } from "../utils/metrics.ts";
import { isRedisConnectionError, redisDown } from "../utils/redis.ts";
import { interceptRequests, isMatchmakeRequest, wrapMatchmakeInvoke } from "./internals.ts";
import { roomsOfDeadProcesses } from "./roomLiveness.ts";
import { isFullRefusal } from "./seatReservations.ts";

/** A request check's answer: refuse with this status, JSON body and extra headers. */
interface Refusal {
  status: number;
  body: string;
  headers: Record<string, string | number>;
  /** Close the connection after the answer (the unread body may be huge). */
  close: boolean;
}

type RequestCheck = (req: IncomingMessage) => Refusal | undefined;

function bodySize(req: IncomingMessage): Refusal | undefined {
  const length = req.headers["content-length"];
  const refuse = (status: number, error: string): Refusal => ({
    status,
    body: JSON.stringify({ code: status, error }),
    headers: {},
    close: true,
  });
  if (length === undefined) {
    return req.headers["transfer-encoding"] ? refuse(MatchmakeHttpStatus.LENGTH_REQUIRED, "matchmaking requests need a Content-Length") : undefined;
  }
  if (!(Number(length) <= MAX_MATCHMAKE_BODY_BYTES)) {
    return refuse(MatchmakeHttpStatus.PAYLOAD_TOO_LARGE, `matchmaking request body over ${MAX_MATCHMAKE_BODY_BYTES} bytes`);
  }
  return undefined;
}

const DRAINING = JSON.stringify({ code: JoinCodes.UNAVAILABLE, error: "server is shutting down: join a match on another server" });

/**
 * Colyseus refuses matchmaking while it shuts down with a bare 503 whose empty body the
 * SDK fails to parse ("Unexpected end of JSON input", no code); answered here instead
 * with the JSON the SDK reads as `{ code: 503, message }`. SDK reconnections use the WebSocket.
 */
function draining(req: IncomingMessage): Refusal | undefined {
  if (!isShuttingDown()) return undefined;
  return {
    status: MatchmakeHttpStatus.UNAVAILABLE,
    body: DRAINING,
    headers: matchMaker.controller.getCorsHeaders(new Headers(req.headers as Record<string, string>)),
    close: false,
  };
}

/** The request checks, in the order they run. */
const REQUEST_CHECKS: readonly RequestCheck[] = [bodySize, draining];

function answer(req: IncomingMessage, res: ServerResponse, refusal: Refusal): void {
  metrics.joinsRefused.inc({ code: String(refusal.status) });
  res.writeHead(refusal.status, {
    ...matchMaker.controller.DEFAULT_CORS_HEADERS,
    ...refusal.headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(refusal.body),
    ...(refusal.close ? { connection: "close" } : {}),
  });
  res.end(refusal.body);
  if (refusal.close) req.socket.destroySoon?.();
  else req.resume();
}

type Invoke = typeof matchMaker.controller.invokeMethod;
type CallStep = (next: Invoke) => Invoke;

const REDIS_UNAVAILABLE = "matchmaking is unavailable while Redis is unreachable; retry shortly";

function unavailable(): ServerError {
  metrics.redisErrors.inc({ op: "matchmake" });
  return new ServerError(JoinCodes.UNAVAILABLE, REDIS_UNAVAILABLE);
}

const redisUp: CallStep = (next) => async (...args) => {
  if (redisDown()) throw unavailable();
  return next(...args);
};

/** Stamps this process's id on every request for a matchmaker room (see ../matchmaking/lobby.ts). */
const lobbiesLocal: CallStep = (next) => (method, roomName, clientOptions = {}, authOptions) => {
  if (roomName === MATCHMAKER_ROOM && clientOptions && typeof clientOptions === "object") {
    clientOptions = { ...clientOptions, [LOBBY_HOME_OPTION]: matchMaker.processId };
  }
  return next(method, roomName, clientOptions, authOptions);
};

/** Colyseus answers a joinById for a missing room and for a locked one alike (522); the contract's clients expect 404 and 403. */
const colyseusErrors: CallStep = (next) => async (...args) => {
  try {
    return await next(...args);
  } catch (err) {
    if (isRedisConnectionError(err)) throw unavailable();
    const e = err as { code?: number; message?: string };
    // Colyseus' own refusals; the rooms count theirs (JoinCodes) themselves.
    const colyseusRefusal = isColyseusMatchmakeCode(e.code);
    if (e.code === ErrorCode.MATCHMAKE_INVALID_ROOM_ID) e.code = /locked/.test(e.message ?? "") ? JoinCodes.FORBIDDEN : JoinCodes.NOT_FOUND;
    // A seat reservation the room refused (seatReservations.ts): a join into a full room.
    if (e.code === ErrorCode.MATCHMAKE_UNHANDLED && isFullRefusal(err)) e.code = JoinCodes.FORBIDDEN;
    if (colyseusRefusal) metrics.joinsRefused.inc({ code: String(e.code) });
    throw err;
  }
};

/**
 * Colyseus' `joinOrCreate` retries a refused reservation five times with a random,
 * growing backoff; a crowd arriving at once (40 players, rooms of 2) can still use them
 * all up on rooms that others filled a moment earlier. It is then run again, up to
 * JOIN_OR_CREATE_EXTRA_ATTEMPTS times, so a busy lobby does not turn a player away.
 */
const fullRooms: CallStep = (next) => async (...args) => {
  for (let attempt = 0; ; attempt++) {
    try {
      return await next(...args);
    } catch (err) {
      if (args[0] !== "joinOrCreate" || attempt >= JOIN_OR_CREATE_EXTRA_ATTEMPTS || !isFullRefusal(err)) throw err;
    }
  }
};

/** The call steps, outermost first. */
const CALL_STEPS: readonly CallStep[] = [redisUp, lobbiesLocal, roomsOfDeadProcesses, colyseusErrors, fullRooms];

let callStepsInstalled = false;
const requestChecksInstalled = new WeakSet<HttpServer>();

/** Installs the matchmaking checks on `http` and on Colyseus' matchmaking controller. Idempotent. */
export function installMatchmakeChecks(http: HttpServer): void {
  if (!callStepsInstalled) {
    callStepsInstalled = true;
    wrapMatchmakeInvoke((invoke) => CALL_STEPS.reduceRight<Invoke>((next, step) => step(next), invoke));
  }
  if (requestChecksInstalled.has(http)) return;
  requestChecksInstalled.add(http);
  interceptRequests(http, (req, res) => {
    if (!isMatchmakeRequest(req)) return false;
    for (const check of REQUEST_CHECKS) {
      const refusal = check(req);
      if (refusal) {
        answer(req, res, refusal);
        return true;
      }
    }
    return false;
  });
}
