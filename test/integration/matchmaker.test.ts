/**
 * The matchmaker in one process (no REDIS_URL), through real SDK clients (contract §4):
 * queues, cancel, parties with codes, every refusal, and the game rooms it makes
 * admitting only the players it seated.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Room } from "@colyseus/sdk";
import { PARTY_CODE_ALPHABET } from "../../src/matchmaking/partyCode.ts";
import { PARTY_JOIN_FAILURES_MAX } from "../../src/utils/limits.ts";
import { nextMessage, sdk, startServer, tokenFor, type TestServer } from "../support/helpers.ts";
import { assertOneMatch, assertPlaying, enterMatch, joinLobby, leaveAll, type Lobby, type MatchFound } from "../support/matchmaking-helpers.ts";
import { readMetrics, sample } from "../support/metrics.ts";
import { elapse, waitFor, within } from "../support/wait.ts";

let server: TestServer;
const opened: Room[] = [];

before(async () => {
  server = await startServer({ MATCH_RECONNECT_WINDOW_MS: "5000" });
});
after(async () => {
  await leaveAll(opened);
  await server.close();
});

let serial = 0;
/** A fresh user (ids never repeat across tests) in the matchmaker room. */
async function player(name: string): Promise<Lobby> {
  const userId = `${name}-${++serial}`;
  const lobby = await joinLobby(server.endpoint, userId, tokenFor(userId, server.cfg));
  opened.push(lobby.room);
  return lobby;
}

async function players(n: number, name: string): Promise<Lobby[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => player(`${name}${i}`)));
}

async function enterAll(lobbies: Lobby[], found: MatchFound[]): Promise<Room[]> {
  const entered = await Promise.all(lobbies.map((l, i) => enterMatch(l, found[i])));
  for (const e of entered) opened.push(e.room);
  entered.forEach((e, i) => {
    assert.equal(e.frameSync.matchId, found[i].matchId);
    assert.equal(e.frameSync.seatIndex, found[i].seatIndex);
  });
  return entered.map((e) => e.room);
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  return sample(await readMetrics(server.url("/")), name, labels);
}

describe("joining the matchmaker", () => {
  test("without a token is refused with 401", async () => {
    await assert.rejects(sdk(server.endpoint).joinOrCreate("matchmaker_room", {}), (err: any) => err.code === 401 && /missing/.test(err.message));
  });

  test("with a token signed by another secret is refused with 401", async () => {
    const token = tokenFor("mallory", { ...server.cfg, jwtSecret: "not-the-server-secret" });
    await assert.rejects(sdk(server.endpoint).joinOrCreate("matchmaker_room", { token }), (err: any) => err.code === 401);
  });
});

