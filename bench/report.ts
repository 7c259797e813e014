/**
 * `npm run bench:report [-- results.json] [-- --check]`
 *
 * Writes the performance tables of a committed bench document (default
 * bench/results/full-run.json) into docs/performance.md, between the markers
 * `<!-- bench:begin -->` and `<!-- bench:end -->`; the prose around them is kept.
 * The README's short performance section (issue 16's figures with the command) is generated
 * the same way, between `<!-- bench:figures:begin -->` and `<!-- bench:figures:end -->`.
 * `--check` writes nothing and exits 1 when a file is not what the JSON gives, so a
 * test can tell that the published figures are the committed run's, not hand-copied.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const DOC = path.join(ROOT, "docs/performance.md");
export const DEFAULT_RESULTS = "bench/results/full-run.json";
export const BEGIN = "<!-- bench:begin -->";
export const END = "<!-- bench:end -->";
export const README = path.join(ROOT, "README.md");
export const README_BEGIN = "<!-- bench:figures:begin -->";
export const README_END = "<!-- bench:figures:end -->";

type Doc = Record<string, any>;

/** A number for a table: thousands separators, at most `digits` decimals, "—" when absent. */
function n(v: unknown, digits = 2): string {
  if (typeof v !== "number" || !Number.isFinite(v)) return "—";
  return new Intl.NumberFormat("en-US", { maximumFractionDigits: digits }).format(v);
}
const yes = (b: unknown) => (b === true ? "yes" : b === false ? "no" : "—");
const met = (b: unknown) => (b === true ? "met" : b === false ? "missed" : "—");
const row = (cells: unknown[]) => `| ${cells.map((c) => String(c).replace(/\|/g, "\\|")).join(" | ")} |`;
const table = (head: string[], rows: unknown[][]) => [row(head), row(head.map(() => "---")), ...rows.map(row)].join("\n");

function maxBucket(l: Doc | undefined): string {
  const m = l?.maxMs;
  if (!m) return "—";
  return m.atMost === null ? `> ${n(m.above)}` : `≤ ${n(m.atMost)}`;
}

function figureValue(f: Doc): string {
  if (f.value === null || f.value === undefined) return `no value${f.note ? `: ${f.note}` : ""}`;
  const unit = f.unit === "ratio" ? "" : f.unit === "×" ? "×" : ` ${f.unit}`;
  const base = `${n(f.value)}${unit}`;
  const extras: string[] = [];
  if (typeof f.smallestFailed === "number") extras.push(`${n(f.smallestFailed)} failed`);
  if (typeof f.atClients === "number") extras.push(`at ${n(f.atClients)} clients`);
  if (f.saturated === true) extras.push("saturated");
  if (f.contended === true) extras.push("contended: the server waited for its core");
  if (f.unit === "clients/core" && f.met === null) extras.push("load not delivered: not a capacity");
  if (typeof f.twoProcessesLargestHeld === "number") extras.push(`${n(f.twoProcessesLargestHeld)} vs ${n(f.oneProcessLargestHeld)} clients held`);
  if (typeof f.heapTotalPerClientKB === "number") extras.push(`heap total ${n(f.heapTotalPerClientKB, 1)} KB, external ${n(f.externalPerClientKB, 1)} KB`);
  return extras.length ? `${base} (${extras.join("; ")})` : base;
}

function figuresSection(d: Doc): string {
  const f: Record<string, Doc> = d.figures ?? {};
  const verdict = (x: Doc) => (x.met === null && x.value !== null && x.value !== undefined ? "no verdict" : met(x.met));
  const rows = Object.values(f).map((x) => [x.figure, figureValue(x), x.goal, verdict(x)]);
  return `### Issue 16's figures\n\n${table(["figure", "measured", "goal", ""], rows)}`;
}

