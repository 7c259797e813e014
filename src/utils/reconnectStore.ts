/**
 * Reconnect records (contract §3): while a seat is held for a dropped player, a record
 * lives under `mm:reconnect:{matchId}:{userId}` with TTL = the reconnect window.
 * The in-process copy is always kept, so a Redis outage never loses a held seat;
 * Redis (when configured) makes the record visible to every process of the cluster.
 */
import type { Redis } from "ioredis";
import { tryRedis } from "./redis.ts";

export interface ReconnectRecord {
  roomId: string;
  matchId: string;
  userId: string;
  sessionId: string;
  seatIndex: number;
  reconnectKey: string;
  /** Epoch ms when the seat stops being held. */
  expiresAt: number;
  /** `host:port` of the process holding the room, when the cluster has one. */
  publicAddress?: string;
}

export const reconnectRecordKey = (matchId: string, userId: string) => `mm:reconnect:${matchId}:${userId}`;

export class ReconnectStore {
  private readonly local = new Map<string, { record: ReconnectRecord; timer: NodeJS.Timeout }>();

  constructor(private readonly redis?: Redis) {}

  /** Stores the record for `ttlMs`. Never throws: a Redis failure is logged and counted. */
  async hold(record: ReconnectRecord, ttlMs: number): Promise<void> {
    const key = reconnectRecordKey(record.matchId, record.userId);
    this.dropLocal(key);
    const timer = setTimeout(() => this.local.delete(key), ttlMs);
    timer.unref();
    this.local.set(key, { record, timer });
    const redis = this.redis;
    if (redis && ttlMs > 0) {
      await tryRedis("reconnect.hold", undefined, async () => {
        await redis.set(key, JSON.stringify(record), "PX", ttlMs);
      });
    }
  }

  /** Deletes the record (seat reclaimed or released). Never throws. */
  async release(matchId: string, userId: string): Promise<void> {
    const key = reconnectRecordKey(matchId, userId);
    this.dropLocal(key);
    const redis = this.redis;
    if (redis) {
      await tryRedis("reconnect.release", undefined, async () => {
        await redis.del(key);
      });
    }
  }

  /** The record, from this process or (cluster) from Redis. */
  async get(matchId: string, userId: string): Promise<ReconnectRecord | undefined> {
    const key = reconnectRecordKey(matchId, userId);
    const local = this.local.get(key)?.record;
    if (local || !this.redis) return local;
    const redis = this.redis;
    const raw = await tryRedis("reconnect.get", null, () => redis.get(key));
    return raw ? (JSON.parse(raw) as ReconnectRecord) : undefined;
  }

  /** Records held in this process (tests check nothing leaks). */
  get localSize(): number {
    return this.local.size;
  }

  private dropLocal(key: string): void {
    const entry = this.local.get(key);
    if (entry) clearTimeout(entry.timer);
    this.local.delete(key);
  }
}

let store = new ReconnectStore();

/** Chooses where records live; called once at boot. */
export function initReconnectStore(redis?: Redis): ReconnectStore {
  store = new ReconnectStore(redis);
  return store;
}

export function reconnectStore(): ReconnectStore {
  return store;
}
