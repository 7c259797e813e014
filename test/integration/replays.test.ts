/**
 * Replays (contract §7): a `recordFrames` room saves its replay when disposed, served by
 * `GET /replays/:roomId` and listed by `GET /replays`; re-running a replay's frames with
 * the shared rules from its start reaches its `final.players` exactly — for random play
 * over real sockets, and for long matches whose oldest frames were dropped for the bounds.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Client, Room } from "@colyseus/sdk";
import { applyPlayerInput, spawnPoint, type SimPlayer } from "../../src/game/rules.ts";
import { checkReplay, simulateReplay, type PlayerRecord, type Replay, type ReplayEntry } from "../../src/game/replay.ts";
import { MAX_MEMORY_REPLAYS } from "../../src/utils/limits.ts";
import { ReplayRecorder, type ReplayRules } from "../../src/replays/recorder.ts";
import { ReplayStore } from "../../src/replays/store.ts";
import { NetProxy, allowQuickReconnect, framesPass, joinGame, nextMessage, playerIn, sdk, startServer, tokenFor, waitFor, type TestServer } from "../support/helpers.ts";

let server: TestServer;

before(async () => {
  server = await startServer({ MATCH_RECONNECT_WINDOW_MS: "15000" });
});
after(() => server.close());

/** A small seeded PRNG, so a failing run can be repeated from the seed in its message. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random inputs of the example game: moves with components far outside [-1, 1], attacks of every accepted type, jumps. */
function randomInputs(rand: () => number): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  const component = () => {
    const r = rand();
    if (r < 0.15) return Math.round((rand() - 0.5) * 20); // far out of range: clamped to ±1
    if (r < 0.3) return [1, -1, 0][Math.floor(rand() * 3)]!;
    return (rand() - 0.5) * 2.6; // fractional, sometimes just past ±1
  };
  if (rand() < 0.8) inputs.move = { x: component(), y: component() };
  if (rand() < 0.3) inputs.attack = [true, false, 1, 0, "slash", null][Math.floor(rand() * 6)];
  if (rand() < 0.2) inputs.jump = rand() < 0.7;
  if (Object.keys(inputs).length === 0) inputs.jump = true;
  return inputs;
}

async function getJson(path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(server.url(path));
  return { status: res.status, body: await res.json() };
}

async function replayOf(roomId: string): Promise<Replay> {
  const { body } = await waitFor(async () => {
    const r = await getJson(`/replays/${roomId}`);
    return r.status === 200 ? r : undefined;
  }, { timeoutMs: 10_000, what: `replay of ${roomId}` });
  return body as Replay;
}

const token = (userId: string) => tokenFor(userId, server.cfg);

