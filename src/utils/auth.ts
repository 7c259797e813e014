/**
 * The one module that owns tokens and secrets (contract §2): verifying access tokens,
 * minting dev tokens, and signing the seat grants the matchmaker hands to game rooms.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import jwt from "jsonwebtoken";
import { ServerError } from "@colyseus/core";
import { config } from "../config.ts";
import { JoinCodes } from "../protocol/codes.ts";

export interface Identity {
  userId: string;
  username?: string;
}

/** Longest userId / username we accept from a token. */
const MAX_ID_CHARS = 128;

export type TokenFault = "missing" | "malformed" | "bad signature" | "expired";

/** A token the server refuses; `reason` says which of the contract's four faults it was. */
export class TokenError extends ServerError {
  constructor(readonly reason: TokenFault, detail: string) {
    super(JoinCodes.UNAUTHORIZED, `token ${reason}: ${detail}`);
  }
}

/** The token a client passed: `token` or `accessToken` in the options, else the SDK's auth header. */
export function tokenFromOptions(options: unknown, headerToken?: string): unknown {
  const o = (options && typeof options === "object" ? options : {}) as Record<string, unknown>;
  return o.token ?? o.accessToken ?? (headerToken || undefined);
}

/**
 * Verifies an HS256 access token. Only HS256 is accepted, `exp` is required
 * (jsonwebtoken alone would accept a token without it), userId comes from
 * `userId` or else `sub`. Throws TokenError (401).
 */
export function verifyAccessToken(token: unknown, secret = config().jwtSecret): Identity {
  if (token === undefined || token === null || token === "") {
    throw new TokenError("missing", "pass a JWT as the `token` join option");
  }
  if (typeof token !== "string" || token.length > 4096 || token.split(".").length !== 3) {
    throw new TokenError("malformed", "not a JWT");
  }
  let payload: string | jwt.JwtPayload;
  try {
    payload = jwt.verify(token, secret, { algorithms: ["HS256"] });
  } catch (err) {
    if (err instanceof jwt.TokenExpiredError) throw new TokenError("expired", `expired at ${err.expiredAt.toISOString()}`);
    if (err instanceof jwt.JsonWebTokenError && /signature|algorithm/i.test(err.message)) {
      throw new TokenError("bad signature", err.message);
    }
    throw new TokenError("malformed", err instanceof Error ? err.message : "unreadable");
  }
  if (typeof payload !== "object" || payload === null) throw new TokenError("malformed", "payload is not an object");
  if (typeof payload.exp !== "number") throw new TokenError("malformed", "`exp` claim is required");
  const userId = payload.userId ?? payload.sub;
  if (typeof userId !== "string" || userId.length === 0 || userId.length > MAX_ID_CHARS) {
    throw new TokenError("malformed", "`userId` (or `sub`) must be a non-empty string");
  }
  const username = typeof payload.username === "string" ? payload.username.slice(0, MAX_ID_CHARS) : undefined;
  return { userId, username };
}

/**
 * The identity a join acts as: the token's, or (development only) the `demoUserId`
 * join option so one token can play several players from several tabs.
 */
export function identityForJoin(options: unknown, headerToken?: string): Identity {
  const identity = verifyAccessToken(tokenFromOptions(options, headerToken));
  const demo = (options as Record<string, unknown> | undefined)?.demoUserId;
  if (!config().isProduction && typeof demo === "string" && demo.length > 0 && demo.length <= MAX_ID_CHARS) {
    return { userId: demo, username: identity.username ?? demo };
  }
  return identity;
}

/** Mints an HS256 access token (dev-token route, tests, bots). */
export function signAccessToken(identity: Identity, expiresInS: number, secret = config().jwtSecret): string {
  return jwt.sign({ userId: identity.userId, username: identity.username }, secret, {
    algorithm: "HS256",
    expiresIn: expiresInS,
  });
}

/** An unguessable secret a client keeps to reclaim its seat (reconnection path 2). */
export function newReconnectKey(): string {
  return randomBytes(18).toString("base64url");
}

export interface SeatGrant {
  userId: string;
  seatIndex: number;
  reconnectKey: string;
}

function seatGrantMac(matchId: string, seats: SeatGrant[], secret: string): string {
  const canonical = JSON.stringify([matchId, seats.map((s) => [s.userId, s.seatIndex, s.reconnectKey])]);
  return createHmac("sha256", secret).update(canonical).digest("base64url");
}

/** Signs the seats the matchmaker assigns, so a client cannot create a room claiming to be a match. */
export function signSeatGrants(matchId: string, seats: SeatGrant[], secret = config().jwtSecret): string {
  return seatGrantMac(matchId, seats, secret);
}

/** Throws 403 unless `signature` was made by signSeatGrants with this server's secret. */
export function verifySeatGrants(matchId: string, seats: SeatGrant[], signature: unknown, secret = config().jwtSecret): void {
  const expected = Buffer.from(seatGrantMac(matchId, seats, secret));
  const given = Buffer.from(typeof signature === "string" ? signature : "");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new ServerError(JoinCodes.FORBIDDEN, "seat grants are not signed by this server");
  }
}
