/**
 * Every reach into Colyseus' or ws' private internals (and every patch of a method we
 * do not own), in one module: each is a debt with an address. Each entry says what it
 * relies on, why the public API does not do, and the package version it was checked
 * against (CHECKED_AGAINST). test/unit/internals.test.ts checks every assumption
 * against the installed packages, so an upgrade that removes or changes one fails
 * there first, with the entry's name, instead of somewhere in a room.
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import {
  Protocol,
  Room,
  RoomInternalState,
  connectClientToRoom,
  createAuthContext,
  getMessageBytes,
  matchMaker,
  type AuthContext,
  type Client,
} from "@colyseus/core";
import { WebSocketClient, type WebSocketTransport } from "@colyseus/ws-transport";
import type { WebSocket, WebSocketServer } from "ws";

/** The versions every reach below was read and tested against (package.json pins them). */
export const CHECKED_AGAINST = {
  "@colyseus/core": "0.18.17",
  "@colyseus/ws-transport": "0.18.4",
  ws: "8.23.0",
  "@colyseus/monitor": "0.18.5",
} as const;

export type OnMessage = (client: Client, buffer: Buffer) => void;

// --- @colyseus/core Room ---

/**
 * `Room.prototype._onMessage` (private): Colyseus' own data path (join acknowledgement,
 * ping, leave, room data). Our rooms call it for the frames they leave to Colyseus.
 */
export const colyseusOnMessage = (Room.prototype as unknown as { _onMessage: OnMessage })._onMessage;

/**
 * Makes `route` the room's `_onMessage`, which Colyseus binds to each client after its
 * join (`client.ref.on("message", this._onMessage.bind(this, client))`). Colyseus' own
 * path closes a client whose message does not decode; the contract wants an error reply.
 */
export function replaceOnMessage(room: Room<any>, route: OnMessage): void {
  (room as unknown as { _onMessage: OnMessage })._onMessage = route;
}

/**
 * The Room method @colyseus/monitor's "disconnect client" button calls by name (its
 * ext/Room.mjs adds it to Room.prototype; it closes without a code, which the SDK takes
 * for a drop and reconnects). GuardedRoom overrides it under this name.
 */
export const MONITOR_DISCONNECT_METHOD = "_forceClientDisconnect";

/** `room._internalState` (private) is DISPOSING: the room is closing and holds no more seats. */
export function isDisposing(room: Room<any>): boolean {
  return (room as unknown as { _internalState: number })._internalState === RoomInternalState.DISPOSING;
}

/**
 * Stops Colyseus from ticking the room's clock on a 60 Hz interval of its own; the caller
 * ticks it (`room.clock.tick()`) every frame instead. With `patchRate = null` and no
 * simulation interval, Colyseus' patchRate setter starts `setInterval(clock.tick, 16.6)`
 * per room: 60 timer callbacks a second per room on top of the room's own frame timer.
 * It skips that when `_simulationInterval` is set, so it is set to an interval already
 * cleared (Colyseus' clearInterval of it at dispose does nothing). Call before setting
 * `patchRate`. broadcastPatch then no longer ticks the clock either: the frame loop must.
 */
export function takeOverRoomClock(room: Room<any>): void {
  const cleared = setInterval(() => {}, 2 ** 30);
  clearInterval(cleared);
  (room as unknown as { _simulationInterval: unknown })._simulationInterval = cleared;
}

/** A seat Colyseus holds for `client.reconnect(token)`; cancel() ends the wait at once (onLeave follows). */
export interface ReconnectionHold {
  cancel(): void;
}

/**
 * `room.allowReconnection(client, seconds)`, typed for what it really returns: a
 * Deferred whose `reject(false)` ends the wait (as its own timeout does), or, for a
 * client that never finished joining or a disposing room, a plain rejected Promise
 * (undefined here: nothing is held).
 */
export function holdForReconnection(room: Room<any>, client: Client, seconds: number): ReconnectionHold | undefined {
  const waiting = room.allowReconnection(client, seconds) as unknown as { reject?: (reason?: unknown) => void; catch: (f: () => void) => unknown };
  if (typeof waiting.reject !== "function") {
    waiting.catch(() => {});
    return undefined;
  }
  return { cancel: () => waiting.reject!(false) };
}

/** `Room._reserveSeat` (private): every seat reservation, fresh or Colyseus' own reconnection hold. */
type ReserveSeat = (
  sessionId: string,
  joinOptions?: unknown,
  authData?: unknown,
  seconds?: number,
  allowReconnection?: boolean,
  devModeReconnectionToken?: string,
) => Promise<boolean>;

interface ReservingRoom {
  _reserveSeat: ReserveSeat;
  _reservedSeats: Record<string, unknown>;
}

