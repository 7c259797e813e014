/**
 * The Redis the tests use: 127.0.0.1:6379 unless TEST_REDIS_URL names another server
 * (engineers running suites side by side give each its own). Each test file owns one
 * database on it and may FLUSHDB that database only. Without a Redis the Redis tests
 * are skipped locally, but under CI=true they run and fail: CI must not pass without
 * testing the cluster.
 */
import { Redis } from "ioredis";

const TEST_REDIS_BASE = new URL(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
export const TEST_REDIS_HOST = TEST_REDIS_BASE.hostname;
export const TEST_REDIS_PORT = Number(TEST_REDIS_BASE.port || 6379);

/** The URL of database `db` on the test Redis. */
export function testRedisUrl(db: number): string {
  return `redis://${TEST_REDIS_HOST}:${TEST_REDIS_PORT}/${db}`;
}

/** The matchmaking tests' database. */
export const TEST_REDIS_URL = testRedisUrl(12);

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
  return (await redisReachable(TEST_REDIS_URL)) ? false : `no Redis at ${TEST_REDIS_URL} (set CI=true to make this a failure)`;
}

/** A client on the test database, emptied first. */
export async function freshTestDb(): Promise<Redis> {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  await redis.flushdb();
  return redis;
}
