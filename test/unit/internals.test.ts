/**
 * What src/net/internals.ts relies on in Colyseus and ws, checked against the installed
 * packages (a real server, a real SDK client): an upgrade that removes or changes one of
 * these reaches fails here, by name, before it breaks a room in a subtler way.
 * Run alone: npm run test:file -- test/unit/internals.test.ts
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Socket } from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Protocol, Room, RoomInternalState, getMessageBytes, matchMaker, type Client } from "@colyseus/core";
import type { Room as SdkRoom } from "@colyseus/sdk";
import { WebSocketClient } from "@colyseus/ws-transport";
import { WebSocket } from "ws";
import {
  CHECKED_AGAINST,
  MONITOR_DISCONNECT_METHOD,
  colyseusOnMessage,
  gateSeatReservations,
  hasReservation,
  holdForReconnection,
  isDisposing,
  isMatchmakeRequest,
  processChannel,
  roomChannel,
  socketOfWebSocket,
  webSocketOf,
  wrapMatchmakeInvoke,
  wsSenderIdle,
} from "../../src/net/internals.ts";
import { GuardedRoom } from "../../src/net/GuardedRoom.ts";
import { nextMessage, sdk, startServer, tokenFor, waitFor, type TestServer } from "../support/helpers.ts";
import { ROOT } from "../support/processes.ts";

function installedVersion(pkg: string): string {
  return JSON.parse(readFileSync(path.join(ROOT, "node_modules", pkg, "package.json"), "utf8")).version;
}

test("every reach was checked against the installed version of its package (re-check internals.ts after an upgrade)", () => {
  for (const [pkg, checked] of Object.entries(CHECKED_AGAINST)) {
    assert.equal(installedVersion(pkg), checked, `${pkg}: installed ${installedVersion(pkg)}, internals.ts checked against ${checked}`);
  }
});

test("@colyseus/monitor's disconnect button calls a Room method by the name GuardedRoom overrides", async () => {
  await import("@colyseus/monitor"); // patches Room.prototype, as the server's /monitor does
  assert.equal(typeof (Room.prototype as unknown as Record<string, unknown>)[MONITOR_DISCONNECT_METHOD], "function");
  const ours = (GuardedRoom.prototype as unknown as Record<string, unknown>)[MONITOR_DISCONNECT_METHOD];
  assert.equal(typeof ours, "function");
  assert.notEqual(ours, (Room.prototype as unknown as Record<string, unknown>)[MONITOR_DISCONNECT_METHOD]);
});

describe("Colyseus Room internals", () => {
  test("_onMessage is a prototype method, and a new room has no own copy that would hide the one a room installs", () => {
    const proto = Room.prototype as unknown as { _onMessage?: unknown };
    assert.equal(typeof proto._onMessage, "function");
    assert.equal(colyseusOnMessage, proto._onMessage);
    const room = new (class extends Room {})();
    assert.equal(Object.hasOwn(room, "_onMessage"), false);
  });

  test("_internalState exists and uses RoomInternalState", () => {
    const room = new (class extends Room {})() as unknown as { _internalState: number };
    assert.equal(typeof RoomInternalState.DISPOSING, "number");
    assert.equal(room._internalState, RoomInternalState.CREATING);
    assert.equal(isDisposing(room as unknown as Room), false);
  });

  test("allowReconnection refuses a client that never finished joining with a plain rejected promise", () => {
    const room = new (class extends Room {})();
    const notJoined = { sessionId: "s", reconnectionToken: "t", _enqueuedMessages: [] } as unknown as Client;
    assert.equal(holdForReconnection(room, notJoined, 1), undefined);
  });
});

describe("against a running server", () => {
  let server: TestServer;
  let player: SdkRoom;
  let room: Room;
  let client: Client;

  before(async () => {
    server = await startServer();
    player = await sdk(server.endpoint).create("game_room", { token: tokenFor("internals", server.cfg) });
    await nextMessage(player, "frameSync");
    room = matchMaker.getLocalRoomById(player.roomId);
    client = await waitFor(() => room.clients.getById(player.sessionId), { timeoutMs: 5000, what: "server-side client" });
  });
  after(async () => {
    await player?.leave().catch(() => {});
    await server?.close();
  });

  test("a client's ref is its ws WebSocket, and the WebSocket's _socket a net.Socket that can be corked", () => {
    const ws = webSocketOf(client);
    assert.ok(ws instanceof WebSocket, "client.ref is a ws WebSocket");
    const socket = socketOfWebSocket(webSocketOf(client));
    assert.ok(socket instanceof Socket, "ws._socket is a net.Socket");
    assert.equal(socket.destroyed, false);
  });

  test("every send goes through WebSocketClient.prototype.raw (the send path patches it)", () => {
    assert.ok(client instanceof WebSocketClient);
    assert.equal(Object.hasOwn(client, "raw"), false, "no own raw hides the prototype's");
    assert.equal(typeof WebSocketClient.prototype.raw, "function");
  });

  test("every close of a client goes through WebSocketClient.prototype.leave (the send path writes out its outbox first)", () => {
    assert.equal(Object.hasOwn(client, "leave"), false, "no own leave hides the prototype's");
    assert.equal(typeof WebSocketClient.prototype.leave, "function");
  });

  test("ws' Sender reads idle when it holds nothing of its own, and busy while it reads a Blob it was given", async () => {
    const ws = webSocketOf(client)!;
    assert.equal(wsSenderIdle(ws), true);
    player.onMessage("blob-probe", () => {});
    ws.send(new Blob([new Uint8Array(getMessageBytes.raw(Protocol.ROOM_DATA, "blob-probe", 1))]), { binary: true });
    assert.equal(wsSenderIdle(ws), false, "a Blob being read holds the sender");
    await waitFor(() => wsSenderIdle(ws), 5000, "the sender idle again");
  });

  test("allowReconnection returns a Deferred whose reject(false) ends the wait", async () => {
    // The real drop path, with Colyseus' own bookkeeping: hold the seat, then cancel the hold.
    const hold = holdForReconnection(room, client, 60);
    assert.ok(hold, "a joined client can be held");
    const reconnections = (room as unknown as { _reconnections: Record<string, unknown> })._reconnections;
    assert.equal(Object.keys(reconnections).length, 1);
    hold.cancel();
    await waitFor(() => Object.keys(reconnections).length === 0, { timeoutMs: 5000, what: "reconnection released" });
  });

  test("the matchmaking route is /matchmake and every call goes through controller.invokeMethod", async () => {
    assert.equal(matchMaker.controller.matchmakeRoute, "matchmake");
    assert.ok(isMatchmakeRequest({ method: "POST", url: "/matchmake/joinOrCreate/game_room" } as never));
    let calls = 0;
    wrapMatchmakeInvoke((invoke) => (...args) => {
      calls++;
      return invoke(...args);
    });
    const other = await sdk(server.endpoint).joinById(player.roomId, { token: tokenFor("internals-2", server.cfg) });
    assert.equal(calls, 1);
    await other.leave();
  });

  test("_reserveSeat records a fresh seat in _reservedSeats before its first await, and the gate sees every fresh one", async () => {
    const seen: string[] = [];
    const probe = new (class extends Room {})();
    // A room of its own: the gate is installed on an instance, over the prototype's method.
    assert.equal(typeof (Room.prototype as unknown as { _reserveSeat?: unknown })._reserveSeat, "function");
    gateSeatReservations(probe, (sessionId) => (seen.push(sessionId), sessionId !== "refused"), () => {});
    assert.equal(await (probe as unknown as { _reserveSeat(id: string, o: unknown, a: unknown, s: number): Promise<boolean> })._reserveSeat("refused", {}, undefined, 1), false);
    assert.equal(hasReservation(probe, "refused"), false);
    // The live room: a reservation is visible synchronously, and gone when it expires.
    const reserving = (room as unknown as { _reserveSeat(id: string, o: unknown, a: unknown, s: number): Promise<boolean> })._reserveSeat("probe-seat", {}, undefined, 0.2);
    assert.equal(hasReservation(room, "probe-seat"), true);
    assert.equal(await reserving, true);
    await waitFor(() => !hasReservation(room, "probe-seat"), { timeoutMs: 5000, what: "the reservation to expire" });
    assert.deepEqual(seen, ["refused"]);
  });

  test("a live room listens on its channel and the process on its own (the names Colyseus uses)", async () => {
    assert.deepEqual(await matchMaker.presence.channels(roomChannel(room.roomId)), [roomChannel(room.roomId)]);
    assert.deepEqual(await matchMaker.presence.channels(processChannel(matchMaker.processId)), [processChannel(matchMaker.processId)]);
    assert.deepEqual(await matchMaker.presence.channels(roomChannel("no-such-room")), []);
  });

  test("a frame-sync room starts no 60 Hz clock interval of Colyseus' (takeOverRoomClock), and its clock still runs with its frames", async () => {
    const delays: number[] = [];
    const original = globalThis.setInterval;
    globalThis.setInterval = ((fn: () => void, ms?: number, ...rest: unknown[]) => {
      delays.push(ms ?? 0);
      return original(fn, ms, ...rest);
    }) as typeof setInterval;
    let listing;
    try {
      listing = await matchMaker.createRoom("game_room", { fps: 20 });
    } finally {
      globalThis.setInterval = original;
    }
    // Colyseus' patchRate setter starts setInterval(clock.tick, 1000 / 60) per room when nothing stops it.
    assert.ok(!delays.some((ms) => Math.abs(ms - 1000 / 60) < 0.5), `intervals started: ${JSON.stringify(delays)}`);
    const created = matchMaker.getLocalRoomById(listing.roomId) as Room;
    const fired = await new Promise<number>((resolve) => {
      const t0 = performance.now();
      created.clock.setTimeout(() => resolve(performance.now() - t0), 120);
    });
    assert.ok(fired >= 100 && fired < 1000, `the room's clock.setTimeout(120) fired after ${fired.toFixed(0)} ms`);
    await created.disconnect();
  });

  test("isDisposing turns true once the room starts disposing", async () => {
    assert.equal(isDisposing(room), false);
    const closing = room.disconnect();
    assert.equal(isDisposing(room), true);
    await closing;
  });
});
