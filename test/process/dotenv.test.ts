/**
 * `.env` is read in development and never in production (docs/configuration.md): the built
 * server started in a scratch directory holding a .env.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { freePort } from "../support/processes.ts";
import { NODE, ROOT, Spawned, buildDist } from "../support/processes.ts";

describe(".env", () => {
  let dir: string;
  const started: Spawned[] = [];
  const start = (env: Record<string, string | undefined>) => {
    const p = new Spawned(NODE, [path.join(ROOT, "dist", "index.js")], {
      cwd: dir,
      // Nothing of the test runner's environment may stand in for the file's values.
      env: { PORT: undefined, HOST: "127.0.0.1", NODE_ENV: undefined, LOG_LEVEL: undefined, JWT_SECRET: undefined, REDIS_URL: undefined, ...env },
    });
    started.push(p);
    return p;
  };

  before(() => {
    buildDist();
    dir = mkdtempSync(path.join(os.tmpdir(), "framesync-dotenv-"));
  });
  after(async () => {
    await Promise.all(started.map((p) => p.kill()));
    rmSync(dir, { recursive: true, force: true });
  });

  test("development: the server takes PORT and LOG_LEVEL from .env, the environment wins over it", async () => {
    const port = await freePort();
    writeFileSync(path.join(dir, ".env"), `# a comment\nPORT=${port}\nLOG_LEVEL=debug\nSHUTDOWN_DRAIN_MS=1234\n`);
    const server = start({ SHUTDOWN_DRAIN_MS: "0" });
    await server.healthy(`http://127.0.0.1:${port}/health`);
    const read = server.logs().find((l) => l.msg === "read .env (development only)");
    assert.deepEqual([...(read?.variables ?? [])].sort(), ["LOG_LEVEL", "PORT"], server.output());
    assert.equal(read?.level, 30);
    server.child.kill("SIGTERM");
    assert.equal((await server.exited).code, 0);
    assert.ok(server.logs().some((l) => l.msg === "shutting down" && l.drainMs === 0), "SHUTDOWN_DRAIN_MS from the environment, not .env");
  });

  test("development: a bad value in .env stops the boot naming it", async () => {
    writeFileSync(path.join(dir, ".env"), "MATCH_RECONNECT_WINDOW_MS=soon\n");
    const server = start({});
    const exit = await server.exited;
    assert.equal(exit.code, 78, server.output());
    assert.match(server.output(), /invalid environment variable MATCH_RECONNECT_WINDOW_MS=\\"soon\\"/);
  });

  for (const env of [{ NODE_ENV: "production", JWT_SECRET: "s3cret" }, { NODE_ENV: "test" }]) {
    test(`NODE_ENV=${env.NODE_ENV} never reads .env`, async () => {
      writeFileSync(path.join(dir, ".env"), "MATCH_RECONNECT_WINDOW_MS=soon\n");
      const port = await freePort();
      const server = start({ ...env, PORT: String(port) });
      await server.healthy(`http://127.0.0.1:${port}/health`);
      assert.ok(!server.output().includes("read .env"), server.output());
      server.child.kill("SIGTERM");
      assert.equal((await server.exited).code, 0);
    });
  }

  test("a .env cannot switch production on", async () => {
    writeFileSync(path.join(dir, ".env"), "NODE_ENV=production\nJWT_SECRET=x\n");
    const server = start({});
    assert.equal((await server.exited).code, 78, server.output());
    assert.match(server.output(), /\.env sets NODE_ENV=production/);
  });
});
