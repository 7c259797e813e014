/**
 * The demo page (src/public/FrameSync.html) played in a real Chromium against the real
 * server: two players in one room, chat, a dropped connection and both ways back, a page
 * reload that reclaims the seat, the matchmaker, a lockstep room and the Replays view.
 * The page is read through its read-only debug handle (window.__demo), never pixels.
 * Every request the pages make is recorded: none may leave the test server.
 *
 * Each test gets what it needs from a fixture (two tabs in a room, a recorded match, a
 * lockstep room) made on first use and shared by the tests that come after; no test
 * relies on what an earlier test did, so any one of them runs alone
 * (`npm run test:file -- --test-name-pattern "<name>" test/browser/demo-page.test.ts`).
 *
 * Needs Debian's Chromium at /usr/bin/chromium (CI's .ci/run installs it).
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { matchMaker } from "@colyseus/core";
import { type Browser, type BrowserContext, type Page } from "playwright-core";
import { spawnPoint } from "../../src/game/rules.ts";
import { startServer, waitFor, type TestServer } from "../support/helpers.ts";
import { ROOT } from "../support/processes.ts";
import { UI_TIMEOUT_MS, launchChromium, openDemo as openDemoAt } from "../support/browser.ts";

const SHOTS = path.join(ROOT, "test-output", "browser");
/** Generous: the CI machine is small and Chromium shares it with the server. */

interface DemoPlayer {
  sessionId: string;
  userId: string;
  seatIndex: number;
  online: boolean;
  x: number;
  y: number;
  attacking: boolean;
}

interface DemoSnapshot {
  status: string;
  roomId: string;
  sessionId: string;
  userId: string;
  seatIndex: number;
  matchId: string;
  fps: number;
  lockstep: boolean;
  rtt: number | null;
  players: DemoPlayer[];
  lockstepPlayers: Array<{ sessionId: string; seatIndex: number; x: number; y: number }>;
  lockstepFrame: number;
  lockstepStats: { framesApplied: number; duplicates: number; gaps: number; catchUps: number; catchUpFrames: number; reseeds: number };
  counters: { inputsSent: number; lockstepFramesReceived: number; reconnects: number };
  rendered: Array<{ id: string; x: number; y: number; self: boolean; online: boolean }>;
  net: { bytesIn: number; bytesOut: number };
  replay: null | { roomId: string; position: number; length: number; playing: boolean; matchesFinal: boolean };
}

let server: TestServer;
let browser: Browser;
/** Every URL any page asked for (documents, scripts, fetches, WebSockets). */
const requested: string[] = [];
const pageErrors: string[] = [];
const consoleLines = new WeakMap<Page, string[]>();
let nameCounter = 0;
const uniqueName = (base: string) => `${base}${++nameCounter}-${process.pid}`;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer({ MATCH_RECONNECT_WINDOW_MS: "20000" });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function newContext(viewport = { width: 1280, height: 800 }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport });
  context.on("request", (req) => requested.push(req.url()));
  context.on("page", (page) => {
    page.on("websocket", (ws) => requested.push(ws.url()));
    page.on("pageerror", (err) => pageErrors.push(err.message));
    const lines: string[] = [];
    consoleLines.set(page, lines);
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") lines.push(`${m.type()}: ${m.text()}`);
    });
  });
  return context;
}

const openDemo = (context: BrowserContext): Promise<Page> => openDemoAt(context, server.url("/FrameSync.html"));

const snapshot = (page: Page): Promise<DemoSnapshot> => page.evaluate(() => (window as any).__demo.snapshot());
const events = (page: Page, type: string): Promise<Array<{ type: string; payload: any }>> =>
  page.evaluate((t) => (window as any).__demo.events(t), type);

/**
 * Polls the page's snapshot until `check` holds; returns that snapshot. On a timeout it
 * says what the page had, what the server had and what the page's console warned about.
 */
