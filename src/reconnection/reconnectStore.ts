/**
 * Reconnect records (contract §3): while a seat is held for a dropped player, a record
 * lives under `mm:reconnect:{matchId}:{userId}` with TTL = the reconnect window.
 * The in-process copy is always kept, so a Redis outage never loses a held seat;
 * Redis (when configured) makes the record visible to every process of the cluster.
 * What an outage kept out of Redis (records written, records deleted) is put right
 * when the connection is ready again; until then a stale Redis record lives at most
 * its TTL.
 */
import type { Redis } from "ioredis";
import { tryRedis } from "../utils/redis.ts";

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
  private readonly local = new Map<string, { record: ReconnectRecord; timer: NodeJS.Timeout; inRedis: boolean }>();
  /**
   * Keys whose delete did not reach Redis, with when their Redis TTL ends: deleted
   * again when Redis is back. Bounded by that TTL: expired entries are dropped.
   */
  private readonly unreleased = new Map<string, number>();

  constructor(private readonly redis?: Redis) {
    redis?.on("ready", () => void this.resync());
  }

  /**
   * Stores the record for `ttlMs`. Never throws and never waits on more than one Redis
   * command: a failure is logged and counted, and the in-process record holds the seat.
   */
  async hold(record: ReconnectRecord, ttlMs: number): Promise<void> {
    const key = reconnectRecordKey(record.matchId, record.userId);
    this.dropLocal(key);
    this.unreleased.delete(key);
    const timer = setTimeout(() => this.local.delete(key), ttlMs);
    timer.unref();
    const entry = { record, timer, inRedis: false };
    this.local.set(key, entry);
    const redis = this.redis;
    if (redis && ttlMs > 0) {
      entry.inRedis = await tryRedis("reconnect.hold", false, async () => {
        await redis.set(key, JSON.stringify(record), "PX", ttlMs);
        return true;
      });
    }
  }

  /** Deletes the record (seat reclaimed or released). Never throws. */
  async release(matchId: string, userId: string): Promise<void> {
    const key = reconnectRecordKey(matchId, userId);
    const expiresAt = this.local.get(key)?.record.expiresAt;
    this.dropLocal(key);
    const redis = this.redis;
    if (redis) {
      const deleted = await tryRedis("reconnect.release", false, async () => {
        await redis.del(key);
        return true;
      });
      const now = Date.now();
      for (const [k, until] of this.unreleased) if (until <= now) this.unreleased.delete(k);
      if (!deleted && expiresAt !== undefined && expiresAt > now && !this.local.has(key)) this.unreleased.set(key, expiresAt);
    }
  }

  /** The record, from this process or (cluster) from Redis. */
  async get(matchId: string, userId: string): Promise<ReconnectRecord | undefined> {
    const key = reconnectRecordKey(matchId, userId);
    const local = this.local.get(key)?.record;
    if (local || !this.redis) return local;
    const redis = this.redis;
    const raw = await tryRedis("reconnect.get", null, () => redis.get(key));
    if (!raw) return undefined;
    try {
      return JSON.parse(raw) as ReconnectRecord;
    } catch {
      return undefined; // not one of ours: treat as absent
    }
  }

  /**
   * Redis is ready again (or for the first time): write the records an outage kept
   * out of it, with what is left of their TTL, and delete the ones released meanwhile.
   */
  async resync(): Promise<void> {
    const redis = this.redis;
    if (!redis) return;
    const now = Date.now();
    for (const [key, entry] of this.local) {
      const leftMs = entry.record.expiresAt - now;
      if (entry.inRedis || leftMs <= 0) continue;
      entry.inRedis = await tryRedis("reconnect.resync", false, async () => {
        await redis.set(key, JSON.stringify(entry.record), "PX", leftMs);
        return true;
      });
    }
    for (const [key, until] of [...this.unreleased]) {
      if (until <= now) {
        this.unreleased.delete(key);
        continue;
      }
      const deleted = await tryRedis("reconnect.resync", false, async () => {
        await redis.del(key);
        return true;
      });
      if (deleted) this.unreleased.delete(key);
    }
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
