/**
 * `npm run dev`: readable (pino-pretty) log lines with the URLs to open, a restart when a
 * source file is saved, and Ctrl-C (SIGINT to the terminal's process group) ends it all.
 */
import assert from "node:assert/strict";
import { utimesSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { waitFor } from "../support/helpers.ts";
import { freePort } from "../support/processes.ts";
import { ROOT, Spawned } from "../support/processes.ts";

let dev: Spawned | undefined;
after(() => dev?.kill());

test("npm run dev: pretty logs with the demo and monitor URLs, restart on save, Ctrl-C stops it", async () => {
  const port = await freePort();
  dev = new Spawned("npm", ["run", "dev"], { env: { PORT: String(port), LOG_LEVEL: "info", NODE_ENV: undefined }, group: true });
  const urls = `demo page http://localhost:${port}/FrameSync.html · monitor http://localhost:${port}/monitor`;
  const starts = () => dev!.output().split("\n").filter((l) => /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: framesync-server listening \{/.test(l)).length;
  await waitFor(() => dev!.output().includes(`INFO: ${urls}`) || !dev!.running, { timeoutMs: 60_000, what: "the line with the URLs" }).catch((err: Error) => {
    throw new Error(`${err.message}\n${dev!.output()}`);
  });
  assert.equal(starts(), 1, dev.output());
  assert.equal(dev.logs().length, 0, "no raw JSON lines on a developer's screen");
  assert.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 200);

  // "Save" a source file: its mtime changes, the content does not. Again every 3 s until tsx
  // sees it: the watcher learns the files the server loaded a moment after it started.
  const file = path.join(ROOT, "src", "config.ts");
  let saved = 0;
  await waitFor(() => {
    if (starts() === 2) return true;
    if (!/\[tsx\] change in \S*config\.ts/.test(dev!.output()) && Date.now() - saved > 3_000) {
      saved = Date.now();
      utimesSync(file, new Date(), new Date());
    }
    return false;
  }, { timeoutMs: 60_000, what: "a restart" }).catch((err: Error) => {
    throw new Error(`${err.message}\n${dev!.output()}`);
  });
  assert.match(dev.output(), /shutting down \{"signal":"SIGTERM"/);
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.status === 200, { timeoutMs: 30_000, what: "/health after the restart" });

  dev.signal("SIGINT");
  const exit = await dev.exited;
  assert.notEqual(exit.signal, "SIGKILL", dev.output());
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined)) === undefined, { timeoutMs: 10_000, what: "the server to be gone" });
});
