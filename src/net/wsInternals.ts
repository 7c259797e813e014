/**
 * The reaches into `ws`' private fields that the send path needs, in one place, checked
 * against the ws version they were read from (8.x: `WebSocket#_socket`, `#_sender`,
 * `Sender#_state` 0 = idle and `#_queue`). A ws upgrade that renames them fails
 * checkWsInternals() at boot (and its unit test) instead of silently sending nothing.
 */
import { createRequire } from "node:module";
import type { Socket } from "node:net";
import type { WebSocket } from "ws";

export type WsSocketLike = Pick<Socket, "destroyed" | "writable" | "write" | "cork" | "uncork">;

interface WsPrivate {
  _socket?: WsSocketLike;
  _sender?: { _state: number; _queue: unknown[] };
}

/** The ws major version these reaches were written against. */
export const WS_MAJOR = 8;

/** The TCP socket under a WebSocket (undefined before the upgrade finished or after cleanup). */
export function socketOf(ws: WebSocket): WsSocketLike | undefined {
  return (ws as unknown as WsPrivate)._socket;
}

/** True when ws holds no frame of its own for this socket (it queues only while compressing or reading a Blob). */
export function senderIdle(ws: WebSocket): boolean {
  const sender = (ws as unknown as WsPrivate)._sender;
  return sender !== undefined && sender._state === 0 && sender._queue.length === 0;
}

/** Throws when the ws that @colyseus/ws-transport loads is not the major version above. */
export function checkWsInternals(): void {
  const fromTransport = createRequire(createRequire(import.meta.url).resolve("@colyseus/ws-transport"));
  const { version } = fromTransport("ws/package.json") as { version: string };
  if (Number(version.split(".")[0]) !== WS_MAJOR) {
    throw new Error(`ws ${version}: the send path reaches into ws ${WS_MAJOR}.x internals (src/net/wsInternals.ts); check them`);
  }
}
