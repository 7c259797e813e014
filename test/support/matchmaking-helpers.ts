/**
 * Matchmaker test helpers: a player with a real @colyseus/sdk connection to a
 * matchmaker room and an inbox of everything the room sent it, and the step from
 * `match:found` into the game room. No mocks.
 */
import assert from "node:assert/strict";
import { Client, type Room } from "@colyseus/sdk";
import { nextMessage } from "./helpers.ts";
import { settlesWithin, waitFor } from "./wait.ts";

/** Every message type the matchmaker sends. Handlers are attached at join, so nothing is missed. */
const MATCHMAKER_MESSAGES = [
  "match:queued",
  "match:cancelled",
  "match:found",
  "match:error",
  "match:abandoned",
  "party:created",
  "party:joined",
  "party:update",
  "party:left",
  "party:error",
] as const;

export class Inbox {
  private readonly messages = new Map<string, unknown[]>();

  constructor(room: Room) {
    for (const type of MATCHMAKER_MESSAGES) {
      this.messages.set(type, []);
      room.onMessage(type, (msg: unknown) => this.messages.get(type)!.push(msg));
    }
  }

  /** Removes and returns the oldest `type` message that satisfies `match`, waiting for it. */
  async take<T = any>(type: string, match: (msg: T) => boolean = () => true, timeoutMs = 15_000): Promise<T> {
    const list = this.messages.get(type)!;
    const index = await waitFor(
      () => {
        const i = list.findIndex((m) => match(m as T));
        return i >= 0 ? i + 1 : 0;
      },
      { timeoutMs: timeoutMs, what: `a "${type}" message` },
    );
    return list.splice(index - 1, 1)[0] as T;
  }

  /** Messages of `type` received and not yet taken. */
  pending<T = any>(type: string): T[] {
    return [...(this.messages.get(type)! as T[])];
  }
}

export interface Lobby {
  userId: string;
  token: string;
  client: Client;
  room: Room;
  inbox: Inbox;
  /** Sends and waits for the reply of `replyType` (e.g. match:queued or match:error). */
  ask<T = any>(type: string, payload: unknown, replyType: string, match?: (msg: T) => boolean): Promise<T>;
}

/** `userId` joins the matchmaker room at `endpoint` with a valid token. */
export async function joinLobby(endpoint: string, userId: string, token: string): Promise<Lobby> {
  const client = new Client(endpoint);
  const room = await client.joinOrCreate("matchmaker_room", { token });
  const inbox = new Inbox(room);
  return {
    userId,
    token,
    client,
    room,
    inbox,
    ask(type, payload, replyType, match) {
      room.send(type, payload);
      return inbox.take(replyType, match);
    },
  };
}

export interface MatchFound {
  roomName: string;
  roomId: string;
  matchId: string;
  seatIndex: number;
  reconnectKey: string;
  playersPerMatch: number;
  joinOptions: { matchId: string; seatIndex: number; reconnectKey: string };
  queueKey?: string;
  partyId?: string;
}

/** What a client does with match:found: joinById with the join options and its token. */
export async function enterMatch(lobby: Lobby, found: MatchFound) {
  const room = await lobby.client.joinById(found.roomId, { ...found.joinOptions, token: lobby.token });
  const frameSync = await nextMessage(room, "frameSync", () => true, 15_000);
  return { room, frameSync };
}

/** Every player's match:found agrees on the match and holds distinct seats 0..n-1 with distinct keys. */
export function assertOneMatch(found: MatchFound[], playersPerMatch: number): void {
  assert.equal(found.length, playersPerMatch);
  assert.equal(new Set(found.map((f) => f.roomId)).size, 1, "one room");
  assert.equal(new Set(found.map((f) => f.matchId)).size, 1, "one matchId");
  assert.deepEqual(found.map((f) => f.seatIndex).sort((a, b) => a - b), [...Array(playersPerMatch).keys()]);
  assert.equal(new Set(found.map((f) => f.reconnectKey)).size, playersPerMatch, "a reconnectKey per seat");
  for (const f of found) {
    assert.equal(f.roomName, "game_room");
    assert.equal(f.playersPerMatch, playersPerMatch);
    assert.deepEqual(f.joinOptions, { matchId: f.matchId, seatIndex: f.seatIndex, reconnectKey: f.reconnectKey });
  }
}

/**
 * Everyone in the match sees one player's move: the room is live and ticking for all
 * of them. Returns when each room has received the mover's playerAction.
 */
export async function assertPlaying(rooms: Room[], mover = 0): Promise<void> {
  const sessionId = rooms[mover].sessionId;
  const seen = rooms.map((r) => nextMessage(r, "playerAction", (m: any) => m.sessionId === sessionId && m.action === "move", 15_000));
  rooms[mover].send("input", { inputs: { move: { x: 1, y: 0 } } });
  await Promise.all(seen);
}

/** Leaves every room still connected (a room already closed never answers `leave()`). */
export async function leaveAll(rooms: Room[]): Promise<void> {
  await Promise.all(rooms.filter((r) => r.connection?.isOpen).map((r) => settlesWithin(r.leave(), 5_000)));
}
