/**
 * A lost `match:found` (issue 13): matchmaker deliveries travel over pub/sub, which drops
 * a message whose subscriber is away for a moment (a Redis reconnect, a busy process).
 * The test drops them at that boundary — the presence `publish` of the real server — and
 * checks that the match's room delivers `match:found` again until the player joins, that
 * a player gets each match once, and that a player who never got in is told when the
 * match is abandoned (`match:abandoned { matchId, reason }`). Bystanders keep playing.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { matchMaker } from "@colyseus/core";
import { MATCH_FOUND_REDELIVER_MS } from "../../src/utils/limits.ts";
import { Bystanders } from "../support/bystanders.ts";
import { elapse, startServer, tokenFor, waitFor, type TestServer } from "../support/helpers.ts";
import { enterMatch, joinLobby, leaveAll, type Lobby, type MatchFound } from "../support/matchmaking-helpers.ts";

let server: TestServer;
let bystanders: Bystanders;
const lobbies: Lobby[] = [];

/** match:found messages to these lobby sessions are dropped on their way (how many more to drop, per sessionId). */
const dropFor = new Map<string, number>();
let dropped = 0;

before(async () => {
  server = await startServer();
  bystanders = await Bystanders.start(server.endpoint, (u) => tokenFor(u, server.cfg));
  const presence = matchMaker.presence;
  const publish = presence.publish.bind(presence);
  presence.publish = (channel: string, message: any) => {
    const left = dropFor.get(message?.sessionId) ?? 0;
    if (channel.startsWith("mm:lobby:") && message?.type === "match:found" && left > 0) {
      dropFor.set(message.sessionId, left - 1);
      dropped++;
      return Promise.resolve() as never;
    }
    return publish(channel, message);
  };
});
after(async () => {
  await leaveAll(lobbies.map((l) => l.room));
  await bystanders.leave();
  await server.close();
});

async function lobby(userId: string): Promise<Lobby> {
  const l = await joinLobby(server.endpoint, userId, tokenFor(userId, server.cfg));
  lobbies.push(l);
  return l;
}

describe("match:found delivery", () => {
  test("a lost match:found is delivered again until the player joins, and nobody gets a match twice", async (t) => {
    const mark = bystanders.mark();
    const [unlucky, lucky] = [await lobby("lost-1"), await lobby("lost-2")];
    dropFor.set(unlucky.room.sessionId, 1);
    const criteria = { playersPerMatch: 2, modeId: "lost-found" };
    await unlucky.ask("match:find", criteria, "match:queued");
    const queuedAt = performance.now();
    await lucky.ask("match:find", criteria, "match:queued");
    const found = await lucky.inbox.take<MatchFound>("match:found");
    const again = await unlucky.inbox.take<MatchFound>("match:found", () => true, 3 * MATCH_FOUND_REDELIVER_MS + 5_000);
    const redeliveredMs = Math.round(performance.now() - queuedAt);
    assert.equal(again.roomId, found.roomId);
    assert.equal(again.matchId, found.matchId);
    assert.equal(dropped >= 1, true, "the first delivery was dropped");
    const entered = await Promise.all([enterMatch(unlucky, again), enterMatch(lucky, found)]);
    // Both are in: no more deliveries, and the lucky one never saw its match twice. Nothing must
    // happen here, so time has to pass: two redelivery periods and some.
    await elapse(2 * MATCH_FOUND_REDELIVER_MS + 500);
    assert.deepEqual(lucky.inbox.pending("match:found"), [], "a second match:found to a player who had it");
    assert.deepEqual(unlucky.inbox.pending("match:found"), [], "match:found after the player joined");
    await Promise.all(entered.map(({ room }) => room.leave()));
    const kept = await bystanders.assertKeptPlaying(mark);
    t.diagnostic(`first match:found dropped; delivered again ${redeliveredMs} ms after queueing; bystanders ${kept.frames} frames in ${kept.seconds} s (${kept.fps} fps)`);
  });

  test("a player whose match:found never arrives is told when the match is abandoned", async (t) => {
    const mark = bystanders.mark();
    const [lost, present] = [await lobby("abandon-1"), await lobby("abandon-2")];
    dropFor.set(lost.room.sessionId, Number.POSITIVE_INFINITY);
    const criteria = { playersPerMatch: 2, modeId: "abandoned" };
    await lost.ask("match:find", criteria, "match:queued");
    await present.ask("match:find", criteria, "match:queued");
    const found = await present.inbox.take<MatchFound>("match:found");
    const { room } = await enterMatch(present, found);
    // The match ends before the lost player ever got in (here: the room is closed, as an operator or a shutdown does).
    const droppedBefore = dropped;
    await waitFor(() => dropped > droppedBefore, { timeoutMs: 3 * MATCH_FOUND_REDELIVER_MS, what: "a redelivery to the lost player (dropped too)" });
    const closedAt = performance.now();
    await matchMaker.getLocalRoomById(found.roomId)!.disconnect();
    const abandoned = await lost.inbox.take<{ matchId: string; reason: string }>("match:abandoned", () => true, 5_000);
    const toldMs = Math.round(performance.now() - closedAt);
    assert.equal(abandoned.matchId, found.matchId);
    assert.equal(typeof abandoned.reason, "string");
    assert.deepEqual(present.inbox.pending("match:abandoned"), [], "a player who joined is not told");
    // The lost player is free to queue again.
    await lost.ask("match:find", { playersPerMatch: 2, modeId: "abandoned-again" }, "match:queued");
    await waitFor(() => !room.connection.isOpen, { timeoutMs: 5000, what: "the present player's room to close" });
    const kept = await bystanders.assertKeptPlaying(mark);
    t.diagnostic(`every match:found to one player dropped (${dropped} so far); match:abandoned { reason: "${abandoned.reason}" } ${toldMs} ms after the room closed; bystanders ${kept.frames} frames in ${kept.seconds} s (${kept.fps} fps)`);
  });
});