function capacityRow(p: Doc): unknown[] {
  return [
    n(p.conditions.clients, 0),
    p.saturated === undefined ? "—" : p.saturated ? `yes: ${p.saturatedBecause.join(", ")}` : "no",
    n(p.serverCpuSecondsPerSecond),
    n(p.projectedClientsPerCore, 0),
    n(p.tickLatenessP99Ms, 1),
    n(p.inputToOwnActionMs?.p99, 1),
    `${n(p.rssMeanMB, 0)} (${n(p.rssPerClientKB, 0)})`,
    n(p.heapPerClientKB, 0),
    `${n(p.downBytesPerClientPerS, 0)} (${n(p.downMessagesPerClientPerS, 0)})`,
    n(p.upMessagesPerClientPerS, 1),
    n(p.serverWriteSyscallsPerS, 0),
    n(p.clientsBehind, 0),
    n(p.loadGenCpuSecondsPerSecond),
    n(p.runQueueWaitMsPerS, 0),
    n(p.conditions.loadAvg1m),
  ];
}
const CAPACITY_HEAD = ["clients", "saturated", "server CPU s/s", "clients per core", "tick p99 ms", "input→action p99 ms", "RSS MB (KB/client)", "heap KB/client", "down B/client/s (msgs)", "inputs sent/client/s", "write syscalls/s", "clients behind", "load gen CPU s/s", "server waited for its core ms/s", "load avg"];

function capacitySection(d: Doc): string {
  const c = d.capacity;
  if (!c) return "### Capacity (one process)\n\nNot measured in this run.";
  const s = c.maxClientsOneProcess;
  const held = s.largestHeld ? `**${n(s.largestHeld.clients, 0)} clients** held (tick p99 ${n(s.largestHeld.tickLatenessP99Ms, 1)} ms, server CPU ${n(s.largestHeld.serverCpuSecondsPerSecond)} s/s)` : "no measured count held";
  const failed = s.smallestFailed === null ? "" : `; the smallest count that failed was ${n(s.smallestFailed, 0)}`;
  return [
    "### Capacity (one process)",
    "",
    `4-player rooms at 20 fps, every client sending a moving \`input\` 20×/s; ${n(c.points[0]?.conditions.durationS, 0)} s windows (${n(c.points.at(-1)?.conditions.durationS, 0)} s at ${n(c.points.at(-1)?.conditions.clients, 0)}). RSS per client = mean RSS in the window − idle RSS, ÷ clients; heap likewise from \`nodejs_heap_size_used_bytes\`.`,
    "",
    table(CAPACITY_HEAD, c.points.map(capacityRow)),
    "",
    `Capacity search (${s.criterion}): ${held}${failed}; stopped by ${s.stoppedBy}.`,
    ...(s.steps.length ? ["", table(CAPACITY_HEAD, s.steps.map(capacityRow))] : []),
  ].join("\n");
}

function baselineSection(d: Doc): string {
  const b = d.baseline;
  if (!b) return "### Against the idiomatic-Colyseus baseline\n\nNot measured in this run.";
  const ours = (clients: number) => (d.capacity?.points ?? []).find((p: Doc) => p.conditions.clients === clients);
  const rows = (b.pairs ?? []).map((pair: Doc) => {
    const base = b.points.find((p: Doc) => p.conditions.clients === pair.clients);
    const o = ours(pair.clients);
    return [
      n(pair.clients, 0),
      `${n(o?.serverCpuSecondsPerSecond)} / ${n(base?.serverCpuSecondsPerSecond)}`,
      `${yes(pair.oursSaturated)} / ${yes(pair.baselineSaturated)}${base?.saturated ? ` (${base.saturatedBecause.join(", ")})` : ""}`,
      `${n(o?.frames?.countedPerRoom, 0)} / ${n(base?.frames?.countedPerRoom, 0)} of ${n(base?.frames?.expectedPerRoom, 0)}`,
      n(pair.oursDividedByBaseline?.cpuPerClient),
      n(pair.oursDividedByBaseline?.cpuPerClientPerSimulatedFrame),
      n(pair.oursDividedByBaseline?.downBytesPerClient),
    ];
  });
  return [
    "### Against the idiomatic-Colyseus baseline",
    "",
    "Same load, same pinning. A ratio means something where neither server is saturated.",
    "",
    table(["clients", "server CPU s/s ours / baseline", "saturated ours / baseline", "frames per room ours / baseline", "CPU per client ours ÷ baseline", "per simulated frame", "bytes down ÷"], rows),
  ].join("\n");
}

