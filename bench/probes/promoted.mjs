/**
 * Preload for a server under load: on SIGUSR2 (SIGNAL_AT_MARK=1 with bench/ab-hot.ts)
 * samples allocations for PROBE_SECONDS (default 8) keeping only objects no scavenge
 * collected — what reached the old generation or is still alive, the objects that make
 * full collections run — and writes `promoted-<pid>.heapprofile` to PROBE_DIR. Open it in
 * Chrome DevTools (Memory → Load). With PROBE_ALL=1 every allocation is kept instead.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import path from "node:path";

process.on("SIGUSR2", async () => {
  const session = new Session();
  session.connect();
  await session.post("HeapProfiler.enable");
  const all = process.env.PROBE_ALL === "1";
  await session.post("HeapProfiler.startSampling", { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: all });
  setTimeout(async () => {
    const { profile } = await session.post("HeapProfiler.stopSampling");
    writeFileSync(path.resolve(process.env.PROBE_DIR ?? ".", `promoted-${process.pid}.heapprofile`), JSON.stringify(profile));
  }, Number(process.env.PROBE_SECONDS ?? 8) * 1000);
});