describe("a recorded match re-simulates to its final state", () => {
  /**
   * Four players send random inputs at 60 fps over a few hundred frames; meanwhile one
   * leaves, one drops and comes back through the SDK (same session), one drops and
   * reclaims its seat by key on a new connection (new session), and one is replaced by
   * a second tab of the same user (new session).
   */
  async function playRandomMatch(seed: number) {
    const rand = prng(seed);
    const proxy = await new NetProxy(server.port).start();
    const { room: p0 } = await joinGame(sdk(server.endpoint), server.cfg, `rp-${seed}-0`, { recordFrames: true, fps: 60 }, "create");
    const roomId = p0.roomId;
    const join = async (client: Client, userId: string, options: Record<string, unknown> = {}) => {
      const room = await client.joinById(roomId, { token: token(userId), ...options });
      const frameSync = nextMessage(room, "frameSync");
      return { room, frameSync: await frameSync };
    };
    const p1 = (await join(sdk(proxy.endpoint), `rp-${seed}-1`)).room;
    allowQuickReconnect(p1);
    const p2joined = await join(sdk(proxy.endpoint), `rp-${seed}-2`);
    const p2 = p2joined.room;
    p2.reconnection.enabled = false;
    const p3 = (await join(sdk(server.endpoint), `rp-${seed}-3`)).room;

    // Who is sending right now, by seat.
    const active: Array<Room | undefined> = [p0, p1, p2, p3];
    let sent = 0;
    const sender = setInterval(() => {
      for (const room of active) {
        if (!room || rand() < 0.3) continue;
        const inputs = randomInputs(rand);
        // Now and then for a named future frame; now and then a hostile one the server refuses.
        const frame = rand() < 0.15 ? (p0.state as any).frame + 1 + Math.floor(rand() * 20) : undefined;
        if (rand() < 0.03) room.send("input", { inputs: { move: { x: Infinity, y: 1 } } });
        else room.send("input", frame === undefined ? { inputs } : { inputs, frame });
        sent++;
      }
    }, 35);

    try {
      await waitFor(() => (p0.state as any).frame > 90, { timeoutMs: 10_000, what: "90 frames" });

      // Seat 3 leaves for good.
      active[3] = undefined;
      await p3.leave();

      // Seat 1 drops and comes back on the same session (SDK reconnection).
      active[1] = undefined;
      const back = nextMessage(p1, "reconnect:ok", () => true, 10_000);
      const offline1 = nextMessage(p0, "playerOffline", (m) => m.sessionId === p1.sessionId);
      proxy.cut();
      await offline1;
      await back;
      active[1] = p1;

      // Seat 2 (cut above, no SDK reconnection) reclaims by key on a new connection.
      await waitFor(() => playerIn(p0, p2.sessionId)?.online === false, { timeoutMs: 5000, what: "seat 2 offline" });
      await framesPass(p0, 9); // the seat stays empty for a while
      const p2b = (await join(sdk(server.endpoint), `rp-${seed}-2`, { reconnectKey: p2joined.frameSync.reconnectKey })).room;
      assert.notEqual(p2b.sessionId, p2.sessionId);
      active[2] = p2b;
      await framesPass(p0, 18); // the new session plays for a while

      // Seat 0 is taken over by a second tab of the same user; the first gets 4100.
      const replaced = new Promise<number>((resolve) => p0.onLeave((code: number) => resolve(code)));
      active[0] = undefined;
      const p0b = (await join(sdk(server.endpoint), `rp-${seed}-0`)).room;
      assert.equal(await replaced, 4100);
      active[0] = p0b;

      await waitFor(() => (p0b.state as any).frame > 330, { timeoutMs: 15_000, what: "330 frames" });
      clearInterval(sender);
      // Quiet for a few frames, then what the clients see in Schema state is final.
      await framesPass(p0b, 18);
      const seen = new Map<string, SimPlayer>();
      (p0b.state as any).players.forEach((p: any, id: string) => seen.set(id, { x: p.x, y: p.y, attacking: p.attacking }));
      const sessions = { p0: p0.sessionId, p0b: p0b.sessionId, p1: p1.sessionId, p2: p2.sessionId, p2b: p2b.sessionId, p3: p3.sessionId };
      await Promise.all([p0b.leave(), p1.leave(), p2b.leave()]);
      return { roomId, seen, sessions, sent };
    } finally {
      clearInterval(sender);
      await proxy.close();
    }
  }

  for (const seed of [20240611, 7]) {
    test(`random play with a leave, both reconnection paths and a takeover (seed ${seed})`, async () => {
      const { roomId, seen, sessions, sent } = await playRandomMatch(seed);
      const replay = await replayOf(roomId);

      const check = checkReplay(replay);
      assert.ok(check.ok, `seed ${seed}: ${check.mismatches.join("; ")}`);

      assert.equal(replay.roomId, roomId);
      assert.equal(replay.matchId, "none");
      assert.equal(replay.fps, 60);
      assert.ok(replay.startedAt <= replay.endedAt);
      assert.equal(replay.start.frame, 0, "a short match keeps every frame");
      assert.ok(replay.frames.length > 330, `${replay.frames.length} frames`);
      assert.equal(replay.final.frame, replay.frames.at(-1)!.frame);
      const withInputs = replay.frames.filter((f) => f.inputs.length > 0).length;
      assert.ok(withInputs > 100, `${withInputs} frames carry inputs (${sent} inputs sent)`);

      // Everyone who played is listed; the moves to new sessions are events.
      const listed = new Map(replay.players.map((p) => [p.sessionId, p]));
      for (const [name, id] of Object.entries(sessions)) assert.ok(listed.has(id), `${name} (${id}) listed`);
      assert.equal(listed.get(sessions.p2b)!.userId, `rp-${seed}-2`);
      assert.equal(listed.get(sessions.p2b)!.seatIndex, listed.get(sessions.p2)!.seatIndex);
      const renames = replay.events.filter((e) => e.type === "rename").map((e) => e.type === "rename" && [e.from, e.to]);
      assert.deepEqual(renames, [
        [sessions.p2, sessions.p2b],
        [sessions.p0, sessions.p0b],
      ]);
      const joins = replay.events.filter((e) => e.type === "join");
      for (const j of joins) {
        if (j.type !== "join") continue;
        const spawn = spawnPoint(j.seatIndex);
        assert.deepEqual({ x: j.x, y: j.y, attacking: j.attacking }, { ...spawn, attacking: false }, "a join records its spawn position");
      }

      // final.players: the last session of every seat, what the clients saw at the end, exactly.
      const final = new Map(replay.final.players.map((p) => [p.sessionId, p]));
      assert.deepEqual([...final.keys()].sort(), [sessions.p0b, sessions.p1, sessions.p2b, sessions.p3].sort());
      for (const [id, p] of seen) {
        const f = final.get(id)!;
        assert.deepEqual({ x: f.x, y: f.y, attacking: f.attacking }, p, `final state of ${id}`);
      }
      // Something happened: at least one player is off its spawn point.
      assert.ok([...final.values()].some((p) => p.x !== spawnPoint(p.seatIndex).x || p.y !== spawnPoint(p.seatIndex).y));
    });
  }

  test("the checker notices a replay that does not reach its final state", async () => {
    const { room } = await joinGame(sdk(server.endpoint), server.cfg, "rp-tamper", { recordFrames: true, fps: 30 }, "create");
    await waitFor(() => (room.state as any).frame > 5, { timeoutMs: 5000, what: "frames" });
    for (let i = 0; i < 10; i++) {
      room.send("input", { inputs: { move: { x: 1, y: 0.5 } } });
      await framesPass(room, 1); // one move per frame
    }
    await waitFor(() => playerIn(room, room.sessionId)?.x > spawnPoint(0).x, { timeoutMs: 5000, what: "moved" });
    await room.leave();
    const replay = await replayOf(room.roomId);
    assert.ok(checkReplay(replay).ok);

    const moved = replay.frames.find((f) => f.inputs.length > 0)!;
    moved.inputs[0]!.inputs = { move: { x: -1, y: 0.5 } };
    const tampered = checkReplay(replay);
    assert.equal(tampered.ok, false);
    assert.match(tampered.mismatches.join("\n"), /x re-run/);
  });
});

