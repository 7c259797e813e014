/**
 * Summarizes a late-ticks.mjs log: the GC pauses by kind, then each episode of ticks later
 * than 10 ms (ticks whose lateness windows overlap) with the GC events inside or just
 * before it. Kinds (perf_hooks): 1 scavenge, 2 minor mark-sweep, 4 mark-compact, 8
 * incremental marking, 16 weak callbacks.
 */
import { readFileSync } from "node:fs";

const file = process.argv[2];
if (!file) throw new Error("usage: late-ticks-report.ts <late-ticks-PID.log>");
const late: Array<{ at: number; ms: number }> = [];
const gcs: Array<{ at: number; ms: number; kind: string }> = [];
for (const line of readFileSync(file, "utf8").split("\n")) {
  const [tag, a, b, kind] = line.split(" ");
  if (tag === "L") late.push({ at: Number(a), ms: Number(b) });
  if (tag === "G") gcs.push({ at: Number(a), ms: Number(b), kind: kind ?? "?" });
}
late.sort((x, y) => x.at - y.at);
const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))];
for (const kind of [...new Set(gcs.map((g) => g.kind))].sort()) {
  const ms = gcs.filter((g) => g.kind === kind).map((g) => g.ms).sort((x, y) => x - y);
  console.log(`gc kind ${kind}: ${ms.length} pauses, p50 ${q(ms, 0.5)} ms, p90 ${q(ms, 0.9)} ms, max ${ms.at(-1)} ms`);
}
const episodes: Array<{ start: number; end: number; ticks: number; maxMs: number }> = [];
for (const t of late.filter((t) => t.ms > 10)) {
  const due = t.at - t.ms;
  const last = episodes.at(-1);
  if (last && due <= last.end + 5) {
    last.ticks++;
    last.maxMs = Math.max(last.maxMs, t.ms);
    last.end = Math.max(last.end, t.at);
  } else {
    episodes.push({ start: due, end: t.at, ticks: 1, maxMs: t.ms });
  }
}
console.log(`${late.length} ticks later than 5 ms; ${episodes.length} episodes of ticks later than 10 ms:`);
for (const e of episodes) {
  const near = gcs.filter((g) => g.at < e.end && g.at + g.ms > e.start - 20).map((g) => `kind ${g.kind} ${g.ms} ms at ${(g.at - e.start).toFixed(0)}`);
  console.log(`${e.start.toFixed(0)}–${e.end.toFixed(0)} ms: ${e.ticks} ticks, worst ${e.maxMs} ms; gc: ${near.join(", ") || "none"}`);
}
