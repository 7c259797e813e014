/**
 * The second example game, flag race (examples/race/), played through the real SDK on
 * the real server: two runners join `race_room`, play by sending inputs, the rules'
 * outcome (points, a winner) shows in state and messages, and the replay saved when the
 * room is disposed re-runs with the game's own rules to the recorded final state; and the
 * matchmaker seats players in it like in game_room. (A room recording frames without
 * replayRules is refused: test/integration/replay-rules-required.test.ts.)
 * Run alone: npm run test:file -- test/integration/race-game.test.ts
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Room } from "@colyseus/sdk";
import type { Replay } from "../../src/game/replay.ts";
import type { RaceState } from "../../examples/race/RaceState.ts";
import { WIN_SCORE, cornerOf, rerunRace, towardFlag, type Runner } from "../../examples/race/rules.ts";
import { enterMatch, joinLobby, type MatchFound } from "../support/matchmaking-helpers.ts";
import { collect, framesPass, nextMessage, playerIn, sdk, startServer, tokenFor, waitFor, type TestServer } from "../support/helpers.ts";

let server: TestServer;

before(async () => {
  server = await startServer();
});
after(() => server.close());

async function join(userId: string, options: Record<string, unknown> = {}, roomId?: string): Promise<Room> {
  const token = tokenFor(userId, server.cfg);
  const room = roomId ? await sdk(server.endpoint).joinById(roomId, { token }) : await sdk(server.endpoint).create("race_room", { token, ...options });
  room.onMessage("*", () => {}); // messages this test does not look at
  await waitFor(() => playerIn(room, room.sessionId), { timeoutMs: 5000, what: `${userId} in the race state` });
  return room;
}

/** Runs `room`'s own runner straight at the flag, one input per frame, until stopped. */
function runToFlag(room: Room): () => void {
  let lastFrame = -1;
  let running = true;
  room.onStateChange(() => {
    const frame = (room.state as any).frame as number;
    const me = playerIn(room, room.sessionId);
    if (!running || !me || frame === lastFrame) return;
    lastFrame = frame;
    room.send("input", { inputs: { dir: towardFlag(me.x, me.y) } });
  });
  return () => (running = false);
}

async function replayOf(roomId: string): Promise<Replay<Runner>> {
  const res = await waitFor(async () => {
    const r = await fetch(server.url(`/replays/${roomId}`));
    return r.status === 200 ? r : undefined;
  }, { timeoutMs: 10_000, what: `the replay of ${roomId}` });
  return (await res.json()) as Replay<Runner>;
}

const raceState = (room: Room) => room.state as unknown as RaceState;
const runnerSeen = (room: Room, sessionId: string) => {
  const p = playerIn(room, sessionId);
  return { seatIndex: p.seatIndex, x: p.x, y: p.y, score: p.score };
};

