/**
 * A room whose process is gone answers `404` at once (contract §8), as any room that
 * does not exist.
 *
 * With REDIS_URL, a crashed or killed process leaves its rooms in the cluster's listing.
 * Colyseus would find such a room, call it over pub/sub, wait for its IPC timeout, then
 * health-check the process (another timeout) and answer `523 process … is not available`
 * after ~4 s. But a room answers those calls only through its own pub/sub channel: when
 * Redis counts no subscriber on that channel, the call cannot succeed, and the process
 * that subscribed is gone (Redis drops a dead process's subscriptions with its socket).
 * So before a `joinById` or an SDK reconnection reaches a room of another process, that
 * channel is checked (PUBSUB CHANNELS): no listener → 404, and Colyseus' own health
 * check of the owner runs in the background; it removes the dead process's rooms from
 * the listing. The owner's own process channel is checked too, so a live process's room
 * in the moment between its listing and its subscription is left to Colyseus.
 *
 * The channel names are Colyseus' (internals.ts roomChannel, processChannel).
 */
import { ServerError, matchMaker } from "@colyseus/core";
import { JoinCodes } from "../protocol/codes.ts";
import { logger } from "../utils/logger.ts";
import { metrics } from "../utils/metrics.ts";
import { processChannel, roomChannel } from "./internals.ts";

type Invoke = typeof matchMaker.controller.invokeMethod;

/** Matchmaking calls whose first argument is a roomId. */
const BY_ROOM_ID = new Set(["joinById", "reconnect"]);

/** Room and process ids are Colyseus' URL-safe ids; anything else could be a glob pattern in PUBSUB CHANNELS. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** True when some process listens on `channel` (PUBSUB CHANNELS with the exact name: pass only names without glob characters). */
export async function listened(channel: string): Promise<boolean> {
  return (await matchMaker.presence.channels(channel)).length > 0;
}

/** A live process always listens on its own channel; nobody does once it is gone. */
export function processListening(processId: string): Promise<boolean> {
  return listened(processChannel(processId));
}

/**
 * A process found gone: Colyseus would keep placing new rooms on it, waiting 2 s for it
 * each time, until a health check fails it. This takes it out of room placement now and
 * starts that health check, which removes its rooms from the listing. A live process
 * wrongly taken out puts itself back with its next stats write. Never throws.
 */
export async function forgetProcess(processId: string): Promise<void> {
  await Promise.resolve(matchMaker.stats.excludeProcess(processId)).catch(() => undefined);
  void matchMaker.healthCheckProcessId(processId).catch(() => undefined);
}

/**
 * Null when the call may go on; otherwise the process that listed the room and is gone.
 * Rooms of this process, rooms not listed (Colyseus answers those itself) and odd ids
 * are left to Colyseus.
 */
export async function deadOwner(roomId: unknown): Promise<string | null> {
  if (typeof roomId !== "string" || !ID.test(roomId) || matchMaker.getLocalRoomById(roomId)) return null;
  const listing = await matchMaker.driver.findOne({ roomId });
  if (!listing || listing.processId === matchMaker.processId || !ID.test(listing.processId)) return null;
  // A live process always listens on its own channel; a room is listened to from just
  // after its listing is written until it is disposed. Both silent: the process is gone.
  const [room, owner] = await Promise.all([listened(roomChannel(roomId)), processListening(listing.processId)]);
  return room || owner ? null : listing.processId;
}

/** A matchmaking call step (matchmakeChecks.ts): `joinById`/`reconnect` to a room of a dead process → 404 at once. */
export const roomsOfDeadProcesses = (next: Invoke): Invoke => async (...args) => {
  const [method, roomId] = args;
  if (BY_ROOM_ID.has(method)) {
    const owner = await deadOwner(roomId);
    if (owner) {
      metrics.joinsRefused.inc({ code: String(JoinCodes.NOT_FOUND) });
      logger.info({ roomId, processId: owner }, "room of a process that is gone: answered 404; checking that process");
      void matchMaker.healthCheckProcessId(owner).catch(() => undefined);
      throw new ServerError(JoinCodes.NOT_FOUND, `room "${roomId}" not found (its process is gone)`);
    }
  }
  return next(...args);
};
