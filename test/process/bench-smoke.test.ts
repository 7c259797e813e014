/**
 * `npm run bench -- --quick` runs end to end — real server processes, separate load
 * generators, the baseline server, Redis for the reconnect section — and prints one
 * well-formed JSON document with every section. No timing is asserted here: the
 * figures of a seconds-long run on a shared machine mean nothing; `npm run bench`
 * is where they are measured.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const RUN_TIMEOUT_MS = 200_000;

function runQuickBench(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bench/run.ts", "--quick"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGTERM"), RUN_TIMEOUT_MS);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
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
  for (const p of doc.capacity.points) {
    assertConditions(p.conditions, "capacity");
    assert.equal(p.joined, p.conditions.clients, "every client joined");
    for (const key of ["serverCpuSecondsPerSecond", "rssMB", "downBytesPerClientPerS", "upBytesPerClientPerS", "projectedClientsPerCore"]) {
      assert.ok(isNumber(p[key]), `capacity.${key}`);
    }
    assert.ok(isNumber(p.tickLatenessP99Ms));
  }
  assert.ok("largestHeld" in doc.capacity.maxClientsOneProcess);
  assert.equal(typeof doc.capacity.maxClientsOneProcess.criterion, "string");

  assertConditions(doc.reconnect.conditions, "reconnect");
  for (const path of [doc.reconnect.sdkPathMs, doc.reconnect.reconnectKeyPathMs]) {
    assert.ok(path.count > 0, "reconnects were timed");
    assert.ok(isNumber(path.p50) && isNumber(path.p99));
  }

  assertConditions(doc.baseline.conditions, "baseline");
  for (const key of ["cpuPerClient", "downBytesPerClient", "upBytesPerClient", "tickLatenessP99", "driftFramesAbs"]) {
    assert.ok(key in doc.baseline.oursDividedByBaseline, `baseline ratio ${key}`);
  }
  assert.equal(typeof doc.targets, "object");
});
