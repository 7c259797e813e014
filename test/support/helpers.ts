/**
 * Test helpers: boot the real app config on a free port, real @colyseus/sdk clients,
 * a TCP proxy to cut or freeze a client's connection the way a network does, and
 * message helpers. Waiting lives in ./wait.ts (re-exported here). No mocks.
 */
import net from "node:net";
import { ClientState, matchMaker } from "@colyseus/core";
import { Client, type Room } from "@colyseus/sdk";
import { createGameServer } from "../../src/app.config.ts";
import { initConfig, loadConfig, type Config } from "../../src/config.ts";
import { signAccessToken } from "../../src/utils/auth.ts";
import { setLogLevel } from "../../src/utils/logger.ts";

import { waitFor } from "./wait.ts";

export { elapse, settlesWithin, sleep, waitFor, within } from "./wait.ts";

export interface TestServer {
  port: number;
  endpoint: string;
  cfg: Readonly<Config>;
  url(path: string): string;
  close(): Promise<void>;
}

/**
 * Boots the real server (app.config.ts) in this process on a free port. Colyseus'
 * matchmaker is one per process, so a test file boots one server.
 */
export async function startServer(env: Record<string, string> = {}): Promise<TestServer> {
  const cfg = initConfig(loadConfig({ ...process.env, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn", ...env }));
  setLogLevel(cfg.logLevel);
  const server = createGameServer(cfg);
  await server.listen(0, "127.0.0.1");
  const port = (server.transport.server!.address() as net.AddressInfo).port;
  return {
    port,
    endpoint: `ws://127.0.0.1:${port}`,
    cfg,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    close: () => server.gracefullyShutdown(false),
  };
}

/** A valid access token for `userId`, signed with the server's secret. */
export function tokenFor(userId: string, cfg: Readonly<Config>, expiresInS = 3600): string {
  return signAccessToken({ userId, username: userId }, expiresInS, cfg.jwtSecret);
}

/** An SDK client; automatic reconnection is allowed right after joining (the SDK waits 5 s by default). */
export function sdk(endpoint: string): Client {
  return new Client(endpoint);
}

export function allowQuickReconnect(room: Room): void {
  room.reconnection.minUptime = 0;
  room.reconnection.minDelay = 50;
  room.reconnection.delay = 50;
}

/** Resolves with the next `type` message on `room` that satisfies `match`. */
export function nextMessage<T = any>(room: Room, type: string, match: (msg: T) => boolean = () => true, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for "${type}"`));
    }, timeoutMs);
    const off = room.onMessage(type, (msg: T) => {
      if (!match(msg)) return;
      clearTimeout(timer);
      off();
      resolve(msg);
    });
  });
}

/** Collects every `type` message on `room` into an array. */
export function collect<T = any>(room: Room, type: string): T[] {
  const out: T[] = [];
  room.onMessage(type, (msg: T) => out.push(msg));
  return out;
}

/** Resolves with the close code when the room's connection ends for good. */
export function leaveCode(room: Room): Promise<number> {
  return new Promise((resolve) => room.onLeave((code: number) => resolve(code)));
}

/**
 * A TCP proxy in front of the server. `cut()` destroys every connection through it
 * (an abrupt network drop: no close frame either way); `freeze()` stops forwarding
 * while keeping sockets open (a phone asleep: the server's pings go unanswered).
 */
export class NetProxy {
  private server!: net.Server;
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private frozen = false;
  port = 0;

  constructor(private readonly targetPort: number) {}

  async start(): Promise<this> {
    this.server = net.createServer((inbound) => {
      const outbound = net.connect(this.targetPort, "127.0.0.1");
      const pair: [net.Socket, net.Socket] = [inbound, outbound];
      this.pairs.add(pair);
      const forward = (from: net.Socket, to: net.Socket) =>
        from.on("data", (chunk) => {
          if (!this.frozen) to.write(chunk);
        });
      forward(inbound, outbound);
      forward(outbound, inbound);
      const end = () => {
        inbound.destroy();
        outbound.destroy();
        this.pairs.delete(pair);
      };
      inbound.on("close", end).on("error", end);
      outbound.on("close", end).on("error", end);
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  get endpoint(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  cut(): void {
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
  }

  freeze(): void {
    this.frozen = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/**
 * Resolves once the room's state shows `n` more frames than now: the way a test lets
 * the game run on for a while, tied to the server's tick rather than to wall time.
 */
export async function framesPass(room: Room, n: number, timeoutMs = 10_000): Promise<number> {
  const frameOf = () => ((room.state as any)?.frame ?? -1) as number;
  const target = frameOf() + n;
  return waitFor(() => (frameOf() >= target ? frameOf() : 0), { timeoutMs, what: `${n} frames to pass in room ${room.roomId}` });
}

/**
 * Resolves once the server (in this process) counts `room`'s connection as joined: the SDK
 * acknowledges a join only after its first state, and Colyseus holds a dropped seat only
 * for a connection that finished joining. A test that cuts a connection waits for this
 * first, or the drop may come before the acknowledgement and remove the player at once.
 */
export async function joinedOnServer(room: Room, timeoutMs = 5000): Promise<void> {
  await waitFor(() => matchMaker.getLocalRoomById(room.roomId)?.clients.getById(room.sessionId)?.state === ClientState.JOINED, {
    timeoutMs,
    what: `the server to count ${room.sessionId} as joined`,
  });
}

/**
 * Resolves when the room `roomId` of this process has finished disposing, onDispose (a
 * replay's save) included. Call it while the room still exists: Colyseus drops the room
 * from its list before onDispose has run, so "no longer listed" proves nothing. Colyseus
 * signals the end on the room's internal `_events` ("disconnect"); checked against 0.18.
 */
export function disposed(roomId: string): Promise<void> {
  const room = matchMaker.getLocalRoomById(roomId) as unknown as { _events: { once(event: string, f: () => void): void } } | undefined;
  if (!room) throw new Error(`room ${roomId} is not in this process (already disposed?)`);
  return new Promise((resolve) => room._events.once("disconnect", () => resolve()));
}

/** The player entry of `sessionId` in a room's decoded state (undefined until the first state arrives). */
export function playerIn(room: Room, sessionId: string): any {
  return (room.state as any)?.players?.get(sessionId);
}

/**
 * Joins `game_room` as `userId` and returns the room with its frameSync. The handler is
 * attached in the same microtask the join resolves in, before any later message arrives.
 */
export async function joinGame(client: Client, cfg: Readonly<Config>, userId: string, options: Record<string, unknown> = {}, method: "joinOrCreate" | "create" = "joinOrCreate") {
  const room = await client[method]("game_room", { token: tokenFor(userId, cfg), ...options });
  const frameSync = await nextMessage(room, "frameSync");
  return { room, frameSync };
}
