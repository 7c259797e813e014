/**
 * Graceful shutdown (contract §8): stop taking joins, let running matches go on up to
 * the drain deadline, then close the remaining clients with 4001 and release Redis.
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import { matchMaker, type Server } from "@colyseus/core";
import { JOIN_UNAVAILABLE } from "./utils/limits.ts";
import { metrics } from "./utils/metrics.ts";
import { closeAllRedis } from "./utils/redis.ts";
import { logger } from "./utils/logger.ts";

/** Extra time after the drain deadline for rooms to finish closing. */
const CLOSE_GRACE_MS = 3_000;

export async function shutdownGracefully(server: Server, drainMs: number): Promise<void> {
  shuttingDown = true;
  setDrainDeadline(drainMs);
  if (server.transport?.server) refuseMatchmakingWhileDraining(server.transport.server as HttpServer);
  const done = server.gracefullyShutdown(false);
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, drainMs + CLOSE_GRACE_MS).unref());
  await Promise.race([done, timeout]);
  await closeAllRedis();
  logger.info({ rooms: matchMaker.stats?.local?.roomCount }, "shutdown complete");
}

const DRAINING = JSON.stringify({ code: JOIN_UNAVAILABLE, error: "server is shutting down: join a match on another server" });

/**
 * Colyseus refuses matchmaking while it shuts down with a bare 503 whose empty body the
 * SDK fails to parse ("Unexpected end of JSON input", no code). Answered here instead,
 * ahead of Colyseus' own handler, with the JSON the SDK reads as `{ code: 503, message }`.
 * Preflights and every other route go on as before (SDK reconnections use the WebSocket).
 */
function refuseMatchmakingWhileDraining(http: HttpServer): void {
  const listeners = http.listeners("request") as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  http.removeAllListeners("request");
  http.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === "POST" && req.url?.startsWith(`/${matchMaker.controller.matchmakeRoute}/`)) {
      metrics.joinsRefused.inc({ code: String(JOIN_UNAVAILABLE) });
      res.writeHead(JOIN_UNAVAILABLE, {
        ...matchMaker.controller.DEFAULT_CORS_HEADERS,
        ...matchMaker.controller.getCorsHeaders(new Headers(req.headers as Record<string, string>)),
        "content-type": "application/json",
        "content-length": Buffer.byteLength(DRAINING),
      });
      res.end(DRAINING);
      req.resume();
      return;
    }
    for (const listener of listeners) listener.call(http, req, res);
  });
}

let drainDeadlineMs = 0;
let shuttingDown = false;

/** True from the shutdown signal on (/health answers 503 "draining"). */
export function isShuttingDown(): boolean {
  return shuttingDown;
}

function setDrainDeadline(ms: number): void {
  drainDeadlineMs = ms;
}

/** How long rooms may keep running after the shutdown signal (read by FrameSyncRoom.onBeforeShutdown). */
export function drainDeadline(): number {
  return drainDeadlineMs;
}
