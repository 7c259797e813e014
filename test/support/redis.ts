/**
 * The Redis the tests use: 127.0.0.1:6379 unless TEST_REDIS_URL names another server
 * (engineers running suites side by side give each its own). Each test file owns one
 * database on it and may FLUSHDB that database only. Tests that need a redis-server of
 * their own (to kill it) start one with RedisProcess (./processes.ts).
 *
 * The one rule for a missing Redis, whichever kind: locally the Redis tests are skipped
 * with the reason; under CI=true they run and fail, because CI must not pass without
 * testing the cluster.
 */
import { spawnSync } from "node:child_process";
import { Redis } from "ioredis";

const TEST_REDIS_BASE = new URL(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
export const TEST_REDIS_HOST = TEST_REDIS_BASE.hostname;
export const TEST_REDIS_PORT = Number(TEST_REDIS_BASE.port || 6379);

/**
 * Databases of the test Redis, one per test file that writes to it (they would collide
 * otherwise when files run concurrently against one server).
 */
export const TEST_REDIS_DB = {
  staleHolders: 9,
  orphanRace: 10,
  reconnection: 11,
  matchmaking: 12,
  replays: 13,
  orphans: 15, // 14 is the bench's (bench/run.ts)
} as const;

/** The URL of database `db` on the test Redis. */
export function testRedisUrl(db: number): string {
  return `redis://${TEST_REDIS_HOST}:${TEST_REDIS_PORT}/${db}`;
}

/** The matchmaking tests' database. */
export const TEST_REDIS_URL = testRedisUrl(TEST_REDIS_DB.matchmaking);

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

const UNDER_CI = () => process.env.CI === "true";

/** The `skip` option of a suite that needs the test Redis at `url`: false, or why it is skipped. */
export async function skipWithoutRedis(url: string = TEST_REDIS_URL): Promise<string | false> {
  if (UNDER_CI()) return false;
  return (await redisReachable(url)) ? false : `no Redis at ${url} (set CI=true to make this a failure)`;
}

/** The `skip` option of a suite that starts redis-server itself: false, or why it is skipped. */
export function skipWithoutRedisServer(): string | false {
  if (UNDER_CI()) return false;
  const probe = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  return probe.status === 0 ? false : "redis-server is not installed (set CI=true to make this a failure)";
}

/** A client on database `url` of the test Redis, emptied first. */
export async function freshTestDb(url: string = TEST_REDIS_URL): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  await redis.flushdb();
  return redis;
}