function clusterSection(d: Doc): string {
  const c = d.cluster;
  if (!c) return "### Two processes vs one\n\nNot measured in this run.";
  const rows = c.twoProcesses.steps.map((p: Doc) => [
    n(p.conditions.clients, 0),
    p.saturated === undefined ? "—" : p.saturated ? `yes: ${p.saturatedBecause.join(", ")}` : "no",
    p.perProcess.map((s: Doc) => `core ${s.cores ?? "any"}: ${n(s.cpuSecondsPerSecond)} s/s, ${n(s.rooms, 0)} rooms, waited ${n(s.runQueueWaitMsPerS, 0)} ms/s`).join("; "),
    n(p.tickLatenessP99Ms, 1),
    n(p.inputToOwnActionMs?.p99, 1),
    n(p.clientsBehind, 0),
    n(p.loadGenCpuSecondsPerSecond),
    n(p.conditions.loadAvg1m),
  ]);
  const s = c.twoProcesses;
  return [
    "### Two processes vs one",
    "",
    `${c.what}. Redis: \`${c.redis}\`.`,
    "",
    table(["clients", "saturated", "per process", "tick p99 ms", "input→action p99 ms", "clients behind", "load gen CPU s/s", "load avg"], rows),
    "",
    `Two processes held ${s.largestHeld ? n(s.largestHeld.clients, 0) : "no measured count"}${s.smallestFailed === null ? "" : ` (${n(s.smallestFailed, 0)} failed)`}; one process held ${n(c.oneProcessLargestHeld, 0)}: capacity ratio ${c.capacityRatio === null ? "not measured" : `${n(c.capacityRatio)}×`}${c.capacityRatioBounds?.below ? ` (below ${n(c.capacityRatioBounds.below)}×)` : ""}.`,
  ].join("\n");
}

function jsonSection(d: Doc): string {
  const j = d.json;
  if (!j) return "### JSON-protocol clients\n\nNot measured in this run.";
  if (!j.measured) return `### JSON-protocol clients\n\nNot measured: ${j.reason}.`;
  return [
    "### JSON-protocol clients",
    "",
    `${j.what}.`,
    "",
    table(CAPACITY_HEAD, [capacityRow(j.json)]),
    "",
    `CPU per JSON client ÷ per SDK client at ${n(j.sdkClients, 0)} clients: ${n(j.cpuPerClientJsonDividedBySdk)}${j.bothUnsaturated ? "" : " (at least one side saturated)"}.`,
  ].join("\n");
}

function tickSection(d: Doc): string {
  const t = d.tick;
  if (!t) return "### Tick\n\nNot measured in this run.";
  const line = (x: Doc, what: string) => [
    n(x.conditions.fps, 0),
    what,
    `${n(x.frames.expectedPerRoom, 1)} → ${n(x.frames.countedPerRoom, 1)} (${x.frames.driftFrames > 0 ? "+" : ""}${n(x.frames.driftFrames, 1)})`,
    `${n(x.tickLateness.p50Ms)} / ${n(x.tickLateness.p99Ms)} / ${maxBucket(x.tickLateness)}`,
    x.intervalError ? `${n(x.intervalError.p50Ms)} / ${n(x.intervalError.p99Ms)}` : "—",
  ];
  const rows = [
    ...t.idle.map((x: Doc) => line(x, `idle: 1 room, 1 client, ${n(x.conditions.durationS, 0)} s`)),
    ...t.loaded.map((x: Doc) => line(x, `${n(x.conditions.clients, 0)} clients (${n(x.conditions.rooms, 0)} rooms × 4, 20 inputs/s each), ${n(x.conditions.durationS, 0)} s`)),
    ...t.baselineIdle.map((x: Doc) => line(x, `baseline (\`setSimulationInterval\`), idle, ${n(x.conditions.durationS, 0)} s`)),
  ];
  return [
    "### Tick",
    "",
    "Lateness is measured against the start time + n × interval; drift = frames counted − expected in the window. The baseline's `setInterval` has no fixed schedule, so its interval error (|actual − nominal| interval) is given too.",
    "",
    table(["fps", "condition", "frames expected → counted (drift)", "lateness p50 / p99 / max (ms)", "interval error p50 / p99 (ms)"], rows),
  ].join("\n");
}