describe("GET /replays", () => {
  test("lists the most recent replays first, with their frame counts; ?limit bounds it", async () => {
    const ids: string[] = [];
    for (const name of ["rl-a", "rl-b"]) {
      const { room } = await joinGame(sdk(server.endpoint), server.cfg, name, { recordFrames: true }, "create");
      await waitFor(() => (room.state as any).frame > 3, { timeoutMs: 5000, what: "frames" });
      await room.leave();
      await replayOf(room.roomId);
      ids.push(room.roomId);
    }
    const { status, body } = await getJson("/replays");
    assert.equal(status, 200);
    assert.ok(Array.isArray(body));
    assert.deepEqual(body.slice(0, 2).map((r: any) => r.roomId), [ids[1], ids[0]]);
    for (const row of body) {
      assert.deepEqual(Object.keys(row).sort(), ["endedAt", "frameCount", "matchId", "roomId", "startedAt"]);
    }
    for (let i = 1; i < body.length; i++) assert.ok(body[i - 1].endedAt >= body[i].endedAt, "newest first");
    const replay = await replayOf(ids[1]!);
    assert.equal(body[0].frameCount, replay.frames.length);
    assert.equal(body[0].startedAt, replay.startedAt);

    assert.equal((await getJson("/replays?limit=1")).body.length, 1);
    assert.equal((await getJson("/replays?limit=0")).status, 400);
    assert.equal((await getJson("/replays?limit=abc")).status, 400);
  });

  test("an unknown room, a malformed id and a room that did not record answer 404", async () => {
    assert.equal((await getJson("/replays/nosuchroom")).status, 404);
    assert.equal((await getJson(`/replays/${"x".repeat(200)}`)).status, 404);
    assert.equal((await getJson("/replays/bad%20id")).status, 404);

    const { room } = await joinGame(sdk(server.endpoint), server.cfg, "rl-plain", {}, "create");
    await waitFor(() => (room.state as any).frame > 3, { timeoutMs: 5000, what: "frames" });
    await room.leave();
    // The room is gone (its id no longer joinable) and saved nothing.
    await waitFor(async () => {
      try {
        const r = await sdk(server.endpoint).joinById(room.roomId, { token: token("rl-plain-2") });
        await r.leave();
        return false;
      } catch {
        return true;
      }
    }, { timeoutMs: 5000, what: "room disposed" });
    assert.equal((await getJson(`/replays/${room.roomId}`)).status, 404);
  });
});

