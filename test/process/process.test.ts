/** The server as a user runs it: `npm start`, dual-stack /health, SIGTERM, production checks. */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { waitFor } from "../support/helpers.ts";
import { freePort } from "../support/processes.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const children: ChildProcess[] = [];
// Kill what npm started too (npm → sh → node), so a failed test leaves no server behind.
after(() =>
  children.forEach((c) => {
    for (const pid of c.pid ? descendants(c.pid) : []) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
    if (c.exitCode === null) c.kill("SIGKILL");
  }),
);


function run(cmd: string, args: string[], env: Record<string, string>) {
  const child = spawn(cmd, args, { cwd: root, env: { ...process.env, LOG_LEVEL: "info", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, output: () => output };
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/** Every process below `pid` (npm → sh → node). */
function descendants(pid: number): number[] {
  const all = readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number);
  const parentOf = (p: number) => Number(/\) \S+ (\d+)/.exec(readFileSafe(`/proc/${p}/stat`))?.[1]);
  const out: number[] = [];
  const walk = (parent: number) => {
    for (const p of all) if (parentOf(p) === parent) {
      out.push(p);
      walk(p);
    }
  };
  walk(pid);
  return out;
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
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
    const proc = run("npm", ["start", "--silent"], { PORT: String(port), SHUTDOWN_DRAIN_MS: "500" });
    const v4 = await waitFor(() => get(`http://127.0.0.1:${port}/health`).catch(() => undefined), 30_000, "IPv4 /health");
    assert.equal(v4.status, 200);
    assert.equal(v4.body.status, "ok");
    const v6 = await get(`http://[::1]:${port}/health`);
    assert.equal(v6.status, 200);
    assert.equal(v6.body.status, "ok");
    assert.match(proc.output(), /"msg":"framesync-server listening"/);
    assert.match(proc.output(), /"port":\d+/);

    // The signal goes to the server process (as a container runtime sends it); npm passes its exit code on.
    // npm → sh -c "node ... src/index.ts" → node: the node process, not the shell that names it.
    const serverPid = descendants(proc.child.pid!).find((pid) => /(^|\/)node --import tsx src\/index\.ts/.test(cmdline(pid)));
    assert.ok(serverPid, "the server process under npm");
    process.kill(serverPid, "SIGTERM");
    const code = await Promise.race([proc.exited, new Promise((r) => setTimeout(() => r("timeout"), 15_000))]);
    assert.equal(code, 0, proc.output());
    assert.match(proc.output(), /shutdown complete/);
  });

  test("runs on Node 22 or newer even where the system node is older", async () => {
    const proc = run("npm", ["exec", "--", "node", "--version"], {});
    await proc.exited;
    const major = Number(/v(\d+)/.exec(proc.output())?.[1]);
    assert.ok(major >= 22, proc.output());
  });
});

describe("production mode", () => {
  const node = path.join(root, "node_modules", ".bin", "node");

  test("refuses to start without JWT_SECRET, naming it", async () => {
    const proc = run(node, ["--import", "tsx", "src/index.ts"], { NODE_ENV: "production", JWT_SECRET: "", PORT: "0" });
    const code = await proc.exited;
    assert.notEqual(code, 0);
    assert.match(proc.output(), /JWT_SECRET/);
  });

  test("a bad variable stops the boot with its name", async () => {
    const proc = run(node, ["--import", "tsx", "src/index.ts"], { PORT: "not-a-port" });
    assert.notEqual(await proc.exited, 0);
    assert.match(proc.output(), /PORT/);
  });

  test("has no dev-token route", async () => {
    const port = await freePort();
    const proc = run(node, ["--import", "tsx", "src/index.ts"], { NODE_ENV: "production", JWT_SECRET: "prod-secret", PORT: String(port), SHUTDOWN_DRAIN_MS: "0" });
    await waitFor(() => get(`http://127.0.0.1:${port}/health`).catch(() => undefined), 30_000, "/health");
    const res = await fetch(`http://127.0.0.1:${port}/auth/dev-token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userId: "x" }),
    });
    assert.equal(res.status, 404);
    proc.child.kill("SIGTERM");
    assert.equal(await proc.exited, 0);
  });
});

describe("development mode", () => {
  test("POST /auth/dev-token mints a token the game room accepts and refuses bad bodies", async () => {
    const port = await freePort();
    const node = path.join(root, "node_modules", ".bin", "node");
    const proc = run(node, ["--import", "tsx", "src/index.ts"], { PORT: String(port), SHUTDOWN_DRAIN_MS: "0" });
    await waitFor(() => get(`http://127.0.0.1:${port}/health`).catch(() => undefined), 30_000, "/health");
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
    proc.child.kill("SIGTERM");
    assert.equal(await proc.exited, 0);
  });
});
