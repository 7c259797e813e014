/**
 * The JSON protocol's reaches into Colyseus and ws (the JSON section of
 * src/net/internals.ts) hold for the installed versions; test/unit/internals.test.ts
 * checks the versions themselves. The end-to-end proof is test/integration/json-*.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Protocol, Room, createAuthContext } from "@colyseus/core";
import { WebSocketTransport } from "@colyseus/ws-transport";
import { Frame, JOIN_ACK_FRAME, LEAVE_FRAME, roomDataFrame, webSocketServerOf } from "../../src/net/internals.ts";
import { decodeMessage } from "../../src/net/json/encode.ts";

test("the transport keeps its ws server in `wss` and clears shouldShutdownServer on attachToServer", () => {
  const transport = new WebSocketTransport({ noServer: true });
  const wss = webSocketServerOf(transport);
  assert.equal(typeof wss.handleUpgrade, "function");
  assert.ok(wss.clients instanceof Set, "ws tracks clients (the keepalive and outbound cap iterate them)");
  assert.equal((transport as unknown as { shouldShutdownServer: boolean }).shouldShutdownServer, true);
  assert.equal(typeof transport.attachToServer, "function");
});

test("createAuthContext builds { token, ip, headers } from headers and the peer address", () => {
  const ctx = createAuthContext({ headers: { authorization: "Bearer abc" }, remoteAddress: "10.0.0.9" });
  assert.equal(ctx.token, "abc");
  assert.equal(ctx.ip, "10.0.0.9");
});

test("Room#_onMessage and the frame kinds the JSON client maps are where it expects them", () => {
  assert.equal(typeof (Room.prototype as unknown as { _onMessage: unknown })._onMessage, "function");
  assert.equal(typeof (Room.prototype as unknown as { _onJoin: unknown })._onJoin, "function");
  assert.equal(JOIN_ACK_FRAME[0], Protocol.JOIN_ROOM);
  assert.equal(LEAVE_FRAME[0], Protocol.LEAVE_ROOM);
  assert.deepEqual(Frame, { JOIN_ROOM: 10, ERROR: 11, ROOM_DATA: 13, ROOM_DATA_BYTES: 17, ROOM_STATE: 14, ROOM_STATE_PATCH: 15 });
});

test("a ROOM_DATA frame round-trips through the JSON encoder, decoded once per frame buffer", () => {
  const frame = roomDataFrame("playerAction", { sessionId: "a", action: "jump", data: { jump: true } });
  const first = decodeMessage(frame);
  assert.equal(first?.body, '{"name":"playerAction","data":{"sessionId":"a","action":"jump","data":{"jump":true}}}');
  assert.equal(decodeMessage(frame), first, "the same object: cached by the frame buffer");
});
