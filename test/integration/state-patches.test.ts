/**
 * State patches survive a backed-up socket. Colyseus encodes each patch into a buffer
 * it reuses for the next one; a socket that cannot write at once (busy event loop, slow
 * phone link) keeps the patch queued, so it must not be a view of that buffer.
 * The socket is corked here to make "cannot write at once" happen on purpose.
 */
import assert from "node:assert/strict";
import type net from "node:net";
import { after, before, test } from "node:test";
import { matchMaker } from "@colyseus/core";
import { nextMessage, playerIn, sdk, startServer, tokenFor, waitFor, type TestServer } from "../support/helpers.ts";

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());

test("two patches queued behind a backed-up socket both reach the client intact", async () => {
  const alice = await sdk(server.endpoint).create("game_room", { token: tokenFor("alice", server.cfg) });
  await nextMessage(alice, "frameSync");
  const bob = await sdk(server.endpoint).joinById(alice.roomId, { token: tokenFor("bob", server.cfg) });
  await waitFor(() => playerIn(alice, bob.sessionId), { timeoutMs: 5000, what: "bob in alice's state" });

  const decodeWarnings: string[] = [];
  const warn = console.warn;
  const error = console.error;
  console.warn = console.error = (...args: unknown[]) => void decodeWarnings.push(String(args[0]));
  try {
    const room = matchMaker.getLocalRoomById(alice.roomId) as any;
    const aliceOnServer = room.clients.find((c: { sessionId: string }) => c.sessionId === alice.sessionId);
    const socket: net.Socket = aliceOnServer.ref._socket;
    const bobOnServer = room.state.players.get(bob.sessionId);

    // Synchronous from here to uncork: no tick can run in between.
    socket.cork();
    bobOnServer.x = 111;
    room.broadcastPatch(); // queued behind the cork
    bobOnServer.y = 222;
    room.broadcastPatch(); // encoded into the same buffer as the first
    socket.uncork();

    const seen = await waitFor(() => (playerIn(alice, bob.sessionId).y === 222 ? playerIn(alice, bob.sessionId) : undefined), { timeoutMs: 5000, what: "second patch" });
    assert.equal(seen.x, 111, "the first patch arrived as it was sent");
  } finally {
    console.warn = warn;
    console.error = error;
  }
  assert.deepEqual(decodeWarnings.filter((w) => /mismatch|not defined|refId/.test(w)), [], "no decode errors at the client");
  await bob.leave();
  await alice.leave();
});
