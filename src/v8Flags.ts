/**
 * V8 settings the server runs with, applied before the rest of the server loads (the
 * second import of index.ts), so every way of starting it (npm start, dist/, the cluster)
 * gets them.
 *
 * `--no-allocation-site-pretenuring`: V8 moves an allocation site's objects straight to
 * the old generation once many of them survive a scavenge. Under load the per-message
 * objects of a tick (decoded inputs, ws' receive buffers, broadcast frames) live just long
 * enough to trip that rule although each dies within a tick or two, so the old generation
 * filled with them and a full mark ran every few seconds, its concurrent marking taking
 * the server's one core for ~50 ms while ticks waited. Measured with bench/ab-hot.ts (800
 * clients, server alone on a core): tick p99 lateness 37-55 ms → 4-10 ms, RSS 250-305 MB
 * → 180 MB, CPU per client 0.95-1.0× (docs/performance.md).
 */
import v8 from "node:v8";

v8.setFlagsFromString("--no-allocation-site-pretenuring");

export {};
