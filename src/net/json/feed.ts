/**
 * A room's JSON feed (contract §9): the `state` and per-tick `patch` frames of its JSON
 * clients. Costs are per room, not per client: the state snapshot and its RFC 7396
 * merge patch are computed once per tick, and the patch frame is serialized once and
 * sent to every JSON client with only its `seq` prefixed. A room with no JSON client
 * has no feed and pays nothing but a WeakMap lookup per tick.
 *
 * The room tells the feed where its tick starts and ends (jsonTickStarted/Ended):
 * broadcasts in between ride in that tick's `patch.messages`.
 */
import { ClientState } from "@colyseus/core";
import type { DecodedMessage } from "./encode.ts";
import type { Schema } from "@colyseus/schema";
import { diffMergePatch, type Json } from "./mergePatch.ts";
import { syncSnapshot } from "./snapshot.ts";

interface Snapshot {
  frame: number;
  state: Json;
}

interface StatefulRoom {
  state?: unknown;
}

/** What the feed needs of a JSON client (./client.ts implements it). */
export interface FeedClient {
  state: number;
  /** `seq` of the last `state`/`patch` sent; -1 before the first `state`. */
  seq: number;
  /** Broadcasts received during the current tick, for its `patch.messages`. */
  tickMessages: DecodedMessage[];
  /** The snapshot its last `state` held when that is not the feed's last one: its next patch is diffed from it. */
  base: unknown;
  feed: RoomFeed | undefined;
  sendText(head: string, tail?: Buffer): void;
}

const feeds = new WeakMap<object, RoomFeed>();

/** The room's feed, created with its first JSON client. */
export function feedOf(room: StatefulRoom): RoomFeed {
  let feed = feeds.get(room);
  if (!feed) feeds.set(room, (feed = new RoomFeed(room)));
  return feed;
}

/** Called by the room as a tick begins (before the game step). */
export function jsonTickStarted(room: object): void {
  const feed = feeds.get(room);
  if (feed) feed.inTick = true;
}

/** Called by the room after the tick's state patch went to SDK clients. */
export function jsonTickEnded(room: object): void {
  feeds.get(room)?.flush();
}

function sameMessages(a: DecodedMessage[], b: DecodedMessage[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function listText(messages: DecodedMessage[]): string {
  if (messages.length === 0) return "[]";
  let out = "[";
  for (let i = 0; i < messages.length; i++) out += (i ? "," : "") + messages[i]!.body;
  return out + "]";
}

const NO_MESSAGES: DecodedMessage[] = [];

export class RoomFeed {
  /** True between jsonTickStarted and jsonTickEnded. */
  inTick = false;
  private readonly clients = new Set<FeedClient>();
  /** The state after the last tick, as every up-to-date JSON client holds it; updated in place each tick (sent whole only by `resync`). */
  private last: Snapshot | undefined;

  constructor(private readonly room: StatefulRoom) {}

  add(client: FeedClient): void {
    client.feed = this;
    this.clients.add(client);
  }

  remove(client: FeedClient): void {
    this.clients.delete(client);
    if (this.clients.size === 0) this.last = undefined;
  }

  private snapshotNow(): Snapshot {
    const state = (this.room.state as { toJSON(): Json }).toJSON();
    const frame = (state as { frame?: unknown }).frame;
    return { frame: typeof frame === "number" ? frame : 0, state };
  }

  private sendSnapshot(client: FeedClient, snapshot: Snapshot): void {
    client.seq++;
    client.sendText(`{"type":"state","seq":${client.seq},"frame":${snapshot.frame},"state":${JSON.stringify(snapshot.state)}}`);
  }

  /**
   * The full state on join (Colyseus' sendFullState): the state as it is now, which may
   * already differ from the last tick's (this very player was just added). The client's
   * next patch is diffed from what it got.
   */
  sendState(client: FeedClient): void {
    const now = this.snapshotNow();
    client.base = now;
    this.sendSnapshot(client, now);
  }

  /** `resync`: the state the client's patches lead to at this seq (the last tick's), so it can compare. */
  resync(client: FeedClient): void {
    if (client.seq < 0) return; // its first `state` is still on its way
    const held = (client.base as Snapshot | undefined) ?? this.last;
    if (held) return this.sendSnapshot(client, held);
    this.sendState(client);
  }

  /** End of a tick: one merge patch and one serialized frame for the room, a seq prefix per client. */
  flush(): void {
    this.inTick = false;
    if (this.clients.size === 0) return;
    let shared: Json | undefined;
    if (this.last) {
      // The kept snapshot is brought up to date in place; what changed is the shared patch.
      shared = syncSnapshot(this.room.state as Schema, this.last.state as { [key: string]: Json }) ?? {};
      const frame = (this.last.state as { frame?: unknown }).frame;
      this.last.frame = typeof frame === "number" ? frame : 0;
    } else {
      this.last = this.snapshotNow();
    }
    const next = this.last;
    let sharedMessages: DecodedMessage[] | undefined;
    let sharedTail: Buffer | undefined;

    for (const client of this.clients) {
      if (client.state !== ClientState.JOINED || client.seq < 0) continue;
      const messages = client.tickMessages.length ? client.tickMessages : NO_MESSAGES;
      client.tickMessages = [];
      const base = client.base as Snapshot | undefined;
      client.base = undefined;
      client.seq++;
      const head = `{"type":"patch","seq":${client.seq}`;
      if (base || shared === undefined || (sharedMessages !== undefined && !sameMessages(messages, sharedMessages))) {
        // Fresh from a `state` taken between ticks, or its own broadcasts (`except`): its own frame.
        const merge = base ? diffMergePatch(base.state, next.state) ?? {} : shared ?? next.state;
        client.sendText(`${head},"frame":${next.frame},"merge":${JSON.stringify(merge)},"messages":${listText(messages)}}`);
        continue;
      }
      if (!sharedTail) {
        sharedMessages = messages;
        sharedTail = Buffer.from(`,"frame":${next.frame},"merge":${JSON.stringify(shared)},"messages":${listText(messages)}}`);
      }
      client.sendText(head, sharedTail);
    }
  }
}
