/**
 * The matchmaker passes `lockstep` and `recordFrames` to the game rooms it creates
 * (issue 13): players who queue with `match:find { lockstep: true, recordFrames: true }`,
 * or a party created with them, land in a room that sends `lockstepFrame`s and, once it
 * is over, has a replay. Real SDK clients through the real matchmaker room.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Room } from "@colyseus/sdk";
import { disposed, nextMessage, startServer, tokenFor, waitFor, within, type TestServer } from "../support/helpers.ts";
import { enterMatch, joinLobby, leaveAll, type Lobby, type MatchFound } from "../support/matchmaking-helpers.ts";

let server: TestServer;
const rooms: Room[] = [];

before(async () => {
  server = await startServer();
});
after(async () => {
  await leaveAll(rooms);
  await server.close();
});

async function lobby(userId: string): Promise<Lobby> {
  const l = await joinLobby(server.endpoint, userId, tokenFor(userId, server.cfg));
  rooms.push(l.room);
  return l;
}

/** Both players enter the match; it is a lockstep room, and after they leave its replay is served. */
async function assertLockstepRecordedMatch(players: Lobby[], found: MatchFound[]): Promise<void> {
  const entered = await Promise.all(players.map((p, i) => enterMatch(p, found[i]!)));
  for (const { frameSync } of entered) assert.equal(frameSync.lockstep, true, "the match room runs lockstep");
  const frame = await nextMessage<{ frame: number; inputs: unknown[] }>(entered[0]!.room, "lockstepFrame", (f) => f.inputs.length === 2, 10_000);
  assert.equal(frame.inputs.length, 2, "one entry per player");
  await Promise.all(entered.map(({ room }) => room.leave()));
  const roomId = found[0]!.roomId;
  const replay = await waitFor(async () => {
    const res = await fetch(server.url(`/replays/${roomId}`));
    return res.status === 200 ? ((await res.json()) as { matchId: string; frames: unknown[] }) : undefined;
  }, { timeoutMs: 10_000, what: "the match's replay" });
  assert.equal(replay.matchId, found[0]!.matchId);
  assert.ok(replay.frames.length > 0);
}

describe("room options from the matchmaker", () => {
  test("match:find with lockstep and recordFrames makes a lockstep room that records a replay", async () => {
    const players = [await lobby("opt-q1"), await lobby("opt-q2")];
    const criteria = { playersPerMatch: 2, modeId: "options-queue", lockstep: true, recordFrames: true };
    for (const p of players) await p.ask("match:find", criteria, "match:queued");
    const found = await Promise.all(players.map((p) => p.inbox.take<MatchFound>("match:found")));
    await assertLockstepRecordedMatch(players, found);
  });

  test("party:create with lockstep and recordFrames makes a lockstep room that records a replay", async () => {
    const [leader, friend] = [await lobby("opt-p1"), await lobby("opt-p2")];
    const created = await leader.ask<{ partyCode: string }>("party:create", { playersPerMatch: 2, modeId: "options-party", lockstep: true, recordFrames: true }, "party:created");
    await friend.ask("party:join", { partyCode: created.partyCode }, "party:joined");
    leader.room.send("party:start", {});
    const found = await Promise.all([leader, friend].map((p) => p.inbox.take<MatchFound>("match:found")));
    await assertLockstepRecordedMatch([leader, friend], found);
  });

  test("without the options the match room is neither lockstep nor recording (the defaults)", async () => {
    const players = [await lobby("opt-d1"), await lobby("opt-d2")];
    for (const p of players) await p.ask("match:find", { playersPerMatch: 2, modeId: "options-default" }, "match:queued");
    const found = await Promise.all(players.map((p) => p.inbox.take<MatchFound>("match:found")));
    const entered = await Promise.all(players.map((p, i) => enterMatch(p, found[i]!)));
    for (const { frameSync } of entered) assert.equal(frameSync.lockstep, false);
    const gone = disposed(found[0]!.roomId);
    await Promise.all(entered.map(({ room }) => room.leave()));
    // A recording room saves its replay while it is disposed: once that is over, nothing was saved.
    await within(gone, { timeoutMs: 5_000, what: "the match room to be disposed" });
    assert.equal((await fetch(server.url(`/replays/${found[0]!.roomId}`))).status, 404);
  });
});
