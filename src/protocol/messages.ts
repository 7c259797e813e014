/**
 * The wire protocol typed twice (STYLE habit 4): TypeScript types for the compiler
 * and zod schemas for what arrives over the socket. Nothing reads a payload before
 * it has passed through `sanitize` and a schema here.
 */
import { z } from "zod";
import {
  FPS_MAX,
  FPS_MIN,
  MAX_ARRAY_ITEMS,
  MAX_CHAT_CHARS,
  MAX_INPUT_DEPTH,
  MAX_INPUT_KEYS,
  MAX_KEY_CHARS,
  MAX_STRING_CHARS,
  PLAYERS_PER_MATCH_MAX,
  PLAYERS_PER_MATCH_MIN,
} from "../utils/limits.ts";

/**
 * Keys that could reach an object's prototype; they are dropped from every payload.
 * msgpackr already decodes a `__proto__` key as `__proto_`, so that spelling goes too.
 */
const POLLUTING_KEYS = new Set(["__proto__", "__proto_", "constructor", "prototype"]);

export class PayloadError extends Error {
  constructor(readonly field: string, reason: string) {
    super(field ? `${field}: ${reason}` : reason);
  }
}

/**
 * Copies a decoded payload into plain data, enforcing the shape bounds of §6: no
 * NaN/Infinity, bounded depth, keys, arrays and strings; prototype keys dropped.
 * Throws PayloadError naming the field.
 */
export function sanitize(value: unknown, path = "", depth = 0): unknown {
  if (value === null || typeof value === "boolean" || value === undefined) return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new PayloadError(path, "must be a finite number");
    return value;
  }
  if (typeof value === "string") {
    if (value.length > MAX_STRING_CHARS) throw new PayloadError(path, `string longer than ${MAX_STRING_CHARS} characters`);
    return value;
  }
  if (depth >= MAX_INPUT_DEPTH) throw new PayloadError(path, `nested deeper than ${MAX_INPUT_DEPTH} levels`);
  if (Array.isArray(value)) {
    if (value.length > MAX_ARRAY_ITEMS) throw new PayloadError(path, `array longer than ${MAX_ARRAY_ITEMS} items`);
    return value.map((item, i) => sanitize(item, `${path}[${i}]`, depth + 1));
  }
  if (typeof value === "object" && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    const keys = Object.keys(value);
    if (keys.length > MAX_INPUT_KEYS) throw new PayloadError(path, `more than ${MAX_INPUT_KEYS} keys`);
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      if (POLLUTING_KEYS.has(key)) continue;
      if (key.length > MAX_KEY_CHARS) throw new PayloadError(path, `key longer than ${MAX_KEY_CHARS} characters`);
      out[key] = sanitize((value as Record<string, unknown>)[key], path ? `${path}.${key}` : key, depth + 1);
    }
    return out;
  }
  throw new PayloadError(path, `unsupported value type ${typeof value}`);
}

/**
 * Create/join options as plain own data. Colyseus merges the client's JSON over an
 * object with plain assignment, so a `"__proto__"` key becomes the options' prototype;
 * a schema would then read fields from it unchecked. Only own keys survive here,
 * prototype keys dropped; anything but an object is no options at all.
 */
export function ownOptions(raw: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return out;
  for (const key of Object.keys(raw)) {
    if (!POLLUTING_KEYS.has(key)) out[key] = (raw as Record<string, unknown>)[key];
  }
  return out;
}

/** The first zod issue as "field: reason". */
export function describeZodError(error: z.ZodError, prefix = ""): string {
  const issue = error.issues[0];
  const field = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
  return field ? `${field}: ${issue.message}` : issue.message;
}

/** Any JSON object (already bounded by `sanitize`): the generic frame-sync room's `inputs`. */
export const AnyInputs = z.record(z.string(), z.unknown());

const frameNumber = z.number().int("must be an integer").nonnegative("must not be negative").max(Number.MAX_SAFE_INTEGER);

/** `input` — this tick's intent, optionally for a named frame. */
export const inputMessage = (inputs: z.ZodType<Record<string, unknown>>) =>
  z.strictObject({ inputs, frame: frameNumber.optional() });

export interface InputMessage<I = Record<string, unknown>> {
  inputs: I;
  frame?: number;
}

/** `chat` — a string or `{ message }`, 1..280 characters after trimming. */
export const ChatMessage = z
  .union([z.string(), z.strictObject({ message: z.string() })], { error: "must be a string or { message: string }" })
  .transform((v) => (typeof v === "string" ? v : v.message).trim())
  .pipe(
    z
      .string()
      .min(1, "must not be empty")
      .max(MAX_CHAT_CHARS, `must be at most ${MAX_CHAT_CHARS} characters`),
  );

/** `frames:since` — lockstep catch-up after `frame` (-1: from the oldest kept). */
export const FramesSinceMessage = z.strictObject({
  frame: z.number().int("must be an integer").min(-1).max(Number.MAX_SAFE_INTEGER),
});

/** Options a client may pass when it joins `game_room` (contract §3). Other keys are ignored. */
export const GameJoinOptions = z.looseObject({
  matchId: z.string().min(1).max(128).optional(),
  seatIndex: z.number().int().min(0).max(1000).optional(),
  reconnectKey: z.string().min(1).max(128).optional(),
  demoUserId: z.string().min(1).max(128).optional(),
});
export type GameJoinOptions = z.infer<typeof GameJoinOptions>;

/** Create options every frame-sync room understands (contract §3); the matchmaker adds the match fields. */
export const GameCreateOptions = z.looseObject({
  fps: z.number().int().min(FPS_MIN).max(FPS_MAX).optional(),
  recordFrames: z.boolean().optional(),
  lockstep: z.boolean().optional(),
  matchId: z.string().min(1).max(128).optional(),
  playersPerMatch: z.number().int().min(PLAYERS_PER_MATCH_MIN).max(PLAYERS_PER_MATCH_MAX).optional(),
  queueKey: z.string().max(256).optional(),
  partyId: z.string().max(128).optional(),
  modeId: z.string().max(64).optional(),
  seats: z
    .array(z.strictObject({ userId: z.string().min(1), seatIndex: z.number().int().min(0), reconnectKey: z.string().min(1) }))
    .max(PLAYERS_PER_MATCH_MAX)
    .optional(),
  seatsSig: z.string().optional(),
  /** Matchmade rooms: where each seated player waits, for match:found redelivery (matchmaking/redelivery.ts). */
  lobbies: z
    .array(z.strictObject({ userId: z.string().min(1).max(128), lobbyRoomId: z.string().min(1).max(64), sessionId: z.string().min(1).max(64), ticketId: z.string().max(128).optional() }))
    .max(PLAYERS_PER_MATCH_MAX)
    .optional(),
});
export type GameCreateOptions = z.infer<typeof GameCreateOptions>;
