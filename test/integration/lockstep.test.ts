/**
 * Lockstep rooms (contract §7) with real SDK clients: every player gets every frame once
 * and in order, with one entry per player; a dropped client fills its gap with
 * `frames:since` after either reconnection path; frames past the kept window are
 * answered with FRAMES_EXPIRED.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Room } from "@colyseus/sdk";
import { mergeInputs } from "../../src/game/merge.ts";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { FRAMES_SINCE_MIN_INTERVAL_MS } from "../../src/utils/limits.ts";
import { NetProxy, allowQuickReconnect, elapse, joinGame, nextMessage, playerIn, sdk, startServer, tokenFor, waitFor, type TestServer } from "../support/helpers.ts";

/** Short kept window so the expiry test waits seconds, not the contract's 10 s (config LOCKSTEP_HISTORY_S). */
const HISTORY_S = 3;
const FPS = 20;
let server: TestServer;

before(async () => {
  server = await startServer({ LOCKSTEP_HISTORY_S: String(HISTORY_S), MATCH_RECONNECT_WINDOW_MS: "15000" });
});
after(() => server.close());

interface Entry {
  sessionId: string;
  seatIndex: number;
  inputs: Record<string, unknown> | null;
  previousSessionId?: string;
}
interface LockstepFrame {
  frame: number;
  timestamp?: number;
  inputs: Entry[];
}

/**
 * What a deterministic client does with the frames: applies them strictly in order,
 * once each. A live frame past a gap waits in a buffer until `frames:since` fills the
 * gap; frames it already has are skipped. Any gap or reordering fails the test.
 */
class FrameLog {
  readonly applied: LockstepFrame[] = [];
  readonly received: LockstepFrame[] = [];
  private buffer: LockstepFrame[] = [];
  duplicatesSkipped = 0;

  constructor(room: Room) {
    this.attach(room);
  }

  /** Follows a room's live frames (a new Room object after a reconnect-key rejoin). */
  attach(room: Room): void {
    room.onMessage("lockstepFrame", (msg: LockstepFrame) => {
      this.received.push(msg);
      if (this.applied.length === 0 || msg.frame === this.last + 1) this.apply(msg);
      else if (msg.frame > this.last + 1) this.buffer.push(msg);
      else this.duplicatesSkipped++;
    });
  }

  get last(): number {
    return this.applied.at(-1)?.frame ?? -1;
  }

  get waiting(): number {
    return this.buffer.length;
  }

  /** The `lockstepFrames` answer, then whatever arrived meanwhile. */
  catchUp(frames: LockstepFrame[]): void {
    const pending = [...frames, ...this.buffer.sort((a, b) => a.frame - b.frame)];
    this.buffer = [];
    for (const f of pending) {
      if (f.frame <= this.last) {
        this.duplicatesSkipped++;
        continue;
      }
      assert.equal(f.frame, this.last + 1, `gap after catch-up: frame ${this.last} then ${f.frame}`);
      this.apply(f);
    }
  }

  private apply(msg: LockstepFrame): void {
    this.applied.push(msg);
  }
}

/** Frame numbers strictly consecutive, no duplicates. */
function assertConsecutive(frames: LockstepFrame[], what: string): void {
  for (let i = 1; i < frames.length; i++) {
    assert.equal(frames[i]!.frame, frames[i - 1]!.frame + 1, `${what}: frame ${frames[i - 1]!.frame} followed by ${frames[i]!.frame}`);
  }
}

/** The (frame, entries) of `frames` within [from, to], without timestamps. */
function slice(frames: LockstepFrame[], from: number, to: number): Array<{ frame: number; inputs: Entry[] }> {
  return frames.filter((f) => f.frame >= from && f.frame <= to).map((f) => ({ frame: f.frame, inputs: f.inputs }));
}

async function createLockstepRoom(userId: string, options: Record<string, unknown> = {}) {
  const joined = await joinGame(sdk(server.endpoint), server.cfg, userId, { lockstep: true, fps: FPS, ...options }, "create");
  return { ...joined, log: new FrameLog(joined.room) };
}

/** Joins `roomId` and starts logging frames in the same microtask the join resolves in. */
async function joinLockstep(endpoint: string, roomId: string, userId: string, options: Record<string, unknown> = {}) {
  const room = await sdk(endpoint).joinById(roomId, { token: tokenFor(userId, server.cfg), ...options });
  const log = new FrameLog(room);
  const frameSync = nextMessage(room, "frameSync");
  return { room, log, frameSync: await frameSync };
}