describe("bounds", () => {
  /** The example game's replay rules, as GameRoomExample gives them to the recorder. */
  const rules: ReplayRules<SimPlayer> = {
    capture: (p) => ({ x: (p as any).x, y: (p as any).y, attacking: (p as any).attacking }),
    apply: applyPlayerInput,
  };

  /**
   * Plays a long random match straight into a recorder with tiny bounds, next to a
   * plain model of the room, so most frames are dropped into the start snapshot.
   */
  function longMatch(seed: number, bounds: { maxFrames: number; maxBytes: number }) {
    const rand = prng(seed);
    const recorder = new ReplayRecorder(rules, bounds);
    const present = new Map<string, PlayerRecord>();
    const leftAt = new Map<string, { frame: number; last: PlayerRecord }>();
    let next = 0;
    const FRAMES = 600;
    for (let frame = 0; frame < FRAMES; frame++) {
      const r = rand();
      if ((r < 0.04 && present.size < 6) || present.size === 0) {
        const seatIndex = Math.floor(rand() * 8);
        const p: PlayerRecord = { sessionId: `s${next++}`, userId: `u${seatIndex}`, seatIndex, ...spawnPoint(seatIndex), attacking: false };
        present.set(p.sessionId, p);
        recorder.join(frame, { ...p });
      } else if (r < 0.06) {
        const [id, p] = [...present][Math.floor(rand() * present.size)]!;
        present.delete(id);
        leftAt.set(id, { frame, last: { ...p } });
        recorder.leave(frame, { ...p });
      } else if (r < 0.08) {
        const [id, p] = [...present][Math.floor(rand() * present.size)]!;
        const to = `s${next++}`;
        present.delete(id);
        present.set(to, { ...p, sessionId: to });
        recorder.rename(frame, id, to);
      }
      const entries: ReplayEntry[] = [];
      for (const p of present.values()) {
        if (rand() < 0.5) continue;
        const inputs = randomInputs(rand);
        applyPlayerInput(p, inputs);
        entries.push({ sessionId: p.sessionId, seatIndex: p.seatIndex, inputs });
      }
      recorder.record(frame, 1_700_000_000_000 + frame * 50, entries);
    }
    const built = recorder.build({ roomId: "long", matchId: "none", fps: 20, startedAt: 1, endedAt: 2 }, [...present.values()], FRAMES - 1)!;
    return { built, replay: JSON.parse(built.json) as Replay, present, leftAt, recorder, FRAMES };
  }

  for (const [name, bounds] of [
    ["frames", { maxFrames: 100, maxBytes: 1 << 30 }],
    ["bytes", { maxFrames: 1_000_000, maxBytes: 12_000 }],
  ] as const) {
    for (const seed of [1, 2, 3]) {
      test(`a match longer than the ${name} bound keeps its newest frames and still re-simulates exactly (seed ${seed})`, () => {
        const { built, replay, present, leftAt, recorder, FRAMES } = longMatch(seed, bounds);
        assert.ok(Buffer.byteLength(built.json) <= bounds.maxBytes, "within the byte bound");
        assert.ok(replay.frames.length <= bounds.maxFrames, "within the frame bound");
        assert.ok(replay.start.frame > 0, "older frames were dropped");
        assert.equal(replay.start.frame + replay.frames.length, FRAMES);
        assert.equal(recorder.droppedFrames, replay.start.frame);
        assert.equal(replay.frames.at(-1)!.frame, FRAMES - 1);

        const check = checkReplay(replay);
        assert.ok(check.ok, check.mismatches.join("; "));
        // final.players: everyone still in, and whoever left within the kept span.
        const expected = [...present.keys()];
        for (const [id, { frame }] of leftAt) if (frame >= replay.start.frame) expected.push(id);
        assert.deepEqual(replay.final.players.map((p) => p.sessionId).sort(), expected.sort());
        assert.deepEqual(simulateReplay(replay).present.size, present.size);
      });
    }
  }

  test(`without Redis at most ${MAX_MEMORY_REPLAYS} replays stay in memory; the oldest go first`, async () => {
    const store = new ReplayStore(undefined, 3600);
    for (let i = 0; i < MAX_MEMORY_REPLAYS + 10; i++) {
      await store.save({ roomId: `mem${i}`, matchId: "none", startedAt: i, endedAt: 1000 + i, frameCount: 0 }, `{"roomId":"mem${i}"}`);
    }
    assert.equal(store.localCount, MAX_MEMORY_REPLAYS);
    assert.equal(await store.get("mem0"), undefined);
    assert.equal(await store.get(`mem${MAX_MEMORY_REPLAYS + 9}`), `{"roomId":"mem${MAX_MEMORY_REPLAYS + 9}"}`);
    const listed = await store.list(5);
    assert.deepEqual(listed.map((r) => r.roomId), [59, 58, 57, 56, 55].map((i) => `mem${i}`));
  });
});
