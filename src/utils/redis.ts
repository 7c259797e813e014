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
const recoveryListeners = new Set<() => void>();

/** A client for `url` (its database part, e.g. `/11`, is honoured). `name` appears in logs. */
export function createRedis(url: string, name: string, extra: RedisOptions = {}): Redis {
  const redis = new Redis(url, { ...redisOptions(), connectionName: `framesync:${name}`, ...extra });
  let down = false;
  const markDown = (err?: Error) => {
    if (!down) logger.warn({ redis: name, err: err?.message ?? "connection closed" }, "redis connection lost; retrying in the background");
    down = true;
    updateRedisUp();
  };
  redis.on("error", (err) => {
    metrics.redisErrors.inc({ op: "connection" });
    markDown(err);
  });
  redis.on("close", () => {
    if (clients.has(redis)) markDown();
  });
  redis.on("ready", () => {
    updateRedisUp();
    if (!down) return;
    down = false;
    logger.info({ redis: name }, "redis connection restored");
    for (const listener of recoveryListeners) listener();
  });
  clients.add(redis);
  return redis;
}

/** True while a connection this module made is not ready (never true without REDIS_URL). */
export function redisDown(): boolean {
  for (const c of clients) if (c.status !== "ready") return true;
  return false;
}

/** Errors ioredis gives for a command that could not reach Redis. */
export function isRedisConnectionError(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String((err as { message?: unknown })?.message ?? err);
  return /Command timed out|Reached the max retries per request|Connection is closed|enableOfflineQueue|ECONNREFUSED/i.test(message);
}

function updateRedisUp(): void {
  metrics.redisUp.set(clients.size > 0 && !redisDown() ? 1 : 0);
}

/**
 * Calls `listener` whenever a connection comes back after an outage, e.g. to write
 * again what a Redis restarted without persistence has lost.
 */
export function onRedisRecovered(listener: () => void): void {
  recoveryListeners.add(listener);
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
  const closing = [...clients];
  clients.clear();
  recoveryListeners.clear();
  await Promise.all(closing.map((c) => (c.status === "end" ? undefined : c.quit().catch(() => c.disconnect()))));
}
