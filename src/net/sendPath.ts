/**
 * The tick's send path: what happens to the bytes a frame-sync room sends (issue 16).
 *
 * Frame once, write many. A server→client WebSocket frame is unmasked, so a broadcast or a
 * state patch is the same bytes for every receiver. From a room's tick on (openFrameWindow)
 * until the current event-loop callback is done (closeFrameWindow, on process.nextTick),
 * each of its clients gets an outbox instead of a `ws.send` per message: each message is
 * framed once (header and payload in one buffer, the first time any client is handed
 * that message) and queued by reference; then each client's frames leave as ONE
 * `socket.write` — and clients that queued the same frames (the usual tick: the players'
 * actions and the patch) share one joined buffer. Ticks a room runs back to back to
 * catch up after a stall share that one write, as the corked socket did before. Measured (bench/ab-micro.ts): CPU per message delivered 0.69×, its JS part
 * 0.41×, against `ws.send` per message with each socket corked for the tick.
 *
 * What stays exact, and why:
 * - Order: during the window every send of a client goes through its outbox (they all
 *   pass `client.raw`); a send with a callback, a send that is not bytes, and a close
 *   (`leave`) first write out that client's outbox. Outside a window nothing changes.
 * - Backpressure and the outbound cap: the bytes go to the same `net.Socket` ws writes
 *   to, so `ws.bufferedAmount` counts them as it counted ws' own writes once the window
 *   closes; while it is open, outboundBytes() adds what the outbox holds.
 * - A socket ws is closing gets nothing, as `ws.send` after `close()` writes nothing; a
 *   socket whose ws holds frames of its own (only while compressing or reading a Blob,
 *   both unused here) gets ours through `ws.send`, after them.
 * - State frames are copies: Colyseus hands every state patch (and the full state on
 *   join) over as a view of the encoder's reusable buffer, which the next encode
 *   overwrites; a view ws left queued (a busy loop, a slow link) would reach the client
 *   corrupted ("definition mismatch"). Inside a window the frame is the copy; outside,
 *   such views are copied before ws sees them.
 */
import { ClientState, type Client } from "@colyseus/core";
import { WebSocketClient } from "@colyseus/ws-transport";
import type { WebSocket } from "ws";
import { patchWebSocketClientLeave, patchWebSocketClientRaw, socketOfWebSocket, webSocketOf, wsSenderIdle, type CorkableSocket } from "./internals.ts";

/** ws' WebSocket.OPEN. */
const OPEN = 1;
/** FIN + binary opcode: every Colyseus message is one binary frame. */
const FIN_BINARY = 0x82;
/** FIN + text opcode: the JSON protocol's frames (contract §9). */
const FIN_TEXT = 0x81;

/** The WebSocket frame of a binary message (server to client: unmasked), header and payload in one new buffer. */
export function frameBinary(payload: Uint8Array): Buffer {
  return frameWithHeader(payload, FIN_BINARY);
}

/**
 * Sends JSON text to a JSON-protocol client's WebSocket as ONE buffer (header, `head`
 * and `tail` together) written to its socket: `ws.send` writes a header and a payload,
 * two buffers, with a `writev` that measured about twice a plain write's cost per
 * client per tick. When ws holds frames of its own (or the socket is going), `ws.send`
 * as before, after them.
 */
export function sendTextFrame(ws: WebSocket, head: string, tail?: Buffer): void {
  const socket = routeOf(ws);
  if (socket === null) return;
  if (socket === "ws") {
    ws.send(tail ? Buffer.concat([Buffer.from(head), tail]) : head, { binary: false });
    return;
  }
  const headBytes = Buffer.byteLength(head);
  const payload = headBytes + (tail?.byteLength ?? 0);
  const headerBytes = payload < 126 ? 2 : payload < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerBytes + payload);
  writeHeader(frame, FIN_TEXT, payload, headerBytes);
  frame.write(head, headerBytes, "utf8");
  tail?.copy(frame, headerBytes + headBytes);
  socket.write(frame);
}

function frameWithHeader(payload: Uint8Array, first: number): Buffer {
  const n = payload.byteLength;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + n);
  writeHeader(frame, first, n, head);
  frame.set(payload, head);
  return frame;
}

function writeHeader(frame: Buffer, first: number, n: number, head: number): void {
  frame[0] = first;
  if (head === 2) {
    frame[1] = n;
  } else if (head === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    frame.writeUInt32BE(n >>> 0, 6);
  }
}

/** A client's queued frames; `open` while its room's window is. The array is reused tick after tick. */
interface Outbox {
  open: boolean;
  frames: Buffer[];
  bytes: number;
}

/** Each client's outbox lives on the client object itself (a WeakMap lookup per send measured ~5% of the server's CPU). */
const OUTBOX = Symbol("framesync.outbox");
type WithOutbox = { [OUTBOX]?: Outbox };
const outboxOf = (client: object): Outbox | undefined => (client as WithOutbox)[OUTBOX];
/** Clients with an open outbox, in the order the window opened them. */
let open: Client[] = [];
let spare: Client[] = [];
/** The last payload framed in this window and its frame: a broadcast hands every client the same object. */
let lastPayload: Uint8Array | undefined;
let lastFrame: Buffer | undefined;
let installed = false;
let closeScheduled = false;

function frameOnce(payload: Uint8Array): Buffer {
  if (payload !== lastPayload) {
    lastFrame = frameBinary(payload);
    lastPayload = payload;
  }
  return lastFrame!;
}

