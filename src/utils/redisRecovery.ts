/**
 * What this process writes back when Redis returns after an outage. A Redis restarted
 * without persistence has lost this process's room listings (joinById answers 404 for
 * rooms still running here) and its room count (joinOrCreate finds "no processId
 * available"). Colyseus restores listings only after another process swept this one,
 * so it is done here on every recovery; writing what is already there is harmless.
 */
import { matchMaker } from "@colyseus/core";
import { logger } from "./logger.ts";
import { metrics } from "./metrics.ts";
import { onRedisRecovered, redisDown } from "./redis.ts";

export async function republishMatchmakingState(): Promise<void> {
  try {
    await matchMaker.stats.persist(true);
    await matchMaker.restoreMissingRoomCaches();
    logger.info({ rooms: matchMaker.stats.local.roomCount }, "matchmaking state written back to Redis");
  } catch (err) {
    metrics.redisErrors.inc({ op: "resync" });
    logger.warn({ err: (err as Error).message }, "could not write matchmaking state back to Redis; will retry on the next recovery");
  }
}

/** Republishes once every connection is back (each of them reports its own recovery). */
export function republishAfterRedisOutages(): void {
  onRedisRecovered(() => {
    if (!redisDown()) void republishMatchmakingState();
  });
}
