/**
 * `npm run bench -- --quick` runs end to end — real server processes, separate load
 * generators, the baseline server, Redis for the reconnect and two-process sections
 * (BENCH_REDIS_URL, else TEST_REDIS_URL, else 127.0.0.1:6379/14) — and prints one
 * well-formed JSON document with every section. No timing is asserted here: the
 * figures of a seconds-long run on a shared machine mean nothing; `npm run bench`
 * is where they are measured.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { spawnScript } from "../support/processes.ts";

// About 75 s on an idle machine; 3.5 minutes seen on a shared one at load average 20. The
// bench's own quick limit is 7 minutes.
const RUN_TIMEOUT_MS = 420_000;

/** The bench's stdout is one JSON document: collected apart from stderr. */
async function runQuickBench(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Its own process group: the bench starts servers and load generators, which must go with it.
  const bench = spawnScript("bench/run.ts", ["--quick"], { group: true });
  let stdout = "";
  bench.child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
  const code = await bench.exitCode(RUN_TIMEOUT_MS).catch(async (err) => {
    await bench.stop();
    throw err;
  });
  return { code, stdout, stderr: bench.output() };
}

const isNumber = (v: unknown) => typeof v === "number" && Number.isFinite(v);

function assertConditions(c: any, where: string) {
  assert.ok(c, `${where}: conditions`);
  assert.ok(isNumber(c.fps), `${where}: fps`);
  assert.ok(isNumber(c.rooms), `${where}: rooms`);
  assert.ok(isNumber(c.playersPerRoom), `${where}: playersPerRoom`);
  assert.match(c.node, /^v\d+/, `${where}: node`);
  assert.ok(isNumber(c.cores), `${where}: cores`);
}

