/**
 * The browser page with no SDK (src/public/json-demo.html, served at /json-demo.html)
 * plays over the JSON protocol in Chromium: it joins, moves with the arrow keys, and a
 * resync matches its patched state, while an SDK client in the same room sees it move.
 * It never loads the SDK bundle. Needs Debian's Chromium at /usr/bin/chromium.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type Browser } from "playwright-core";
import type { Room } from "@colyseus/sdk";
import { collect, sdk, startServer, tokenFor, waitFor, type TestServer } from "../support/helpers.ts";
import { UI_TIMEOUT_MS, launchChromium } from "../support/browser.ts";

let server: TestServer;
let browser: Browser;

before(async () => {
  server = await startServer();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test("the no-SDK page joins over /json, moves with the keyboard and resyncs to its patched state", { timeout: 60_000 }, async () => {
  const observer: Room = await sdk(server.endpoint).joinOrCreate("game_room", { token: tokenFor("sdk-watcher", server.cfg) });
  const joined = collect(observer, "playerJoined");
  const actions = collect(observer, "playerAction");
  collect(observer, "frameSync");

  const page = await browser.newPage();
  const requested: string[] = [];
  const errors: string[] = [];
  page.on("request", (r) => requested.push(r.url()));
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("websocket", (ws) => requested.push(ws.url()));
  await page.goto(server.url("/json-demo.html?user=web-wendy"));
  await page.click("#play");
  await page.waitForFunction(() => (window as any).jsonDemo.status === "playing", undefined, { timeout: UI_TIMEOUT_MS });
  const start = await page.evaluate(() => {
    const d = (window as any).jsonDemo;
    return d.state.players[d.sessionId].x as number;
  });
  await page.keyboard.down("ArrowRight");
  await page.waitForFunction((x0) => {
    const d = (window as any).jsonDemo;
    return d.state.players[d.sessionId].x > x0 + 30;
  }, start, { timeout: UI_TIMEOUT_MS });
  await page.keyboard.up("ArrowRight");
  await page.click("#resync");
  await page.waitForFunction(() => (window as any).jsonDemo.resyncs === 1, undefined, { timeout: UI_TIMEOUT_MS });
  const demo = await page.evaluate(() => (window as any).jsonDemo);
  assert.equal(demo.resyncMatched, true);
  assert.equal(demo.seqGaps, 0);

  const me = joined.find((m) => m.userId === "web-wendy");
  assert.ok(me, "the SDK client saw the page's player join");
  await waitFor(() => actions.some((a) => a.sessionId === me.sessionId && a.action === "move"), { timeoutMs: 5000, what: "the SDK client seeing it move" });
  assert.ok(!requested.some((u) => u.includes("colyseus")), "the page loads no SDK");
  assert.ok(requested.some((u) => u.endsWith("/json")), "it talks to /json");
  assert.deepEqual(errors, []);

  await page.click("#leave");
  await page.waitForFunction(() => (window as any).jsonDemo.closeCode === 4000, undefined, { timeout: UI_TIMEOUT_MS });
  await page.close();
  await observer.leave();
});