async function until(page: Page, what: string, check: (s: DemoSnapshot) => boolean, timeoutMs = UI_TIMEOUT_MS): Promise<DemoSnapshot> {
  let last: DemoSnapshot | undefined;
  try {
    return await waitFor(async () => {
      last = await snapshot(page);
      return check(last) ? last : undefined;
    }, { timeoutMs: timeoutMs, what: what });
  } catch (err) {
    const room = last?.roomId ? (matchMaker.getLocalRoomById(last.roomId) as any) : undefined;
    const serverPlayers: unknown[] = [];
    room?.state.players.forEach((p: any) => serverPlayers.push([p.sessionId, p.userId, p.online, p.x, p.y, p.attacking]));
    throw new Error(`${(err as Error).message}; last snapshot: ${JSON.stringify(last).slice(0, 1500)}\nSERVER frame=${room?.state.frame} ${JSON.stringify(serverPlayers)}\nCONSOLE ${JSON.stringify(consoleLines.get(page) ?? []).slice(-3000)}`);
  }
}

/** A fixture made on first use and shared afterwards (a failed one is made again). */
function fixture<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make().catch((err) => {
      made = undefined;
      throw err;
    });
    return made;
  };
}

const playerOf = (s: DemoSnapshot, userId: string) => s.players.find((p) => p.userId === userId);

/** Holds `key` down on the arena for `ms` (a held key is time passing by nature: the page sends input while it is down). */
async function hold(page: Page, key: string, ms: number): Promise<void> {
  await page.locator("#arena").focus();
  await page.keyboard.down(key);
  await page.waitForTimeout(ms);
  await page.keyboard.up(key);
}

/** Waits until nobody in the page's room moves for a while; returns the settled players. */
async function settled(page: Page): Promise<DemoPlayer[]> {
  return (await settledSnapshot(page)).players;
}

/** The settled position of `userId` as `page` sees it (fails naming what the page saw). */
async function settledPlayer(page: Page, userId: string): Promise<DemoPlayer> {
  const s = await settledSnapshot(page);
  const p = playerOf(s, userId);
  if (!p) throw new Error(`${userId} is not in the page's state: ${JSON.stringify(s).slice(0, 1500)}; events: ${JSON.stringify(await events(page, "")).slice(-1500)}`);
  return p;
}

async function settledSnapshot(page: Page): Promise<DemoSnapshot> {
  let previous = "";
  let stableSince = Date.now();
  const s = await until(page, "positions to settle", (snap) => {
    const now = JSON.stringify(snap.players.map((p) => [p.userId, p.x, p.y]).sort());
    if (now !== previous) {
      previous = now;
      stableSince = Date.now();
      return false;
    }
    return Date.now() - stableSince > 400;
  });
  return s;
}

async function joinWithName(page: Page, name: string, button: "Join or create" | "Create"): Promise<DemoSnapshot> {
  await page.getByLabel("Name (dev token)").fill(name);
  await page.getByRole("button", { name: button, exact: true }).click();
  return until(page, `${name} in a room`, (s) => s.status === "connected" && s.fps > 0 && playerOf(s, name) !== undefined);
}

/** A second player in a second tab: the first tab's token, another user through demoUserId (dev only). */
async function joinByIdAs(page: Page, token: string, demoUserId: string, roomId: string): Promise<DemoSnapshot> {
  await page.getByLabel("Access token (JWT)").fill(token);
  await page.getByLabel(/demoUserId/).fill(demoUserId);
  await page.getByLabel("Room id").fill(roomId);
  await page.getByRole("button", { name: "Join by id" }).click();
  return until(page, `${demoUserId} in ${roomId}`, (s) => s.status === "connected" && s.fps > 0 && s.roomId === roomId && playerOf(s, demoUserId) !== undefined);
}

test("the page loads from this server alone and every control has an accessible name", async () => {
  const context = await newContext();
  try {
    const page = await openDemo(context);
    assert.equal(await page.getByLabel("Endpoint").inputValue(), `ws://${new URL(server.url("/")).host}`);
    assert.equal(await page.getByLabel("Room name").inputValue(), "game_room");
    const unnamed = await page.evaluate(() =>
      Array.from(document.querySelectorAll("input, select, textarea, button, canvas"))
        .filter((c) => {
          const labelled = (c as HTMLInputElement).labels?.length || c.getAttribute("aria-label") || c.getAttribute("aria-labelledby");
          return !labelled && !(c.textContent ?? "").trim();
        })
        .map((c) => c.outerHTML.slice(0, 80)),
    );
    assert.deepEqual(unnamed, []);
  } finally {
    await context.close();
  }
});