/**
 * Puts `admit(sessionId, authData)` in front of the room's fresh seat reservations
 * (`_reserveSeat` without allowReconnection; Colyseus' own reconnection holds always
 * pass). False refuses the seat: Colyseus then answers "already full" (joinOrCreate
 * retries elsewhere). `reserved(sessionId)` runs once an admitted seat is recorded
 * (Colyseus records it before its first await). Colyseus offers no hook between finding
 * a room and reserving a seat in it: its only limit is `maxClients`, which also counts
 * held seats and reclaiming connections.
 */
export function gateSeatReservations(room: Room<any>, admit: (sessionId: string, authData: unknown) => boolean, reserved: (sessionId: string) => void): void {
  const internals = room as unknown as ReservingRoom;
  const reserve = internals._reserveSeat;
  internals._reserveSeat = function (this: ReservingRoom, sessionId, joinOptions, authData, seconds, allowReconnection, devToken) {
    if (allowReconnection) return reserve.call(this, sessionId, joinOptions, authData, seconds, allowReconnection, devToken);
    if (!admit(sessionId, authData)) return Promise.resolve(false);
    const result = reserve.call(this, sessionId, joinOptions, authData, seconds, allowReconnection, devToken);
    reserved(sessionId);
    return result;
  };
}

/** `room._reservedSeats` (private) still holds `sessionId`: reserved and not yet joined, expired or dropped. */
export function hasReservation(room: Room<any>, sessionId: string): boolean {
  return Object.hasOwn((room as unknown as ReservingRoom)._reservedSeats, sessionId);
}

// --- @colyseus/core presence channels ---

/**
 * Colyseus' pub/sub channel names (MatchMaker getRoomChannel / getProcessChannel, not
 * exported): a room answers matchmaking calls on `$roomId`, a process its health checks
 * on `p:processId`. A channel nobody listens to means the call cannot be answered.
 */
export const roomChannel = (roomId: string): string => `$${roomId}`;
export const processChannel = (processId: string): string => `p:${processId}`;

// --- @colyseus/ws-transport / ws ---

/** The part of ws' underlying net.Socket that the send path corks or writes a tick's frames to. */
export interface CorkableSocket {
  destroyed: boolean;
  writable: boolean;
  cork(): void;
  uncork(): void;
  write(chunk: Uint8Array): boolean;
}

/** `client.ref` is the ws WebSocket of a WebSocketClient (typed as an EventEmitter). */
export function webSocketOf(client: Client | undefined): WebSocket | undefined {
  return (client as unknown as { ref?: WebSocket } | undefined)?.ref;
}

/** `ws._socket` (private): the WebSocket's net.Socket, which the send path writes a tick's frames to. */
export function socketOfWebSocket(ws: WebSocket | undefined): CorkableSocket | undefined {
  return (ws as unknown as { _socket?: CorkableSocket } | undefined)?._socket;
}

/**
 * `ws._sender._state` and `._queue` (private): true when ws holds no frame of its own for
 * this socket. ws queues frames only while it compresses (permessage-deflate, off here)
 * or reads a Blob; otherwise each send is written to the socket at once. Bytes the send
 * path writes to the socket itself keep their order only then.
 */
export function wsSenderIdle(ws: WebSocket): boolean {
  const sender = (ws as unknown as { _sender?: { _state: number; _queue: unknown[] } })._sender;
  return sender !== undefined && sender._state === WS_SENDER_IDLE && sender._queue.length === 0;
}

/** ws' Sender state DEFAULT (lib/sender.js): not compressing, not reading a Blob. */
const WS_SENDER_IDLE = 0;

/** `transport.wss` (protected): the transport's ws server, for the connection guard. */
export function webSocketServerOf(transport: WebSocketTransport): WebSocketServer {
  return (transport as unknown as { wss: WebSocketServer }).wss;
}

type Raw = WebSocketClient["raw"];

/**
 * Patches `WebSocketClient.prototype.raw`, the one method every frame a room sends
 * goes through, with `wrap(original)`. Process-wide; the send path installs it once.
 */
export function patchWebSocketClientRaw(wrap: (raw: Raw) => Raw): void {
  const proto = WebSocketClient.prototype;
  proto.raw = wrap(proto.raw);
}

type Leave = WebSocketClient["leave"];

/**
 * Patches `WebSocketClient.prototype.leave` (the close of a client's WebSocket, however a
 * room closes it) with `wrap(original)`: the send path writes out what it holds for the
 * client before the close frame. Process-wide; installed once.
 */
export function patchWebSocketClientLeave(wrap: (leave: Leave) => Leave): void {
  const proto = WebSocketClient.prototype;
  proto.leave = wrap(proto.leave);
}

