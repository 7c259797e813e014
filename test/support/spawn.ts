/**
 * Real child processes for the operations tests (dist, .env, loadtest): any command, any
 * working directory, output kept for failure messages, killed if the test file ends early.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "./helpers.ts";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Node 22 from the `node` devDependency (the system one may be older). */
export const NODE = path.join(ROOT, "node_modules", ".bin", "node");

export class Spawned {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private out = "";

  /** `group`: the child leads a process group of its own, and kill/signal reach all of it (npm → sh → node). */
  constructor(cmd: string, args: string[], private readonly opts: { cwd?: string; env?: Record<string, string | undefined>; group?: boolean } = {}) {
    const env = { ...process.env, ...opts.env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    this.child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: opts.group });
    this.child.stdout!.on("data", (d) => (this.out += d));
    this.child.stderr!.on("data", (d) => (this.out += d));
    this.exited = new Promise((resolve) => this.child.on("exit", (code, signal) => resolve({ code, signal })));
    const reap = () => this.signal("SIGKILL");
    process.once("exit", reap);
    this.child.once("exit", () => process.removeListener("exit", reap));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.out;
  }

  /** The JSON log lines printed so far. */
  logs(): Array<Record<string, any>> {
    return this.out.split("\n").flatMap((line) => {
      try {
        const v = JSON.parse(line);
        return v && typeof v === "object" ? [v] : [];
      } catch {
        return [];
      }
    });
  }

  signal(sig: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      if (this.opts.group) process.kill(-this.child.pid!, sig);
      else this.child.kill(sig);
    } catch {}
  }

  async kill(): Promise<void> {
    this.signal("SIGKILL");
    await this.exited;
  }

  /** Waits for `GET url` to answer 200 while the process runs. */
  async healthy(url: string, timeoutMs = 30_000): Promise<void> {
    await waitFor(
      async () => {
        if (!this.running) throw new Error(`the process exited:\n${this.out}`);
        const res = await fetch(url, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
        return res?.status === 200;
      },
      timeoutMs,
      `${url} to answer 200`,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${this.out}`);
    });
  }
}

/** `npm run build`'s work, with the Node 22 of the devDependencies; throws with its output. */
export function buildDist(): void {
  const res = spawnSync(NODE, ["--import", "tsx", "scripts/build.ts"], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  if (res.status !== 0) throw new Error(`npm run build failed (${res.status}):\n${res.stdout}${res.stderr}`);
}
