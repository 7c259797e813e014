/**
 * Colyseus frames → JSON text for JSON clients. A broadcast is one Buffer handed to
 * every recipient (Room#broadcastMessageType encodes it once), so its decode and JSON
 * serialization are cached by that Buffer: done once per broadcast, not per JSON client.
 */
import { decode } from "@colyseus/schema";
import { unpack } from "msgpackr";
import { logger } from "../../utils/logger.ts";
import { Frame, frameKind } from "../internals.ts";

/** One room message, as it appears in `patch.messages` (`body`) and in a `message` frame. */
export interface DecodedMessage {
  /** `{"name":…,"data":…}` */
  body: string;
}

const decoded = new WeakMap<Uint8Array, DecodedMessage | null>();

function serialize(name: unknown, data: unknown): string | undefined {
  try {
    return JSON.stringify({ name, data: data === undefined ? null : data });
  } catch (err) {
    // e.g. a BigInt in a payload: the message is dropped for JSON clients and logged.
    logger.warn({ err: (err as Error).message, name }, "room message not representable as JSON; not sent to JSON clients");
    return undefined;
  }
}

/** Decodes a ROOM_DATA / ROOM_DATA_BYTES frame (cached per frame Buffer). */
export function decodeMessage(frame: Uint8Array): DecodedMessage | undefined {
  const cached = decoded.get(frame);
  if (cached !== undefined) return cached ?? undefined;
  let result: DecodedMessage | null = null;
  try {
    const it = { offset: 1 };
    const buffer = frame as Buffer;
    const name = decode.stringCheck(buffer, it) ? decode.string(buffer, it) : decode.number(buffer, it);
    const rest = frame.subarray(it.offset);
    const data = frameKind(frame) === Frame.ROOM_DATA_BYTES ? Array.from(rest) : rest.byteLength > 0 ? unpack(rest) : undefined;
    const body = serialize(name, data);
    if (body !== undefined) result = { body };
  } catch (err) {
    logger.warn({ err: (err as Error).message }, "room message could not be decoded for JSON clients");
  }
  decoded.set(frame, result);
  return result ?? undefined;
}

/** A `message` frame's text. */
export function messageText(message: DecodedMessage | { name: string | number; data: unknown }): string {
  const body = "body" in message ? message.body : serialize(message.name, message.data) ?? JSON.stringify({ name: message.name, data: null });
  return `{"type":"message",${body.slice(1)}`;
}

/** Decodes an ERROR frame (code, message). */
export function decodeError(frame: Uint8Array): { code: number; message: string } {
  try {
    const it = { offset: 1 };
    const code = decode.number(frame as Buffer, it);
    const message = it.offset < frame.length ? decode.string(frame as Buffer, it) : "";
    return { code, message };
  } catch {
    return { code: 0, message: "" };
  }
}