describe("queues", () => {
  test("two players who ask for a 2-player match are seated together and play", async () => {
    const [a, b] = await players(2, "duo");
    const queued = await a.ask("match:find", { playersPerMatch: 2 }, "match:queued");
    assert.equal(queued.queueKey, "2:default:any:game_room");
    await b.ask("match:find", { playersPerMatch: 2 }, "match:queued");

    const found = await Promise.all([a, b].map((p) => p.inbox.take<MatchFound>("match:found")));
    assertOneMatch(found, 2);
    assert.equal(found[0].queueKey, "2:default:any:game_room");
    const rooms = await enterAll([a, b], found);
    await assertPlaying(rooms, 0);
    await assertPlaying(rooms, 1);
  });

  test("four players of one mode are seated together; other modes and sizes wait apart", async () => {
    const ranked = await players(4, "ranked");
    const [casual, trio] = await players(2, "other");
    await casual.ask("match:find", { playersPerMatch: 4, modeId: "casual" }, "match:queued");
    await trio.ask("match:find", { playersPerMatch: 3, modeId: "ranked" }, "match:queued");
    for (const p of ranked) {
      const q = await p.ask("match:find", { playersPerMatch: 4, modeId: "ranked", region: "eu" }, "match:queued");
      assert.equal(q.queueKey, "4:ranked:eu:game_room");
    }
    const found = await Promise.all(ranked.map((p) => p.inbox.take<MatchFound>("match:found")));
    assertOneMatch(found, 4);
    const rooms = await enterAll(ranked, found);
    await assertPlaying(rooms, 3);

    // The other two were never taken: their tickets are still there to cancel.
    for (const p of [casual, trio]) assert.deepEqual(await p.ask("match:cancel", undefined, "match:cancelled"), { ok: true });
    assert.deepEqual([casual, trio].map((p) => p.inbox.pending("match:found")), [[], []]);
  });

  test("a player who cancels is not matched, and may cancel only once", async () => {
    const [quitter, b, c, d] = await players(4, "cancel");
    await quitter.ask("match:find", { playersPerMatch: 3 }, "match:queued");
    assert.deepEqual(await quitter.ask("match:cancel", undefined, "match:cancelled"), { ok: true });
    assert.deepEqual(await quitter.ask("match:cancel", {}, "match:cancelled"), { ok: false });

    for (const p of [b, c, d]) await p.ask("match:find", { playersPerMatch: 3 }, "match:queued");
    const found = await Promise.all([b, c, d].map((p) => p.inbox.take<MatchFound>("match:found")));
    assertOneMatch(found, 3);
    assert.deepEqual(quitter.inbox.pending("match:found"), []);
  });

  test("a player who leaves the matchmaker gives up its ticket", async () => {
    const [leaver, b, c] = await players(3, "leave");
    await leaver.ask("match:find", { playersPerMatch: 2 }, "match:queued");
    await leaver.room.leave();
    await b.ask("match:find", { playersPerMatch: 2 }, "match:queued");
    await c.ask("match:find", { playersPerMatch: 2 }, "match:queued");
    const found = await Promise.all([b, c].map((p) => p.inbox.take<MatchFound>("match:found")));
    assertOneMatch(found, 2); // b went with c, not with the player who left
  });

  test("a user queues once, from any connection, and is seated once", async () => {
    const first = await player("twice");
    const second = await joinLobby(server.endpoint, first.userId, first.token);
    opened.push(second.room);
    await first.ask("match:find", { playersPerMatch: 2 }, "match:queued");
    const again = await first.ask("match:find", { playersPerMatch: 2 }, "match:error");
    assert.equal(again.code, "ALREADY_QUEUED");
    const elsewhere = await second.ask("match:find", { playersPerMatch: 2 }, "match:error");
    assert.equal(elsewhere.code, "ALREADY_QUEUED");
    const fromOtherConnection = await second.ask("party:create", { playersPerMatch: 2 }, "party:error");
    assert.equal(fromOtherConnection.code, "ALREADY_QUEUED");

    const partner = await player("partner");
    await partner.ask("match:find", { playersPerMatch: 2 }, "match:queued");
    const found = await Promise.all([first, partner].map((p) => p.inbox.take<MatchFound>("match:found")));
    assertOneMatch(found, 2);
    assert.deepEqual(second.inbox.pending("match:found"), []);
    // Matched: the user is free to queue again.
    await first.ask("match:find", { playersPerMatch: 2 }, "match:queued");
    assert.deepEqual(await first.ask("match:cancel", undefined, "match:cancelled"), { ok: true });
  });

  test("the queue-size gauge counts waiting tickets and matches are counted", async () => {
    const before = await metric("framesync_matches_made_total", { source: "queue" });
    // Relative to what waits already: other tests' tickets may still be queued.
    const waiting = await metric("framesync_matchmaking_queue_size");
    const [a, b] = await players(2, "gauge");
    await a.ask("match:find", { playersPerMatch: 2, modeId: "gauge" }, "match:queued");
    assert.equal(await metric("framesync_matchmaking_queue_size"), waiting + 1);
    await b.ask("match:find", { playersPerMatch: 2, modeId: "gauge" }, "match:queued");
    await Promise.all([a, b].map((p) => p.inbox.take("match:found")));
    assert.equal(await metric("framesync_matchmaking_queue_size"), waiting);
    assert.equal(await metric("framesync_matches_made_total", { source: "queue" }), before + 1);
  });
});