function latencyReconnect(d: Doc): string {
  const out: string[] = [];
  const l = d.latency;
  if (l) {
    out.push(`**Latency** (${n(l.conditions.fps, 0)} fps, ${n(l.conditions.rooms, 0)} rooms × 4, every client measuring, ${n(l.conditions.durationS, 0)} s): ${l.what}: p50 ${n(l.p50, 1)} ms, p99 ${n(l.p99, 1)} ms, max ${n(l.max, 1)} ms (${n(l.count, 0)} inputs).`);
  }
  const r = d.reconnect;
  if (r) {
    out.push(`**Reconnect** (Redis \`${r.conditions.redis}\`, ${n(r.conditions.trialsPerPath, 0)} trials per path; ${r.what}): SDK \`client.reconnect()\` p50 ${n(r.sdkPathMs.p50, 1)} ms, p99 ${n(r.sdkPathMs.p99, 1)} ms; reconnect key p50 ${n(r.reconnectKeyPathMs.p50, 1)} ms, p99 ${n(r.reconnectKeyPathMs.p99, 1)} ms.`);
  }
  return out.join("\n\n");
}

function targetsSection(d: Doc): string {
  const t = d.targets ?? {};
  const label: Record<string, string> = {
    driftWithin1Frame20fps: "drift within ±1 frame, idle, 20 fps",
    driftWithin1Frame60fps: "drift within ±1 frame, idle, 60 fps",
    driftWithin1FrameLoaded20fps: "drift within ±1 frame, loaded, 20 fps",
    idleP99LatenessAtMost2ms20fps: "idle tick p99 ≤ 2 ms, 20 fps",
    idleP99LatenessAtMost2ms60fps: "idle tick p99 ≤ 2 ms, 60 fps",
    loadedP99LatenessAtMost10ms: "tick p99 ≤ 10 ms at the loaded point",
    latencyP50AtMostHalfTickPlus2ms: "latency p50 ≤ half a tick + 2 ms (27 ms)",
    latencyP99AtMostTickPlus5ms: "latency p99 ≤ a tick + 5 ms (55 ms)",
    reconnectP99AtMost25ms: "reconnect p99 ≤ 25 ms with Redis",
  };
  const rows = Object.entries(label).map(([k, v]) => [v, met(t[k])]);
  return `### Standing targets\n\n${table(["target", ""], rows)}`;
}

/** How long the servers' main threads waited for their core across the run's load points. */
function contention(d: Doc): string {
  const points: Doc[] = [...(d.capacity?.points ?? []), ...(d.capacity?.maxClientsOneProcess?.steps ?? []), ...(d.baseline?.points ?? []), ...(d.cluster?.twoProcesses?.steps ?? [])];
  const waits = points.map((p) => p.runQueueWaitMsPerS).filter((v): v is number => typeof v === "number");
  if (waits.length === 0) return "";
  const contended = points.filter((p) => p.contended).length;
  return ` Other processes shared the cores: the servers' main threads waited ${n(Math.min(...waits), 0)}–${n(Math.max(...waits), 0)} ms per second for their core (run-queue wait, /proc/<pid>/schedstat); ${contended} of ${waits.length} load points were contended (≥ 50 ms/s).`;
}

