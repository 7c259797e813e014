/** Unit tests: config validation, token verification, seat-grant signing, the rate limiter. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import jwt from "jsonwebtoken";
import { ConfigError, initConfig, loadConfig } from "../../src/config.ts";
import { signSeatGrants, verifyAccessToken, verifySeatGrants, type SeatGrant } from "../../src/utils/auth.ts";
import { RATE_LIMIT_BURST, RATE_LIMIT_PER_S } from "../../src/utils/limits.ts";
import { RateLimiter, ReplyThrottle } from "../../src/net/rateLimit.ts";

describe("config", () => {
  test("defaults match the contract", () => {
    const cfg = loadConfig({});
    assert.equal(cfg.port, 2567);
    assert.equal(cfg.host, "::");
    assert.equal(cfg.nodeEnv, "development");
    assert.equal(cfg.redisUrl, undefined);
    assert.equal(cfg.reconnectWindowMs, 15000);
    assert.equal(cfg.logLevel, "info");
    assert.equal(cfg.replayTtlS, 86400);
    assert.ok(Object.isFrozen(cfg));
  });

  test("production without JWT_SECRET refuses to start", () => {
    assert.throws(() => loadConfig({ NODE_ENV: "production" }), (e: Error) => e instanceof ConfigError && /JWT_SECRET/.test(e.message));
    assert.equal(loadConfig({ NODE_ENV: "production", JWT_SECRET: "s3cret" }).isProduction, true);
  });

  for (const [name, value] of [
    ["PORT", "http"],
    ["PORT", "70000"],
    ["MATCH_RECONNECT_WINDOW_MS", "-5"],
    ["REDIS_URL", "127.0.0.1:6379"],
    ["PUBLIC_ADDRESS", "http://example:2567"],
    ["LOG_LEVEL", "loud"],
    ["NODE_ENV", "staging"],
  ]) {
    test(`a bad ${name}=${value} fails fast naming the variable`, () => {
      assert.throws(() => loadConfig({ [name]: value }), (e: Error) => e instanceof ConfigError && e.message.includes(name));
    });
  }

  test("REDIS_URL keeps its database part", () => {
    assert.equal(loadConfig({ REDIS_URL: "redis://127.0.0.1:6379/11" }).redisUrl, "redis://127.0.0.1:6379/11");
  });
});

describe("access tokens", () => {
  const secret = "unit-test-secret";
  initConfig(loadConfig({ JWT_SECRET: secret }));
  const exp = () => Math.floor(Date.now() / 1000) + 60;

  test("a valid HS256 token gives userId and username", () => {
    const token = jwt.sign({ userId: "alice", username: "Alice", exp: exp() }, secret);
    assert.deepEqual(verifyAccessToken(token, secret), { userId: "alice", username: "Alice" });
  });

  test("sub stands in for userId", () => {
    assert.equal(verifyAccessToken(jwt.sign({ sub: "bob", exp: exp() }, secret), secret).userId, "bob");
  });

  const faults: Array<[string, unknown, string]> = [
    ["missing", undefined, "missing"],
    ["empty", "", "missing"],
    ["not a string", 42, "malformed"],
    ["not a JWT", "abc", "malformed"],
    ["wrong secret", jwt.sign({ userId: "a", exp: exp() }, "other"), "bad signature"],
    ["expired", jwt.sign({ userId: "a", exp: Math.floor(Date.now() / 1000) - 1 }, secret), "expired"],
    ["no exp", jwt.sign({ userId: "a" }, secret), "malformed"],
    ["alg none", jwt.sign({ userId: "a", exp: exp() }, "", { algorithm: "none" }), "bad signature"],
    ["HS384", jwt.sign({ userId: "a", exp: exp() }, secret, { algorithm: "HS384" }), "bad signature"],
    ["numeric userId", jwt.sign({ userId: 7, exp: exp() }, secret), "malformed"],
  ];
  for (const [name, token, reason] of faults) {
    test(`a token that is ${name} is refused as ${reason} (401)`, () => {
      assert.throws(
        () => verifyAccessToken(token, secret),
        (e: Error & { code?: number; reason?: string }) => e.code === 401 && e.reason === reason && e.message.includes(reason),
      );
    });
  }
});

describe("seat grants", () => {
  const seats: SeatGrant[] = [
    { userId: "a", seatIndex: 0, reconnectKey: "k0" },
    { userId: "b", seatIndex: 1, reconnectKey: "k1" },
  ];

  test("grants signed by this server verify; altered grants or another secret do not", () => {
    const sig = signSeatGrants("m1", seats, "secret");
    verifySeatGrants("m1", seats, sig, "secret");
    assert.throws(() => verifySeatGrants("m2", seats, sig, "secret"), /not signed/);
    assert.throws(() => verifySeatGrants("m1", [{ ...seats[0], userId: "mallory" }, seats[1]], sig, "secret"), /not signed/);
    assert.throws(() => verifySeatGrants("m1", seats, sig, "other"), /not signed/);
    assert.throws(() => verifySeatGrants("m1", seats, undefined, "secret"), /not signed/);
  });
});

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