describe("bad requests get match:error or party:error and the connection stays", () => {
  const cases: Array<[string, string, unknown, string, string]> = [
    ["playersPerMatch 1", "match:find", { playersPerMatch: 1 }, "match:error", "BAD_PLAYERS_PER_MATCH"],
    ["playersPerMatch 101", "match:find", { playersPerMatch: 101 }, "match:error", "BAD_PLAYERS_PER_MATCH"],
    ["playersPerMatch 2.5", "match:find", { playersPerMatch: 2.5 }, "match:error", "BAD_PLAYERS_PER_MATCH"],
    ["playersPerMatch as a string", "match:find", { playersPerMatch: "4" }, "match:error", "BAD_PLAYERS_PER_MATCH"],
    ["no playersPerMatch", "match:find", {}, "match:error", "BAD_PLAYERS_PER_MATCH"],
    ["no payload", "match:find", undefined, "match:error", "INVALID_MESSAGE"],
    ["an unknown key", "match:find", { playersPerMatch: 2, team: "red" }, "match:error", "INVALID_MESSAGE"],
    ["a modeId with a colon", "match:find", { playersPerMatch: 2, modeId: "a:b" }, "match:error", "INVALID_MESSAGE"],
    ["a huge region", "match:find", { playersPerMatch: 2, region: "x".repeat(65) }, "match:error", "INVALID_MESSAGE"],
    ["an unknown game room", "match:find", { playersPerMatch: 2, gameRoomName: "nope" }, "match:error", "UNKNOWN_GAME_ROOM"],
    ["the matchmaker as game room", "match:find", { playersPerMatch: 2, gameRoomName: "matchmaker_room" }, "match:error", "UNKNOWN_GAME_ROOM"],
    ["a payload on match:cancel", "match:cancel", { now: true }, "match:error", "INVALID_MESSAGE"],
    ["an unknown match message", "match:steal", {}, "match:error", "UNKNOWN_MESSAGE"],
    ["an unknown party message", "party:kick", {}, "party:error", "UNKNOWN_MESSAGE"],
    ["party:create with playersPerMatch 0", "party:create", { playersPerMatch: 0 }, "party:error", "BAD_PLAYERS_PER_MATCH"],
    ["party:create with a long name", "party:create", { playersPerMatch: 2, user: { name: "n".repeat(33) } }, "party:error", "INVALID_MESSAGE"],
    ["party:join without a code", "party:join", {}, "party:error", "INVALID_MESSAGE"],
    ["party:join with a number", "party:join", { partyCode: 123456 }, "party:error", "INVALID_MESSAGE"],
    ["an unknown party code", "party:join", { partyCode: "ZZZZZZ" }, "party:error", "PARTY_NOT_FOUND"],
    ["a code of the wrong shape", "party:join", { partyCode: "O0O0O0" }, "party:error", "PARTY_NOT_FOUND"],
    ["party:leave outside a party", "party:leave", undefined, "party:error", "NOT_IN_PARTY"],
    ["party:start outside a party", "party:start", undefined, "party:error", "NOT_IN_PARTY"],
  ];
  /** One connection for the single-request cases: each is one request and its reply, whatever ran before. */
  let lobby: Lobby;
  before(async () => {
    lobby = await player("faulty");
  });
  for (const [name, type, payload, channel, code] of cases) {
    test(`${name} → ${channel} ${code}`, async () => {
      const reply = await lobby.ask(type, payload, channel);
      assert.equal(reply.code, code);
      assert.equal(typeof reply.message, "string");
      assert.ok(reply.message.length > 0);
    });
  }
  test("a flood is answered with RATE_LIMITED, not a disconnect", async () => {
    const flooder = await player("flooder");
    for (let i = 0; i < 150; i++) flooder.room.send("match:cancel");
    assert.equal((await flooder.inbox.take("match:error")).code, "RATE_LIMITED");
    // Time must pass for the bucket to refill (60 a second) before the next request is let through.
    await elapse(100);
    await flooder.ask("match:find", { playersPerMatch: 2, modeId: "after-flood" }, "match:queued");
    // A connection's requests are answered in order, so every cancel let through was answered by now:
    // the burst allowance (120, plus what refilled meanwhile), not all 150.
    const answered = flooder.inbox.pending("match:cancelled");
    assert.ok(answered.length >= 120 && answered.length < 150, `${answered.length} cancels answered`);
    assert.deepEqual(flooder.inbox.pending("match:error"), [], "one RATE_LIMITED reply for the whole flood");
    assert.deepEqual(await flooder.ask("match:cancel", undefined, "match:cancelled", (m: any) => m.ok), { ok: true });
  });

  test("pings are answered", async () => {
    const lobby = await player("pinger");
    const rtt = await within(new Promise<number>((resolve) => lobby.room.ping(resolve)), { timeoutMs: 5_000, what: "the matchmaker room to answer a ping" });
    assert.ok(rtt >= 0 && rtt < 5_000, `round trip ${rtt} ms`);
  });

  test("one connection that made every bad request above still queues", async () => {
    const lobby = await player("faulty-all");
    for (const [name, type, payload, channel, code] of cases) {
      assert.equal((await lobby.ask(type, payload, channel)).code, code, name);
    }
    await lobby.ask("match:find", { playersPerMatch: 2, modeId: "after-faults" }, "match:queued");
    assert.deepEqual(await lobby.ask("match:cancel", undefined, "match:cancelled"), { ok: true });
  });
});

