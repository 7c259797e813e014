/**
 * V8 settings the server runs with, applied before the rest of the server loads (the
 * second import of index.ts), so every way of starting it (npm start, dist/, the cluster)
 * gets them. Both are about the tick's lateness on a process that has one core to itself
 * (the deployment the benchmarks measure: one process per core).
 *
 * `--no-allocation-site-pretenuring`: V8 moves an allocation site's objects straight to
 * the old generation once many of them survive a scavenge. Under load the per-message
 * objects of a tick (decoded inputs, ws' receive buffers, broadcast frames) live just long
 * enough to trip that rule although each dies within a tick or two, so the old generation
 * filled with them and a full collection ran every few seconds. Measured with
 * bench/ab-hot.ts (800 clients, server alone on a core): tick p99 lateness 37-55 ms → 4-10
 * ms, RSS 250-305 MB → 180 MB, CPU per client 0.95-1.0×.
 *
 * `--no-concurrent-marking`: a full collection's marking then runs in small steps on the
 * main thread, between the server's own work, instead of on helper threads that share
 * the server's one core with it and held the main thread off it for 50-80 ms at a time
 * (every late-tick episode at 1,000 clients fell inside such a marking phase). Measured
 * the same way at 1,000 clients, 3 interleaved rounds: tick p99 13-22 ms → 7.5-9 ms,
 * input → own playerAction p99 55-61 → 52-54 ms, CPU 0.92-1.04×; RSS per client is higher
 * (about 70 KB against 43-82 KB). docs/performance.md has the runs.
 */
import v8 from "node:v8";

v8.setFlagsFromString("--no-allocation-site-pretenuring");
v8.setFlagsFromString("--no-concurrent-marking");

export {};
