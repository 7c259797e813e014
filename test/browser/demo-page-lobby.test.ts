/**
 * The demo page's lobby and feedback in a real Chromium against the real server: the
 * open-rooms list (click to join), errors and the matchmaking queue in the notice bar at
 * the top, the token's real expiry, a saved seat whose window expired (forgotten, the
 * player joins afresh), players spawned apart, the SDK bundle built with the server's
 * @colyseus/schema, and the README screenshot (docs/screenshot.png).
 *
 * Needs Debian's Chromium at /usr/bin/chromium.
 */
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { type Browser, type BrowserContext, type Page } from "playwright-core";
import { pathToFileURL } from "node:url";
import { SERVER_SCHEMA_VERSION, installedVersion } from "../../src/browserAssets.ts";
import { startServer, waitFor, type TestServer } from "../support/helpers.ts";
import { ROOT } from "../support/processes.ts";
import { UI_TIMEOUT_MS, launchChromium, openDemo as openDemoAt } from "../support/browser.ts";

const SHOTS = path.join(ROOT, "test-output", "browser");
/** The README's screenshot: rewritten when missing or with UPDATE_SCREENSHOT=1 (kept stable in git otherwise). */
const README_SHOT = path.join(ROOT, "docs", "screenshot.png");
/** Short, so a dropped player's seat expires within the test. */
const RECONNECT_WINDOW_MS = 1_500;

let server: TestServer;
let browser: Browser;
const pageErrors: string[] = [];
let n = 0;
const unique = (base: string) => `${base}${++n}-${process.pid % 1000}`;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer({ MATCH_RECONNECT_WINDOW_MS: String(RECONNECT_WINDOW_MS) });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-GB", timezoneId: "UTC" });
  context.on("page", (page) => page.on("pageerror", (err) => pageErrors.push(err.message)));
  return context;
}

const openDemo = (context: BrowserContext): Promise<Page> => openDemoAt(context, server.url("/FrameSync.html"));

const snapshot = (page: Page): Promise<any> => page.evaluate(() => (window as any).__demo.snapshot());
const notice = (page: Page): Promise<{ kind: string; text: string } | null> => page.evaluate(() => (window as any).__demo.notice());

async function until<T>(page: Page, what: string, read: (p: Page) => Promise<T>, check: (v: T) => boolean): Promise<T> {
  let last: T | undefined;
  try {
    return await waitFor(async () => {
      last = await read(page);
      return check(last) ? last : undefined;
    }, UI_TIMEOUT_MS, what) as T;
  } catch (err) {
    throw new Error(`${(err as Error).message}; last: ${JSON.stringify(last).slice(0, 1200)}`);
  }
}

const inRoom = (page: Page, userId: string) =>
  until(page, `${userId} in a room`, snapshot, (s) => s.status === "connected" && s.fps > 0 && s.players.some((p: any) => p.userId === userId));

/** The notice bar is on screen, near the top, without scrolling. */
async function assertNoticeInView(page: Page): Promise<void> {
  const box = await page.locator("#notice").boundingBox();
  assert.ok(box, "the notice is displayed");
  assert.ok(box.y >= 0 && box.y + box.height <= 160, `the notice is near the top: ${JSON.stringify(box)}`);
}

describe("the open-rooms list", () => {
  let context: BrowserContext;
  let a: Page;
  let b: Page;
  before(async () => {
    context = await newContext();
    [a, b] = [await openDemo(context), await openDemo(context)];
  });
  after(() => context.close());

  test("a room created in one tab shows up in the other's list, and a click joins it", async () => {
    // Plain names: this server and this browser context are fresh, and they show in the screenshot.
    const alice = "alice";
    const bob = "bob";
    await a.getByLabel("Name (dev token)").fill(alice);
    await a.getByLabel(/Lockstep/).check();
    await a.getByRole("button", { name: "Create", exact: true }).click();
    const created = await inRoom(a, alice);

    const listed = await until(b, "the room in the list", (p) => p.evaluate(() => (window as any).__demo.rooms()), (rooms) => rooms.some((r: any) => r.roomId === created.roomId));
    const entry = listed.find((r: any) => r.roomId === created.roomId);
    assert.deepEqual([entry.clients, entry.maxPlayers, entry.fps, entry.lockstep], [1, 16, 20, true]);
    await assert.doesNotReject(b.getByText(new RegExp(`1/16 players · 20 fps · lockstep`)).first().waitFor({ timeout: UI_TIMEOUT_MS }));

    await b.getByLabel("Name (dev token)").fill(bob);
    await b.getByRole("button", { name: `Join room ${created.roomId}` }).click();
    const joined = await inRoom(b, bob);
    assert.equal(joined.roomId, created.roomId);
    assert.equal(joined.players.length, 2);
    // Its own room is marked, not offered again.
    await assert.doesNotReject(b.getByRole("button", { name: `You are in room ${created.roomId}` }).waitFor({ timeout: UI_TIMEOUT_MS }));
    assert.equal(await b.getByRole("button", { name: `You are in room ${created.roomId}` }).isDisabled(), true);
  });

  test("two players spawn far enough apart that their name labels do not overlap", async () => {
    // Bob's join reaches Alice's tab with the next state patch: wait for it rather than read too early.
    const s = await until(a, "alice to see bob", snapshot, (v) => v.players.length === 2);
    const [p, q] = s.players;
    assert.ok(Math.abs(p.x - q.x) >= 190 || Math.abs(p.y - q.y) >= 100, JSON.stringify(s.players));
  });

  test("the README screenshot: two players, the room list and the notice-free top", async () => {
    await a.locator("#arena").focus();
    await a.keyboard.down("ArrowDown");
    await a.waitForTimeout(700);
    await a.keyboard.up("ArrowDown");
    await b.locator("#arena").focus();
    await b.keyboard.press("Space");
    await a.waitForTimeout(300);
    const shot = path.join(SHOTS, "demo-page.png");
    await a.screenshot({ path: shot });
    if (!existsSync(README_SHOT) || process.env.UPDATE_SCREENSHOT === "1") copyFileSync(shot, README_SHOT);
    assert.ok(existsSync(README_SHOT));
  });
});