describe("two tabs play one room", () => {
  let context: BrowserContext | undefined;
  after(() => context?.close());

  /** Alice created a room in one tab; Bob joined it by id in a second tab as another player. */
  const twoTabs = fixture(async () => {
    context = await newContext();
    const alicePage = await openDemo(context);
    const bobPage = await openDemo(context);
    const alice = uniqueName("alice");
    const bob = uniqueName("bob");
    const first = await joinWithName(alicePage, alice, "Create");
    const token = await alicePage.getByLabel("Access token (JWT)").inputValue();
    const second = await joinByIdAs(bobPage, token, bob, first.roomId);
    await until(alicePage, "alice to see bob", (s) => playerOf(s, bob) !== undefined);
    return { alicePage, bobPage, alice, bob, roomId: first.roomId, first, second };
  });

  test("the second tab joins the first tab's room by id as another player (demoUserId)", async () => {
    const { alicePage, bob, first, second } = await twoTabs();
    assert.equal(first.seatIndex, 0);
    assert.equal(first.matchId, "none");
    assert.equal(second.seatIndex, 1);
    const seen = await until(alicePage, "alice to see bob", (s) => playerOf(s, bob) !== undefined);
    assert.equal(seen.players.length, 2);
    // Each page highlights its own player and only that one.
    assert.deepEqual(seen.rendered.filter((p) => p.self).map((p) => p.id), [seen.sessionId]);
    assert.ok((await events(alicePage, "playerJoined")).some((e) => e.payload.userId === bob));
  });

  test("the event log never shows the seat's reconnectKey (a credential)", async () => {
    const { alicePage } = await twoTabs();
    // The saved seat (localStorage) holds the real key; the log shows "…" in its place.
    const saved: string = await alicePage.evaluate(() => localStorage.getItem("framesync.demo.seats") ?? "{}");
    const keys = Object.values(JSON.parse(saved) as Record<string, { reconnectKey?: string }>).map((seat) => seat.reconnectKey ?? "");
    assert.ok(keys.length > 0 && keys.every((k) => k.length >= 16), `saved seats with their reconnectKeys (got ${saved})`);
    const frameSyncs = await events(alicePage, "frameSync");
    assert.ok(frameSyncs.length > 0 && frameSyncs.every((e) => e.payload.reconnectKey === "…"), JSON.stringify(frameSyncs.map((e) => e.payload.reconnectKey)));
    const logText = await alicePage.locator("#event-log").innerText();
    for (const key of keys) assert.ok(!logText.includes(key), "a reconnectKey is in the event log");
  });

  test("a key press in one tab moves that player in the other tab's state", async () => {
    const { alicePage, bobPage, alice } = await twoTabs();
    const before = playerOf(await snapshot(bobPage), alice)!;
    await hold(alicePage, "ArrowRight", 600);
    await hold(alicePage, "KeyS", 300);
    const moved = await until(bobPage, "alice to move right and down in bob's tab", (s) => {
      const p = playerOf(s, alice);
      return p !== undefined && p.x > before.x && p.y > before.y;
    });
    const seenByBob = playerOf(moved, alice)!;
    // 3 px per frame: whole frames of movement, never outside the arena.
    assert.equal((seenByBob.x - before.x) % 3, 0);
    assert.ok(seenByBob.x <= 785 && seenByBob.y <= 485);
    assert.ok((await snapshot(alicePage)).counters.inputsSent > 0);
    assert.ok((await events(bobPage, "playerAction")).some((e) => e.payload.action === "move"));
  });

  test("space jumps and J attacks: the other tab gets the playerActions", async () => {
    const { alicePage, bobPage, alice } = await twoTabs();
    await alicePage.locator("#arena").focus();
    await alicePage.keyboard.press("Space");
    await hold(alicePage, "KeyJ", 300);
    await waitFor(async () => {
      const actions = (await events(bobPage, "playerAction")).map((e) => e.payload.action);
      return actions.includes("jump") && actions.includes("attack");
    }, { timeoutMs: UI_TIMEOUT_MS, what: "jump and attack actions" });
    // Releasing J turns attacking off again.
    await until(bobPage, "attack to end", (s) => playerOf(s, alice)?.attacking === false);
  });

  test("the on-screen pad moves the player too", async () => {
    const { alicePage, bobPage, bob } = await twoTabs();
    const before = playerOf(await snapshot(alicePage), bob)!;
    const pad = bobPage.getByRole("button", { name: "Move down" });
    await pad.hover();
    await bobPage.mouse.down();
    await bobPage.waitForTimeout(400); // the pad is held down for a while, like a thumb on it
    await bobPage.mouse.up();
    await until(alicePage, "bob to move down", (s) => (playerOf(s, bob)?.y ?? 0) > before.y);
  });

  test("chat arrives in the other tab", async () => {
    const { alicePage, bobPage, bob } = await twoTabs();
    await bobPage.getByLabel("Chat message").fill("hello from bob");
    await bobPage.getByRole("button", { name: "Send" }).click();
    await waitFor(
      async () => (await alicePage.evaluate(() => (window as any).__demo.chat())).some((c: any) => c.who === bob && c.message === "hello from bob"),
      { timeoutMs: UI_TIMEOUT_MS, what: "chat in alice's tab" },
    );
    const own = await bobPage.evaluate(() => (window as any).__demo.chat());
    assert.ok(own.some((c: any) => c.self && c.message === "hello from bob"));
  });

  test("the network panel shows a measured round trip and bytes in and out", async () => {
    const { alicePage } = await twoTabs();
    const s = await until(alicePage, "a round trip measurement", (snap) => typeof snap.rtt === "number");
    assert.ok(s.rtt! >= 0 && s.rtt! < 5000);
    assert.ok(s.net.bytesIn > 0 && s.net.bytesOut > 0);
    await assert.doesNotReject(alicePage.getByText(/^\d+ ms$/).waitFor({ timeout: UI_TIMEOUT_MS }));
  });

  test("screenshots at 1280×800 and at phone width", async () => {
    const { alicePage, bobPage } = await twoTabs();
    await alicePage.screenshot({ path: path.join(SHOTS, "two-tabs-1280x800.png") });
    await bobPage.setViewportSize({ width: 390, height: 844 });
    try {
      await bobPage.screenshot({ path: path.join(SHOTS, "two-tabs-phone-390.png"), fullPage: true });
      // On a phone the page does not scroll sideways.
      const overflow = await bobPage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
    } finally {
      await bobPage.setViewportSize({ width: 1280, height: 800 });
    }
  });

  test("drop connection, then Reconnect: the seat and its position come back", async () => {
    const { alicePage, bobPage, alice, roomId } = await twoTabs();
    await alicePage.getByLabel(/auto-reconnect/).uncheck();
    try {
      const before = await settledPlayer(bobPage, alice);
      await alicePage.getByRole("button", { name: "Drop connection" }).click();
      await until(alicePage, "alice's tab to show the drop", (s) => s.status === "dropped");
      const offline = await until(bobPage, "alice offline in bob's tab", (s) => playerOf(s, alice)?.online === false);
      assert.deepEqual([playerOf(offline, alice)!.x, playerOf(offline, alice)!.y], [before.x, before.y]);
      await alicePage.screenshot({ path: path.join(SHOTS, "dropped-1280x800.png") });
      await bobPage.screenshot({ path: path.join(SHOTS, "other-tab-sees-offline-1280x800.png") });

      await alicePage.getByRole("button", { name: "Reconnect" }).click();
      const back = await until(alicePage, "alice back in the room", (s) => s.status === "connected" && playerOf(s, alice)?.online === true);
      assert.equal(back.roomId, roomId);
      assert.deepEqual([playerOf(back, alice)!.x, playerOf(back, alice)!.y], [before.x, before.y]);
      await until(bobPage, "alice online in bob's tab", (s) => playerOf(s, alice)?.online === true);
      await waitFor(async () => (await events(alicePage, "reconnect:ok")).length > 0, { timeoutMs: UI_TIMEOUT_MS, what: "reconnect:ok" });
      assert.ok((await events(bobPage, "playerOnline")).some((e) => e.payload.userId === alice));
    } finally {
      await alicePage.getByLabel(/auto-reconnect/).check();
    }
  });

  test("with SDK auto-reconnect on, a drop heals by itself", async () => {
    const { alicePage, alice } = await twoTabs();
    await until(alicePage, "a connected tab", (s) => s.status === "connected" && playerOf(s, alice)?.online === true);
    const reconnects = (await snapshot(alicePage)).counters.reconnects;
    const okBefore = (await events(alicePage, "reconnect:ok")).length;
    // Time must pass: the page lets the SDK auto-reconnect only rooms older than 1 s.
    await alicePage.waitForTimeout(1100);
    await alicePage.getByRole("button", { name: "Drop connection" }).click();
    const s = await until(alicePage, "the SDK to reconnect", (snap) => snap.status === "connected" && snap.counters.reconnects > reconnects);
    assert.equal(playerOf(s, alice)?.online, true);
    await waitFor(async () => (await events(alicePage, "reconnect:ok")).length > okBefore, { timeoutMs: UI_TIMEOUT_MS, what: "reconnect:ok" });
  });

  test("a page reload reclaims the seat with the saved reconnectKey", async () => {
    const { alicePage, bobPage, alice, roomId } = await twoTabs();
    const before = await settledPlayer(bobPage, alice);
    const oldSession = (await snapshot(alicePage)).sessionId;
    await alicePage.reload();
    await alicePage.waitForFunction(() => "__demo" in window, null, { timeout: UI_TIMEOUT_MS });
    const back = await until(alicePage, "the reloaded tab back in its seat", (s) => s.status === "connected" && s.fps > 0 && s.sessionId !== oldSession && playerOf(s, alice)?.sessionId === s.sessionId);
    assert.equal(back.roomId, roomId);
    assert.equal(back.seatIndex, 0);
    assert.deepEqual([playerOf(back, alice)!.x, playerOf(back, alice)!.y], [before.x, before.y]);
    assert.ok((await events(alicePage, "reconnect:ok")).length > 0);
    // The other tab sees one alice, online, under the new session.
    const other = await until(bobPage, "bob to see alice's new session", (s) => playerOf(s, alice)?.sessionId === back.sessionId && playerOf(s, alice)?.online === true);
    assert.equal(other.players.filter((p) => p.userId === alice).length, 1);
  });

  test("a tab closed abruptly, then a new tab: typing the name enables Reconnect, which takes the seat back", async () => {
    // Its own tabs: this test closes one, which the shared two tabs must not suffer.
    const own = await newContext();
    try {
      let alicePage = await openDemo(own);
      const bobPage = await openDemo(own);
      const alice = uniqueName("alice");
      const first = await joinWithName(alicePage, alice, "Create");
      const token = await alicePage.getByLabel("Access token (JWT)").inputValue();
      await joinByIdAs(bobPage, token, uniqueName("bob"), first.roomId);
      const before = await settledPlayer(bobPage, alice);
      await alicePage.close({ runBeforeUnload: false });
      await until(bobPage, "alice offline after her tab closed", (s) => playerOf(s, alice)?.online === false);
      // A new tab starts with an empty form (it is kept per tab); the seat is kept per user.
      alicePage = await openDemo(own);
      const reconnect = alicePage.getByRole("button", { name: "Reconnect" });
      assert.equal(await reconnect.isEnabled(), false);
      await alicePage.getByLabel("Name (dev token)").fill(alice);
      await waitFor(() => reconnect.isEnabled(), { timeoutMs: UI_TIMEOUT_MS, what: "Reconnect enabled once the name is typed" });
      await reconnect.click();
      const back = await until(alicePage, "the new tab in alice's seat", (s) => s.status === "connected" && s.fps > 0 && playerOf(s, alice)?.sessionId === s.sessionId);
      assert.equal(back.roomId, first.roomId);
      assert.equal(back.seatIndex, 0);
      assert.deepEqual([playerOf(back, alice)!.x, playerOf(back, alice)!.y], [before.x, before.y]);
      await until(bobPage, "alice online again in bob's tab", (s) => playerOf(s, alice)?.online === true);
    } finally {
      await own.close();
    }
  });
});