// --- @colyseus/core matchmaker controller, node:http ---

type InvokeMethod = typeof matchMaker.controller.invokeMethod;

/**
 * Replaces `matchMaker.controller.invokeMethod` (the function behind every
 * `POST /matchmake/:method/:roomName`) with `wrap(original)`. Colyseus offers no hook
 * around a matchmaking call.
 */
export function wrapMatchmakeInvoke(wrap: (invoke: InvokeMethod) => InvokeMethod): void {
  const controller = matchMaker.controller;
  controller.invokeMethod = wrap(controller.invokeMethod.bind(controller));
}

/** True for a matchmaking request (`POST /{matchmakeRoute}/…`). */
export function isMatchmakeRequest(req: IncomingMessage): boolean {
  return req.method === "POST" && (req.url?.startsWith(`/${matchMaker.controller.matchmakeRoute}/`) ?? false);
}

/**
 * Runs `intercept` ahead of every "request" listener of `http` (Colyseus' included,
 * whatever order they were added in) by overriding the server's `emit`. `intercept`
 * returns true when it answered the request itself; the listeners then never see it.
 */
export function interceptRequests(http: HttpServer, intercept: (req: IncomingMessage, res: ServerResponse) => boolean): void {
  const emit = http.emit;
  http.emit = function (this: HttpServer, event: string, ...args: unknown[]): boolean {
    if (event === "request" && intercept(args[0] as IncomingMessage, args[1] as ServerResponse)) return true;
    return (emit as (this: HttpServer, event: string, ...args: unknown[]) => boolean).call(this, event, ...args);
  } as typeof http.emit;
}

// --- The JSON protocol (contract §9, ./json/): a Colyseus Client that is not a ws one ---
//
// A JSON client is joined exactly as the ws transport joins an SDK client, and relies on
// the Client contract Room#_onJoin uses: `ref` is an EventEmitter Colyseus listens to for
// "message" (inbound frames → the room's `_onMessage`) and "close" (leave); `raw()`
// receives the JOIN_ROOM handshake, the full state (ROOM_STATE) and every message frame
// (ROOM_DATA: type + msgpack); `_enqueuedMessages` buffers until the client acknowledges
// JOIN_ROOM (the frame `JOIN_ACK_FRAME`); `readyState` is read on reconnection.

/**
 * Attaches a `noServer` transport to `http`, leaving the upgrades `filter` refuses to
 * other listeners (the JSON endpoint), and sets the protected `shouldShutdownServer`
 * back to true: attachToServer clears it for a server the transport does not own, but
 * here Colyseus' shutdown must close `http` as it closes a server it created.
 */
export function attachTransport(transport: WebSocketTransport, http: HttpServer, filter: (req: IncomingMessage) => boolean): void {
  transport.attachToServer(http, { filter });
  (transport as unknown as { shouldShutdownServer: boolean }).shouldShutdownServer = true;
}

/**
 * Puts a ws completed outside the transport's "connection" path under the transport's
 * keepalive: its ping loop terminates a ws whose `pingCount` reached the limit, and the
 * transport's own "pong" handler (set in onConnection, which JSON sockets skip) resets it.
 */
export function enrollInKeepalive(ws: WebSocket): void {
  const tracked = ws as WebSocket & { pingCount: number };
  tracked.pingCount = 0;
  ws.on("pong", () => (tracked.pingCount = 0));
}

/** The auth context the ws transport builds for a connection (`createAuthContext`, exported but @internal). */
export function authContextFor(req: IncomingMessage): AuthContext {
  return createAuthContext({ headers: req.headers as Record<string, string>, remoteAddress: req.socket.remoteAddress });
}

/** Consumes `client`'s seat reservation in `room` as the ws transport does (`connectClientToRoom`, @internal). */
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

/** The low 5 bits of byte 0 name the frame; the high bits are modifiers (Colyseus' PROTOCOL_CODE_MASK). */
export const frameKind = (data: Uint8Array): number => (data.length > 0 ? data[0]! & 0x1f : -1);

/** The frame an SDK sends to acknowledge JOIN_ROOM: Colyseus then sends the full state and the queued messages. */
export const JOIN_ACK_FRAME = Buffer.from([Protocol.JOIN_ROOM]);
/** The frame an SDK sends for a consented leave. */
export const LEAVE_FRAME = Buffer.from([Protocol.LEAVE_ROOM]);

/** The frame an SDK's `room.send(name, data)` puts on the wire (type string + msgpack payload), via Colyseus' own encoder. */
export function roomDataFrame(name: string, data: unknown): Buffer {
  return getMessageBytes.raw(Protocol.ROOM_DATA, name, data) as Buffer;
}