describe("flag race", () => {
  test("two runners race: the one who keeps running scores, wins, and the replay re-runs to the final state", async () => {
    const alice = await join("alice", { recordFrames: true, fps: 60 });
    const bob = await join("bob", {}, alice.roomId);
    assert.deepEqual(runnerSeen(bob, alice.sessionId), { seatIndex: 0, ...cornerOf(0), score: 0 });
    assert.deepEqual(runnerSeen(alice, bob.sessionId), { seatIndex: 1, ...cornerOf(1), score: 0 });

    const flagsSeenByBob = collect<{ sessionId: string; score: number }>(bob, "flag");
    const won = nextMessage(bob, "raceWon", () => true, 20_000);
    // Bob takes one step toward the flag and stops; Alice runs until the race is over.
    bob.send("input", { inputs: { dir: towardFlag(cornerOf(1).x, cornerOf(1).y) } });
    const stop = runToFlag(alice);
    const winner = await won;
    stop();

    assert.deepEqual(winner, { sessionId: alice.sessionId, userId: "alice" });
    assert.deepEqual(flagsSeenByBob.map((f) => [f.sessionId, f.score]), [1, 2, 3].map((score) => [alice.sessionId, score]));
    await waitFor(() => raceState(alice).winner === "alice" && raceState(bob).winner === "alice", { timeoutMs: 5000, what: "the winner in both states" });
    // Inputs she sent before the win was announced may still apply: let them, then the state is final.
    await framesPass(alice, 5);
    const seen = new Map([alice.sessionId, bob.sessionId].map((id) => [id, runnerSeen(bob, id)]));
    assert.ok(seen.get(alice.sessionId)!.score >= WIN_SCORE);
    assert.deepEqual(seen.get(bob.sessionId), { seatIndex: 1, x: cornerOf(1).x - 10, y: cornerOf(1).y - 10, score: 0 }, "bob moved once");

    // Both leave: the room is disposed and saves its replay.
    await Promise.all([alice.leave(), bob.leave()]);
    const replay = await replayOf(alice.roomId);
    assert.equal(replay.fps, 60);
    assert.deepEqual(replay.players.map((p) => p.userId), ["alice", "bob"]);
    const final = new Map(replay.final.players.map((p) => [p.sessionId, p]));
    for (const [id, p] of seen) assert.deepEqual(runnerOf(final.get(id)), p, `final state of ${id} as the clients saw it`);

    // The game's own rules, re-run over the recorded inputs, reach exactly that final state.
    const rerun = rerunRace(replay);
    assert.deepEqual([...rerun.keys()].sort(), [...final.keys()].sort());
    for (const [id, p] of final) assert.deepEqual(runnerOf(rerun.get(id)), runnerOf(p), `re-run of ${id}`);
    assert.ok(replay.frames.filter((f) => f.inputs.length > 0).length >= 16 * WIN_SCORE, "the run was recorded frame by frame");
  });

  for (const [what, inputs, named] of [
    ["a direction of 2", { dir: { x: 2, y: 0 } }, /dir/],
    ["a fractional direction", { dir: { x: 0.5, y: 0 } }, /dir/],
    ["an input the race does not have", { jump: true }, /jump/],
  ] as const) {
    test(`a runner who sends ${what} is refused by name and keeps racing`, async () => {
      const room = await join(`carol-${what.length}`);
      const error = nextMessage(room, "error");
      room.send("input", { inputs });
      const reply = await error;
      assert.equal(reply.code, "INVALID_MESSAGE");
      assert.match(reply.message, named);
      const before = runnerSeen(room, room.sessionId);
      room.send("input", { inputs: { dir: { x: 1, y: 1 } } });
      await waitFor(() => playerIn(room, room.sessionId).x === before.x + 10, { timeoutMs: 5000, what: "the runner's step" });
      assert.deepEqual(runnerSeen(room, room.sessionId), { ...before, x: before.x + 10, y: before.y + 10 });
      await room.leave();
    });
  }
});

describe("flag race through the matchmaker", () => {
  test("match:find with gameRoomName race_room seats two runners in one race", async () => {
    const lobbies = await Promise.all(["fay", "gus"].map((u) => joinLobby(server.endpoint, u, tokenFor(u, server.cfg))));
    for (const l of lobbies) await l.ask("match:find", { playersPerMatch: 2, gameRoomName: "race_room" }, "match:queued");
    const found = await Promise.all(lobbies.map((l) => l.inbox.take<MatchFound>("match:found")));
    assert.deepEqual(found.map((f) => f.roomName), ["race_room", "race_room"]);
    assert.equal(found[0]!.roomId, found[1]!.roomId);
    const rooms = await Promise.all(lobbies.map(async (l, i) => (await enterMatch(l, found[i]!)).room));
    await waitFor(() => rooms.every((r) => (r.state as any).players?.size === 2), { timeoutMs: 5000, what: "both runners in the race" });
    assert.deepEqual(rooms.map((r) => playerIn(r, r.sessionId).seatIndex).sort(), [0, 1]);
    await Promise.all([...rooms, ...lobbies.map((l) => l.room)].map((r) => r.leave()));
  });
});

function runnerOf(p: Runner | undefined): Runner | undefined {
  return p && { seatIndex: p.seatIndex, x: p.x, y: p.y, score: p.score };
}