describe("parties", () => {
  test("create, join by code in any case, leave with the lead passing on, start, play", async () => {
    const [lead, b, c, d] = await players(4, "party");
    const created = await lead.ask("party:create", { playersPerMatch: 3, modeId: "coop", user: { name: "Lead" } }, "party:created");
    assert.match(created.partyCode, new RegExp(`^[${PARTY_CODE_ALPHABET}]{6}$`));
    assert.equal(created.leaderUserId, lead.userId);
    assert.deepEqual(created.members, [{ userId: lead.userId, name: "Lead" }]);
    assert.equal(created.playersPerMatch, 3);

    const notFull = await lead.ask("party:start", undefined, "party:error");
    assert.equal(notFull.code, "PARTY_NOT_FULL");

    const joined = await b.ask("party:join", { partyCode: created.partyCode.toLowerCase() }, "party:joined");
    assert.equal(joined.partyId, created.partyId);
    assert.deepEqual(joined.members.map((m: any) => m.userId), [lead.userId, b.userId]);
    for (const p of [lead, b]) {
      const update = await p.inbox.take("party:update", (u: any) => u.members.length === 2);
      assert.equal(update.leaderUserId, lead.userId);
    }

    const spaced = ` ${created.partyCode.slice(0, 3).toLowerCase()}-${created.partyCode.slice(3)} `;
    await c.ask("party:join", { partyCode: spaced, user: { name: "Cee" } }, "party:joined");
    for (const p of [lead, b, c]) await p.inbox.take("party:update", (u: any) => u.members.length === 3);
    const full = await d.ask("party:join", { partyCode: created.partyCode }, "party:error");
    assert.equal(full.code, "PARTY_FULL");
    const notLeader = await b.ask("party:start", undefined, "party:error");
    assert.equal(notLeader.code, "NOT_LEADER");
    const busy = await b.ask("match:find", { playersPerMatch: 2 }, "match:error");
    assert.equal(busy.code, "ALREADY_IN_PARTY");
    const twice = await b.ask("party:create", { playersPerMatch: 2 }, "party:error");
    assert.equal(twice.code, "ALREADY_IN_PARTY");

    // The leader leaves: the lead passes to the next member, everyone left is told.
    assert.deepEqual(await lead.ask("party:leave", undefined, "party:left"), { partyId: created.partyId });
    for (const p of [b, c]) {
      const update = await p.inbox.take("party:update", (u: any) => u.members.length === 2);
      assert.equal(update.leaderUserId, b.userId);
      assert.deepEqual(update.members, [{ userId: b.userId, name: b.userId }, { userId: c.userId, name: "Cee" }]);
    }
    await d.ask("party:join", { partyCode: created.partyCode }, "party:joined");
    const startedBefore = await metric("framesync_matches_made_total", { source: "party" });
    b.room.send("party:start");

    const members = [b, c, d];
    const found = await Promise.all(members.map((p) => p.inbox.take<MatchFound>("match:found")));
    assertOneMatch(found, 3);
    assert.deepEqual(found.map((f) => f.seatIndex), [0, 1, 2], "seats in party order");
    assert.ok(found.every((f) => f.partyId === created.partyId));
    assert.deepEqual(lead.inbox.pending("match:found"), []);
    assert.equal(await metric("framesync_matches_made_total", { source: "party" }), startedBefore + 1);
    const rooms = await enterAll(members, found);
    await assertPlaying(rooms, 2);

    // A started party is gone; its members are free again.
    const gone = await lead.ask("party:join", { partyCode: created.partyCode }, "party:error");
    assert.equal(gone.code, "PARTY_NOT_FOUND");
    await b.ask("party:create", { playersPerMatch: 2 }, "party:created");
    await b.ask("party:leave", undefined, "party:left");
  });

  test("a member who drops leaves the party and the others are told", async () => {
    const [lead, b, c] = await players(3, "drop");
    const created = await lead.ask("party:create", { playersPerMatch: 3 }, "party:created");
    await b.ask("party:join", { partyCode: created.partyCode }, "party:joined");
    await c.ask("party:join", { partyCode: created.partyCode }, "party:joined");
    await lead.room.leave(false); // an unexpected drop, not a consented leave
    for (const p of [b, c]) {
      const update = await p.inbox.take("party:update", (u: any) => u.members.every((m: any) => m.userId !== lead.userId));
      assert.equal(update.leaderUserId, b.userId);
    }
    // The last members leaving dissolve the party: its code stops working.
    await b.ask("party:leave", undefined, "party:left");
    await c.ask("party:leave", undefined, "party:left");
    const outsider = await player("late");
    assert.equal((await outsider.ask("party:join", { partyCode: created.partyCode }, "party:error")).code, "PARTY_NOT_FOUND");
  });

  test("a queued player cannot make or join a party", async () => {
    const [lead, queued] = await players(2, "mixed");
    const created = await lead.ask("party:create", { playersPerMatch: 2 }, "party:created");
    await queued.ask("match:find", { playersPerMatch: 5 }, "match:queued");
    assert.equal((await queued.ask("party:join", { partyCode: created.partyCode }, "party:error")).code, "ALREADY_QUEUED");
    assert.equal((await queued.ask("party:create", { playersPerMatch: 2 }, "party:error")).code, "ALREADY_QUEUED");
    await queued.ask("match:cancel", undefined, "match:cancelled");
    await queued.ask("party:join", { partyCode: created.partyCode }, "party:joined");
  });

  test(`guessing codes is cut off after ${PARTY_JOIN_FAILURES_MAX} misses`, async () => {
    const guesser = await player("guesser");
    for (let i = 0; i < PARTY_JOIN_FAILURES_MAX; i++) {
      assert.equal((await guesser.ask("party:join", { partyCode: "ZZZZZZ" }, "party:error")).code, "PARTY_NOT_FOUND");
    }
    assert.equal((await guesser.ask("party:join", { partyCode: "ZZZZZZ" }, "party:error")).code, "RATE_LIMITED");
  });
});