async function framesSince(room: Room, frame: number): Promise<LockstepFrame[]> {
  const answer = nextMessage<{ frames: LockstepFrame[] }>(room, "lockstepFrames");
  room.send("frames:since", { frame });
  return (await answer).frames;
}

describe("lockstepFrame", () => {
  test("two players get every frame once, in order, each with both players' entries ordered by seat", async () => {
    const a = await createLockstepRoom("ls-alice");
    assert.equal(a.frameSync.lockstep, true);
    const b = await joinLockstep(server.endpoint, a.room.roomId, "ls-bob");
    const ids = [a.room.sessionId, b.room.sessionId];
    // Frames from the first one that lists both players.
    const first = await waitFor(() => a.log.applied.find((f) => f.inputs.length === 2)?.frame, { timeoutMs: 5000, what: "a frame with both players" });
    await waitFor(() => a.log.last >= first + 40 && b.log.last >= first + 40, { timeoutMs: 10_000, what: "40 more frames" });

    for (const log of [a.log, b.log]) {
      assertConsecutive(log.received, "live frames");
      assert.equal(log.duplicatesSkipped, 0);
      for (const f of log.received.filter((f) => f.frame >= first)) {
        assert.deepEqual(
          f.inputs.map((e) => [e.seatIndex, e.sessionId]),
          [
            [0, ids[0]],
            [1, ids[1]],
          ],
          `frame ${f.frame} entries`,
        );
        for (const e of f.inputs) assert.equal(e.inputs, null, "nobody sent input");
      }
    }
    // Both saw the same frames.
    const to = Math.min(a.log.last, b.log.last);
    assert.deepEqual(slice(b.log.received, first, to), slice(a.log.received, first, to));
    await Promise.all([a.room.leave(), b.room.leave()]);
  });

  test("four players: each sent input is in exactly one frame, in its sender's entry, merged as the tick merged it", async () => {
    const a = await createLockstepRoom("ls-p0");
    const others = [];
    for (const name of ["ls-p1", "ls-p2", "ls-p3"]) others.push(await joinLockstep(server.endpoint, a.room.roomId, name));
    const players = [a, ...others];
    await waitFor(() => players.every((p) => p.log.applied.at(-1)?.inputs.length === 4), { timeoutMs: 5000, what: "frames listing all four players" });

    const MARKERS = 8;
    const base = Math.max(...players.map((p) => p.log.last)) + 8;
    players.forEach((p, c) => {
      for (let k = 0; k < MARKERS; k++) p.room.send("input", { inputs: { attack: `m-${c}-${k}` }, frame: base + 2 * k });
    });
    // Two messages for one frame are merged once, by the tick: the one-shot jump survives its release.
    const mergedFrame = base + 2 * MARKERS + 1;
    a.room.send("input", { inputs: { jump: true, move: { x: 1, y: 0 } }, frame: mergedFrame });
    a.room.send("input", { inputs: { jump: false, move: { x: 0, y: 1 } }, frame: mergedFrame });
    const end = mergedFrame + 2;
    await waitFor(() => players.every((p) => p.log.last >= end), { timeoutMs: 10_000, what: `frame ${end} everywhere` });

    for (const [c, p] of players.entries()) {
      assertConsecutive(p.log.received, `player ${c} live frames`);
      const frames = p.log.received.filter((f) => f.frame >= base - 1 && f.frame <= end);
      for (const f of frames) {
        assert.equal(f.inputs.length, 4, `frame ${f.frame} has every player`);
        assert.deepEqual(f.inputs.map((e) => e.seatIndex), [0, 1, 2, 3]);
      }
      for (const [sender, q] of players.entries()) {
        for (let k = 0; k < MARKERS; k++) {
          const marker = `m-${sender}-${k}`;
          const hits = frames.flatMap((f) => f.inputs.filter((e) => e.inputs?.attack === marker).map((e) => ({ frame: f.frame, e })));
          assert.equal(hits.length, 1, `${marker} seen by player ${c} in exactly one frame`);
          assert.equal(hits[0]!.e.sessionId, q.room.sessionId, `${marker} in its sender's entry`);
          assert.ok(hits[0]!.frame >= base + 2 * k, `${marker} not before the frame it named`);
        }
      }
      const merged = frames.find((f) => f.frame === mergedFrame)!.inputs.find((e) => e.sessionId === a.room.sessionId)!;
      assert.deepEqual(merged.inputs, mergeInputs(mergeInputs(undefined, { jump: true, move: { x: 1, y: 0 } }), { jump: false, move: { x: 0, y: 1 } }));
      assert.deepEqual(merged.inputs, { jump: true, move: { x: 0, y: 1 } });
    }
    const to = Math.min(...players.map((p) => p.log.last));
    for (const p of others) assert.deepEqual(slice(p.log.received, base, to), slice(a.log.received, base, to));
    await Promise.all(players.map((p) => p.room.leave()));
  });
});

