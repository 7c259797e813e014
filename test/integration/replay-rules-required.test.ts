/**
 * A game room that records frames must say how its players' state is captured and
 * stepped (replayRules): without them a `recordFrames: true` create is refused with a
 * message that says so, instead of saving replays with empty player state.
 * Run alone: npm run test:file -- test/integration/replay-rules-required.test.ts
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { matchMaker } from "@colyseus/core";
import { MyRoomState, Player } from "../../src/rooms/schema/MyRoomState.ts";
import { FrameSyncRoom, type SeatInfo } from "../../src/utils/FrameSync.ts";
import { nextMessage, sdk, startServer, tokenFor, type TestServer } from "../support/helpers.ts";

/** A minimal game with no replayRules. */
class NoReplayRulesRoom extends FrameSyncRoom<MyRoomState> {
  state = new MyRoomState();
  protected onFrameUpdate(frame: number): void {
    this.state.frame = frame;
  }
  protected createPlayer(seat: SeatInfo): Player {
    return new Player({ ...seat, online: true });
  }
  protected clonePlayer(p: Player, sessionId: string): Player {
    return new Player({ sessionId, userId: p.userId, seatIndex: p.seatIndex, online: p.online });
  }
}

let server: TestServer;
before(async () => {
  server = await startServer();
  matchMaker.defineRoomType("no_replay_rules_room", NoReplayRulesRoom);
});
after(() => server.close());

test("a room without replayRules refuses recordFrames: true, naming replayRules", async () => {
  let err: { code?: number; message?: string } | undefined;
  try {
    const room = await sdk(server.endpoint).create("no_replay_rules_room", { token: tokenFor("norules", server.cfg), recordFrames: true });
    await room.leave();
  } catch (e) {
    err = e as { code?: number; message?: string };
  }
  assert.ok(err, "the create was accepted");
  assert.equal(err.code, 400, err.message);
  assert.match(err.message ?? "", /cannot record frames.*replayRules/);
});

test("the same room without recordFrames plays", async () => {
  const room = await sdk(server.endpoint).create("no_replay_rules_room", { token: tokenFor("norules-2", server.cfg) });
  const sync = await nextMessage(room, "frameSync");
  assert.equal(sync.targetFPS, 20);
  await room.leave();
});