describe("find match through matchmaker_room, then watch the replay", () => {
  let context: BrowserContext | undefined;
  after(() => context?.close());

  /** Two tabs pressed Find match (recording frames) and are in one matchmade room. */
  const matched = fixture(async () => {
    context = await newContext();
    const pages = [await openDemo(context), await openDemo(context)];
    const names = [uniqueName("mia"), uniqueName("noah")];
    for (const [i, page] of pages.entries()) {
      await page.getByLabel("Name (dev token)").fill(names[i]!);
      await page.getByLabel("Players per match").fill("2");
      await page.getByLabel(/Record frames/).check(); // the match records a replay
      await page.getByRole("button", { name: "Find match" }).click();
    }
    const snapshots = await Promise.all(pages.map((p, i) => until(p, `${names[i]} matched`, (s) => s.status === "connected" && s.fps > 0)));
    return { pages, names, snapshots, roomId: snapshots[0]!.roomId };
  });

  /** The matched tabs played and left: the room saved its replay. */
  const played = fixture(async () => {
    const { pages, roomId } = await matched();
    await hold(pages[0]!, "ArrowRight", 500);
    await hold(pages[1]!, "ArrowUp", 400);
    await pages[0]!.locator("#arena").focus();
    await pages[0]!.keyboard.press("Space");
    await hold(pages[1]!, "KeyJ", 200);
    await settled(pages[0]!);
    for (const page of pages) await page.getByRole("button", { name: "Leave" }).click();
    await waitFor(async () => (await fetch(server.url(`/replays/${roomId}`))).status === 200, { timeoutMs: UI_TIMEOUT_MS, what: "the replay to be saved" });
    return { pages, roomId };
  });

  test("two tabs pressing Find match land in the same matchmade room", async () => {
    const { pages, snapshots } = await matched();
    const [a, b] = snapshots;
    assert.equal(a!.roomId, b!.roomId);
    assert.equal(a!.matchId, b!.matchId);
    assert.notEqual(a!.matchId, "none");
    assert.deepEqual([a!.seatIndex, b!.seatIndex].sort(), [0, 1]);
    assert.ok((await events(pages[0]!, "match:found")).length === 1);
  });

  test("the match is played and both leave: the room saves its replay", async () => {
    const { roomId } = await played();
    const replay = await (await fetch(server.url(`/replays/${roomId}`))).json();
    assert.equal(replay.roomId, roomId);
    assert.equal(replay.players.length, 2);
  });

  test("the Replays view plays it back and the re-run reaches the recorded final positions", async () => {
    const { pages, roomId } = await played();
    const page = pages[0]!;
    const replay = await (await fetch(server.url(`/replays/${roomId}`))).json();
    await page.getByRole("tab", { name: "Replays" }).click();
    await page.getByRole("button", { name: `Watch replay of room ${roomId}` }).click();
    const loaded = await until(page, "the replay to load", (s) => s.replay?.roomId === roomId);
    assert.equal(loaded.replay!.length, replay.frames.length);
    assert.equal(loaded.replay!.matchesFinal, true);

    // Scrub to the middle: paused there.
    const middle = Math.floor(replay.frames.length / 2);
    await page.getByLabel(/^Frame/).fill(String(middle));
    const scrubbed = await until(page, "the scrubber to seek", (s) => s.replay!.position === middle);
    assert.equal(scrubbed.replay!.playing, false);

    await page.getByLabel("Speed").selectOption("8");
    await page.getByRole("button", { name: "Play", exact: true }).click();
    await until(page, "the replay to play on from the middle", (s) => s.replay!.position > middle);
    await page.screenshot({ path: path.join(SHOTS, "replay-playing-1280x800.png") });
    const done = await until(page, "the replay to reach its end", (s) => s.replay!.position === s.replay!.length);
    // What the canvas shows at the end is the recorded final state, player by player.
    const shown = new Map(done.rendered.map((p) => [p.id, [p.x, p.y]]));
    for (const p of replay.final.players) assert.deepEqual(shown.get(p.sessionId), [p.x, p.y], `final position of ${p.userId}`);
    assert.match(await page.locator("#replay-verdict").innerText(), /reproduces the recorded final positions/);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(SHOTS, "replay-phone-390.png"), fullPage: true });
  });
});

