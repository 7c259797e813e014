/**
 * Which cores bench children run on. A figure such as "server CPU s/s" or "tick p99"
 * is the server's own only if the load generators cannot steal its core, so servers
 * go on one core and load generators on another with `taskset -c`. Decided once per
 * run, and described in the JSON (`conditions.pinning`) so a reader knows whether the
 * figures were pinned. BENCH_PIN=0 turns pinning off (for comparing with unpinned runs).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";

export interface Pinning {
  pinned: boolean;
  /** Cores the servers run on (a `taskset -c` list), or null when unpinned. */
  serverCores: string | null;
  /** Cores the load generators run on, or null when unpinned. */
  loadCores: string | null;
  /** Cores this process may use (Cpus_allowed_list), which the pinned cores are taken from. */
  allowedCores: number[];
  tasksetAvailable: boolean;
  /** Why the run is not pinned, when it is not. */
  reason?: string;
}

/** Cores this process may run on, from /proc/self/status (falls back to 0..cpus-1). */
function allowedCores(): number[] {
  try {
    const list = readFileSync("/proc/self/status", "utf8").match(/^Cpus_allowed_list:\s*(.+)$/m)?.[1];
    if (list) {
      const cores: number[] = [];
      for (const part of list.trim().split(",")) {
        const [a, b] = part.split("-").map(Number);
        for (let c = a; c <= (b ?? a); c++) cores.push(c);
      }
      if (cores.length > 0) return cores;
    }
  } catch {
    // not Linux: fall through
  }
  return Array.from({ length: os.cpus().length }, (_, i) => i);
}

function tasksetWorks(): boolean {
  const r = spawnSync("taskset", ["-c", "0", "true"], { stdio: "ignore" });
  return r.status === 0;
}

export function decidePinning(): Pinning {
  const cores = allowedCores();
  const tasksetAvailable = tasksetWorks();
  const unpinned = (reason: string): Pinning => ({ pinned: false, serverCores: null, loadCores: null, allowedCores: cores, tasksetAvailable, reason });
  if (process.env.BENCH_PIN === "0") return unpinned("BENCH_PIN=0");
  if (!tasksetAvailable) return unpinned("taskset is not available (util-linux): servers and load generators share every core");
  if (cores.length < 2) return unpinned(`only ${cores.length} core allowed: servers and load generators share it`);
  return { pinned: true, serverCores: String(cores[0]), loadCores: String(cores[1]), allowedCores: cores, tasksetAvailable };
}

/** The core list for the i-th server of a multi-process point (one core each), or null. */
export function serverCoreFor(p: Pinning, i: number): string | null {
  if (!p.pinned) return null;
  return String(p.allowedCores[i % p.allowedCores.length]);
}

/** What an unpinned child runs on once this process pinned itself (pinSelf): every core it was allowed; null before. */
export let unpinnedCores: string | null = null;

/**
 * Moves this process (every thread of it) to `cores`. Children would inherit that, so from
 * now on a child spawned unpinned (spawnTracked with no cores) is given every core this
 * process was allowed, as before.
 */
export function pinSelf(cores: string): void {
  unpinnedCores = allowedCores().join(",");
  spawnSync("taskset", ["-a", "-p", "-c", cores, String(process.pid)], { stdio: "ignore" });
}
