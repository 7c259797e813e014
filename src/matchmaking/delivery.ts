/**
 * How a message reaches a player whose matchmaker connection may live on another
 * process: Colyseus presence publish/subscribe on the channel `mm:lobby:{roomId}` of the
 * player's matchmaker room (in-process with LocalPresence, through Redis with
 * RedisPresence). Pub/sub keeps nothing: a message published while its subscriber is
 * away is lost, which is why a match's room delivers `match:found` again (redelivery.ts).
 */
import { matchMaker } from "@colyseus/core";
import { logger } from "../utils/logger.ts";
import { metrics } from "../utils/metrics.ts";
import { partyView } from "./messages.ts";
import type { Address, Party } from "./store.ts";

export const lobbyChannel = (lobbyRoomId: string) => `mm:lobby:${lobbyRoomId}`;

/** A message for one session of a matchmaker room, published on that room's channel. */
export interface Delivery {
  sessionId: string;
  type: string;
  payload: unknown;
  /** The ticket or party this message ends (match found or failed): the room forgets it. */
  ends?: { ticketId?: string; partyId?: string };
}

export function deliver(to: Address, delivery: Omit<Delivery, "sessionId">): void {
  const message: Delivery = { sessionId: to.sessionId, ...delivery };
  void Promise.resolve(matchMaker.presence.publish(lobbyChannel(to.lobbyRoomId), message)).catch((err: Error) => {
    metrics.redisErrors.inc({ op: "mm.deliver" });
    logger.warn({ err: err.message, lobbyRoomId: to.lobbyRoomId, type: delivery.type }, "matchmaker delivery failed");
  });
}

/** `party:update` with the party as it is now, to each of its members. */
export function deliverPartyUpdate(party: Party): void {
  const view = partyView(party);
  for (const member of party.members) deliver(member, { type: "party:update", payload: view });
}
