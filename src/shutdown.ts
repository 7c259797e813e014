/**
 * Graceful shutdown (contract §8): stop taking joins, let running matches go on up to
 * the drain deadline, then close the remaining clients with 4001 and release Redis.
 */
import { matchMaker, type Server } from "@colyseus/core";
import { closeAllRedis } from "./utils/redis.ts";
import { logger } from "./utils/logger.ts";

/** Extra time after the drain deadline for rooms to finish closing. */
const CLOSE_GRACE_MS = 3_000;

export async function shutdownGracefully(server: Server, drainMs: number): Promise<void> {
  shuttingDown = true;
  setDrainDeadline(drainMs);
  const done = server.gracefullyShutdown(false);
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, drainMs + CLOSE_GRACE_MS).unref());
  await Promise.race([done, timeout]);
  await closeAllRedis();
  logger.info({ rooms: matchMaker.stats?.local?.roomCount }, "shutdown complete");
}

let drainDeadlineMs = 0;
let shuttingDown = false;

/** True from the shutdown signal on (/health answers 503 "draining"; ../net/matchmakeChecks.ts refuses matchmaking). */
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