function header(d: Doc, resultsPath: string): string {
  const pinning = d.conditions?.pinningNote ?? "not recorded (a run from before pinning)";
  const m = d.machine ?? {};
  return [
    `_Generated by \`npm run bench:report\` from \`${resultsPath}\`; edit the prose outside the markers, not the tables._`,
    "",
    `- Command: \`${d.command}\`${d.mode === "full" ? "" : ` (${d.mode} mode)`}; commit ${d.commit ? `\`${d.commit}\`` : "not recorded"}; started ${d.startedAt}, took ${n((d.durationS ?? 0) / 60, 1)} min.`,
    `- Machine: ${n(m.cores, 0)} cores (${m.cpuModel}), ${n(m.memoryGB, 1)} GB, ${m.platform}, Node ${m.node}.`,
    `- Pinning: ${pinning}`,
    `- 1-minute load average: ${n(m.loadAvgAtStart?.[0])} at the start, ${n(d.loadAvgAtEnd?.[0])} at the end; each point's own is in its row.${contention(d)}`,
    `- Saturation: ${d.conditions?.saturationRule ?? "not recorded"}`,
  ].join("\n");
}

export function renderTables(d: Doc, resultsPath = DEFAULT_RESULTS): string {
  return [header(d, resultsPath), figuresSection(d), capacitySection(d), baselineSection(d), clusterSection(d), jsonSection(d), tickSection(d), latencyReconnect(d), targetsSection(d)].filter(Boolean).join("\n\n");
}

/** The README's section: the command, the conditions in one line, issue 16's figures. */
export function renderReadmeFigures(d: Doc, resultsPath = DEFAULT_RESULTS): string {
  const m = d.machine ?? {};
  const where = d.conditions?.pinning?.pinned ? "the server pinned to one core and the load generators to the other" : "unpinned";
  return [
    `Measured with \`${d.command}\` (commit ${d.commit ? `\`${d.commit}\`` : "not recorded"}, ${d.startedAt}) on a ${n(m.cores, 0)}-core VM, ${where}; 4-player rooms at 20 fps, every client moving and sending 20 inputs/s. Generated from \`${resultsPath}\` by \`npm run bench:report\`; how it measures, every point and what bounds each figure: [docs/performance.md](docs/performance.md).`,
    "",
    figuresSection(d).replace(/^### Issue 16's figures\n\n/, ""),
  ].join("\n");
}

/** `doc` with the text between the markers replaced by `tables`. */
export function splice(doc: string, tables: string, begin = BEGIN, end = END, file = DOC): string {
  const b = doc.indexOf(begin);
  const e = doc.indexOf(end);
  if (b < 0 || e < b) throw new Error(`${path.relative(ROOT, file)} must contain ${begin} … ${end}`);
  return `${doc.slice(0, b + begin.length)}\n${tables}\n${doc.slice(e)}`;
}

function main(): void {
  const args = process.argv.slice(2);
  const check = args.includes("--check");
  const resultsPath = args.find((a) => !a.startsWith("--")) ?? DEFAULT_RESULTS;
  const results = JSON.parse(readFileSync(path.resolve(ROOT, resultsPath), "utf8")) as Doc;
  const outputs = [
    { file: DOC, next: splice(readFileSync(DOC, "utf8"), renderTables(results, resultsPath)) },
    { file: README, next: splice(readFileSync(README, "utf8"), renderReadmeFigures(results, resultsPath), README_BEGIN, README_END, README) },
  ];
  let stale = false;
  for (const { file, next } of outputs) {
    const name = path.relative(ROOT, file);
    if (readFileSync(file, "utf8") === next) {
      process.stderr.write(`${name} matches ${resultsPath}\n`);
    } else if (check) {
      process.stderr.write(`${name} is not generated from ${resultsPath}: run npm run bench:report\n`);
      stale = true;
    } else {
      writeFileSync(file, next);
      process.stderr.write(`wrote the figures of ${resultsPath} into ${name}\n`);
    }
  }
  if (stale) process.exit(1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