test("the quick bench prints one JSON document with every section and its conditions", { timeout: RUN_TIMEOUT_MS + 20_000 }, async () => {
  const { code, stdout, stderr } = await runQuickBench();
  assert.equal(code, 0, `bench exited with ${code}:\n${stderr.slice(-3000)}`);
  const doc = JSON.parse(stdout);

  assert.equal(doc.mode, "quick");
  assert.ok(isNumber(doc.machine.cores));
  assert.match(doc.machine.node, /^v\d+/);

  for (const t of [...doc.tick.idle, ...doc.tick.loaded]) {
    assertConditions(t.conditions, "tick");
    assert.ok(isNumber(t.conditions.durationS));
    assert.ok(isNumber(t.frames.expectedPerRoom) && isNumber(t.frames.countedPerRoom) && isNumber(t.frames.driftFrames));
    assert.ok(t.tickLateness.ticks > 0, "ticks were observed");
    assert.ok(isNumber(t.tickLateness.p50Ms) && isNumber(t.tickLateness.p99Ms));
    assert.ok(t.tickLateness.maxMs && "atMost" in t.tickLateness.maxMs);
  }
  assert.deepEqual(doc.tick.idle.map((t: any) => t.conditions.fps), [20, 60]);
  assert.deepEqual(doc.tick.loaded.map((t: any) => t.conditions.fps), [20, 60]);

  assertConditions(doc.latency.conditions, "latency");
  assert.ok(doc.latency.count > 0, "latency samples were taken");
  assert.ok(isNumber(doc.latency.p50) && isNumber(doc.latency.p99) && isNumber(doc.latency.max));

  assert.ok(doc.capacity.points.length >= 2);
  for (const p of doc.capacity.points) assertCapacityPoint(p, "capacity");
  assert.ok("largestHeld" in doc.capacity.maxClientsOneProcess);
  assert.equal(typeof doc.capacity.maxClientsOneProcess.criterion, "string");
  for (const p of doc.capacity.maxClientsOneProcess.steps) assertCapacityPoint(p, "capacity search");

  assertConditions(doc.reconnect.conditions, "reconnect");
  for (const path of [doc.reconnect.sdkPathMs, doc.reconnect.reconnectKeyPathMs]) {
    assert.ok(path.count > 0, "reconnects were timed");
    assert.ok(isNumber(path.p50) && isNumber(path.p99));
  }

  assertConditions(doc.baseline.conditions, "baseline");
  for (const key of ["cpuPerClient", "downBytesPerClient", "upBytesPerClient", "tickLatenessP99", "driftFramesAbs"]) {
    assert.ok(key in doc.baseline.oursDividedByBaseline, `baseline ratio ${key}`);
  }
  assert.ok(doc.baseline.points.length >= 2, "baseline at several client counts");
  for (const p of doc.baseline.points) assertCapacityPoint(p, "baseline");
  for (const pair of doc.baseline.pairs) {
    assert.ok(isNumber(pair.clients));
    assert.equal(typeof pair.baselineSaturated, "boolean");
    assert.equal(typeof pair.bothUnsaturated, "boolean");
  }

  // Pinning is decided and said, whichever way it went on this machine.
  const pin = doc.conditions.pinning;
  assert.equal(typeof pin.pinned, "boolean");
  assert.equal(typeof doc.conditions.pinningNote, "string");
  assert.equal(typeof doc.conditions.saturationRule, "string");
  if (pin.pinned) assert.ok(pin.serverCores !== pin.loadCores, "servers and load on different cores");
  else assert.equal(typeof pin.reason, "string");
  assert.ok(isNumber(doc.conditions.loadAvg1mAtStart));

  // Two processes on Redis: every step names both processes' share.
  assert.ok(Array.isArray(doc.cluster.twoProcesses.steps));
  for (const p of doc.cluster.twoProcesses.steps) {
    assertCapacityPoint(p, "cluster");
    assert.equal(p.perProcess.length, 2, "two server processes");
  }
  assert.ok("capacityRatio" in doc.cluster);

  // JSON clients: measured, or null with the reason.
  assert.equal(typeof doc.json.measured, "boolean");
  if (doc.json.measured) assertCapacityPoint(doc.json.json, "json");
  else assert.equal(typeof doc.json.reason, "string");

  // Issue 16's table: every figure a number or null with a reason.
  for (const key of ["capacityOneProcess", "clientsPerCoreAt500", "cpuPerClientVsBaselineUnsaturated", "tickP99AtLoaded", "inputToOwnActionP99AtLoaded", "rssPerClientAtLoaded", "heapPerClientAtLoaded", "clusterCapacityRatio", "jsonCpuPerClientVsSdk"]) {
    const f = doc.figures[key];
    assert.ok(f, `figure ${key}`);
    assert.equal(typeof f.figure, "string");
    assert.equal(typeof f.goal, "string");
    if (f.value === null) assert.equal(typeof f.note, "string", `${key} is null and says why`);
    else assert.ok(isNumber(f.value), `${key} is a number`);
  }
  assert.equal(typeof doc.targets, "object");

  // Progress: every phase line on stderr, stdout only the document.
  const phases = [...stderr.matchAll(/phase (\d+)\/(\d+) .* \(ETA \d\d:\d\d\)/g)];
  assert.ok(phases.length >= 8, `phase lines on stderr:\n${stderr.slice(-2000)}`);
  assert.ok(phases.every((m) => Number(m[1]) <= Number(m[2])));
});

function assertCapacityPoint(p: any, where: string) {
  assertConditions(p.conditions, where);
  assert.equal(p.joined, p.conditions.clients, `${where}: every client joined`);
  for (const key of ["serverCpuSecondsPerSecond", "rssMB", "heapUsedMB", "downBytesPerClientPerS", "upBytesPerClientPerS", "projectedClientsPerCore"]) {
    assert.ok(isNumber(p[key]), `${where}.${key}`);
  }
  assert.ok(isNumber(p.tickLatenessP99Ms), `${where}.tickLatenessP99Ms`);
  assert.equal(typeof p.saturated, "boolean", `${where}.saturated`);
  assert.ok(Array.isArray(p.saturatedBecause));
  assert.equal(p.saturated, p.saturatedBecause.length > 0, `${where}: saturated iff it says why`);
  assert.ok(Array.isArray(p.conditions.serverCores) && p.conditions.serverCores.length === p.perProcess.length);
  assert.equal(typeof p.conditions.loadCores, "string");
}
