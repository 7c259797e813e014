/** The per-connection rate limiter and the error-reply throttle (contract §6). */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { RATE_LIMIT_BURST, RATE_LIMIT_PER_S } from "../../src/utils/limits.ts";
import { RateLimiter, ReplyThrottle } from "../../src/net/rateLimit.ts";

describe("rate limit", () => {
  test("a burst of 120 passes, the next is limited, and tokens come back at 60 a second", () => {
    const r = new RateLimiter(0);
    for (let i = 0; i < RATE_LIMIT_BURST; i++) assert.equal(r.take(0), "ok", `message ${i}`);
    assert.equal(r.take(0), "limited");
    assert.equal(r.take(1000 / RATE_LIMIT_PER_S + 0.01), "ok");
    assert.equal(r.take(1000 / RATE_LIMIT_PER_S + 0.02), "limited");
  });

  test("a client at exactly the sustained rate is never limited", () => {
    const r = new RateLimiter(0);
    for (let t = 0; t < 10_000; t += 1000 / RATE_LIMIT_PER_S) assert.equal(r.take(t), "ok");
  });

  test("a client at 5× the limit is limited at once and closed after 2 s, not before", () => {
    const r = new RateLimiter(0);
    const step = 1000 / (RATE_LIMIT_PER_S * 5);
    let abusiveAt: number | undefined;
    let limited = 0;
    for (let t = 0; t < 4000 && abusiveAt === undefined; t += step) {
      const v = r.take(t);
      if (v === "limited") limited++;
      if (v === "abusive") abusiveAt = t;
    }
    assert.ok(limited > 0);
    assert.ok(abusiveAt !== undefined && abusiveAt >= 2000 && abusiveAt < 3000, `closed at ${abusiveAt} ms`);
  });

  test("a client at 3× the limit is limited but never closed", () => {
    const r = new RateLimiter(0);
    const step = 1000 / (RATE_LIMIT_PER_S * 3);
    for (let t = 0; t < 10_000; t += step) assert.notEqual(r.take(t), "abusive");
  });

  test("short bursts over 4× separated by quiet spells are not abuse", () => {
    const r = new RateLimiter(0);
    for (let burst = 0; burst < 10; burst++) {
      const start = burst * 2000;
      for (let i = 0; i < 300; i++) assert.notEqual(r.take(start + i * 3), "abusive");
    }
  });

  test("error replies are throttled to one a second per code", () => {
    const t = new ReplyThrottle();
    assert.equal(t.allow("RATE_LIMITED", 0), true);
    assert.equal(t.allow("RATE_LIMITED", 500), false);
    assert.equal(t.allow("INVALID_MESSAGE", 500), true);
    assert.equal(t.allow("RATE_LIMITED", 1000), true);
  });
});
