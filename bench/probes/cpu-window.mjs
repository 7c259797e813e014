/**
 * Preload for a server under load: on SIGUSR2 (bench/ab-hot.ts sends it when the window
 * opens, with SIGNAL_AT_MARK=1) records a CPU profile of PROBE_SECONDS (default 8) at a
 * 200 µs interval and writes `cpu-window-<pid>.cpuprofile` to PROBE_DIR (default: the
 * working directory). Open it in Chrome DevTools (Performance) or VS Code.
 *
 *   taskset -c 1 node_modules/.bin/node --import tsx bench/ab-hot.ts --clients 800 \
 *     --variant "w:SIGNAL_AT_MARK=1,NODE_ARGS=--import ./bench/probes/cpu-window.mjs"
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import path from "node:path";

process.on("SIGUSR2", async () => {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  setTimeout(async () => {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(path.resolve(process.env.PROBE_DIR ?? ".", `cpu-window-${process.pid}.cpuprofile`), JSON.stringify(profile));
  }, Number(process.env.PROBE_SECONDS ?? 8) * 1000);
});
