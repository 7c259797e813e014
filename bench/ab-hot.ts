/**
 * Interleaved A/B of server-side levers (issue 16), for investigating, not for the report:
 *
 *   taskset -c 1 ./node_modules/.bin/node --import tsx bench/ab-hot.ts \
 *     --clients 480 --seconds 15 --rounds 2 --variant A: --variant B:FRAMESYNC_HOT_OFF=frameOnce
 *
 * Each round runs every variant once, in order (A, B, A, B, …), each on a fresh server
 * of src/index.ts pinned with `taskset -c 0` (the load generators inherit this process'
 * affinity: start it pinned to the other core). A variant is `name:ENV=value,ENV=value`;
 * the key DIR names another checkout to run the server from (e.g. a `git worktree` of the
 * commit before a lever, with node_modules linked), so levers need no switches in src/;
 * NODE_ARGS node flags for the server, space-separated (e.g. `NODE_ARGS=--trace-gc`, which NODE_OPTIONS refuses);
 * ENTRY another server entry (bench/baseline/server.ts: the idiomatic-Colyseus baseline);
 * SIGNAL_AT_MARK=1 sends the server SIGUSR2 when the window starts (for a preloaded profiler).
 * `--prof DIR` adds `--cpu-prof --cpu-prof-dir DIR` to the servers.
 * Prints one JSON line per run on stdout and the ratios to the first variant at the end;
 * machine noise is the reason for interleaving: judge by ratios within a round.
 */
import os from "node:os";
import { readFileSync } from "node:fs";
import { spawn } from "node:child_process";
import path from "node:path";
import { startLoad } from "./lib/loadgen.ts";
import { ROOT, NODE, cpuPerSecond, freePort, procSample, sleep, stopAll, stopChild } from "./lib/proc.ts";
import { histogramWindow, latenessFigures, scrape, total } from "./lib/stats.ts";

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const clients = Number(arg("--clients", "480"));
const seconds = Number(arg("--seconds", "15"));
const rounds = Number(arg("--rounds", "2"));
const warmupS = Number(arg("--warmup", "4"));
const fps = Number(arg("--fps", "20"));
const profDir = argv.includes("--prof") ? path.resolve(arg("--prof", "prof")) : undefined;
const serverCore = arg("--server-core", "0");
/** `--protocol json`: the load speaks the JSON protocol (contract §9) instead of the Colyseus wire protocol. */
const protocol = arg("--protocol", "sdk") === "json" ? "json" : "sdk";
const variants = argv
  .flatMap((a, i) => (a === "--variant" ? [argv[i + 1]] : []))
  .map((spec) => {
    const [name, rest = ""] = spec.split(/:(.*)/s);
    const env = Object.fromEntries(rest.split(",").filter(Boolean).map((kv) => kv.split(/=(.*)/s).slice(0, 2) as [string, string]));
    return { name, env };
  });
if (variants.length === 0) variants.push({ name: "A", env: {} });

const log = (m: string) => process.stderr.write(`[ab ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

async function startPinned(variantEnv: Record<string, string>) {
  const { DIR: dir = ROOT, ENTRY: entry = "src/index.ts", SIGNAL_AT_MARK: _signal, NODE_ARGS: extraArgs = "", ...env } = variantEnv;
  const port = await freePort();
  const nodeArgs = [...(profDir ? ["--cpu-prof", "--cpu-prof-dir", profDir] : []), ...extraArgs.split(" ").filter(Boolean)];
  const child = spawn("taskset", ["-c", serverCore, NODE, "--import", "tsx", ...nodeArgs, path.join(dir, "bench/lib/orphanGuard.ts"), entry], {
    cwd: dir,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "error", NODE_ENV: "development", SHUTDOWN_DRAIN_MS: "0", MAX_PENDING_CONNECTIONS_PER_IP: "0", ...env },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const http = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${http}/health`)).ok) break;
    } catch {
      // not yet
    }
    await sleep(100);
  }
  return { child, http, ws: `ws://127.0.0.1:${port}`, pid: child.pid! };
}

/** User and system CPU seconds of a process: JS work vs the kernel's share (loopback writes land there). */
function userSys(pid: number): { user: number; sys: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { user: Number(fields[11]) / 100, sys: Number(fields[12]) / 100 };
}

