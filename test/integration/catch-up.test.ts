/**
 * A big catch-up (contract §7 `frames:since`; issue 13): six players fill a fast lockstep
 * room's kept window with 1 KB inputs every frame, then a player asks for the frames it
 * missed — more than the 512 KB a client may have queued. The answer comes as several
 * `lockstepFrames` messages, none near that cap, every frame once and in order, the last
 * one saying so (`more: false`); the asker stays connected and, like everyone in this
 * room and another, keeps playing every frame.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Room } from "@colyseus/sdk";
import { pack } from "msgpackr";
import { CATCH_UP_CHUNK_BYTES, MAX_OUTBOUND_BUFFER_BYTES } from "../../src/utils/limits.ts";
import { Bystanders } from "../support/bystanders.ts";
import { sdk, startServer, tokenFor, waitFor, type TestServer } from "../support/helpers.ts";
import { Mover } from "../support/mover.ts";

const FPS = 30;
let server: TestServer;
let bystanders: Bystanders;
const token = (userId: string) => tokenFor(userId, server.cfg);

before(async () => {
  server = await startServer();
  bystanders = await Bystanders.start(server.endpoint, token);
});
after(async () => {
  await bystanders.leave();
  await server.close();
});

interface LockstepFrames {
  frames: Array<{ frame: number; inputs: unknown[] }>;
  more?: boolean;
}

describe("frames:since in a big, fast lockstep room", () => {
  test("an answer over the outbound cap arrives in chunks, every frame once and in order, and the asker keeps playing", async (t) => {
    const asker = await sdk(server.endpoint).create("game_room", { token: token("asker"), lockstep: true, fps: FPS });
    const mover = new Mover(asker);
    const answers: Array<{ msg: LockstepFrames; bytes: number }> = [];
    asker.onMessage("lockstepFrames", (msg: LockstepFrames) => answers.push({ msg, bytes: pack(msg).length }));
    let closed: number | undefined;
    asker.onLeave((code: number) => (closed = code));
    await mover.started();

    const fat = "f".repeat(1000);
    const loud: Room[] = [];
    for (let i = 0; i < 6; i++) {
      const room = await sdk(server.endpoint).joinById(asker.roomId, { token: token(`loud-${i}`) });
      room.onMessage("*", () => {});
      // One input a frame, each merged into the next frame the room runs.
      room.onMessage("lockstepFrame", () => room.send("input", { inputs: { attack: fat } }));
      loud.push(room);
    }
    try {
      const since = mover.lastFrame;
      const mark = bystanders.mark();
      const roomMark = { frame: since + 1 };
      // ~6 KB frames until well over the cap have been kept after `since` (about four seconds;
      // longer on a loaded machine, where the loud inputs miss frames), and never more than
      // the room keeps (LOCKSTEP_HISTORY_S, 10 s).
      let keptBytes = 0;
      asker.onMessage("lockstepFrame", (f: { frame: number }) => {
        if (f.frame > since) keptBytes += pack(f).length;
      });
      await waitFor(() => keptBytes > 1.3 * MAX_OUTBOUND_BUFFER_BYTES || mover.lastFrame >= since + 8 * FPS, { timeoutMs: 40_000, what: "frames worth 1.3× the outbound cap" });
      const askedAt = mover.lastFrame;
      const started = performance.now();
      asker.send("frames:since", { frame: since });
      await waitFor(() => answers.at(-1)?.msg.more === false || (answers.length > 0 && answers.at(-1)?.msg.more === undefined), { timeoutMs: 20_000, what: "the last lockstepFrames chunk" });
      const answerMs = Math.round(performance.now() - started);

      const frames = answers.flatMap((a) => a.msg.frames);
      const total = answers.reduce((n, a) => n + a.bytes, 0);
      assert.ok(total > MAX_OUTBOUND_BUFFER_BYTES, `the case is real: ${total} bytes asked for`);
      for (const a of answers) assert.ok(a.bytes <= CATCH_UP_CHUNK_BYTES + 16 * 1024, `one answer message of ${a.bytes} bytes (cap ${MAX_OUTBOUND_BUFFER_BYTES})`);
      assert.ok(answers.slice(0, -1).every((a) => a.msg.more === true), "more: true on every chunk but the last");
      assert.equal(frames[0]!.frame, since + 1);
      for (let i = 1; i < frames.length; i++) assert.equal(frames[i]!.frame, frames[i - 1]!.frame + 1, `frame ${frames[i - 1]!.frame} then ${frames[i]!.frame}`);
      assert.ok(frames.at(-1)!.frame >= askedAt, `answer ends at ${frames.at(-1)!.frame}, asked at ${askedAt}`);
      assert.equal(closed, undefined, `the asker was closed with ${closed}`);

      await mover.framesPass(FPS);
      mover.assertMovedEveryFrame(roomMark.frame);
      const kept = await bystanders.assertKeptPlaying(mark);
      t.diagnostic(
        `${frames.length} frames, ${total} bytes in ${answers.length} messages (largest ${Math.max(...answers.map((a) => a.bytes))} B) in ${answerMs} ms; asker moved every frame; bystanders ${kept.frames} frames in ${kept.seconds} s (${kept.fps} fps)`,
      );
    } finally {
      await Promise.all([...loud, asker].map((r) => r.leave().catch(() => undefined)));
    }
  });
});
