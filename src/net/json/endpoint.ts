/**
 * `ws://HOST:PORT/json` (contract §9): JSON sockets of engines without a Colyseus 0.18
 * SDK. This is only an encoding: a join goes through Colyseus' matchmaker (the same
 * controller the HTTP route calls, with our 401/403/404/503 translations) and
 * `connectClientToRoom`, and `send` hands the room the very frame an SDK would have
 * sent, so the room's guard ladder, validation, rate limit, seats and handlers are the
 * ones SDK clients meet. What is the endpoint's own: the envelope (BAD_FRAME,
 * NOT_JOINED, ALREADY_JOINED), the 15 s join timeout, and the rate limit on frames the
 * room never sees (before the join, `resync`, `leave`).
 */
import type { IncomingMessage, Server as HttpServer } from "node:http";
import type { Duplex } from "node:stream";
import type { Socket } from "node:net";
import { matchMaker, type Room } from "@colyseus/core";
import type { WebSocketTransport } from "@colyseus/ws-transport";
import type { WebSocket, WebSocketServer } from "ws";
import { CloseCodes, EnvelopeErrors, ErrorCodes, JoinCodes, type EnvelopeError } from "../../protocol/codes.ts";
import { logger } from "../../utils/logger.ts";
import { metrics } from "../../utils/metrics.ts";
import { isShuttingDown } from "../../shutdown.ts";
import { RateLimiter, ReplyThrottle } from "../rateLimit.ts";
import type { ConnectionGuard } from "../connectionGuard.ts";
import { GuardedRoom } from "../GuardedRoom.ts";
import { JsonClient } from "./client.ts";
import { feedOf } from "./feed.ts";
import { JOIN_ACK_FRAME, LEAVE_FRAME, authContextFor, connectClient, enrollInKeepalive, roomDataFrame, webSocketServerOf } from "../internals.ts";
import {
  JOIN_TIMEOUT_MS,
  JSON_PATH,
  JSON_SUBPROTOCOL,
  JoinEnvelope,
  MAX_SEND_NAME_CHARS,
} from "./protocol.ts";
import { describeZodError, ownOptions } from "../../protocol/messages.ts";

const DRAINING_MESSAGE = "server is shutting down: join a match on another server";

/** True for an upgrade request to the JSON endpoint (query string allowed). */
export function isJsonUpgrade(req: IncomingMessage): boolean {
  const url = req.url ?? "/";
  const end = url.indexOf("?");
  return (end < 0 ? url : url.slice(0, end)) === JSON_PATH;
}

/** The subprotocol the server echoes: ours when offered, else none (an SDK offers none). */
export function chooseSubprotocol(protocols: Set<string>): string | false {
  return protocols.has(JSON_SUBPROTOCOL) ? JSON_SUBPROTOCOL : false;
}

type Phase = "open" | "joining" | "joined" | "closed";

class JsonSession {
  private phase: Phase = "open";
  private client: JsonClient | undefined;
  private room: Room | undefined;
  private readonly rate = new RateLimiter(performance.now());
  private readonly replies = new ReplyThrottle();
  private readonly joinTimer: NodeJS.Timeout;

  constructor(
    private readonly ws: WebSocket,
    private readonly req: IncomingMessage,
    private readonly onJoined: (socket: Socket) => void,
  ) {
    this.joinTimer = setTimeout(() => {
      if (this.phase === "joined" || this.phase === "closed") return;
      metrics.jsonEnvelopeErrors.inc({ code: "JOIN_TIMEOUT" });
      ws.close(CloseCodes.JOIN_TIMEOUT, `join within ${JOIN_TIMEOUT_MS / 1000} s`);
    }, JOIN_TIMEOUT_MS);
    this.joinTimer.unref();
    ws.on("message", (data: Buffer | Buffer[] | ArrayBuffer) => this.onFrame(data));
    ws.on("close", (code: number, reason: Buffer) => this.onClose(code, reason));
  }

