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

/** Classifies one inbound frame of a client that is allowed to talk (its seat or session checked by the room). */
export function gateMessage<H extends { schema: z.ZodType }>(
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
    const it = { offset: 1 };
    type = decode.stringCheck(buffer, it) ? decode.string(buffer, it) : decode.number(buffer, it);
    raw = buffer.byteLength > it.offset ? unpack(buffer.subarray(it.offset)) : undefined;
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
  return { kind: "dispatch", type: name, handler, payload: parsed.data };
}