describe("feedback where the eye is", () => {
  let context: BrowserContext;
  let page: Page;
  before(async () => {
    context = await newContext();
    page = await openDemo(context);
  });
  after(() => context.close());

  test("the token's expiry is its exp (a day ahead for a dev token), not the time now", async () => {
    await page.getByLabel("Name (dev token)").fill(unique("tess"));
    await page.getByRole("button", { name: "Get token" }).click();
    const info = await until(page, "the token info", (p) => p.locator("#token-info").innerText(), (t) => /expires/.test(t));
    const token = await page.getByLabel("Access token (JWT)").inputValue();
    const exp = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).exp as number;
    const expDay = new Date(exp * 1000).getUTCDate();
    assert.match(info, /\(in 24 h\)/);
    assert.match(info, new RegExp(`expires ${expDay} `), `the day of exp (${expDay}), page in UTC: ${info}`);
  });

  test("a refused join shows its code and reason at the top, not only in the log", async () => {
    await page.getByLabel("Room id").fill("no-such-room");
    await page.getByRole("button", { name: "Join by id" }).click();
    const shown = await until(page, "the error notice", notice, (v) => v?.kind === "error");
    assert.match(shown!.text, /^404: /);
    await assertNoticeInView(page);
    await page.getByRole("button", { name: "Dismiss message" }).click();
    assert.equal(await notice(page), null);
  });

  test("Find match shows the queue at the top until Cancel", async () => {
    await page.getByLabel("Players per match").fill("3");
    await page.getByRole("button", { name: "Find match" }).click();
    const queued = await until(page, "the queue notice", notice, (v) => v?.kind === "queue");
    assert.match(queued!.text, /Queued for a 3-player match/);
    await assertNoticeInView(page);
    await page.getByRole("button", { name: "Cancel", exact: true }).click();
    await until(page, "the queue notice to go", notice, (v) => v?.kind !== "queue");
  });
});

test("after a reload, a saved seat whose window expired is forgotten and the player joins afresh", async () => {
  const context = await newContext();
  try {
    const [page, other] = [await openDemo(context), await openDemo(context)];
    const carol = unique("carol");
    const dave = unique("dave");
    await page.getByLabel("Name (dev token)").fill(carol);
    await page.getByRole("button", { name: "Create", exact: true }).click();
    const first = await inRoom(page, carol);
    // Someone stays, so the room outlives carol's seat.
    await other.getByLabel("Name (dev token)").fill(dave);
    await other.getByLabel("Room id").fill(first.roomId);
    await other.getByRole("button", { name: "Join by id" }).click();
    await inRoom(other, dave);

    await page.getByLabel(/auto-reconnect/).uncheck();
    await page.getByRole("button", { name: "Drop connection" }).click();
    // The window passes: the server removes carol.
    await until(other, "carol removed", snapshot, (s) => !s.players.some((p: any) => p.userId === carol));
    const saved = await page.evaluate(() => localStorage.getItem("framesync.demo.seats"));
    assert.match(saved ?? "", new RegExp(carol), "the page still has the old seat saved");

    await page.reload();
    await page.waitForFunction(() => "__demo" in window, null, { timeout: UI_TIMEOUT_MS });
    const back = await inRoom(page, carol);
    assert.equal(back.roomId, first.roomId, "the same room, as a new player");
    assert.notEqual(back.sessionId, first.sessionId);
    const resumes = await page.evaluate(() => (window as any).__demo.events("resume"));
    assert.ok(resumes.some((e: any) => /expired/.test(e.payload.note)), JSON.stringify(resumes));
    // The seat saved now is the new one (a later reload reclaims it).
    const seats = JSON.parse((await page.evaluate(() => localStorage.getItem("framesync.demo.seats"))) ?? "{}");
    assert.equal(seats[carol]?.roomId, first.roomId);
    assert.notEqual(seats[carol]?.reconnectKey, JSON.parse(saved!)[carol].reconnectKey);
  } finally {
    await context.close();
  }
});

test("the page's SDK bundle decodes with the server's own @colyseus/schema", async () => {
  // The copy @colyseus/core encodes with is the one the bundle must carry.
  const coreSchema = installedVersion("@colyseus/schema", pathToFileURL(createRequire(import.meta.url).resolve("@colyseus/core")).href);
  assert.equal(SERVER_SCHEMA_VERSION, coreSchema);
  const bundle = await (await fetch(server.url("/vendor/colyseus.js"))).text();
  assert.match(bundle.slice(0, 200), new RegExp(`@colyseus/schema ${coreSchema.replaceAll(".", "\\.")} `));
  assert.ok(bundle.length > 50_000);
  assert.deepEqual(pageErrors, []);
});
