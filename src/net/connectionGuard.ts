/**
 * Limits that sit below the rooms (contract §6): the per-IP cap on connections that
 * are not in a room yet, the cap on what the server queues for one WebSocket, and the
 * size of a matchmaking request's body. Rooms never see these: a refused request or a
 * refused or cut socket is gone before or outside them.
 */
import type { Server as HttpServer, IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { matchMaker } from "@colyseus/core";
import { webSocketOf, webSocketServerOf } from "./internals.ts";
import type { WebSocketTransport } from "@colyseus/ws-transport";
import type { WebSocket, WebSocketServer } from "ws";
import { CloseCodes } from "../protocol/codes.ts";
import {
  MAX_OUTBOUND_BUFFER_BYTES,
  OUTBOUND_CHECK_INTERVAL_MS,
  SLOW_CONSUMER_CLOSE_GRACE_MS,
} from "../utils/limits.ts";
import { logger } from "../utils/logger.ts";
import { metrics } from "../utils/metrics.ts";

/** Refusals are all counted; a log line per IP at most this often. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

/** `::ffff:10.0.0.1` and `10.0.0.1` are one client. */
function ipOf(socket: Socket): string {
  const ip = socket.remoteAddress ?? "unknown";
  return ip.startsWith("::ffff:") ? ip.slice(7) : ip;
}

/** True when `ws` is the connection of session `sessionId` in local room `roomId`. */
function isRoomClient(ws: WebSocket, roomId: string, sessionId: string): boolean {
  return webSocketOf(matchMaker.getLocalRoomById(roomId)?.clients.getById(sessionId)) === ws;
}

export class ConnectionGuard {
  /** Per IP: sockets that are not a room's client (yet). */
  private readonly pendingByIp = new Map<string, number>();
  /** The pending sockets and their IP; a socket leaves this map when it joins a room or closes. */
  private readonly pending = new Map<Socket, string>();
  /** WebSockets not in a room yet, with the room and session their URL names. */
  private readonly joining = new Map<WebSocket, { socket: Socket; roomId: string; sessionId: string }>();
  private readonly joinedAs = new WeakMap<WebSocket, { roomId: string; sessionId: string }>();
  private readonly cut = new WeakSet<WebSocket>();
  private readonly lastRefusalLog = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  /** @param maxPendingPerIp 0 turns the per-IP cap off (connections are still tracked for the gauge). */
  constructor(private readonly maxPendingPerIp: number) {}

  /** Hooks the transport's HTTP server (every TCP connection) and its WebSocket server (every upgrade). */
  attach(transport: WebSocketTransport): void {
    const http = transport.server as HttpServer;
    const wss = webSocketServerOf(transport);
    http.on("connection", (socket: Socket) => this.onSocket(socket));
    wss.on("connection", (ws: WebSocket, req: IncomingMessage) => this.onWebSocket(ws, req));
    this.timer = setInterval(() => {
      this.checkJoined();
      this.checkOutbound(wss);
    }, OUTBOUND_CHECK_INTERVAL_MS);
    this.timer.unref();
    http.on("close", () => clearInterval(this.timer));
  }

  /** A socket that joined a room outside the transport's own connection path (the JSON endpoint) stops counting. */
  releaseJoined(socket: Socket): void {
    this.release(socket);
  }

  /** Sockets of `ip` that are not in a room (tests, metrics). */
  pendingFor(ip: string): number {
    return this.pendingByIp.get(ip) ?? 0;
  }

  private onSocket(socket: Socket): void {
    const ip = ipOf(socket);
    const count = this.pendingByIp.get(ip) ?? 0;
    if (this.maxPendingPerIp > 0 && count >= this.maxPendingPerIp) {
      metrics.connectionsRefused.inc({ reason: "ip_cap" });
      const now = Date.now();
      if (now - (this.lastRefusalLog.get(ip) ?? 0) >= REFUSAL_LOG_INTERVAL_MS) {
        this.lastRefusalLog.set(ip, now);
        logger.warn({ ip, pending: count, limit: this.maxPendingPerIp }, "connection refused: too many connections from this IP that are not in a room");
      }
      socket.destroy();
      return;
    }
    this.pendingByIp.set(ip, count + 1);
    this.pending.set(socket, ip);
    metrics.pendingConnections.inc();
    socket.once("close", () => this.release(socket));
  }

  /** A room connection's URL is `/{processId}/{roomId}?sessionId=…` (joins and SDK reconnects alike). */
  private onWebSocket(ws: WebSocket, req: IncomingMessage): void {
    // ws closes the socket itself (1009 for a frame over maxPayload, 1002/1007 otherwise); this counts it.
    ws.on("error", (err: Error & { code?: string }) => {
      metrics.protocolErrors.inc({ code: typeof err.code === "string" && err.code.startsWith("WS_ERR_") ? err.code : "other" });
    });
    if (!this.pending.has(req.socket)) return;
    const url = new URL(req.url ?? "/", "ws://server");
    const roomId = url.pathname.split("/").filter(Boolean)[1];
    const sessionId = url.searchParams.get("sessionId");
    if (!roomId || !sessionId) return; // not a room connection: it stays pending until it closes
    this.joining.set(ws, { socket: req.socket, roomId, sessionId });
    // Registered before Colyseus' own close handler, so a client that joined a moment ago is still in its room here.
    ws.once("close", () => {
      if (!this.joining.delete(ws)) return;
      // Closed before it was ever a room's client: no such room or seat, an expired or forged reservation.
      if (!isRoomClient(ws, roomId, sessionId)) metrics.connectionsRefused.inc({ reason: "join_failed" });
    });
  }

  /**
   * A WebSocket stops counting once it is the connection of a client of a room of this
   * process, i.e. its seat reservation (made through onAuth) was consumed: a first join
   * or an SDK reconnection.
   */
  private checkJoined(): void {
    for (const [ws, { socket, roomId, sessionId }] of this.joining) {
      if (!isRoomClient(ws, roomId, sessionId)) continue;
      this.joining.delete(ws);
      this.joinedAs.set(ws, { roomId, sessionId });
      this.release(socket);
    }
  }

  private release(socket: Socket): void {
    const ip = this.pending.get(socket);
    if (ip === undefined) return;
    this.pending.delete(socket);
    metrics.pendingConnections.dec();
    const left = (this.pendingByIp.get(ip) ?? 1) - 1;
    if (left > 0) this.pendingByIp.set(ip, left);
    else this.pendingByIp.delete(ip);
  }

  /**
   * A socket whose outbound queue passed MAX_OUTBOUND_BUFFER_BYTES is closed with
   * CloseCodes.SLOW_CONSUMER; sends to a closing socket are dropped, so the queue stops
   * growing at once, and the socket is destroyed after a short grace.
   */
  private checkOutbound(wss: WebSocketServer): void {
    for (const ws of wss.clients) {
      if (ws.bufferedAmount <= MAX_OUTBOUND_BUFFER_BYTES || this.cut.has(ws)) continue;
      this.cut.add(ws);
      metrics.clientsClosed.inc({ code: String(CloseCodes.SLOW_CONSUMER) });
      logger.warn(
        { ...this.joinedAs.get(ws), bufferedBytes: ws.bufferedAmount, limit: MAX_OUTBOUND_BUFFER_BYTES },
        "closing a client that stopped reading (outbound queue over limit)",
      );
      ws.close(CloseCodes.SLOW_CONSUMER, "outbound queue over limit: the client is not reading");
      setTimeout(() => ws.terminate(), SLOW_CONSUMER_CLOSE_GRACE_MS).unref();
    }
  }
}
