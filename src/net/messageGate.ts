/**
 * The guarded path every client message of our rooms takes (contract §6; STYLE habit 3).
 *
 * Colyseus' own path closes a client whose message does not decode or fails `validate()`;
 * the contract wants an `error` reply and the client kept. So our rooms replace their
 * `_onMessage` (GuardedRoom, via internals.ts) and classify each frame here, in one order:
 * lifecycle → rate → frame kind → decode → type → bounds (sanitize) → schema.
 * The room acts on the outcome in its own words: its error channel, its handler call.
 */
import { Protocol } from "@colyseus/core";
import { decode } from "@colyseus/schema";
import { unpack } from "msgpackr";
import type { z } from "zod";
import { PayloadError, describeZodError, sanitize } from "../protocol/messages.ts";
import { ErrorCodes, type ErrorCodeName } from "../protocol/codes.ts";
import type { RateLimiter } from "./rateLimit.ts";

/** The frame kind is the low 5 bits of byte 0; the high bits are modifiers (Colyseus' PROTOCOL_CODE_MASK). */
const FRAME_KIND_MASK = 0x1f;

export type GateOutcome<H> =
  /** Ping: answered by Colyseus (after the rate check). */
  | { kind: "colyseus" }
  /** A sustained flood: close the client (4002). */
  | { kind: "abusive" }
  /** Refused: reply with `code`. `type`/`handler` are set when the type was decoded and known; `error` when the schema refused it. */
  | { kind: "reject"; code: ErrorCodeName; message: string; type?: string; handler?: H; error?: z.ZodError }
  /** Valid: hand `payload` (sanitized and parsed by the handler's schema) to `handler`. */
  | { kind: "dispatch"; type: string; handler: H; payload: unknown };

function frameKind(buffer: Buffer | undefined): number {
  return buffer && buffer.length > 0 ? buffer[0] & FRAME_KIND_MASK : -1;
}

/** Join acknowledgement and leave are Colyseus' business, before any seat or rate check. */
export function isLifecycleFrame(buffer: Buffer | undefined): boolean {
  const kind = frameKind(buffer);
  return kind === Protocol.JOIN_ROOM || kind === Protocol.LEAVE_ROOM;
}

/** A decoded message type for an error message: whatever it is, a short string (`undefined` included). */
function describeType(type: unknown): string {
  const text = typeof type === "string" ? JSON.stringify(type) : String(type);
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}

/** What a handler needs for the gate: its schema, and optionally a fast check (inputFastPath.ts) that only accepts. */
export interface GatedHandler {
  schema: z.ZodType;
  /** True only for decoded payloads that sanitize + `schema` accept unchanged; false means "ask them". */
  fast?: (raw: unknown) => boolean;
}

/** `input` as the type field of a ROOM_DATA frame (Colyseus encodes a short type as a msgpack fixstr). */
const INPUT_TYPE = Buffer.from([0xa0 | "input".length, ...Buffer.from("input")]);
const AFTER_INPUT_TYPE = 1 + INPUT_TYPE.length;

/** Reused per message: the gate runs synchronously, one frame at a time. */
const typeCursor = { offset: 1 };
const unpackFrom = { start: 1 };
/** The one dispatch outcome object, refilled by each call: the room acts on it before the next frame. */
const dispatched = { kind: "dispatch" as const, type: "", handler: undefined as unknown, payload: undefined as unknown };

function isInputFrame(buffer: Buffer): boolean {
  if (buffer.byteLength < AFTER_INPUT_TYPE) return false;
  for (let i = 0; i < INPUT_TYPE.length; i++) if (buffer[1 + i] !== INPUT_TYPE[i]) return false;
  return true;
}

function dispatch<H>(type: string, handler: H, payload: unknown): GateOutcome<H> {
  dispatched.type = type;
  dispatched.handler = handler;
  dispatched.payload = payload;
  return dispatched as GateOutcome<H>;
}

/**
 * Classifies one inbound frame of a client that is allowed to talk (its seat or session
 * checked by the room). A `dispatch` outcome is valid until the next call.
 */
export function gateMessage<H extends GatedHandler>(
  buffer: Buffer,
  rate: RateLimiter,
  handlers: ReadonlyMap<string, H>,
): GateOutcome<H> {
  const verdict = rate.take(performance.now());
  if (verdict === "abusive") return { kind: "abusive" };
  if (verdict === "limited") {
    return { kind: "reject", code: ErrorCodes.RATE_LIMITED, message: "too many messages: at most 60 a second, bursts of 120" };
  }
  const kind = frameKind(buffer);
  if (kind === Protocol.PING) return { kind: "colyseus" };
  if (kind !== Protocol.ROOM_DATA) return { kind: "reject", code: ErrorCodes.UNKNOWN_MESSAGE, message: `unsupported frame kind ${kind}` };

  let type: unknown;
  let raw: unknown;
  try {
    if (isInputFrame(buffer)) {
      type = "input";
      typeCursor.offset = AFTER_INPUT_TYPE;
    } else {
      typeCursor.offset = 1;
      type = decode.stringCheck(buffer, typeCursor) ? decode.string(buffer, typeCursor) : decode.number(buffer, typeCursor);
    }
    unpackFrom.start = typeCursor.offset;
    raw = buffer.byteLength > typeCursor.offset ? unpack(buffer, unpackFrom) : undefined;
  } catch {
    return { kind: "reject", code: ErrorCodes.INVALID_MESSAGE, message: "message could not be decoded" };
  }
  const handler = typeof type === "string" ? handlers.get(type) : undefined;
  if (!handler) {
    return {
      kind: "reject",
      code: ErrorCodes.UNKNOWN_MESSAGE,
      message: `unknown message type ${describeType(type)}`,
      type: typeof type === "string" ? type : undefined,
    };
  }
  const name = type as string;
  if (handler.fast !== undefined && handler.fast(raw)) return dispatch(name, handler, raw);

  let clean: unknown;
  try {
    clean = sanitize(raw);
  } catch (err) {
    if (err instanceof PayloadError) return { kind: "reject", code: ErrorCodes.INVALID_MESSAGE, message: `${name}: ${err.message}`, type: name, handler };
    throw err;
  }
  const parsed = handler.schema.safeParse(clean);
  if (!parsed.success) {
    return { kind: "reject", code: ErrorCodes.INVALID_MESSAGE, message: `${name}: ${describeZodError(parsed.error)}`, type: name, handler, error: parsed.error };
  }
  return dispatch(name, handler, parsed.data);
}
