/**
 * Riding out a Redis outage (REDIS_URL set). Running rooms never need Redis to tick;
 * what touches it is matchmaking (refused with 503 while it is down, see http.ts), the
 * room listings Colyseus keeps there, and a few writes Colyseus does not await (those
 * are caught by the process guard in index.ts).
 *
 * When Redis returns — possibly restarted empty, without persistence — this process
 * writes back what it owns: its room listings (joinById would answer 404 for rooms still
 * running here) and its room count (joinOrCreate would find "no processId available").
 * Colyseus restores listings only after another process swept this one, so it is done
 * here on every recovery; writing what is already there is harmless.
 */
import { matchMaker, type IRoomCache } from "@colyseus/core";
import { RedisDriver } from "@colyseus/redis-driver";
import { logger } from "./logger.ts";
import { metrics } from "./metrics.ts";
import { onRedisRecovered, redisDown } from "./redis.ts";

type ListingOperations = Parameters<RedisDriver["update"]>[1];

/**
 * RedisDriver whose listing writes are best effort. Colyseus awaits a listing update
 * inside a player's leave: one that throws there (Redis down) leaves that player's
 * socket open for good and the room's count wrong. A failed write is counted and
 * logged; the listing is written whole again on its next change and after the outage,
 * and a removal that failed is retried then.
 */
export class OutageTolerantRedisDriver extends RedisDriver {
  private readonly failedRemovals = new Set<string>();

  async update(room: IRoomCache, operations: ListingOperations): Promise<boolean> {
    return this.bestEffort("driver.update", () => super.update(room, operations));
  }

  async persist(room: IRoomCache, create?: boolean): Promise<boolean> {
    return this.bestEffort("driver.persist", () => super.persist(room, create));
  }

  async remove(roomId: string): Promise<boolean> {
    const removed = await this.bestEffort("driver.remove", () => super.remove(roomId), () => this.failedRemovals.add(roomId));
    if (removed) this.failedRemovals.delete(roomId);
    return removed;
  }

  /** Removes the listings of rooms disposed while Redis was away (it may have kept them). */
  async retryFailedRemovals(): Promise<void> {
    for (const roomId of [...this.failedRemovals]) await this.remove(roomId);
  }

  private async bestEffort(op: string, write: () => Promise<boolean>, onFailure?: () => void): Promise<boolean> {
    try {
      return await write();
    } catch (err) {
      onFailure?.();
      metrics.redisErrors.inc({ op });
      logger.debug({ op, err: (err as Error).message }, "room listing write failed; written again when Redis is back");
      return false;
    }
  }
}

export async function republishMatchmakingState(driver?: OutageTolerantRedisDriver): Promise<void> {
  try {
    await matchMaker.stats.persist(true);
    await matchMaker.restoreMissingRoomCaches();
    await driver?.retryFailedRemovals();
    logger.info({ rooms: matchMaker.stats.local.roomCount }, "matchmaking state written back to Redis");
  } catch (err) {
    metrics.redisErrors.inc({ op: "resync" });
    logger.warn({ err: (err as Error).message }, "could not write matchmaking state back to Redis; will retry on the next recovery");
  }
}

/** Republishes once every connection is back (each of them reports its own recovery). */
export function republishAfterRedisOutages(driver?: OutageTolerantRedisDriver): void {
  onRedisRecovered(() => {
    if (!redisDown()) void republishMatchmakingState(driver);
  });
}
