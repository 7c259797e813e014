/**
 * `npm run cluster`: the docker-compose topology as plain processes, for machines
 * without Docker. Starts one server process per port, all sharing REDIS_URL, each with
 * its own PUBLIC_ADDRESS so clients reach the process that holds their room.
 *
 *   npm run cluster                                   # ports 2567 and 2568, redis://127.0.0.1:6379/0
 *   REDIS_URL=redis://host:6379/3 npm run cluster -- --ports 3001,3002 --public-host game.example.com
 *
 * SIGTERM / SIGINT are forwarded to every process (a second one makes them exit at
 * once); if this launcher exits any other way, it takes the servers with it. If one process dies, the others are stopped too: a half cluster is not what
 * you asked for. Exit code 0 only when every process stopped cleanly on request.
 *
 * This launcher is not part of the server, so it reads REDIS_URL itself and passes the
 * rest of the environment (JWT_SECRET, LOG_LEVEL...) through to the servers' config.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0";

const { values } = parseArgs({
  options: {
    ports: { type: "string", default: "2567,2568" },
    "public-host": { type: "string", default: "localhost" },
  },
});

const ports = values.ports.split(",").map((p) => Number(p.trim()));
if (ports.length === 0 || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535) || new Set(ports).size !== ports.length) {
  console.error(`--ports must be distinct TCP ports separated by commas, got ${JSON.stringify(values.ports)}`);
  process.exit(64); // EX_USAGE
}
const publicHost = values["public-host"];
const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;

interface Member {
  port: number;
  child: ChildProcess;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

let stopRequested = false;
let failing = false;

/** Each output line prefixed with the process's port, so two logs stay readable in one terminal. */
function prefixLines(stream: NodeJS.ReadableStream | null, port: number, out: NodeJS.WriteStream): void {
  if (!stream) return;
  readline.createInterface({ input: stream }).on("line", (line) => out.write(`[${port}] ${line}\n`));
}

const members: Member[] = ports.map((port) => {
  const child = spawn(process.execPath, ["--import", "tsx", "src/index.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), REDIS_URL: redisUrl, PUBLIC_ADDRESS: `${publicHost}:${port}` },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: a Ctrl-C in the terminal reaches only this launcher, which
    // forwards it once (a server that gets two signals exits at once instead of draining).
    detached: true,
  });
  prefixLines(child.stdout, port, process.stdout);
  prefixLines(child.stderr, port, process.stderr);
  const member: Member = { port, child };
  child.on("exit", (code, signal) => {
    member.exit = { code, signal };
    if (!stopRequested && !failing) {
      failing = true;
      console.error(`cluster: the process on port ${port} exited (${signal ?? `code ${code}`}); stopping the others`);
      stopAll("SIGTERM");
    }
    finishIfDone();
  });
  return member;
});

console.log(`cluster: ${members.length} processes sharing ${redisUrl.replace(/\/\/[^@]*@/, "//***@")}`);
for (const m of members) console.log(`cluster:   ws://${publicHost}:${m.port}  (pid ${m.child.pid}, PUBLIC_ADDRESS=${publicHost}:${m.port})`);

function stopAll(signal: NodeJS.Signals): void {
  for (const m of members) if (!m.exit) m.child.kill(signal);
}

function finishIfDone(): void {
  if (members.some((m) => !m.exit)) return;
  const clean = members.every((m) => m.exit!.code === 0);
  process.exit(stopRequested && clean && !failing ? 0 : 1);
}

process.on("exit", () => stopAll("SIGKILL"));

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    stopRequested = true;
    stopAll(signal);
  });
}