/** A view of someone else's buffer (a state frame) as a Buffer of its own; a Buffer or a text as it is. */
function ownCopy<T>(data: T): T {
  return data instanceof Uint8Array && !Buffer.isBuffer(data) ? (Buffer.from(data) as T) : data;
}

/** Routes every WebSocketClient send through the send path. Process-wide and idempotent. */
export function installSendPath(): void {
  if (installed) return;
  installed = true;
  patchWebSocketClientRaw(
    (raw) =>
      function (this: WebSocketClient, data, options, cb) {
        const box = outboxOf(this);
        if (box === undefined || !box.open) return raw.call(this, ownCopy(data), options, cb);
        // A send with a callback, or anything but bytes (a text frame), goes through ws itself, after what the outbox holds.
        if (cb !== undefined || !(data instanceof Uint8Array)) {
          flushOne(this, box);
          return raw.call(this, ownCopy(data), options, cb);
        }
        const frame = frameOnce(data);
        box.frames.push(frame);
        box.bytes += frame.byteLength;
      },
  );
  patchWebSocketClientLeave(
    (leave) =>
      function (this: WebSocketClient, code, data) {
        const box = outboxOf(this);
        if (box !== undefined && box.open) flushOne(this, box);
        return leave.call(this, code, data);
      },
  );
}

/**
 * Opens the window for `clients` (a room's, at the start of its tick): their sends queue
 * until closeFrameWindow, which runs on process.nextTick (after the tick, even one that
 * threw) unless called earlier. Clients still joining keep Colyseus' own queue.
 */
export function openFrameWindow(clients: ArrayLike<Client>): void {
  if (!closeScheduled) {
    closeScheduled = true;
    process.nextTick(closeFrameWindow);
  }
  for (let i = 0; i < clients.length; i++) {
    const client = clients[i];
    if (!(client instanceof WebSocketClient) || client.state !== ClientState.JOINED) continue;
    let box = outboxOf(client);
    if (box === undefined) (client as WithOutbox)[OUTBOX] = box = { open: false, frames: [], bytes: 0 };
    if (box.open) continue; // already open (a tick inside a tick): one window
    box.open = true;
    open.push(client);
  }
}

/** Writes every open outbox (one write per socket) and closes the window. Safe to call when none is open. */
export function closeFrameWindow(): void {
  closeScheduled = false;
  lastPayload = lastFrame = undefined;
  if (open.length === 0) return;
  const clients = open;
  open = spare;
  spare = clients;
  // Clients that queued the very same frames share one joined buffer.
  let sharedFrames: Buffer[] | undefined;
  let shared: Buffer | undefined;
  for (let i = 0; i < clients.length; i++) {
    const client = clients[i];
    const box = outboxOf(client)!;
    box.open = false;
    const frames = box.frames;
    if (frames.length === 0) continue;
    let joined: Buffer;
    if (frames.length === 1) {
      joined = frames[0];
    } else if (sharedFrames !== undefined && sameFrames(frames, sharedFrames)) {
      joined = shared!;
    } else {
      joined = Buffer.concat(frames, box.bytes);
      sharedFrames = frames;
      shared = joined;
    }
    writeFrames(client, joined, frames);
  }
  // Emptied only now: the comparison above reads earlier clients' lists.
  for (let i = 0; i < clients.length; i++) {
    const box = outboxOf(clients[i])!;
    box.frames.length = 0;
    box.bytes = 0;
  }
  clients.length = 0;
}

/**
 * What the server holds queued for `client`: its WebSocket's `bufferedAmount` plus what
 * an open window holds for it. Undefined for a client without a WebSocket.
 */
export function outboundBytes(client: Client): number | undefined {
  const amount = webSocketOf(client)?.bufferedAmount;
  if (typeof amount !== "number") return undefined;
  const box = outboxOf(client);
  return box?.open ? amount + box.bytes : amount;
}

function sameFrames(a: Buffer[], b: Buffer[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Writes one client's outbox now (before a callback send or a close); it stays open. */
function flushOne(client: Client, box: Outbox): void {
  const frames = box.frames;
  if (frames.length === 0) return;
  writeFrames(client, frames.length === 1 ? frames[0] : Buffer.concat(frames, box.bytes), frames);
  frames.length = 0;
  box.bytes = 0;
}

function writeFrames(client: Client, joined: Buffer, frames: Buffer[]): void {
  const ws = webSocketOf(client);
  const socket = routeOf(ws);
  if (socket === null) return;
  if (socket !== "ws") {
    socket.write(joined);
    return;
  }
  // ws holds frames of its own: ours go after them, through ws (payload without our header).
  for (const frame of frames) ws!.send(frame.subarray(frame[1] === 126 ? 4 : frame[1] === 127 ? 10 : 2), { binary: true });
}

/**
 * Where a frame for `ws` goes: its socket, written directly, when ws is open and holds no
 * frame of its own; "ws" (sent through ws, after its own) when it holds some; null when
 * the socket is closing or closed (ws would drop the frame too).
 */
function routeOf(ws: WebSocket | undefined): CorkableSocket | "ws" | null {
  if (!ws || ws.readyState !== OPEN) return null;
  const socket = socketOfWebSocket(ws);
  if (!socket || socket.destroyed || !socket.writable) return null;
  return wsSenderIdle(ws) ? socket : "ws";
}