  private send(frame: object): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(frame), { binary: false });
  }

  private fault(code: EnvelopeError | typeof ErrorCodes.RATE_LIMITED, message: string, rid?: unknown): void {
    metrics.jsonEnvelopeErrors.inc({ code });
    this.send(rid === undefined ? { type: "error", code, message } : { type: "error", rid, code, message });
  }

  private onFrame(data: Buffer | Buffer[] | ArrayBuffer): void {
    if (this.phase === "closed") return;
    // Every inbound frame counts against the rate limit; room messages meet the room's limiter too.
    const verdict = this.rate.take(performance.now());
    if (verdict === "abusive") return this.closeForAbuse();
    if (verdict === "limited") {
      metrics.jsonEnvelopeErrors.inc({ code: ErrorCodes.RATE_LIMITED });
      if (!this.replies.allow(ErrorCodes.RATE_LIMITED, performance.now())) return;
      const message = "too many messages: at most 60 a second, bursts of 120";
      if (this.client && this.phase === "joined") this.client.send("error", { code: ErrorCodes.RATE_LIMITED, message });
      else this.send({ type: "error", code: ErrorCodes.RATE_LIMITED, message });
      return;
    }

    const text = Buffer.isBuffer(data) ? data.toString("utf8") : Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data).toString("utf8");
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      return this.fault(EnvelopeErrors.BAD_FRAME, "not JSON: send one JSON object per WebSocket message");
    }
    if (frame === null || typeof frame !== "object" || Array.isArray(frame)) {
      return this.fault(EnvelopeErrors.BAD_FRAME, "a frame must be a JSON object with a `type`");
    }
    const type = (frame as { type?: unknown }).type;
    switch (type) {
      case "join":
        return this.onJoin(frame);
      case "send":
        return this.onSend(frame);
      case "resync":
        if (!this.requireJoined()) return;
        return this.client!.feed?.resync(this.client!);
      case "leave":
        if (!this.requireJoined()) return;
        return void this.client!.ref.emit("message", LEAVE_FRAME);
      default:
        return this.fault(EnvelopeErrors.BAD_FRAME, `unknown type ${JSON.stringify(typeof type === "string" ? type.slice(0, 32) : type ?? null)}: join, send, resync or leave`);
    }
  }

  private requireJoined(): boolean {
    if (this.phase === "joined") return true;
    this.fault(EnvelopeErrors.NOT_JOINED, "join a room first");
    return false;
  }

  private onSend(frame: object): void {
    if (!this.requireJoined()) return;
    // The hot path (every input): checked by hand, not by a schema; the payload is the room's to judge.
    const { name, data } = frame as { name?: unknown; data?: unknown };
    if (typeof name !== "string" || name.length === 0 || name.length > MAX_SEND_NAME_CHARS) {
      return this.fault(EnvelopeErrors.BAD_FRAME, `send: name: must be a message name of 1..${MAX_SEND_NAME_CHARS} characters`);
    }
    let bytes: Buffer;
    try {
      bytes = roomDataFrame(name, data);
    } catch {
      // Not encodable (nesting too deep for the encoder): the room would refuse its shape anyway.
      metrics.messagesRejected.inc({ code: ErrorCodes.INVALID_MESSAGE });
      return this.client!.send("error", { code: ErrorCodes.INVALID_MESSAGE, message: `${name}: payload could not be encoded` });
    }
    // Exactly what an SDK's room.send(name, data) puts on the wire, into the room's guarded path.
    this.client!.ref.emit("message", bytes);
  }

  private onJoin(frame: object): void {
    const rid = (frame as { rid?: unknown }).rid;
    if (this.phase !== "open") return this.fault(EnvelopeErrors.ALREADY_JOINED, "one room per socket: open another socket", typeof rid === "object" ? undefined : rid);
    const parsed = JoinEnvelope.safeParse(frame);
    if (!parsed.success) return this.fault(EnvelopeErrors.BAD_FRAME, `join: ${describeZodError(parsed.error)}`, typeof rid === "object" ? undefined : rid);
    const join = parsed.data;
    if (join.mode === "reconnect" ? !join.reconnectionToken : !join.room) {
      const field = join.mode === "reconnect" ? "reconnectionToken" : "room";
      return this.fault(EnvelopeErrors.BAD_FRAME, `join: ${field}: required for mode ${join.mode}`, join.rid);
    }
    this.phase = "joining";
    this.join(join).catch((err: Error & { code?: number }) => {
      if (this.phase === "closed") return;
      this.phase = "open";
      const code = typeof err.code === "number" ? err.code : 500;
      if (code === 500) logger.error({ err }, "JSON join failed");
      this.send({ type: "error", rid: join.rid ?? null, code, message: err.message });
    });
  }

  private async join(join: JoinEnvelope): Promise<void> {
    if (isShuttingDown()) {
      metrics.joinsRefused.inc({ code: String(JoinCodes.UNAVAILABLE) });
      throw Object.assign(new Error(DRAINING_MESSAGE), { code: JoinCodes.UNAVAILABLE });
    }
    const context = authContextFor(this.req);
    let reconnectionToken: string | undefined;
    let reservation: { sessionId: string; roomId: string; processId: string; name: string; publicAddress?: string };
    if (join.mode === "reconnect") {
      const [roomId, token] = join.reconnectionToken!.split(":") as [string, string];
      reconnectionToken = token;
      reservation = await matchMaker.controller.invokeMethod("reconnect", roomId, { reconnectionToken: token }, context);
    } else {
      // Own keys only: a `__proto__` key must not become the options' prototype.
      reservation = await matchMaker.controller.invokeMethod(join.mode, join.room!, ownOptions(join.options), context);
    }
    if (reservation.processId !== matchMaker.processId) {
      // A room on another process of the cluster: the seat expires unused; the client connects there.
      const where = reservation.publicAddress ? ` (${reservation.publicAddress})` : "";
      metrics.joinsRefused.inc({ code: String(JoinCodes.UNAVAILABLE) });
      throw Object.assign(new Error(`room ${reservation.roomId} is served by another process${where}: open /json there and join it by id`), { code: JoinCodes.UNAVAILABLE });
    }
    const room = matchMaker.getLocalRoomById(reservation.roomId);
    if (this.phase === "closed") return; // the seat reservation expires by itself
    const client = new JsonClient(reservation.sessionId, this.ws);
    await connectClient(room, client, context, reconnectionToken);
    if ((this.phase as Phase) === "closed") {
      // Closed while the room was admitting it: a drop like any other.
      client.ref.emit("close", 1006);
      return;
    }
    this.phase = "joined";
    this.client = client;
    this.room = room;
    clearTimeout(this.joinTimer);
    this.onJoined(this.req.socket as Socket);
    this.send({
      type: "joined",
      rid: join.rid ?? null,
      roomId: room!.roomId,
      roomName: room!.roomName,
      sessionId: client.sessionId,
      reconnectionToken: `${room!.roomId}:${client.reconnectionToken}`,
      protocol: JSON_SUBPROTOCOL,
    });
    if (room!.state) feedOf(room!).add(client);
    // The SDK's acknowledgement of JOIN_ROOM: Colyseus now sends the full state and the queued messages.
    client.ref.emit("message", JOIN_ACK_FRAME);
  }

  private closeForAbuse(): void {
    const { client, room } = this;
    if (client && this.phase === "joined" && room instanceof GuardedRoom) {
      // Through the room, as for an SDK client: it sees a 4002 drop, holds no seat, counts it.
      this.phase = "closed";
      room.closeForAbuse(client);
      return;
    }
    metrics.clientsClosed.inc({ code: String(CloseCodes.ABUSE) });
    this.phase = "closed";
    this.ws.close(CloseCodes.ABUSE, "message flood");
  }

  private onClose(code: number, reason: Buffer): void {
    const wasJoined = this.phase === "joined";
    this.phase = "closed";
    clearTimeout(this.joinTimer);
    const client = this.client;
    if (!client) return;
    client.feed?.remove(client);
    // Colyseus' leave path: a consented leave already removed this listener; anything else is a drop.
    if (wasJoined) client.ref.emit("close", code, reason);
  }
}

/** Serves /json upgrades on the transport's own ws server (same 4 KB limit, keepalive and outbound cap). */
export class JsonEndpoint {
  private readonly wss: WebSocketServer;

  constructor(
    transport: WebSocketTransport,
    private readonly guard: Pick<ConnectionGuard, "releaseJoined">,
  ) {
    this.wss = webSocketServerOf(transport);
  }

  attach(http: HttpServer): void {
    http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!isJsonUpgrade(req)) return;
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws, req));
    });
  }

  private onSocket(ws: WebSocket, req: IncomingMessage): void {
    enrollInKeepalive(ws);
    // ws closes the socket itself on a protocol fault (1009 for a frame over 4 KB); counted as for SDK sockets.
    ws.on("error", (err: Error & { code?: string }) => {
      metrics.protocolErrors.inc({ code: typeof err.code === "string" && err.code.startsWith("WS_ERR_") ? err.code : "other" });
    });
    new JsonSession(ws, req, (socket) => this.guard.releaseJoined(socket));
  }
}
