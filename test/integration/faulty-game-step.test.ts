/**
 * A game step that throws (issue 13; STYLE habit 5: a bug of ours, not a client fault):
 * a test-only room whose onFrameUpdate throws every few frames, sometimes before and
 * sometimes after applying the inputs. Lockstep clients and the replay never see a hole:
 * every frame is still sent (`lockstepFrame`) and recorded, the fault is counted, the room
 * keeps ticking at its rate, and players in another room notice nothing.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { matchMaker } from "@colyseus/core";
import { GameRoomExample } from "../../src/rooms/GameRoomExample.ts";
import type { ClientInput } from "../../src/utils/FrameSync.ts";
import { metrics } from "../../src/utils/metrics.ts";
import { Bystanders } from "../support/bystanders.ts";
import { sdk, startServer, tokenFor, waitFor, type TestServer } from "../support/helpers.ts";
import { Mover } from "../support/mover.ts";

/** Throws in frames 3, 13, 23, … before the step and in frames 8, 18, 28, … after it. */
class FaultyGameRoom extends GameRoomExample {
  protected onFrameUpdate(frame: number, inputs: ClientInput[]): void {
    if (frame % 10 === 3) throw new Error(`test fault before the step of frame ${frame}`);
    super.onFrameUpdate(frame, inputs);
    if (frame % 10 === 8) throw new Error(`test fault after the step of frame ${frame}`);
  }
}

const FPS = 20;
let server: TestServer;
let bystanders: Bystanders;
const token = (userId: string) => tokenFor(userId, server.cfg);

before(async () => {
  server = await startServer({ LOG_LEVEL: "fatal" });
  matchMaker.defineRoomType("faulty_room", FaultyGameRoom);
  bystanders = await Bystanders.start(server.endpoint, token);
});
after(async () => {
  await bystanders.leave();
  await server.close();
});

async function faults(): Promise<number> {
  return (await metrics.processFaults.get()).values.find((v) => v.labels.kind === "frameUpdate")?.value ?? 0;
}

describe("a game step that throws", () => {
  test("every frame is still sent and recorded, the fault counted, and the room keeps its rate", async (t) => {
    const faultsBefore = await faults();
    const mark = bystanders.mark();
    const room = await sdk(server.endpoint).create("faulty_room", { token: token("faulty-player"), lockstep: true, recordFrames: true, fps: FPS });
    const roomId = room.roomId;
    const mover = new Mover(room);
    await mover.started();
    const from = mover.lastFrame + 1;
    const started = performance.now();
    const to = await mover.framesPass(3 * FPS);
    const seconds = (performance.now() - started) / 1000;
    // Every frame reached the lockstep client with this player's move in it. (Not mover's
    // playerAction check: a step that threw before applying the inputs made no action.)
    const holes = Array.from({ length: to - from + 1 }, (_, i) => from + i).filter((f) => !mover.frames.has(f));
    assert.deepEqual(holes, [], "frames missing from the lockstep stream");
    const fps = (to - from + 1) / seconds;
    assert.ok(fps > FPS * 0.85, `the faulty room ran at ${fps.toFixed(1)} fps`);
    const counted = (await faults()) - faultsBefore;
    assert.ok(counted >= Math.floor((to - from) / 5) - 1, `${counted} faults counted over ${to - from} frames`);

    await room.leave();
    // The replay has every frame of the run: frame numbers without a gap.
    const replay = await waitFor(async () => {
      const res = await fetch(server.url(`/replays/${roomId}`));
      return res.status === 200 ? ((await res.json()) as { frames: Array<{ frame: number }> }) : undefined;
    }, { timeoutMs: 10_000, what: "the replay" });
    const numbers = replay.frames.map((f) => f.frame).filter((f) => f >= from && f <= to);
    assert.equal(numbers.length, to - from + 1, "the replay holds every frame of the run");
    const kept = await bystanders.assertKeptPlaying(mark);
    t.diagnostic(`${to - from + 1} frames at ${fps.toFixed(1)} fps with ${counted} faulty steps: no hole live or in the replay; bystanders ${kept.frames} frames in ${kept.seconds} s (${kept.fps} fps)`);
  });
});
