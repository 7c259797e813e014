/**
 * Start-up failures (contract §8) as a user meets them with the real process: the server
 * ends within 15 s with a non-zero status and ONE fatal line naming the cause and the fix,
 * instead of running on while serving nothing.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { after, test } from "node:test";
import { ROOT, freePort } from "../support/processes.ts";

/** Contract §8: a start-up failure ends the process within this time. */
const EXIT_WITHIN_MS = 15_000;
const NODE22 = path.join(ROOT, "node_modules", ".bin", "node");

const children: ChildProcess[] = [];
after(() => children.forEach((c) => c.exitCode === null && c.signalCode === null && c.kill("SIGKILL")));

interface Outcome {
  code: number | null;
  ms: number;
  output: string;
  /** Log lines at error level or above (pino: 50 error, 60 fatal). */
  failures: Array<Record<string, any>>;
}

/** Runs the server until it exits (or EXIT_WITHIN_MS passes: then it is killed and `code` is null). */
async function boot(node: string, env: Record<string, string>): Promise<Outcome> {
  const started = Date.now();
  const child = spawn(node, ["--import", "tsx", "src/index.ts"], {
    cwd: ROOT,
    env: { ...process.env, HOST: "127.0.0.1", LOG_LEVEL: "info", NODE_ENV: "development", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), EXIT_WITHIN_MS);
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  clearTimeout(timer);
  const failures: Array<Record<string, any>> = [];
  for (const line of output.split("\n")) {
    try {
      const entry = JSON.parse(line);
      if (entry.level >= 50) failures.push(entry);
    } catch {}
  }
  return { code, ms: Date.now() - started, output, failures };
}

function assertOneFatalLine(out: Outcome, ...mustName: RegExp[]): string {
  assert.notEqual(out.code, null, `still running after ${EXIT_WITHIN_MS} ms:\n${out.output}`);
  assert.notEqual(out.code, 0, out.output);
  assert.ok(out.ms < EXIT_WITHIN_MS, `${out.ms} ms`);
  assert.equal(out.failures.length, 1, `exactly one error line expected:\n${out.output}`);
  const [line] = out.failures;
  assert.equal(line.level, 60, out.output);
  for (const re of mustName) assert.match(line.msg, re, out.output);
  assert.doesNotMatch(out.output, /\n\s+at /, `no stack trace:\n${out.output}`);
  return line.msg;
}

async function occupy(): Promise<{ port: number; close: () => Promise<void> }> {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  return { port, close: () => new Promise((resolve) => blocker.close(() => resolve())) };
}

test("a port already in use ends the boot with the port, PORT and how to fix it", async () => {
  const taken = await occupy();
  try {
    const out = await boot(NODE22, { PORT: String(taken.port) });
    assertOneFatalLine(out, new RegExp(`port ${taken.port} \\(PORT\\) is already in use`), /PORT=\d+/);
  } finally {
    await taken.close();
  }
});

test("a METRICS_PORT already in use ends the boot naming METRICS_PORT", async () => {
  const taken = await occupy();
  try {
    const out = await boot(NODE22, { PORT: String(await freePort()), METRICS_PORT: String(taken.port) });
    assertOneFatalLine(out, new RegExp(`port ${taken.port} \\(METRICS_PORT\\) is already in use`));
  } finally {
    await taken.close();
  }
});

test("an unreachable REDIS_URL ends the boot naming REDIS_URL and the fix, not an ioredis stack", async () => {
  const deadRedis = await freePort(); // nothing listens there
  const out = await boot(NODE22, { PORT: String(await freePort()), REDIS_URL: `redis://127.0.0.1:${deadRedis}` });
  const msg = assertOneFatalLine(out, /REDIS_URL=redis:\/\/127\.0\.0\.1:\d+\/? is unreachable/, /start Redis/, /unset REDIS_URL/);
  assert.doesNotMatch(out.output, /MaxRetriesPerRequestError/);
  assert.match(msg, /ECONNREFUSED/);
  // The hint starts Redis on the port the URL names, not on the default one.
  assert.ok(msg.includes(`redis-server --port ${deadRedis}`), msg);
});

test("a REDIS_URL password never appears in the log", async () => {
  const out = await boot(NODE22, { PORT: String(await freePort()), REDIS_URL: `redis://:hunter2@127.0.0.1:${await freePort()}` });
  assertOneFatalLine(out, /REDIS_URL=redis:\/\/:\*\*\*@127\.0\.0\.1/);
  assert.doesNotMatch(out.output, /hunter2/);
});

/** A Node.js older than 22 on this machine (the system one here is 20), or undefined. */
function oldNode(): string | undefined {
  for (const candidate of [process.env.OLD_NODE, "/usr/bin/node", "/usr/local/bin/node"]) {
    if (!candidate) continue;
    const v = spawnSync(candidate, ["--version"], { encoding: "utf8" });
    if (v.status === 0 && Number(/^v(\d+)/.exec(v.stdout)?.[1]) < 22) return candidate;
  }
  return undefined;
}

const old = oldNode();
test(
  "on a Node.js older than 22, `node --import tsx src/index.ts` stops at once naming the version, 22 and npm start",
  { skip: old ? false : "no Node.js older than 22 on this machine (set OLD_NODE=/path/to/node20)" },
  async () => {
    const version = spawnSync(old!, ["--version"], { encoding: "utf8" }).stdout.trim().slice(1);
    const out = await boot(old!, { PORT: String(await freePort()) });
    assertOneFatalLine(out, new RegExp(`Node\\.js ${version.replaceAll(".", "\\.")} is too old`), /Node\.js 22 or newer/, /npm start/);
    assert.doesNotMatch(out.output, /listening/);
  },
);
