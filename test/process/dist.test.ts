/**
 * The production build as the Docker image runs it: `npm run build`, then dist/ on plain
 * node (no tsx) with only what the Dockerfile's runtime stage installs — its own
 * `npm ci --omit=dev …` line, run here in a scratch directory — playing a real game,
 * serving the demo page's compiled rules, and exiting 0 on SIGTERM.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Client } from "@colyseus/sdk";
import { nextMessage } from "../support/helpers.ts";
import { freePort } from "../support/processes.ts";
import { NODE, ROOT, Spawned, buildDist } from "../support/processes.ts";

/** The runtime stage's install line, minus the cache cleanup (that would empty this machine's npm cache). */
function runtimeInstallCommand(): string {
  const dockerfile = readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
  const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
  const line = runtimeStage.split("\n").find((l) => l.startsWith("RUN npm ci --omit=dev"));
  assert.ok(line, "the Dockerfile's last stage installs with `RUN npm ci --omit=dev ...`");
  return line.slice("RUN ".length).replace(/\s*&&\s*npm cache clean --force\s*$/, "");
}

describe("production build (dist/ on plain node, production dependencies only)", () => {
  const JWT_SECRET = "dist-test-secret";
  let app: string;
  let server: Spawned | undefined;

  before(() => {
    buildDist();
    app = mkdtempSync(path.join(os.tmpdir(), "framesync-dist-"));
    for (const f of ["package.json", "package-lock.json"]) cpSync(path.join(ROOT, f), path.join(app, f));
    // PATH: npm's own scripts (msgpackr-extract's) run with the Node 22 this suite runs on.
    const res = spawnSync("sh", ["-c", runtimeInstallCommand()], {
      cwd: app,
      encoding: "utf8",
      timeout: 300_000,
      env: { ...process.env, PATH: `${path.dirname(NODE)}:${process.env.PATH}`, NODE_ENV: "production" },
    });
    assert.equal(res.status, 0, `runtime install failed:\n${res.stdout}${res.stderr}`);
    cpSync(path.join(ROOT, "dist"), path.join(app, "dist"), { recursive: true });
  });
  after(async () => {
    await server?.kill();
    if (app) rmSync(app, { recursive: true, force: true });
  });

  test("the runtime install has no second Node and no TypeScript toolchain", () => {
    for (const pkg of ["node", "tsx", "typescript", "esbuild", "pino-pretty", "@colyseus/loadtest"]) {
      assert.equal(existsSync(path.join(app, "node_modules", pkg)), false, `node_modules/${pkg} is in the runtime image`);
    }
    assert.equal(existsSync(path.join(app, "node_modules", ".bin", "node")), false);
    assert.ok(existsSync(path.join(app, "node_modules", "@colyseus", "core")));
  });

  test("dist/index.js serves, plays and drains on SIGTERM", async () => {
    const port = await freePort();
    // The image's Node is 22; here that is the devDependency's binary, run from outside the checkout.
    server = new Spawned(NODE, ["dist/index.js"], {
      cwd: app,
      env: { NODE_ENV: "production", JWT_SECRET, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "info", SHUTDOWN_DRAIN_MS: "500" },
    });
    const base = `http://127.0.0.1:${port}`;
    await server.healthy(`${base}/health`);

    const rules = await fetch(`${base}/game/rules.js`);
    assert.equal(rules.status, 200);
    assert.match(rules.headers.get("content-type") ?? "", /javascript/);
    const rulesJs = await rules.text();
    assert.match(rulesJs, /export\s*\{/, "an ES module for the browser");
    assert.doesNotMatch(rulesJs, /:\s*(number|string|boolean)\b[,)]/, "compiled, not TypeScript");
    assert.equal((await fetch(`${base}/game/replay.js`)).status, 200);
    assert.equal((await fetch(`${base}/FrameSync.html`)).status, 200);
    assert.equal((await fetch(`${base}/vendor/colyseus.js`)).status, 200);
    assert.equal((await fetch(`${base}/auth/dev-token`, { method: "POST" })).status, 404, "production: no dev tokens");

    // A token from the image's own minting script (`docker compose exec game1 node dist/token.js alice`).
    const token = execFileSync(NODE, ["dist/token.js", "alice"], { cwd: app, env: { ...process.env, NODE_ENV: "production", JWT_SECRET }, encoding: "utf8" }).trim();
    const room = await new Client(`ws://127.0.0.1:${port}`).joinOrCreate("game_room", { token }).catch((err: Error) => {
      throw new Error(`joinOrCreate on dist: ${err.name} ${err.message} (code ${(err as { code?: number }).code})\n${server!.output()}`);
    });
    room.onMessage("serverShutdown", () => {});
    const sync = await nextMessage<{ targetFPS: number }>(room, "frameSync");
    assert.equal(sync.targetFPS, 20);
    const moved = nextMessage<{ action: string }>(room, "playerAction", (m) => m.action === "move");
    room.send("input", { inputs: { move: { x: 1, y: 0 } } });
    await moved;

    server.child.kill("SIGTERM");
    const exit = await server.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, server.output());
    assert.ok(server.logs().some((l) => l.msg === "framesync-server listening" && l.env === "production"));
  });
});
