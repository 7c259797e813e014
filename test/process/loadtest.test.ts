/**
 * `npm run loadtest` unattended: with stdout a pipe it runs headless for --duration, prints
 * one JSON summary line and exits 0 only when every bot played (a real server process and
 * four real bot connections).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ServerProcess, freePort, spawnScript } from "../support/processes.ts";
import { within } from "../support/wait.ts";

async function loadtest(args: string[]) {
  const run = spawnScript("loadtest/bot.ts", args);
  const exit = await within(run.exited, { timeoutMs: 90_000, what: "the loadtest to exit" }).catch(async (err) => {
    await run.kill();
    throw new Error(`${err.message}:\n${run.output()}`);
  });
  const summaryLine = run.output().trim().split("\n").filter((l) => l.startsWith("{")).at(-1);
  assert.ok(summaryLine, `a JSON summary line:\n${run.output()}`);
  return { exit, summary: JSON.parse(summaryLine), output: run.output() };
}

describe("loadtest, headless", () => {
  let server: ServerProcess;
  before(async () => {
    server = await ServerProcess.start();
  });
  after(() => server?.kill());

  test("4 bots play for 3 s: all joined, messages and input→playerAction latency in the summary, exit 0", async () => {
    const { exit, summary, output } = await loadtest(["--endpoint", server.endpoint, "--numClients", "4", "--duration", "3"]);
    assert.deepEqual(exit, { code: 0, signal: null }, output);
    assert.equal(summary.clients, 4);
    assert.equal(summary.joined, 4, output);
    assert.equal(summary.failed, 0);
    assert.equal(summary.dropped, 0);
    assert.equal(summary.serverErrors, 0);
    assert.ok(summary.messages > 4 * 10, `messages: ${summary.messages}`);
    assert.ok(summary.latencyMs.samples > 4 * 5, `latency samples: ${summary.latencyMs.samples}`);
    assert.ok(summary.latencyMs.p50 > 0 && summary.latencyMs.p50 <= summary.latencyMs.p99, JSON.stringify(summary.latencyMs));
    assert.ok(summary.durationS >= 3 && summary.durationS < 30, `durationS: ${summary.durationS}`);
    // The server saw them come and go.
    const players = server.logs().filter((l) => l.msg === "player joined" && String(l.userId).startsWith("bot-"));
    assert.equal(players.length, 4);
  });

  test("no server: every bot fails, the summary says so, exit 1", async () => {
    const port = await freePort();
    const { exit, summary } = await loadtest(["--endpoint", `ws://127.0.0.1:${port}`, "--numClients", "2", "--duration", "1", "--headless"]);
    assert.equal(exit.code, 1);
    assert.equal(summary.joined, 0);
    assert.equal(summary.failed, 2);
    assert.equal(summary.errors.length, 2);
  });
});