async function runOne(variant: (typeof variants)[number], round: number) {
  const srv = await startPinned(variant.env);
  // taskset execs node: the pid is the server's.
  try {
    await sleep(500);
    const idleRss = procSample(srv.pid).rssBytes;
    const rooms = Math.ceil(clients / 4);
    const load = await startLoad(
      { http: srv.http, ws: srv.ws, playersPerRoom: 4, fps, sendHz: 20, latencyEvery: 10, joinConcurrency: 12, joinTimeoutMs: 120_000, protocol },
      rooms,
      Math.ceil(clients / 500),
      `ab${round}${variant.name}`,
    );
    try {
      await sleep(warmupS * 1000);
      const loadAvg1m = +os.loadavg()[0].toFixed(2);
      await load.mark();
      // An investigation hook (e.g. an allocation sampler preloaded with NODE_OPTIONS) starts with the window.
      if (variant.env.SIGNAL_AT_MARK) process.kill(srv.pid, "SIGUSR2");
      const m0 = await scrape(srv.http);
      const p0 = procSample(srv.pid);
      const us0 = userSys(srv.pid);
      // RSS swings with garbage collection: its mean over the window.
      const rss: number[] = [];
      const end = performance.now() + seconds * 1000;
      while (performance.now() < end) {
        await sleep(Math.min(500, end - performance.now()));
        rss.push(procSample(srv.pid).rssBytes);
      }
      const m1 = await scrape(srv.http);
      const p1 = procSample(srv.pid);
      const us1 = userSys(srv.pid);
      const rep = await load.report();
      const lateness = latenessFigures(histogramWindow(m0, m1, "framesync_tick_lateness_seconds"));
      const duration = histogramWindow(m0, m1, "framesync_tick_duration_seconds");
      const cpu = cpuPerSecond(p0, p1);
      return {
        variant: variant.name,
        round,
        clients: load.joined,
        cpu: +cpu.toFixed(3),
        cpuMsPerClientS: +((cpu / load.joined) * 1000).toFixed(4),
        // Per unit of work done, for windows where a starved server did less of it.
        cpuUsPerInput: +((cpu / Math.max(1, (total(m1, "framesync_inputs_accepted_total") - total(m0, "framesync_inputs_accepted_total")) / seconds)) * 1e6).toFixed(2),
        cpuUsPerMsgDown: +((cpu / Math.max(1, rep.messagesDown / rep.seconds)) * 1e6).toFixed(3),
        userUsPerMsgDown: +(((us1.user - us0.user) / seconds / Math.max(1, rep.messagesDown / rep.seconds)) * 1e6).toFixed(3),
        sysUsPerMsgDown: +(((us1.sys - us0.sys) / seconds / Math.max(1, rep.messagesDown / rep.seconds)) * 1e6).toFixed(3),
        tickP50: lateness.p50Ms,
        tickP99: lateness.p99Ms,
        tickRunMeanMs: duration.count ? +((duration.sumSeconds / duration.count) * 1000).toFixed(3) : null,
        msgsDownPerClientS: +(rep.messagesDown / load.joined / rep.seconds).toFixed(1),
        behind: rep.clientsBehind,
        latencyP99: rep.latencyMs.p99,
        inputsPerS: Math.round((total(m1, "framesync_inputs_accepted_total") - total(m0, "framesync_inputs_accepted_total")) / seconds),
        rssMB: +(p1.rssBytes / 2 ** 20).toFixed(1),
        rssIdleMB: +(idleRss / 2 ** 20).toFixed(1),
        rssPerClientKB: +((rss.reduce((a, b) => a + b, 0) / rss.length - idleRss) / 1024 / load.joined).toFixed(1),
        heapUsedMB: +(total(m1, "nodejs_heap_size_used_bytes") / 2 ** 20).toFixed(1),
        writesPerS: Math.round((p1.writeCalls - p0.writeCalls) / seconds),
        loadGenCpu: rep.loadGenCpuPerS,
        loadAvg1m,
      };
    } finally {
      await load.stop();
    }
  } finally {
    await stopChild(srv.child, 10_000);
  }
}

const results: Awaited<ReturnType<typeof runOne>>[] = [];
try {
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) {
      log(`round ${r + 1}/${rounds} variant ${v.name} ${JSON.stringify(v.env)} (${clients} clients, ${seconds} s)`);
      const res = await runOne(v, r);
      results.push(res);
      process.stdout.write(`${JSON.stringify(res)}\n`);
    }
  }
  const base = variants[0].name;
  for (const v of variants.slice(1)) {
    const ratios = [];
    for (let r = 0; r < rounds; r++) {
      const a = results.find((x) => x.round === r && x.variant === base)!;
      const b = results.find((x) => x.round === r && x.variant === v.name)!;
      ratios.push({ round: r, cpuPerClient: +(b.cpuMsPerClientS / a.cpuMsPerClientS).toFixed(3), cpuPerMsgDown: +(b.cpuUsPerMsgDown / a.cpuUsPerMsgDown).toFixed(3), userPerMsgDown: +(b.userUsPerMsgDown / a.userUsPerMsgDown).toFixed(3), sysPerMsgDown: +(b.sysUsPerMsgDown / a.sysUsPerMsgDown).toFixed(3), tickP99: a.tickP99 && b.tickP99 ? +(b.tickP99 / a.tickP99).toFixed(2) : null, tickRun: a.tickRunMeanMs && b.tickRunMeanMs ? +(b.tickRunMeanMs / a.tickRunMeanMs).toFixed(3) : null });
    }
    process.stdout.write(`${JSON.stringify({ ratio: `${v.name}/${base}`, ratios })}\n`);
  }
} finally {
  await stopAll();
}
process.exit(0);
