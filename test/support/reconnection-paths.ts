/**
 * Every reconnection path of contract §3 "Disconnects and reconnection", written once
 * and run by two test files: in process memory (reconnection.test.ts) and with
 * REDIS_URL (reconnection-redis.test.ts). Each file boots one real server; the
 * record checks differ (`RecordProbe`), the behaviour does not.
 */
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { matchMaker } from "@colyseus/core";
import type { Client, Room } from "@colyseus/sdk";
import { reconnectStore } from "../../src/reconnection/reconnectStore.ts";
import { metrics } from "../../src/utils/metrics.ts";
import { NetProxy, allowQuickReconnect, collect, joinedOnServer, leaveCode, nextMessage, playerIn, sdk, tokenFor, waitFor, type TestServer } from "./helpers.ts";
import { elapse, settlesWithin } from "./wait.ts";

/** What a held seat's reconnect record must hold (contract §3). */
export interface HeldRecord {
  roomId: string;
  seatIndex: number;
  reconnectKey: string;
}

/** Where the suite looks for reconnect records: process memory or Redis. */
export interface RecordProbe {
  /** Asserts the record of (matchId, userId) exists with these fields and a TTL of at most the window. */
  expectHeld(matchId: string, userId: string, expected: HeldRecord, windowMs: number): Promise<void>;
  /** Waits until the record of (matchId, userId) is gone. */
  expectGone(matchId: string, userId: string): Promise<void>;
}

export interface SuiteOptions {
  server: () => TestServer;
  windowMs: number;
  probe: RecordProbe;
  /** Makes user ids unique to this run (shared Redis databases outlive a test process). */
  user: (name: string) => string;
}

/** What a client persists to come back after an app relaunch: nothing else survives it. */
interface Persisted {
  roomId: string;
  matchId: string;
  reconnectKey: string;
}

interface Joined {
  room: Room;
  frameSync: any;
}

/** Listeners are attached in the microtask the join resolves in, before any later message arrives. */
async function joinById(client: Client, roomId: string, options: Record<string, unknown>): Promise<Joined & { ok: Promise<any> }> {
  const room = await client.joinById(roomId, options);
  const ok = nextMessage(room, "reconnect:ok");
  ok.catch(() => {}); // awaited only by the tests that expect it
  const frameSync = await nextMessage(room, "frameSync");
  return { room, frameSync, ok };
}

async function refusal(join: Promise<unknown>): Promise<{ code: number; message: string }> {
  let room: Room | undefined;
  try {
    room = (await join) as Room;
  } catch (err) {
    return err as { code: number; message: string };
  }
  await room.leave().catch(() => {});
  throw new Error("the join was accepted");
}

/** Leaves if still connected; a room whose connection is already gone never answers leave(). */
export async function leaveQuietly(room: Room): Promise<void> {
  await settlesWithin(room.leave(), 1000);
}

/** The server-side room (the server runs in this process). */
function serverRoom(roomId: string): any {
  const room = matchMaker.getLocalRoomById(roomId);
  assert.ok(room, `room ${roomId} is not in this process`);
  return room;
}

async function seatsHeldGauge(): Promise<number> {
  return (await metrics.seatsHeld.get()).values[0]?.value ?? 0;
}

