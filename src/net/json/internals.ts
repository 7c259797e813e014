/**
 * Every reach of the JSON protocol (contract §9) into Colyseus and ws internals, in
 * one place, checked against the versions below (test/unit/json-internals.test.ts
 * fails when an upgrade changes one of them). h12core's src/net/internals.ts is the
 * project's home for such reaches; until it lands this file is the JSON side's section.
 *
 * What the JSON side relies on:
 * - `connectClientToRoom` and `createAuthContext` (exported by @colyseus/core, marked
 *   @internal): the very join the ws transport performs, with an auth context.
 * - The Client contract Room#_onJoin uses: `ref` is an EventEmitter it listens to for
 *   "message" (inbound frames, handed to the room's `_onMessage`) and "close" (leave);
 *   `raw()` receives the JOIN_ROOM handshake, the full state (ROOM_STATE) and every
 *   message frame (ROOM_DATA: type + msgpack); `_enqueuedMessages` buffers until the
 *   client acknowledges the JOIN_ROOM frame; `readyState` is read on reconnection.
 * - WebSocketTransport's protected `wss` (to complete /json upgrades on the same ws
 *   server: same maxPayload, same keepalive, same outbound cap) and
 *   `shouldShutdownServer` (attachToServer clears it; we own the server).
 * - The transport's keepalive: each ws carries `pingCount`, reset by "pong".
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { IncomingMessage, Server as HttpServer } from "node:http";
import { Protocol, connectClientToRoom, createAuthContext, getMessageBytes, type AuthContext, type Client, type Room } from "@colyseus/core";
import type { WebSocketTransport } from "@colyseus/ws-transport";
import type { WebSocket, WebSocketServer } from "ws";

/** The versions every reach below was read in and tested against. */
export const CHECKED_VERSIONS = { "@colyseus/core": "0.18.17", "@colyseus/ws-transport": "0.18.4", ws: "8.23.0" } as const;

const require = createRequire(import.meta.url);

/** A package's installed version (read from its package.json: not every package exports that path). */
function versionOf(name: string): string {
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    const file = path.join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version: string };
      if (pkg.name === name) return pkg.version;
    }
    const up = path.dirname(dir);
    if (up === dir) return "unknown";
    dir = up;
  }
}

/** Installed versions of the packages in CHECKED_VERSIONS. */
export function installedVersions(): Record<keyof typeof CHECKED_VERSIONS, string> {
  const version = versionOf;
  return { "@colyseus/core": version("@colyseus/core"), "@colyseus/ws-transport": version("@colyseus/ws-transport"), ws: version("ws") };
}

/** Names of the packages whose installed version differs from the checked one (logged at boot). */
export function uncheckedVersions(): string[] {
  const installed = installedVersions();
  return (Object.keys(CHECKED_VERSIONS) as (keyof typeof CHECKED_VERSIONS)[]).filter((k) => installed[k] !== CHECKED_VERSIONS[k]).map((k) => `${k}@${installed[k]} (checked: ${CHECKED_VERSIONS[k]})`);
}

/** The transport's ws server (protected in WebSocketTransport). */
export function transportWss(transport: WebSocketTransport): WebSocketServer {
  return (transport as unknown as { wss: WebSocketServer }).wss;
}

/**
 * Attaches a `noServer` transport to `http`, leaving the upgrades `filter` refuses to
 * other listeners, and makes the transport close `http` on shutdown as it does for a
 * server it created itself.
 */
export function attachTransport(transport: WebSocketTransport, http: HttpServer, filter: (req: IncomingMessage) => boolean): void {
  transport.attachToServer(http, { filter });
  (transport as unknown as { shouldShutdownServer: boolean }).shouldShutdownServer = true;
}

/** Puts `ws` under the transport's keepalive (its ping loop terminates a ws whose `pingCount` reaches the limit). */
export function enrollInKeepalive(ws: WebSocket): void {
  const tracked = ws as WebSocket & { pingCount: number };
  tracked.pingCount = 0;
  ws.on("pong", () => (tracked.pingCount = 0));
}

/** The auth context the ws transport builds for a connection (headers, IP). */
export function authContextFor(req: IncomingMessage): AuthContext {
  return createAuthContext({ headers: req.headers as Record<string, string>, remoteAddress: req.socket.remoteAddress });
}

/** Consumes `client`'s seat reservation in `room` exactly as the ws transport does. */
export function connectClient(room: Room | undefined, client: Client, context: AuthContext, reconnectionToken?: string): Promise<void> {
  return connectClientToRoom(room, client as Parameters<typeof connectClientToRoom>[1], context, { reconnectionToken });
}

/** Colyseus frame kinds a JSON client's `raw()` tells apart. */
export const Frame = {
  JOIN_ROOM: Protocol.JOIN_ROOM,
  ERROR: Protocol.ERROR,
  ROOM_DATA: Protocol.ROOM_DATA,
  ROOM_DATA_BYTES: Protocol.ROOM_DATA_BYTES,
  ROOM_STATE: Protocol.ROOM_STATE,
  ROOM_STATE_PATCH: Protocol.ROOM_STATE_PATCH,
} as const;

/** The low 5 bits of byte 0 name the frame; the high bits are modifiers. */
export const frameKind = (data: Uint8Array): number => (data.length > 0 ? data[0]! & 0x1f : -1);

/** The frame an SDK sends to acknowledge JOIN_ROOM (Colyseus then sends the full state and queued messages). */
export const JOIN_ACK_FRAME = Buffer.from([Protocol.JOIN_ROOM]);
/** The frame an SDK sends for a consented leave. */
export const LEAVE_FRAME = Buffer.from([Protocol.LEAVE_ROOM]);

/** The frame an SDK's `room.send(name, data)` puts on the wire (type string + msgpack payload). */
export function roomDataFrame(name: string, data: unknown): Buffer {
  return getMessageBytes.raw(Protocol.ROOM_DATA, name, data) as Buffer;
}

/** What Colyseus' `client.send(type, message)` encodes, for a client not joined yet. */
export function messageFrame(type: string | number, message: unknown): Buffer {
  return getMessageBytes.raw(Protocol.ROOM_DATA, type, message) as Buffer;
}
