/** The one typed config (contract §1): defaults, and a bad variable stops the boot naming it. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError, loadConfig } from "../../src/config.ts";

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
