/**
 * Frame once, write many (src/net/sendPath.ts): during a tick every client's
 * messages are framed once per message and leave as one write per socket. Real SDK
 * clients must decode all of it, in the order it was sent, with the outbound
 * accounting ws would have done.
 */
import assert from "node:assert/strict";
import type net from "node:net";
import { after, before, describe, test } from "node:test";
import { Protocol, getMessageBytes, matchMaker } from "@colyseus/core";
import type { Room } from "@colyseus/sdk";
import * as ws from "ws";
import { CatchUpSender } from "../../src/net/catchUp.ts";
import { closeFrameWindow, frameBinary, openFrameWindow, outboundBytes } from "../../src/net/sendPath.ts";
import { CATCH_UP_QUEUE_BYTES } from "../../src/utils/limits.ts";
import { leaveCode, nextMessage, playerIn, sdk, sleep, startServer, tokenFor, waitFor, type TestServer } from "../support/helpers.ts";

/** ws' frame parser (exported by ws, missing from its types). */
const { Receiver } = ws as unknown as { Receiver: new (options: object) => NodeJS.EventEmitter & { write(chunk: Buffer): void } };

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());

describe("frameBinary", () => {
  test("frames every payload size class so that ws' own parser reads it back byte for byte", async () => {
    for (const size of [0, 1, 125, 126, 127, 65535, 65536, 70_000]) {
      const payload = Buffer.alloc(size);
      for (let i = 0; i < size; i++) payload[i] = (i * 7 + size) & 0xff;
      const receiver = new Receiver({ isServer: false, skipUTF8Validation: true });
      const got = new Promise<Buffer>((resolve, reject) => {
        receiver.on("message", (data: Buffer, isBinary: boolean) => (isBinary ? resolve(data) : reject(new Error("not binary"))));
        receiver.on("error", reject);
      });
      receiver.write(frameBinary(payload));
      assert.deepEqual(await got, payload, `payload of ${size} bytes`);
    }
  });
});

/** A game room with `n` players; returns the SDK rooms and the server-side room. */
async function roomOf(n: number, tag: string) {
  const rooms: Room[] = [];
  for (let i = 0; i < n; i++) {
    const token = tokenFor(`${tag}-${i}`, server.cfg);
    rooms.push(i === 0 ? await sdk(server.endpoint).create("game_room", { token }) : await sdk(server.endpoint).joinById(rooms[0].roomId, { token }));
  }
  // Messages nobody listens to are fine here (the SDK would warn about each).
  for (const r of rooms) r.onMessage("*", () => {});
  // The state may not have arrived yet: no players to look in then.
  const seen = (r: Room, sessionId: string) => (r.state as { players?: { get(id: string): unknown } } | undefined)?.players?.get(sessionId);
  for (const r of rooms) for (const other of rooms) await waitFor(() => seen(r, other.sessionId), 5000, "every player in every state");
  const serverRoom = matchMaker.getLocalRoomById(rooms[0].roomId) as any;
  const serverClient = (r: Room) => serverRoom.clients.find((c: { sessionId: string }) => c.sessionId === r.sessionId);
  return { rooms, serverRoom, serverClient };
}

/** Every message of any type a room receives, in order. */
function inbox(room: Room): Array<{ type: string; msg: unknown }> {
  const out: Array<{ type: string; msg: unknown }> = [];
  room.onMessage("*", (type: string | number, msg: unknown) => out.push({ type: String(type), msg }));
  return out;
}

describe("a moving room", () => {
  test("every client decodes every playerAction and patch, and each socket gets about one write per tick", async () => {
    const { rooms, serverRoom, serverClient } = await roomOf(4, "mover");
    const warnings: string[] = [];
    const { warn, error } = console;
    console.warn = console.error = (...args: unknown[]) => void warnings.push(String(args[0]));
    try {
      const moves = rooms.map(() => 0);
      const boxes = rooms.map((r) => {
        const box: Array<{ sessionId: string; action: string }> = [];
        r.onMessage("playerAction", (m: { sessionId: string; action: string }) => box.push(m));
        return box;
      });
      const socket: net.Socket = serverClient(rooms[0]).ref._socket;
      const write = socket.write;
      let writes = 0;
      socket.write = function (this: net.Socket, ...args: unknown[]) {
        writes++;
        return (write as (...a: unknown[]) => boolean).apply(this, args);
      } as typeof socket.write;
      const frame0 = serverRoom.frameSync.currentFrame;
      const timer = setInterval(() => {
        rooms.forEach((r, i) => {
          moves[i]++;
          r.send("input", { inputs: { move: { x: i % 2 ? 1 : -1, y: 0.5 } } });
        });
      }, 50);
      await sleep(1500);
      clearInterval(timer);
      const ticks = serverRoom.frameSync.currentFrame - frame0;
      socket.write = write;
      await sleep(300);

      // Everyone saw everyone move, and all states agree with the server's.
      for (const box of boxes) {
        for (const r of rooms) assert.ok(box.some((m) => m.sessionId === r.sessionId && m.action === "move"), "a move of every player");
      }
      const counts = boxes.map((b) => b.length);
      assert.ok(Math.max(...counts) - Math.min(...counts) <= 4, `every client got the same broadcasts: ${counts}`);
      for (const r of rooms) {
        for (const other of rooms) {
          const onServer = serverRoom.state.players.get(other.sessionId);
          await waitFor(() => playerIn(r, other.sessionId).x === onServer.x && playerIn(r, other.sessionId).y === onServer.y, 3000, "states agree");
        }
      }
      // One write per tick (each tick sends a patch and actions), plus the odd ping.
      assert.ok(ticks >= 10, `ticks ran: ${ticks}`);
      assert.ok(writes <= ticks + 3, `${writes} writes in ${ticks} ticks`);
      assert.ok(writes >= ticks * 0.5, `${writes} writes in ${ticks} ticks: the tick's messages were sent`);
    } finally {
      console.warn = warn;
      console.error = error;
    }
    assert.deepEqual(warnings.filter((w) => /mismatch|not defined|refId/.test(w)), [], "no decode errors at the clients");
    for (const r of rooms) await r.leave();
  });
});

