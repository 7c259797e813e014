/**
 * A Colyseus `Client` whose wire is JSON (contract §9). Rooms cannot tell it from an
 * SDK client: it is joined by Colyseus' own `connectClientToRoom`, its inbound frames
 * reach the room's `_onMessage` (our guarded message path) as the Colyseus frames an
 * SDK would have sent, and whatever the room sends it is re-encoded here:
 * - the JOIN_ROOM handshake becomes nothing (the endpoint answers `joined`),
 * - the full state becomes a `state` frame (the room's feed takes the snapshot),
 * - a state patch is ignored (the feed sends one `patch` per tick),
 * - a message (ROOM_DATA) becomes part of the tick's `patch.messages` when the room is
 *   inside a tick, a `message` frame otherwise.
 */
import { EventEmitter } from "node:events";
import { ClientState, enqueueClientRaw, type Client, type ISendOptions } from "@colyseus/core";
import type { WebSocket } from "ws";
import { Frame, frameKind } from "../internals.ts";
import { sendTextFrame } from "../sendPath.ts";
import { decodeError, decodeMessage, messageText, type DecodedMessage } from "./encode.ts";
import type { RoomFeed } from "./feed.ts";

export class JsonClient implements Client {
  readonly "~messages": any;
  readonly protocol = "json" as const;
  readonly id: string;
  /** Colyseus listens here: "message" → the room's `_onMessage`, "close" → leave. Not the ws itself. */
  ref = new EventEmitter();
  state: ClientState = ClientState.JOINING;
  reconnectionToken = "";
  auth?: unknown;
  userData?: unknown;
  /** Colyseus buffers frames here until the JOIN_ROOM acknowledgement, then deletes it. */
  _enqueuedMessages?: Array<Uint8Array | string> = [];

  /** The room's JSON feed, once joined; it sends `state` and `patch`. */
  feed: RoomFeed | undefined;
  /** `seq` of the last `state`/`patch` sent; -1 before the first `state`. */
  seq = -1;
  /** Broadcasts received during the current tick, for its `patch.messages`. */
  tickMessages: DecodedMessage[] = [];
  /** The snapshot this client's last `state` held, when it is not the feed's last one: its next patch is diffed from it. */
  base: unknown;

  constructor(readonly sessionId: string, private readonly ws: WebSocket) {
    this.id = sessionId;
  }

  get readyState(): number {
    return this.ws.readyState;
  }

  /** Sends one JSON text frame: `head`, then `tail` (UTF-8 bytes already serialized, shared by a room's clients) when given. */
  sendText(head: string, tail?: Buffer): void {
    sendTextFrame(this.ws, head, tail);
  }

  raw(data: Uint8Array | Buffer | string, _options?: ISendOptions, cb?: (err?: Error) => void): void {
    if (typeof data === "string") this.sendText(data);
    else this.rawFrame(data);
    cb?.();
  }

  private rawFrame(data: Uint8Array): void {
    switch (frameKind(data)) {
      case Frame.ROOM_DATA:
      case Frame.ROOM_DATA_BYTES: {
        const message = decodeMessage(data);
        if (!message) return;
        if (this.feed?.inTick) this.tickMessages.push(message);
        else this.sendText(messageText(message));
        return;
      }
      case Frame.ROOM_STATE:
        this.feed?.sendState(this);
        return;
      case Frame.ERROR: {
        const { code, message } = decodeError(data);
        this.sendText(JSON.stringify({ type: "error", code, message }));
        return;
      }
      case Frame.JOIN_ROOM:
      case Frame.ROOM_STATE_PATCH:
      default:
        // JOIN_ROOM: the endpoint answers `joined`; patches: the feed sends one per tick; ping: ws pings instead.
        return;
    }
  }

  enqueueRaw(data: Uint8Array | Buffer, options?: ISendOptions): void {
    enqueueClientRaw(this as unknown as Parameters<typeof enqueueClientRaw>[0], data, options);
  }

  send(type: string | number | symbol, message?: unknown, options?: ISendOptions): void {
    // Sent to this client alone: always a `message` frame, serialized straight from the object.
    const text = messageText({ name: String(type), data: message });
    if (this.state === ClientState.JOINED && !options?.afterNextPatch) this.sendText(text);
    else if (this._enqueuedMessages) this._enqueuedMessages.push(text);
    else this.sendText(text);
  }

  sendBytes(type: string | number, bytes: Buffer | Uint8Array): void {
    this.send(type, Array.from(bytes));
  }

  error(code: number, message = ""): void {
    this.sendText(JSON.stringify({ type: "error", code, message }));
  }

  leave(code?: number, data?: string): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code, data);
  }

  close(code?: number, data?: string): void {
    this.leave(code, data);
  }

  toJSON(): { sessionId: string; readyState: number; protocol: string } {
    return { sessionId: this.sessionId, readyState: this.readyState, protocol: this.protocol };
  }
}

export function isJsonClient(client: unknown): client is JsonClient {
  return client instanceof JsonClient;
}
