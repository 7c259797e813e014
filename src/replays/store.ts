/**
 * Where saved replays live (contract §7). With REDIS_URL: the replay's JSON under
 * `mm:replay:{roomId}` with TTL REPLAY_TTL_S, and a row in the sorted set `mm:replays`
 * (score: endedAt) for the listing, so every process of the cluster serves every
 * replay. Without it: bounded process memory. A replay that Redis refuses (outage)
 * is kept in memory instead, so at least this process still serves it.
 */
import type { Redis } from "ioredis";
import type { ReplaySummary } from "../game/replay.ts";
import { MAX_MEMORY_REPLAYS, MAX_MEMORY_REPLAY_BYTES, MAX_REDIS_REPLAYS } from "../utils/limits.ts";
import { logger } from "../utils/logger.ts";
import { tryRedis } from "../utils/redis.ts";

export const replayKey = (roomId: string) => `mm:replay:${roomId}`;
/** Sorted set of replay summaries (JSON members), scored by endedAt. */
export const REPLAY_INDEX_KEY = "mm:replays";

interface LocalReplay {
  summary: ReplaySummary;
  json: string;
  bytes: number;
  expiresAt: number;
}

export class ReplayStore {
  /** Insertion order is age order: the first entry is the oldest. */
  private readonly local = new Map<string, LocalReplay>();
  private localBytes = 0;

  constructor(
    private readonly redis: Redis | undefined,
    private readonly ttlS: number,
  ) {}

  /** Saves a replay. Never throws: a Redis failure is logged, counted and falls back to memory. */
  async save(summary: ReplaySummary, json: string): Promise<void> {
    const redis = this.redis;
    if (redis) {
      const saved = await tryRedis("replay.save", false, async () => {
        const results = await redis
          .multi()
          .set(replayKey(summary.roomId), json, "EX", this.ttlS)
          .zadd(REPLAY_INDEX_KEY, summary.endedAt, JSON.stringify(summary))
          .zremrangebyscore(REPLAY_INDEX_KEY, "-inf", `(${Date.now() - this.ttlS * 1000}`)
          .zremrangebyrank(REPLAY_INDEX_KEY, 0, -(MAX_REDIS_REPLAYS + 1))
          .exec();
        const failed = results?.find(([err]) => err)?.[0];
        if (!results || failed) throw failed ?? new Error("transaction aborted");
        return true;
      });
      if (saved) return;
    }
    this.keepLocal(summary, json);
  }

  /** The replay's JSON text, or undefined. */
  async get(roomId: string): Promise<string | undefined> {
    const redis = this.redis;
    if (redis) {
      const json = await tryRedis("replay.get", null, () => redis.get(replayKey(roomId)));
      if (json) return json;
    }
    const local = this.local.get(roomId);
    if (!local) return undefined;
    if (local.expiresAt <= Date.now()) {
      this.dropLocal(roomId);
      return undefined;
    }
    return local.json;
  }

  /** The most recent replays first, at most `limit`. */
  async list(limit: number): Promise<ReplaySummary[]> {
    const now = Date.now();
    const rows: ReplaySummary[] = [];
    const redis = this.redis;
    if (redis) {
      const members = await tryRedis("replay.list", [] as string[], () =>
        redis.zrevrangebyscore(REPLAY_INDEX_KEY, "+inf", `(${now - this.ttlS * 1000}`, "LIMIT", 0, limit),
      );
      for (const m of members) rows.push(JSON.parse(m) as ReplaySummary);
    }
    for (const r of this.local.values()) if (r.expiresAt > now) rows.push(r.summary);
    rows.sort((a, b) => b.endedAt - a.endedAt);
    return rows.slice(0, limit);
  }

  /** Replays held in this process's memory (tests check the bound). */
  get localCount(): number {
    return this.local.size;
  }

  private keepLocal(summary: ReplaySummary, json: string): void {
    const bytes = Buffer.byteLength(json, "utf8");
    this.dropLocal(summary.roomId);
    this.local.set(summary.roomId, { summary, json, bytes, expiresAt: Date.now() + this.ttlS * 1000 });
    this.localBytes += bytes;
    for (const roomId of this.local.keys()) {
      if (this.local.size <= MAX_MEMORY_REPLAYS && this.localBytes <= MAX_MEMORY_REPLAY_BYTES) break;
      this.dropLocal(roomId);
      logger.debug({ roomId }, "replay dropped from memory (store full)");
    }
  }

  private dropLocal(roomId: string): void {
    const entry = this.local.get(roomId);
    if (!entry) return;
    this.localBytes -= entry.bytes;
    this.local.delete(roomId);
  }
}

let store = new ReplayStore(undefined, 86_400);

/** Chooses where replays live; called once at boot. */
export function initReplayStore(redis: Redis | undefined, ttlS: number): ReplayStore {
  store = new ReplayStore(redis, ttlS);
  return store;
}

export function replayStore(): ReplayStore {
  return store;
}
