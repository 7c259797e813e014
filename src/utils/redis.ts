/**
 * The one module that owns Redis connections. Connections are bounded so a Redis
 * outage never hangs a room: commands time out, offline commands fail at once,
 * and the client keeps retrying the connection in the background.
 */
import { Redis, type RedisOptions } from "ioredis";
import { logger } from "./logger.ts";
import { metrics } from "./metrics.ts";

/** A command that gets no answer in this time fails instead of waiting. */
export const REDIS_COMMAND_TIMEOUT_MS = 1_000;
/** Reconnect backoff cap while Redis is away. */
const RECONNECT_MAX_DELAY_MS = 2_000;

/** Options shared by our own clients and the ones Colyseus' presence/driver make. */
export function redisOptions(): RedisOptions {
  return {
    maxRetriesPerRequest: 1,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 100, RECONNECT_MAX_DELAY_MS),
    lazyConnect: false,
  };
}

const clients = new Set<Redis>();

/** A client for `url` (its database part, e.g. `/11`, is honoured). `name` appears in logs. */
export function createRedis(url: string, name: string, extra: RedisOptions = {}): Redis {
  const redis = new Redis(url, { ...redisOptions(), connectionName: `framesync:${name}`, ...extra });
  let down = false;
  redis.on("error", (err) => {
    if (!down) logger.warn({ redis: name, err: err.message }, "redis connection error");
    down = true;
  });
  redis.on("ready", () => {
    if (down) logger.info({ redis: name }, "redis connection restored");
    down = false;
  });
  clients.add(redis);
  return redis;
}

/** Runs a Redis operation; on failure logs, counts under `op` and returns `fallback` instead of throwing. */
export async function tryRedis<T>(op: string, fallback: T, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    metrics.redisErrors.inc({ op });
    logger.warn({ op, err: (err as Error).message }, "redis operation failed");
    return fallback;
  }
}

/** Closes every client this module made (shutdown, tests). */
export async function closeAllRedis(): Promise<void> {
  await Promise.all([...clients].map((c) => c.quit().catch(() => c.disconnect())));
  clients.clear();
}