describe("the game room admits only the players the matchmaker seated", () => {
  let matches = 0;
  /** Two fresh players the matchmaker seated together, not yet in their room. */
  async function seatedMatch(): Promise<{ seated: Lobby[]; found: MatchFound[] }> {
    const seated = await players(2, "seated");
    const modeId = `guarded-${++matches}`;
    for (const p of seated) await p.ask("match:find", { playersPerMatch: 2, modeId }, "match:queued");
    const found = await Promise.all(seated.map((p) => p.inbox.take<MatchFound>("match:found")));
    return { seated, found };
  }

  /** A match for the refusal checks, which only read it: nobody enters it. */
  let shared: { seated: Lobby[]; found: MatchFound[] };
  before(async () => {
    shared = await seatedMatch();
  });

  test("an outsider is refused with 403", async () => {
    const { found } = shared;
    const token = tokenFor("outsider", server.cfg);
    await assert.rejects(sdk(server.endpoint).joinById(found[0].roomId, { token }), (err: any) => err.code === 403);
  });

  test("a seat's join options with another user's token are refused with 403", async () => {
    const { found } = shared;
    const token = tokenFor("impostor", server.cfg);
    await assert.rejects(sdk(server.endpoint).joinById(found[0].roomId, { ...found[0].joinOptions, token }), (err: any) => err.code === 403);
  });

  test("a seated player with a wrong seat or key is refused with 403", async () => {
    const { seated, found } = shared;
    const token = seated[0].token;
    const wrongSeat = { ...found[0].joinOptions, seatIndex: found[1].seatIndex };
    await assert.rejects(sdk(server.endpoint).joinById(found[0].roomId, { ...wrongSeat, token }), (err: any) => err.code === 403);
    const wrongKey = { ...found[0].joinOptions, reconnectKey: found[1].reconnectKey };
    await assert.rejects(sdk(server.endpoint).joinById(found[0].roomId, { ...wrongKey, token }), (err: any) => err.code === 403);
  });

  test("a client cannot make its own matchmade room with forged seats", async () => {
    const token = tokenFor("forger", server.cfg);
    const seats = [{ userId: "forger", seatIndex: 0, reconnectKey: "k" }];
    await assert.rejects(
      sdk(server.endpoint).create("game_room", { token, matchId: "m-forged", playersPerMatch: 2, seats, seatsSig: "forged" }),
      (err: any) => err.code === 403,
    );
  });

  test("the matchmade room is not offered to joinOrCreate", async () => {
    const { found } = shared;
    const room = await sdk(server.endpoint).joinOrCreate("game_room", { token: tokenFor("wanderer", server.cfg) });
    opened.push(room);
    assert.notEqual(room.roomId, found[0].roomId);
  });

  test("after refusals the seated players still get in and play", async () => {
    const { seated, found } = await seatedMatch();
    await assert.rejects(sdk(server.endpoint).joinById(found[0].roomId, { token: tokenFor("gatecrasher", server.cfg) }), (err: any) => err.code === 403);
    const rooms = await enterAll(seated, found);
    await waitFor(() => rooms.every((r) => (r.state as any).players?.size === 2), { timeoutMs: 10_000, what: "both players in state" });
    await assertPlaying(rooms, 0);
  });

  test("a dropped player takes its seat back with the reconnectKey from match:found", async () => {
    const { seated, found } = await seatedMatch();
    const rooms = await enterAll(seated, found);
    await waitFor(() => rooms.every((r) => (r.state as any).players?.size === 2), { timeoutMs: 10_000, what: "both players in state" });
    const offline = nextMessage(rooms[1], "playerOffline", () => true, 10_000);
    await rooms[0].leave(false); // a drop, not a consented leave: the seat is held
    await offline;
    const back = await seated[0].client.joinById(found[0].roomId, { token: seated[0].token, matchId: found[0].matchId, reconnectKey: found[0].reconnectKey });
    opened.push(back);
    const ok = await nextMessage(back, "reconnect:ok", () => true, 10_000);
    assert.equal(ok.matchId, found[0].matchId);
    await assertPlaying([back, rooms[1]], 0);
  });
});
