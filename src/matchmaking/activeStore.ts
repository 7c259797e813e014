/**
 * Which MatchStore this process uses, chosen once at boot: Redis when REDIS_URL is set,
 * memory otherwise. Its own module so that game rooms (which commit their match, see
 * ./redelivery.ts) and the matchmaker (which creates game rooms) both reach it without
 * importing each other.
 */
import type { Redis } from "ioredis";
import { MemoryMatchStore } from "./memoryStore.ts";
import { RedisMatchStore } from "./redisStore.ts";
import type { MatchStore } from "./store.ts";

let store: MatchStore = new MemoryMatchStore();

/** Chooses where queues and parties live; called once at boot (Redis when REDIS_URL is set). */
export function initMatchmaking(redis?: Redis): MatchStore {
  store = redis ? new RedisMatchStore(redis) : new MemoryMatchStore();
  return store;
}

export function matchStore(): MatchStore {
  return store;
}
