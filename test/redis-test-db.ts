/**
 * The Redis database the matchmaking tests own: DB 12 on the local Redis. Tests may
 * FLUSHDB this database only. Without a Redis the Redis tests are skipped locally,
 * but under CI=true they run and fail: CI must not pass without testing the cluster.
 */
import { Redis } from "ioredis";

export const TEST_REDIS_URL = "redis://127.0.0.1:6379/12";

/** Whether a Redis answers PING at `url` (a short probe that never retries). */
export async function redisReachable(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2_000 });
  probe.on("error", () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** False, or the reason to skip the Redis tests. */
export async function skipWithoutRedis(): Promise<string | false> {
  if (process.env.CI === "true") return false;
  return (await redisReachable(TEST_REDIS_URL)) ? false : "no Redis at 127.0.0.1:6379 (set CI=true to make this a failure)";
}

/** A client on the test database, emptied first. */
export async function freshTestDb(): Promise<Redis> {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  await redis.flushdb();
  return redis;
}