export function reconnectionSuite({ server, windowMs, probe, user }: SuiteOptions): void {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    // A room whose connection is already gone never answers leave(): do not wait on it.
    for (const fn of cleanups.splice(0).reverse()) await settlesWithin(Promise.resolve().then(fn), 1000);
  });

  const token = (name: string) => tokenFor(user(name), server().cfg);

  async function proxy(): Promise<NetProxy> {
    const p = await new NetProxy(server().port).start();
    cleanups.push(() => p.close());
    return p;
  }

  function leaveLater(room: Room): void {
    cleanups.push(() => room.leave());
  }

  /**
   * Alice creates a room; Bob joins it through `bobProxy` (so the test can cut or
   * freeze his connection) and moves a few frames. Returns what Bob would persist.
   */
  async function aliceAndBob(bobProxy: NetProxy) {
    const aliceClient = sdk(server().endpoint);
    const alice = await aliceClient.create("game_room", { token: token("alice") });
    leaveLater(alice);
    await nextMessage(alice, "frameSync");
    const bob = await joinById(sdk(bobProxy.endpoint), alice.roomId, { token: token("bob") });
    leaveLater(bob.room);
    const persisted: Persisted = { roomId: bob.room.roomId, matchId: bob.frameSync.matchId, reconnectKey: bob.frameSync.reconnectKey };
    assert.equal(persisted.matchId, "none");
    assert.equal(typeof persisted.reconnectKey, "string");
    await waitFor(() => playerIn(alice, bob.room.sessionId), { timeoutMs: 5000, what: "bob in alice's state" });

    // Bob is mid-move when the network goes: he keeps sending while the test cuts.
    const moved = nextMessage(alice, "playerAction", (m) => m.sessionId === bob.room.sessionId && m.action === "move");
    bob.room.send("input", { inputs: { move: { x: 1, y: 1 } } });
    await moved;
    await joinedOnServer(bob.room);
    return { alice, bob: bob.room, bobSync: bob.frameSync, persisted };
  }

  /** Bob's player as Alice sees it, once the server has marked him offline. */
  async function offlineSnapshot(alice: Room, bobSessionId: string) {
    const p = await waitFor(() => (playerIn(alice, bobSessionId)?.online === false ? playerIn(alice, bobSessionId) : undefined), { timeoutMs: 5000, what: "bob offline in state" });
    return { x: p.x, y: p.y, seatIndex: p.seatIndex, userId: p.userId };
  }

  /** The seat came back under `sessionId` with everything it had. */
  async function expectSeatBack(alice: Room, sessionId: string, before: { x: number; y: number; seatIndex: number; userId: string }, oldSessionId?: string) {
    const p = await waitFor(() => (playerIn(alice, sessionId)?.online === true ? playerIn(alice, sessionId) : undefined), { timeoutMs: 5000, what: "bob online again" });
    assert.deepEqual({ x: p.x, y: p.y, seatIndex: p.seatIndex, userId: p.userId }, before, "position and seat kept");
    if (oldSessionId && oldSessionId !== sessionId) {
      await waitFor(() => !playerIn(alice, oldSessionId), { timeoutMs: 5000, what: "old session removed from state" });
    }
    assert.equal((alice.state as any).players.size, 2, "still exactly two players");
  }

  describe("an unexpected disconnect holds the seat", () => {
    test("an abruptly terminated socket holds the seat and the SDK's own reconnection takes it back, position kept", async () => {
      const p = await proxy();
      const { alice, bob } = await aliceAndBob(p);
      allowQuickReconnect(bob);
      const bobSessionId = bob.sessionId;
      const offline = nextMessage(alice, "playerOffline");
      const online = nextMessage(alice, "playerOnline");
      const ok = nextMessage(bob, "reconnect:ok");
      const dropped = new Promise<number>((resolve) => bob.onDrop((code: number) => resolve(code)));

      p.cut();
      assert.equal(await dropped, 1006, "the SDK saw an abnormal closure");
      assert.deepEqual(await offline, { sessionId: bobSessionId, userId: user("bob"), reconnectWindowMs: windowMs });

      assert.deepEqual(await ok, { matchId: "none", sessionId: bobSessionId });
      assert.deepEqual(await online, { sessionId: bobSessionId, userId: user("bob") });
      const p1 = await waitFor(() => (playerIn(alice, bobSessionId)?.online ? playerIn(alice, bobSessionId) : undefined), { timeoutMs: 5000, what: "online in state" });
      const at = { x: p1.x, y: p1.y };
      await probe.expectGone("none", user("bob"));

      // Still playing: the next move starts from where he was.
      const moved = nextMessage(alice, "playerAction", (m) => m.sessionId === bobSessionId && m.action === "move");
      bob.send("input", { inputs: { move: { x: -1, y: 0 } } });
      const move = await moved;
      assert.deepEqual({ x: move.data.x, y: move.data.y }, { x: at.x - 3, y: at.y });
    });

    test("a silent client (socket open, nothing answered) is dropped by the ping within 10 s, held, and reconnects", async () => {
      const p = await proxy();
      const { alice, bob, bobSync } = await aliceAndBob(p);
      bob.reconnection.enabled = false; // the phone is asleep: nobody retries until it wakes
      const offline = nextMessage(alice, "playerOffline", () => true, 15_000);
      const t0 = Date.now();
      p.freeze();
      const off = await offline;
      const detectedMs = Date.now() - t0;
      assert.ok(detectedMs <= 10_000, `silent client detected after ${detectedMs} ms`);
      assert.equal(off.sessionId, bob.sessionId);
      const before = await offlineSnapshot(alice, bob.sessionId);
      await probe.expectHeld("none", user("bob"), { roomId: alice.roomId, seatIndex: bobSync.seatIndex, reconnectKey: bobSync.reconnectKey }, windowMs);

      // The phone wakes on another network and resumes with the SDK's reconnection token.
      const online = nextMessage(alice, "playerOnline");
      const back = await sdk(server().endpoint).reconnect(bob.reconnectionToken);
      leaveLater(back);
      const ok = await nextMessage(back, "reconnect:ok");
      assert.deepEqual(ok, { matchId: "none", sessionId: bob.sessionId });
      assert.equal((await online).sessionId, bob.sessionId);
      await expectSeatBack(alice, bob.sessionId, before);
      await probe.expectGone("none", user("bob"));
    });
  });

  describe("reclaiming a held seat with its reconnectKey (path 2)", () => {
    test("a relaunched app with only roomId, matchId and reconnectKey gets its seat back under a new sessionId, position kept", async () => {
      const p = await proxy();
      const { alice, bob, bobSync, persisted } = await aliceAndBob(p);
      bob.reconnection.enabled = false; // the app is killed: its SDK instance is gone
      const offline = nextMessage(alice, "playerOffline");
      bob.send("input", { inputs: { move: { x: 1, y: 0 } } });
      p.cut();
      await offline;
      const before = await offlineSnapshot(alice, bob.sessionId);
      await probe.expectHeld("none", user("bob"), { roomId: persisted.roomId, seatIndex: bobSync.seatIndex, reconnectKey: persisted.reconnectKey }, windowMs);

      const online = nextMessage(alice, "playerOnline");
      const relaunched = await joinById(sdk(server().endpoint), persisted.roomId, { token: token("bob"), matchId: persisted.matchId, reconnectKey: persisted.reconnectKey });
      leaveLater(relaunched.room);
      const newSessionId = relaunched.room.sessionId;
      assert.notEqual(newSessionId, bob.sessionId);
      assert.deepEqual(await relaunched.ok, { matchId: "none", sessionId: newSessionId });
      assert.equal(relaunched.frameSync.seatIndex, bobSync.seatIndex);
      assert.equal(relaunched.frameSync.reconnectKey, persisted.reconnectKey, "the seat keeps its key");
      const on = await online;
      assert.equal(on.sessionId, newSessionId);
      assert.equal(on.userId, user("bob"));
      await expectSeatBack(alice, newSessionId, before, bob.sessionId);
      await probe.expectGone("none", user("bob"));

      // The new session plays the same player.
      const moved = nextMessage(alice, "playerAction", (m) => m.sessionId === newSessionId && m.action === "move");
      relaunched.room.send("input", { inputs: { move: { x: 0, y: 1 } } });
      const move = await moved;
      assert.deepEqual({ x: move.data.x, y: move.data.y }, { x: before.x, y: before.y + 3 });
    });

    test("a wrong key, a wrong matchId, another user's token or no key at all are refused with 403, and the owner still reclaims", async () => {
      const p = await proxy();
      const { alice, bob, bobSync, persisted } = await aliceAndBob(p);
      bob.reconnection.enabled = false;
      const offline = nextMessage(alice, "playerOffline");
      p.cut();
      await offline;
      const before = await offlineSnapshot(alice, bob.sessionId);
      const joined = collect(alice, "playerJoined");
      const onlines = collect(alice, "playerOnline");

      const attempts: Array<[string, Record<string, unknown>, RegExp]> = [
        ["wrong key", { token: token("bob"), matchId: "none", reconnectKey: "not-the-key" }, /reconnectKey/],
        ["wrong matchId", { token: token("bob"), matchId: "someone-elses-match", reconnectKey: persisted.reconnectKey }, /matchId/],
        ["another user's token", { token: token("mallory"), matchId: "none", reconnectKey: persisted.reconnectKey }, /reconnectKey|seat/],
        ["the owner without the key", { token: token("bob"), matchId: "none" }, /held/],
      ];
      for (const [what, options, reason] of attempts) {
        const err = await refusal(sdk(server().endpoint).joinById(persisted.roomId, options));
        assert.equal(err.code, 403, `${what}: ${err.message}`);
        assert.match(err.message, reason, what);
      }
      assert.equal(joined.length, 0, "nobody joined");
      assert.equal(onlines.length, 0, "nobody took the seat");
      assert.equal(playerIn(alice, bob.sessionId)?.online, false, "bob's player is still held");
      assert.equal((alice.state as any).players.size, 2);
      assert.equal(serverRoom(persisted.roomId).clients.length, 1, "refused connections are gone");
      await probe.expectHeld("none", user("bob"), { roomId: persisted.roomId, seatIndex: bobSync.seatIndex, reconnectKey: persisted.reconnectKey }, windowMs);

      const owner = await joinById(sdk(server().endpoint), persisted.roomId, { token: token("bob"), ...persisted });
      leaveLater(owner.room);
      assert.deepEqual(await owner.ok, { matchId: "none", sessionId: owner.room.sessionId });
      await expectSeatBack(alice, owner.room.sessionId, before, bob.sessionId);
    });

    test("two tabs reclaiming at once: exactly one wins the seat, the other is refused with 403", async () => {
      const p = await proxy();
      const { alice, bob, persisted } = await aliceAndBob(p);
      bob.reconnection.enabled = false;
      const offline = nextMessage(alice, "playerOffline");
      p.cut();
      await offline;
      const before = await offlineSnapshot(alice, bob.sessionId);
      const onlines = collect(alice, "playerOnline");

      const claim = () =>
        sdk(server().endpoint)
          .joinById(persisted.roomId, { token: token("bob"), ...persisted })
          .then((room) => {
            leaveLater(room);
            const ok = nextMessage(room, "reconnect:ok");
            const left = leaveCode(room);
            return { room, ok, left };
          });
      const results = await Promise.allSettled([claim(), claim()]);
      const winners = results.filter((r) => r.status === "fulfilled");
      const losers = results.filter((r) => r.status === "rejected");
      assert.equal(winners.length, 1, `exactly one winner (got ${winners.length})`);
      assert.equal(losers.length, 1);
      assert.equal((losers[0] as PromiseRejectedResult).reason.code, 403);

      const winner = (winners[0] as PromiseFulfilledResult<{ room: Room; ok: Promise<any>; left: Promise<number> }>).value;
      assert.deepEqual(await winner.ok, { matchId: "none", sessionId: winner.room.sessionId });
      await expectSeatBack(alice, winner.room.sessionId, before, bob.sessionId);
      // The winner keeps the seat: nothing replaced it afterwards.
      // Nothing must happen for a while: half a second without the winner's connection closing.
      const stillThere = (await settlesWithin(winner.left, 500)) ? `left with ${await winner.left}` : "connected";
      assert.equal(stillThere, "connected");
      assert.equal(onlines.length, 1, "one playerOnline");
      assert.equal(playerIn(alice, winner.room.sessionId)?.userId, user("bob"));
    });
  });

  describe("the same user joining while still present", () => {
    test("a second tab replaces the first: the old connection is closed with 4100 and does not reconnect", async () => {
      const aliceClient = sdk(server().endpoint);
      const alice = await aliceClient.create("game_room", { token: token("alice") });
      leaveLater(alice);
      await nextMessage(alice, "frameSync");
      const first = await joinById(sdk(server().endpoint), alice.roomId, { token: token("bob") });
      leaveLater(first.room);
      allowQuickReconnect(first.room); // if 4100 were retried, it would be retried at once
      const moved = nextMessage(alice, "playerAction", (m) => m.sessionId === first.room.sessionId && m.action === "move");
      first.room.send("input", { inputs: { move: { x: 1, y: 1 } } });
      const move = await moved;
      await waitFor(() => playerIn(alice, first.room.sessionId)?.x === move.data.x, { timeoutMs: 5000, what: "move in state" });
      const before = { x: move.data.x, y: move.data.y, seatIndex: first.frameSync.seatIndex, userId: user("bob") };

      let firstDropped = false;
      first.room.onDrop(() => (firstDropped = true));
      const firstLeft = leaveCode(first.room);
      const online = nextMessage(alice, "playerOnline");
      const second = await joinById(sdk(server().endpoint), alice.roomId, { token: token("bob") });
      leaveLater(second.room);

      assert.deepEqual(await second.ok, { matchId: "none", sessionId: second.room.sessionId, dedup: true });
      assert.equal(await firstLeft, 4100);
      assert.equal(firstDropped, false, "4100 is a leave, not a drop");
      assert.equal((await online).sessionId, second.room.sessionId);
      await expectSeatBack(alice, second.room.sessionId, before, first.room.sessionId);

      // Nothing must happen now: give a wrongly retrying SDK ample time to steal the seat back.
      await elapse(750);
      assert.equal(first.room.reconnection.isReconnecting, false);
      assert.ok(playerIn(alice, second.room.sessionId), "the second tab still holds the seat");
      assert.equal(playerIn(alice, first.room.sessionId), undefined);
      const server_ = serverRoom(alice.roomId);
      assert.equal(server_.clients.length, 2, "alice and the second tab only");
    });

    test("a relaunched app whose old socket still looks alive takes over with its key (dedup), the old one gets 4100", async () => {
      const p = await proxy();
      const { alice, bob, persisted } = await aliceAndBob(p);
      await waitFor(() => playerIn(alice, bob.sessionId)?.x !== undefined, { timeoutMs: 5000, what: "bob in state" });
      const oldLeft = leaveCode(bob);
      const relaunched = await joinById(sdk(server().endpoint), persisted.roomId, { token: token("bob"), ...persisted });
      leaveLater(relaunched.room);
      assert.deepEqual(await relaunched.ok, { matchId: "none", sessionId: relaunched.room.sessionId, dedup: true });
      assert.equal(await oldLeft, 4100);
      await waitFor(() => playerIn(alice, relaunched.room.sessionId) && !playerIn(alice, bob.sessionId), { timeoutMs: 5000, what: "seat moved" });
      await probe.expectGone("none", user("bob"));
    });

    test("two tabs reclaiming with the key while the old socket still looks alive: one takes over, the other is refused with 403", async () => {
      const p = await proxy();
      const { alice, bob, persisted } = await aliceAndBob(p);
      const oldLeft = leaveCode(bob);
      const claim = () =>
        sdk(server().endpoint)
          .joinById(persisted.roomId, { token: token("bob"), ...persisted })
          .then((room) => {
            leaveLater(room);
            return { room, ok: nextMessage(room, "reconnect:ok"), left: leaveCode(room) };
          });
      const results = await Promise.allSettled([claim(), claim()]);
      const winners = results.filter((r) => r.status === "fulfilled");
      assert.equal(winners.length, 1, `exactly one winner (got ${winners.length})`);
      const loser = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      assert.equal(loser.reason.code, 403);
      const winner = (winners[0] as PromiseFulfilledResult<{ room: Room; ok: Promise<any>; left: Promise<number> }>).value;
      assert.deepEqual(await winner.ok, { matchId: "none", sessionId: winner.room.sessionId, dedup: true });
      assert.equal(await oldLeft, 4100);
      // Nothing must happen for a while: half a second without the winner's connection closing.
      const stillThere = (await settlesWithin(winner.left, 500)) ? `left with ${await winner.left}` : "connected";
      assert.equal(stillThere, "connected", "the winner was not replaced by the other tab");
      await waitFor(() => playerIn(alice, winner.room.sessionId) && !playerIn(alice, bob.sessionId), { timeoutMs: 5000, what: "seat moved to the winner" });
    });
  });

  describe("what holds nothing", () => {
    test("a client closed for abuse (4002) is removed at once and its key reclaims nothing", async () => {
      const p = await proxy();
      const { alice, bob, persisted } = await aliceAndBob(p);
      allowQuickReconnect(bob);
      const offlines = collect(alice, "playerOffline");
      const left = nextMessage(alice, "playerLeft");
      const bobLeft = leaveCode(bob);
      serverRoom(alice.roomId).kickClient(bob.sessionId, 4002, "test: closed for abuse");

      assert.equal(await bobLeft, 4002);
      assert.deepEqual(await left, { sessionId: bob.sessionId, userId: user("bob"), playerCount: 1 });
      assert.equal(offlines.length, 0, "no playerOffline: nothing is held");
      await waitFor(() => !playerIn(alice, bob.sessionId), { timeoutMs: 5000, what: "bob removed from state" });
      await probe.expectGone("none", user("bob"));
      assert.equal(serverRoom(alice.roomId).seats.heldSeats().length, 0);

      const err = await refusal(sdk(server().endpoint).joinById(persisted.roomId, { token: token("bob"), ...persisted }));
      assert.equal(err.code, 403);
      assert.equal((alice.state as any).players.size, 1);
    });

    test("when the window expires the player is removed, the record deleted, and nothing of the seat is left", async () => {
      const p = await proxy();
      const { alice, bob, bobSync, persisted } = await aliceAndBob(p);
      bob.reconnection.enabled = false;
      const room = serverRoom(alice.roomId);
      const heldBefore = await seatsHeldGauge();
      const offline = nextMessage(alice, "playerOffline");
      const left = nextMessage(alice, "playerLeft", () => true, windowMs + 10_000);
      p.cut();
      await offline;
      const t0 = Date.now();
      await probe.expectHeld("none", user("bob"), { roomId: persisted.roomId, seatIndex: bobSync.seatIndex, reconnectKey: persisted.reconnectKey }, windowMs);
      assert.equal(await seatsHeldGauge(), heldBefore + 1);
      assert.equal(room.seats.heldSeats().length, 1);

      assert.deepEqual(await left, { sessionId: bob.sessionId, userId: user("bob"), playerCount: 1 });
      assert.ok(Date.now() - t0 >= windowMs - 500, `removed ${Date.now() - t0} ms after the drop, window ${windowMs} ms`);
      await probe.expectGone("none", user("bob"));
      await waitFor(() => !playerIn(alice, bob.sessionId), { timeoutMs: 5000, what: "bob gone from alice's state" });

      // Nothing of Bob's seat is left in the room, the store, or Colyseus' reconnection bookkeeping.
      await waitFor(() => Object.keys(room._reservedSeats).length === 0, { timeoutMs: 5000, what: "reserved seats released" });
      const aliceSessionId = alice.sessionId;
      assert.deepEqual([...room.state.players.keys()], [aliceSessionId], "state.players");
      assert.deepEqual([...room.seats.byUser.keys()], [user("alice")], "seats by user");
      assert.deepEqual([...room.seats.bySession.keys()], [aliceSessionId], "seats by session");
      assert.deepEqual([...room.limiters.keys()], [aliceSessionId], "rate limiters");
      for (const frameInputs of room.frameSync.pending.values()) assert.ok(!frameInputs.has(bob.sessionId), "pending inputs");
      assert.deepEqual(Object.keys(room._reconnections), [], "Colyseus reconnections");
      assert.deepEqual(Object.keys(room._reservedSeatTimeouts), [], "Colyseus seat timers");
      assert.equal(room.seats.heldSeats().length, 0);
      assert.equal(reconnectStore().localSize, 0, "in-process records");
      assert.equal(await seatsHeldGauge(), heldBefore, "framesync_seats_held back where it was");

      // The key is worthless now.
      const err = await refusal(sdk(server().endpoint).joinById(persisted.roomId, { token: token("bob"), ...persisted }));
      assert.equal(err.code, 403);
    });
  });
}