describe("catching up after a drop with frames:since", () => {
  test("SDK reconnection: the dropped client gets exactly the frames it missed, and its offline entry was kept", async () => {
    const proxy = await new NetProxy(server.port).start();
    const a = await createLockstepRoom("cu-alice");
    const b = await joinLockstep(proxy.endpoint, a.room.roomId, "cu-bob");
    allowQuickReconnect(b.room);
    // Long enough away that several frames are missed.
    b.room.reconnection.minDelay = 400;
    b.room.reconnection.delay = 400;
    await waitFor(() => b.log.applied.at(-1)?.inputs.length === 2, { timeoutMs: 5000, what: "bob in the frames" });

    // Alice moves the whole time, so the missed frames carry inputs.
    const mover = setInterval(() => a.room.send("input", { inputs: { move: { x: 1, y: 0 } } }), 40);
    try {
      await waitFor(() => b.log.last >= a.log.last - 1 && b.log.applied.some((f) => f.inputs[0]?.inputs), { timeoutMs: 5000, what: "bob in sync" });
      const offline = nextMessage(a.room, "playerOffline");
      const ok = nextMessage(b.room, "reconnect:ok", () => true, 10_000);
      proxy.cut();
      await offline;
      const lastBeforeDrop = b.log.last;
      await ok;
      const caughtUp = await framesSince(b.room, lastBeforeDrop);

      assertConsecutive(caughtUp, "lockstepFrames");
      assert.equal(caughtUp[0]!.frame, lastBeforeDrop + 1, "starts right after the client's last frame");
      assert.ok(caughtUp.length >= 5, `missed ${caughtUp.length} frames`);
      for (const f of caughtUp) assert.equal(typeof f.timestamp, "number");
      b.log.catchUp(caughtUp);
      await waitFor(() => b.log.waiting === 0 && b.log.last >= caughtUp.at(-1)!.frame + 5, { timeoutMs: 5000, what: "live frames after the catch-up" });

      // What bob applied is what alice saw live, frame for frame: no gap, no duplicate.
      assertConsecutive(b.log.applied, "bob's applied frames");
      const from = b.log.applied[0]!.frame;
      const to = Math.min(a.log.last, b.log.last);
      assert.deepEqual(slice(b.log.applied, from, to), slice(a.log.received, from, to));
      // While bob was away his entry stayed in every frame, with no inputs.
      const away = caughtUp.slice(1, -1);
      assert.ok(away.every((f) => f.inputs.some((e) => e.sessionId === b.room.sessionId && e.inputs === null)), "offline player still listed");
      assert.ok(away.some((f) => f.inputs.some((e) => e.sessionId === a.room.sessionId && e.inputs)), "alice's moves are in the missed frames");
    } finally {
      clearInterval(mover);
      await Promise.all([a.room.leave(), b.room.leave()]);
      await proxy.close();
    }
  });

  test("reconnect key on a new connection: the catch-up shows the move to the new session once, with no gap", async () => {
    const proxy = await new NetProxy(server.port).start();
    const a = await createLockstepRoom("ck-alice");
    const b = await joinLockstep(proxy.endpoint, a.room.roomId, "ck-bob");
    b.room.reconnection.enabled = false;
    const oldSession = b.room.sessionId;
    await waitFor(() => b.log.applied.at(-1)?.inputs.length === 2, { timeoutMs: 5000, what: "bob in the frames" });
    b.room.send("input", { inputs: { move: { x: 1, y: 1 } } });
    await waitFor(() => playerIn(a.room, oldSession)?.x > 100, { timeoutMs: 5000, what: "bob moved" });

    const offline = nextMessage(a.room, "playerOffline");
    proxy.cut();
    await offline;
    const lastBeforeDrop = b.log.last;
    // The room plays on while bob is away: there is something to catch up on.
    await waitFor(() => a.log.last >= lastBeforeDrop + 6, { timeoutMs: 5000, what: "frames while bob is away" });

    // The app relaunched: a new connection with the persisted key gets the seat and a new sessionId.
    const b2 = await sdk(server.endpoint).joinById(a.room.roomId, { token: tokenFor("ck-bob", server.cfg), reconnectKey: b.frameSync.reconnectKey });
    b.log.attach(b2);
    assert.notEqual(b2.sessionId, oldSession);
    await nextMessage(b2, "reconnect:ok");
    const caughtUp = await framesSince(b2, lastBeforeDrop);
    assertConsecutive(caughtUp, "lockstepFrames");
    assert.equal(caughtUp[0]!.frame, lastBeforeDrop + 1);
    b.log.catchUp(caughtUp);
    await waitFor(() => b.log.waiting === 0 && b.log.last >= caughtUp.at(-1)!.frame + 3, { timeoutMs: 5000, what: "live frames after the catch-up" });

    assertConsecutive(b.log.applied, "bob's applied frames");
    const to = Math.min(a.log.last, b.log.last);
    const from = b.log.applied[0]!.frame;
    assert.deepEqual(slice(b.log.applied, from, to), slice(a.log.received, from, to));

    // Old session until the move, the new one from then on, announced in exactly one frame.
    const seatOne = b.log.applied.map((f) => ({ frame: f.frame, entry: f.inputs.find((e) => e.seatIndex === 1)! }));
    const switchAt = seatOne.findIndex((s) => s.entry.sessionId === b2.sessionId);
    assert.ok(switchAt > 0, "the new session appears");
    assert.ok(seatOne.slice(0, switchAt).every((s) => s.entry.sessionId === oldSession));
    assert.ok(seatOne.slice(switchAt).every((s) => s.entry.sessionId === b2.sessionId));
    assert.equal(seatOne[switchAt]!.entry.previousSessionId, oldSession);
    assert.equal(seatOne.filter((s) => s.entry.previousSessionId !== undefined).length, 1, "previousSessionId only in the first frame");
    for (const f of b.log.applied) assert.equal(f.inputs.length, 2, "never both sessions at once");
    await Promise.all([a.room.leave(), b2.leave()]);
    await proxy.close();
  });
});

