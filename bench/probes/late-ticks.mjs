/**
 * Preload for a server under load (issue 16's investigation; not used by `npm run bench`):
 * writes every tick later than 5 ms and every GC event, with timestamps, to
 * `late-ticks-<pid>.log` in PROBE_DIR (default: the working directory), so late ticks can
 * be laid beside what the collector did. Summarize with late-ticks-report.ts.
 *
 *   taskset -c 1 node_modules/.bin/node --import tsx bench/ab-hot.ts --clients 1000 \
 *     --variant "p:NODE_ARGS=--import ./bench/probes/late-ticks.mjs"
 *   node_modules/.bin/node --import tsx bench/probes/late-ticks-report.ts late-ticks-*.log
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { PerformanceObserver, performance } from "node:perf_hooks";

const out = path.resolve(process.env.PROBE_DIR ?? ".", `late-ticks-${process.pid}.log`);
writeFileSync(out, "");
const lines = [];
// The tick histogram registers itself with prom-client (src/utils/metrics.ts): wrap its observe as it does.
const prom = createRequire(path.resolve("package.json"))("prom-client");
const register = prom.Registry.prototype.registerMetric;
prom.Registry.prototype.registerMetric = function (metric) {
  if (metric.name === "framesync_tick_lateness_seconds") {
    const observe = metric.observe.bind(metric);
    metric.observe = (seconds) => {
      if (seconds > 0.005) lines.push(`L ${performance.now().toFixed(1)} ${(seconds * 1000).toFixed(1)}`);
      return observe(seconds);
    };
  }
  return register.call(this, metric);
};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) lines.push(`G ${e.startTime.toFixed(1)} ${e.duration.toFixed(1)} ${e.detail?.kind}`);
}).observe({ entryTypes: ["gc"] });
setInterval(() => {
  if (lines.length) appendFileSync(out, `${lines.splice(0).join("\n")}\n`);
}, 500).unref();
