/** The server as a user runs it: `npm start`, dual-stack /health, SIGTERM, production checks. */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { ServerProcess, cmdline, freePort, spawnNpm, type Spawned } from "../support/processes.ts";
import { waitFor } from "../support/wait.ts";

const started: Spawned[] = [];
// Whatever a test started is gone when the file ends (npm's whole process group included).
after(() => Promise.all(started.map((p) => p.kill())));

function npm(args: string[], env: Record<string, string> = {}): Spawned {
  const proc = spawnNpm(args, { env: { LOG_LEVEL: "info", ...env } });
  started.push(proc);
  return proc;
}

function server(port: number, env: Record<string, string>): ServerProcess {
  const proc = ServerProcess.launch(port, { LOG_LEVEL: "info", ...env });
  started.push(proc);
  return proc;
}

async function get(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body };
}

describe("npm start", () => {
  test("listens dual-stack (127.0.0.1 and [::1]), answers /health, and exits 0 on SIGTERM", async () => {
    const port = await freePort();
    const proc = npm(["start", "--silent"], { PORT: String(port), SHUTDOWN_DRAIN_MS: "500" });
    const v4 = await waitFor(() => get(`http://127.0.0.1:${port}/health`).catch(() => undefined), { timeoutMs: 30_000, what: "IPv4 /health" });
    assert.equal(v4.status, 200);
    assert.equal(v4.body.status, "ok");
    const v6 = await get(`http://[::1]:${port}/health`);
    assert.equal(v6.status, 200);
    assert.equal(v6.body.status, "ok");
    assert.match(proc.output(), /"msg":"framesync-server listening"/);
    assert.match(proc.output(), /"port":\d+/);

    // The signal goes to the server process (as a container runtime sends it); npm passes its exit code on.
    // npm → sh -c "node ... src/index.ts" → node: the node process, not the shell that names it.
    const serverPid = proc.descendants().find((pid) => /(^|\/)node --import tsx src\/index\.ts/.test(cmdline(pid)));
    assert.ok(serverPid, "the server process under npm");
    process.kill(serverPid, "SIGTERM");
    assert.equal(await proc.exitCode(15_000), 0, proc.output());
    assert.match(proc.output(), /shutdown complete/);
  });

  test("runs on Node 22 or newer even where the system node is older", async () => {
    const proc = npm(["exec", "--", "node", "--version"]);
    await proc.exitCode();
    const major = Number(/v(\d+)/.exec(proc.output())?.[1]);
    assert.ok(major >= 22, proc.output());
  });
});

describe("production mode", () => {
  test("refuses to start without JWT_SECRET, naming it", async () => {
    const proc = server(0, { NODE_ENV: "production", JWT_SECRET: "" });
    assert.notEqual(await proc.exitCode(), 0);
    assert.match(proc.output(), /JWT_SECRET/);
  });

  test("a bad variable stops the boot with its name", async () => {
    const proc = server(0, { PORT: "not-a-port" });
    assert.notEqual(await proc.exitCode(), 0);
    assert.match(proc.output(), /PORT/);
  });

  test("has no dev-token route", async () => {
    const port = await freePort();
    const proc = server(port, { NODE_ENV: "production", JWT_SECRET: "prod-secret", SHUTDOWN_DRAIN_MS: "0" });
    await waitFor(() => get(`http://127.0.0.1:${port}/health`).catch(() => undefined), { timeoutMs: 30_000, what: "/health" });
    const res = await fetch(`http://127.0.0.1:${port}/auth/dev-token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userId: "x" }),
    });
    assert.equal(res.status, 404);
    proc.signal("SIGTERM");
    assert.equal(await proc.exitCode(), 0);
  });
});

describe("development mode", () => {
  test("POST /auth/dev-token mints a token the game room accepts and refuses bad bodies", async () => {
    const port = await freePort();
    const proc = server(port, { SHUTDOWN_DRAIN_MS: "0" });
    await waitFor(() => get(`http://127.0.0.1:${port}/health`).catch(() => undefined), { timeoutMs: 30_000, what: "/health" });
    const res = await fetch(`http://127.0.0.1:${port}/auth/dev-token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userId: "alice", username: "Alice" }),
    });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.userId, "alice");
    assert.equal(typeof body.expiresIn, "number");
    const { Client } = await import("@colyseus/sdk");
    const room = await new Client(`ws://127.0.0.1:${port}`).joinOrCreate("game_room", { token: body.token });
    assert.equal(typeof room.sessionId, "string");
    await room.leave();

    const bad = await fetch(`http://127.0.0.1:${port}/auth/dev-token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userId: "" }),
    });
    assert.equal(bad.status, 400);
    proc.signal("SIGTERM");
    assert.equal(await proc.exitCode(), 0);
  });
});