describe("the kept window", () => {
  test(`frames older than LOCKSTEP_HISTORY_S (${HISTORY_S} s here) are answered with FRAMES_EXPIRED; newer ones are all there`, async () => {
    const a = await createLockstepRoom("ex-alice");
    const kept = HISTORY_S * FPS;
    await waitFor(() => a.log.last > kept + 10, { timeoutMs: (HISTORY_S + 10) * 1000, what: "the window to fill" });

    const expired = nextMessage(a.room, "error");
    a.room.send("frames:since", { frame: 0 });
    const err = await expired;
    assert.equal(err.code, "FRAMES_EXPIRED");
    assert.match(err.message, /oldest kept/);

    // frames:since is rate limited per connection: the next ask must come after the interval.
    await elapse(FRAMES_SINCE_MIN_INTERVAL_MS + 50);
    const since = a.log.last - kept + 5;
    const frames = await framesSince(a.room, since);
    assert.equal(frames[0]!.frame, since + 1);
    assertConsecutive(frames, "lockstepFrames");
    assert.ok(frames.at(-1)!.frame >= a.log.last - 1, "up to the current frame");

    await elapse(FRAMES_SINCE_MIN_INTERVAL_MS + 50); // the rate limit's interval again
    const none = await framesSince(a.room, a.log.last + 1_000);
    assert.deepEqual(none, [], "nothing after a frame not yet simulated");

    // Asking again at once is refused: each answer can be the whole window.
    const limited = nextMessage(a.room, "error");
    a.room.send("frames:since", { frame: a.log.last });
    assert.equal((await limited).code, "RATE_LIMITED");
    await a.room.leave();
  });

  test("a room without lockstep answers frames:since with NOT_LOCKSTEP", async () => {
    const { room } = await joinGame(sdk(server.endpoint), server.cfg, "ex-plain", {}, "create");
    const err = nextMessage(room, "error");
    room.send("frames:since", { frame: 0 });
    assert.equal((await err).code, "NOT_LOCKSTEP");
    await room.leave();
  });

  test("the window defaults to the contract's 10 s and cannot be lowered in production", () => {
    assert.equal(loadConfig({}).lockstepHistoryS, 10);
    assert.throws(() => loadConfig({ NODE_ENV: "production", JWT_SECRET: "s", LOCKSTEP_HISTORY_S: "3" }), ConfigError);
    assert.equal(loadConfig({ NODE_ENV: "production", JWT_SECRET: "s", LOCKSTEP_HISTORY_S: "30" }).lockstepHistoryS, 30);
  });
});