describe("the window of a tick", () => {
  test("holds a client's messages until it closes, in the order they were sent, among sends around it", async () => {
    const { rooms, serverRoom, serverClient } = await roomOf(2, "order");
    const [alice, bob] = rooms;
    const got = inbox(alice);
    const a = serverClient(alice);
    const socket: net.Socket = a.ref._socket;

    // Synchronous from here to the close: no tick of the room can run in between.
    a.send("seq", 1);
    openFrameWindow(serverRoom.clients);
    const before = socket.bytesWritten;
    a.send("seq", 2);
    serverRoom.broadcast("seq", 3);
    a.send("seq", 4);
    serverRoom.broadcast("seq", 5, { except: a });
    const during = socket.bytesWritten;
    closeFrameWindow();
    a.send("seq", 6);
    assert.equal(during, before, "nothing written while the window was open");

    await waitFor(() => got.filter((m) => m.type === "seq").length === 5, 5000, "the seq messages");
    assert.deepEqual(got.filter((m) => m.type === "seq").map((m) => m.msg), [1, 2, 3, 4, 6]);
    await bob.leave();
    await alice.leave();
  });

  test("a client closed during the window gets its earlier messages first", async () => {
    const { rooms, serverRoom, serverClient } = await roomOf(2, "closing");
    const [alice, bob] = rooms;
    const got = inbox(alice);
    const closed = leaveCode(alice);
    const a = serverClient(alice);
    openFrameWindow(serverRoom.clients);
    a.send("seq", 1);
    serverRoom.broadcast("seq", 2);
    a.leave(4100, "replaced");
    serverRoom.broadcast("seq", 3); // after its close: dropped, as ws drops it
    closeFrameWindow();
    assert.equal(await closed, 4100);
    assert.deepEqual(got.filter((m) => m.type === "seq").map((m) => m.msg), [1, 2]);
    await bob.leave();
  });

  test("queues behind frames ws itself still holds (a Blob being read) instead of overtaking them", async () => {
    const { rooms, serverRoom, serverClient } = await roomOf(2, "blob");
    const [alice, bob] = rooms;
    const got = inbox(alice);
    const a = serverClient(alice);
    a.ref.send(new Blob([new Uint8Array(getMessageBytes.raw(Protocol.ROOM_DATA, "seq", 1))]), { binary: true });
    openFrameWindow(serverRoom.clients);
    serverRoom.broadcast("seq", 2);
    a.send("seq", 3);
    closeFrameWindow();
    await waitFor(() => got.filter((m) => m.type === "seq").length === 3, 5000, "the seq messages");
    assert.deepEqual(got.filter((m) => m.type === "seq").map((m) => m.msg), [1, 2, 3]);
    await bob.leave();
    await alice.leave();
  });

  test("counts what it queues exactly as ws.send does: in outboundBytes during the window, in ws.bufferedAmount after (the outbound cap reads it)", async () => {
    const { rooms, serverRoom, serverClient } = await roomOf(2, "buffered");
    const [alice, bob] = rooms;
    const a = serverClient(alice);
    const socket: net.Socket = a.ref._socket;
    const sendSome = () => {
      serverRoom.broadcast("blob", { data: "x".repeat(300) });
      a.send("seq", 1);
      serverRoom.broadcast("blob", { data: "y".repeat(70_000) });
    };
    // Corked, nothing leaves: bufferedAmount holds every byte queued.
    socket.cork();
    const b0 = a.ref.bufferedAmount;
    sendSome();
    const viaWs = a.ref.bufferedAmount - b0;
    openFrameWindow(serverRoom.clients);
    sendSome();
    // Still in the window: ws has not seen these bytes, the send path counts them (catch-up reads it).
    assert.equal(outboundBytes(a), b0 + 2 * viaWs);
    closeFrameWindow();
    const viaWindow = a.ref.bufferedAmount - b0 - viaWs;
    assert.equal(outboundBytes(a), a.ref.bufferedAmount);
    socket.uncork();
    assert.ok(viaWs > 70_000);
    assert.equal(viaWindow, viaWs);
    await nextMessage(alice, "seq");
    await bob.leave();
    await alice.leave();
  });

  test("a catch-up pumped inside the window stops at its queue budget: the window's bytes count as queued", async () => {
    const { rooms, serverClient } = await roomOf(2, "catchup");
    const [alice, bob] = rooms;
    const a = serverClient(alice);
    const socket: net.Socket = a.ref._socket;
    // ~700 KB of frames, more than the outbound cap.
    const fat = "f".repeat(1000);
    const frames = Array.from({ length: 700 }, (_, i) => ({ frame: i, timestamp: 0, inputs: [{ sessionId: "s", seatIndex: 0, inputs: { attack: fat } }] }));
    const catchUps = new CatchUpSender();
    socket.cork(); // a client that does not read: nothing drains while we look
    try {
      openFrameWindow([a]);
      catchUps.start(a, frames);
      catchUps.pumpAll();
      closeFrameWindow();
      const queued = a.ref.bufferedAmount;
      assert.ok(queued > 0, "something was sent");
      assert.ok(queued <= CATCH_UP_QUEUE_BYTES + 64, `${queued} bytes queued, budget ${CATCH_UP_QUEUE_BYTES}`);
    } finally {
      socket.uncork();
    }
    await bob.leave();
    await alice.leave();
  });
});
