/**
 * Parity (contract §9): an SDK client and a JSON client in one lockstep room, under
 * scripted inputs from both, see the same playerActions, the same lockstep frames, each
 * other's chat, and the JSON client's patched state equals the SDK client's
 * `room.state.toJSON()` at every frame both saw.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Room } from "@colyseus/sdk";
import { collect, nextMessage, sdk, sleep, startServer, tokenFor, waitFor, type TestServer } from "../support/helpers.ts";
import { JsonSocket } from "../support/json-client.ts";

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());

test("an SDK client and a JSON client see the same actions, chat, lockstep frames and state", { timeout: 30_000 }, async () => {
  const room: Room = await sdk(server.endpoint).create("game_room", { token: tokenFor("sdk-sam", server.cfg), lockstep: true });
  const sdkActions = collect(room, "playerAction");
  const sdkLockstep = collect(room, "lockstepFrame");
  const sdkChat = collect(room, "chat");
  const sdkStates = new Map<number, unknown>();
  room.onStateChange((state: any) => sdkStates.set(state.frame, state.toJSON()));
  collect(room, "frameSync");
  collect(room, "playerJoined");

  const json = await JsonSocket.open(server.endpoint);
  const joined = await json.join("joinById", room.roomId, { token: tokenFor("json-jo", server.cfg) });
  await json.next((f) => f.type === "patch");
  await sleep(200);
  const from = json.frame + 1; // both clients are in and up to date from here on

  // The script: 40 ticks' worth of inputs from each, with jumps, attacks and an input for a named frame.
  for (let i = 0; i < 40; i++) {
    room.send("input", { inputs: { move: { x: 1, y: i % 3 === 0 ? -1 : 0.5 }, attack: i % 7 === 0 } });
    json.sendJson({ type: "send", name: "input", data: { inputs: { move: { x: -0.5, y: 1 }, jump: i % 5 === 0 } } });
    if (i === 10) {
      room.send("chat", "hello from the SDK");
      json.sendJson({ type: "send", name: "chat", data: { message: "hello from JSON" } });
    }
    await sleep(50);
  }
  await sleep(400);
  const until = Math.min(json.frame, (room.state as any).frame);

  const jsonChat = json.messagesNamed("chat");
  assert.deepEqual(jsonChat, [{ sessionId: room.sessionId, message: "hello from the SDK" }]);
  assert.deepEqual(sdkChat, [{ sessionId: joined.sessionId, message: "hello from JSON" }]);

  // Lockstep frames of the common window, identical.
  const inWindow = (f: { frame?: number; [key: string]: any }) => f.frame !== undefined && f.frame >= from && f.frame <= until;
  const jsonLockstep = json.messagesNamed("lockstepFrame").filter(inWindow);
  assert.ok(jsonLockstep.length >= 30, `${jsonLockstep.length} lockstep frames compared`);
  assert.deepEqual(jsonLockstep, sdkLockstep.filter(inWindow));

  // playerActions: the same sequence. Each patch carries its tick's actions, so the JSON
  // side's actions of frames from..until are those of the patches of those frames.
  const jsonActions = json.frames.filter((f) => f.type === "patch" && inWindow(f)).flatMap((f) => f.messages.filter((m: any) => m.name === "playerAction").map((m: any) => m.data));
  const sdkFromIndex = sdkActions.findIndex((a) => jsonActions.length > 0 && JSON.stringify(a) === JSON.stringify(jsonActions[0]));
  assert.ok(jsonActions.length >= 60, `${jsonActions.length} playerActions compared`);
  assert.deepEqual(sdkActions.slice(sdkFromIndex, sdkFromIndex + jsonActions.length), jsonActions);
  assert.ok(jsonActions.some((a) => a.action === "jump") && jsonActions.some((a) => a.action === "attack"));

  // State at the same frame: JSON patched state == SDK toJSON().
  let compared = 0;
  for (let frame = from; frame <= until; frame++) {
    const mine = json.statesByFrame.get(frame);
    const theirs = sdkStates.get(frame);
    if (mine === undefined || theirs === undefined) continue;
    assert.deepEqual(mine, theirs, `state at frame ${frame}`);
    compared++;
  }
  assert.ok(compared >= 30, `${compared} frames' states compared`);
  // And a resync equals the patched state.
  const before = structuredClone(json.state);
  json.sendJson({ type: "resync" });
  const st = await json.after((f) => f.type === "state");
  const patchedAtResync = json.statesByFrame.get(st.frame) ?? before;
  assert.deepEqual(st.state, patchedAtResync);

  json.sendJson({ type: "leave" });
  await json.closed;
  await nextMessage(room, "playerLeft").catch(() => undefined);
  await waitFor(() => (room.state as any).players.size === 1, { timeoutMs: 3000, what: "the JSON player gone from the SDK state" });
  await room.leave();
});