describe("a lockstep room", () => {
  let context: BrowserContext | undefined;
  after(() => context?.close());

  /** Every player's lockstep position equals its Schema position, in this page. */
  const lockstepMatchesState = (s: DemoSnapshot) =>
    s.players.length > 0 &&
    s.lockstepPlayers.length === s.players.length &&
    s.players.every((p) => s.lockstepPlayers.some((l) => l.sessionId === p.sessionId && l.x === p.x && l.y === p.y));

  /** One tab created a lockstep room with the toggle, a second tab joined it by id. */
  const lockstepTabs = fixture(async () => {
    context = await newContext();
    const pages = [await openDemo(context), await openDemo(context)];
    const names = [uniqueName("lia"), uniqueName("max")];
    await pages[0]!.getByLabel(/Lockstep/).check();
    const first = await joinWithName(pages[0]!, names[0]!, "Create");
    const token = await pages[0]!.getByLabel("Access token (JWT)").inputValue();
    await joinByIdAs(pages[1]!, token, names[1]!, first.roomId);
    return { pages, names, first };
  });

  test("created with the lockstep toggle, it renders from lockstepFrame: positions equal the server's state", async () => {
    const { pages, first } = await lockstepTabs();
    assert.equal(first.lockstep, true);
    await hold(pages[0]!, "ArrowRight", 500);
    await hold(pages[1]!, "ArrowDown", 500);
    for (const page of pages) {
      await settled(page);
      const s = await until(page, "lockstep copy to equal Schema state", lockstepMatchesState);
      assert.ok(s.counters.lockstepFramesReceived > 0);
      assert.ok(s.lockstepStats.framesApplied > 0);
      assert.equal(s.lockstepStats.gaps, 0);
      // The canvas draws the lockstep copy, and both players have moved in it.
      assert.deepEqual(s.rendered.map((p) => [p.id, p.x, p.y]).sort(), s.lockstepPlayers.map((p) => [p.sessionId, p.x, p.y]).sort());
      const moved = s.players.filter((p) => p.x !== spawnPoint(p.seatIndex).x || p.y !== spawnPoint(p.seatIndex).y);
      assert.equal(moved.length, 2);
    }
    await pages[1]!.screenshot({ path: path.join(SHOTS, "lockstep-1280x800.png") });
  });

  test("after a drop the page catches up with frames:since: no gap, same positions", async () => {
    const { pages } = await lockstepTabs();
    const page = pages[0]!;
    // Time must pass: the page lets the SDK auto-reconnect only rooms older than 1 s.
    await page.waitForTimeout(1100);
    await page.getByRole("button", { name: "Drop connection" }).click();
    await hold(pages[1]!, "ArrowRight", 400); // the other player moves while this one is away
    const s = await until(page, "the catch-up", (snap) => snap.status === "connected" && snap.lockstepStats.catchUps >= 1);
    assert.ok(s.lockstepStats.catchUpFrames > 0);
    assert.equal(s.lockstepStats.reseeds, 0);
    await settled(page);
    await until(page, "lockstep copy to equal Schema state after the catch-up", lockstepMatchesState);
    assert.ok((await events(page, "lockstepFrames")).length >= 1);
  });
});

// Run last, this checks every request of every test above; run alone, it makes its own first.
test("no page requested anything from a host other than the test server", async () => {
  if (!requested.some((u) => u.startsWith("ws://"))) {
    const context = await newContext();
    try {
      await joinWithName(await openDemo(context), uniqueName("olga"), "Create");
    } finally {
      await context.close();
    }
  }
  const origin = new URL(server.url("/"));
  const foreign = requested.filter((u) => {
    const url = new URL(u);
    if (url.protocol === "data:" || url.protocol === "blob:") return false;
    return url.host !== origin.host;
  });
  assert.deepEqual(foreign, []);
  assert.ok(requested.some((u) => u.endsWith("/vendor/colyseus.js")));
  assert.ok(requested.some((u) => u.endsWith("/game/rules.js")));
  assert.ok(requested.some((u) => u.startsWith(`ws://${origin.host}/`)));
  assert.deepEqual(pageErrors, []);
});
