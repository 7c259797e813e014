/**
 * The race of a restored claim (issue 13), in one process on a real Redis (DB 10): a
 * claim whose process looks dead is restored by the sweep — here its players are all
 * still here, so the same step forms their match again and they are told of it — and
 * then the "dead" claimer wakes up and makes the room for its old claim after all. Its
 * room must close without a word and it must deliver nothing: each player hears of one
 * match, never of the stale one, never `match:abandoned`. (The other order, the room
 * committing before a sweep, is covered by match-store.test.ts.)
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { matchMaker } from "@colyseus/core";
import type { Room } from "@colyseus/sdk";
import { matchStore, startMatch } from "../../src/matchmaking/matchmaker.ts";
import type { Ticket } from "../../src/matchmaking/store.ts";
import { MATCH_FOUND_REDELIVER_MS, MATCH_ORPHAN_AFTER_MS, MATCH_ORPHAN_SWEEP_MS } from "../../src/utils/limits.ts";
import { elapse, startServer, tokenFor, waitFor, type TestServer } from "../support/helpers.ts";
import { assertOneMatch, assertPlaying, enterMatch, joinLobby, leaveAll, type Lobby, type MatchFound } from "../support/matchmaking-helpers.ts";
import { TEST_REDIS_DB, freshTestDb, skipWithoutRedis, testRedisUrl } from "../support/redis.ts";

/** Its own database: the sweep of this process must not meet other files' claims. */
const REDIS_URL = testRedisUrl(TEST_REDIS_DB.orphanRace);
const skip = await skipWithoutRedis(REDIS_URL);

describe("a claimer taken for dead that makes its room after all", { skip }, () => {
  let server: TestServer;
  const opened: Room[] = [];

  before(async () => {
    (await freshTestDb(REDIS_URL)).disconnect();
    server = await startServer({ REDIS_URL });
  });
  after(async () => {
    await leaveAll(opened);
    await server?.close();
  });

  async function lobby(userId: string): Promise<Lobby> {
    const l = await joinLobby(server.endpoint, userId, tokenFor(userId, server.cfg));
    opened.push(l.room);
    return l;
  }

  /** Game rooms of this process by the match they were made for. */
  async function gameRooms(): Promise<Map<string, string>> {
    const listed = await matchMaker.query({ name: "game_room" });
    return new Map(listed.map((r) => [r.roomId, (matchMaker.getLocalRoomById(r.roomId) as any)?.matchId as string]));
  }

  test("its room closes without a word and it delivers nothing; the players play the restored match", async (t) => {
    const criteria = { playersPerMatch: 2, modeId: "race", region: "any", gameRoomName: "game_room" };
    const [a, b] = [await lobby("race-a"), await lobby("race-b")];
    await a.ask("match:find", { playersPerMatch: 2, modeId: "race" }, "match:queued");
    // B's ticket is claimed by a process nobody hears any more (its pub/sub connection dropped, say).
    const ticketB: Ticket = {
      ticketId: `t-${randomUUID()}`,
      userId: b.userId,
      queueKey: "2:race:any:game_room",
      criteria,
      recordFrames: false,
      lobbyRoomId: b.room.roomId,
      sessionId: b.room.sessionId,
      createdAt: Date.now(),
    };
    const stale = await matchStore().enqueue(ticketB, 2, { matchId: `m-${randomUUID()}`, by: "p-taken-for-dead" });
    assert.ok(stale.kind === "matched");
    const claimedAt = performance.now();

    // The sweep restores it: both players are here, so the match is formed again and told.
    const found = await Promise.all([a, b].map((p) => p.inbox.take<MatchFound>("match:found", () => true, MATCH_ORPHAN_AFTER_MS + 2 * MATCH_ORPHAN_SWEEP_MS + 5_000)));
    const restoredMs = Math.round(performance.now() - claimedAt);
    assertOneMatch(found, 2);
    assert.notEqual(found[0].matchId, stale.claim.matchId, "formed again under a new match id");

    // The claimer wakes up and makes the room for its old claim.
    const before = await gameRooms();
    assert.equal(await startMatch(stale.claim), "superseded");
    const late = [...(await gameRooms())].find(([roomId, matchId]) => !before.has(roomId) && matchId === stale.claim.matchId);
    assert.ok(late, "the late claimer's room was made");
    const [lateRoomId] = late;
    await waitFor(() => matchMaker.getLocalRoomById(lateRoomId) === undefined, { timeoutMs: MATCH_FOUND_REDELIVER_MS + 3_000, what: "the late room to close" });
    const closedMs = Math.round(performance.now() - claimedAt);
    // Nothing more may arrive: a stale match:found, or match:abandoned from the closing room, would come over pub/sub.
    await elapse(MATCH_FOUND_REDELIVER_MS + 500);
    for (const p of [a, b]) {
      for (const type of ["match:found", "match:error", "match:abandoned"]) assert.deepEqual(p.inbox.pending(type), [], `${p.userId}: ${type}`);
    }

    const rooms = (await Promise.all([a, b].map((p, i) => enterMatch(p, found[i])))).map((e) => e.room);
    opened.push(...rooms);
    await assertPlaying(rooms, 0);
    t.diagnostic(`claim → restored match:found to both ${restoredMs} ms; the late claimer's room closed ${closedMs} ms after the claim, nothing delivered`);
  });
});
