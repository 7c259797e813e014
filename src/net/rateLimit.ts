/**
 * Per-client message rate limit (contract §6): a token bucket that allows RATE_LIMIT_PER_S
 * sustained and RATE_LIMIT_BURST in a burst, plus abuse detection — a client still
 * sending faster than ABUSE_RATE_FACTOR × the limit for ABUSE_DURATION_MS is to be closed.
 * Pure: time comes in as an argument.
 */
import {
  ABUSE_DURATION_MS,
  ABUSE_RATE_FACTOR,
  RATE_LIMIT_BURST,
  RATE_LIMIT_PER_S,
  ERROR_REPLY_INTERVAL_MS,
} from "../utils/limits.ts";

export type RateVerdict = "ok" | "limited" | "abusive";

const ABUSE_WINDOW_MS = 500;
const ABUSE_WINDOW_MAX = (RATE_LIMIT_PER_S * ABUSE_RATE_FACTOR * ABUSE_WINDOW_MS) / 1000;

export class RateLimiter {
  private tokens = RATE_LIMIT_BURST;
  private refilledAt: number;
  private windowStart: number;
  private windowCount = 0;
  /** Since when every window has been over the abuse rate; undefined when the last one was not. */
  private abusiveSince: number | undefined;

  constructor(now: number) {
    this.refilledAt = now;
    this.windowStart = now;
  }

  /** Accounts one message arriving at `now`. */
  take(now: number): RateVerdict {
    this.refill(now);
    if (this.trackAbuse(now)) return "abusive";
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return "ok";
    }
    return "limited";
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.refilledAt);
    this.tokens = Math.min(RATE_LIMIT_BURST, this.tokens + (elapsed * RATE_LIMIT_PER_S) / 1000);
    this.refilledAt = now;
  }

  /** Counts messages in fixed windows; true once the abuse rate has held for ABUSE_DURATION_MS. */
  private trackAbuse(now: number): boolean {
    if (now - this.windowStart >= ABUSE_WINDOW_MS) {
      const windows = Math.floor((now - this.windowStart) / ABUSE_WINDOW_MS);
      const wasAbusive = this.windowCount > ABUSE_WINDOW_MAX && windows === 1;
      if (wasAbusive) this.abusiveSince ??= this.windowStart;
      else this.abusiveSince = undefined;
      this.windowStart += windows * ABUSE_WINDOW_MS;
      this.windowCount = 0;
    }
    this.windowCount++;
    const overNow = this.windowCount > ABUSE_WINDOW_MAX;
    const since = this.abusiveSince ?? (overNow ? this.windowStart : undefined);
    return overNow && since !== undefined && now - since >= ABUSE_DURATION_MS;
  }
}

/** Allows one reply per key per ERROR_REPLY_INTERVAL_MS (the `error` message throttle). */
export class ReplyThrottle {
  private readonly last = new Map<string, number>();

  allow(key: string, now: number): boolean {
    const at = this.last.get(key);
    if (at !== undefined && now - at < ERROR_REPLY_INTERVAL_MS) return false;
    this.last.set(key, now);
    return true;
  }
}
