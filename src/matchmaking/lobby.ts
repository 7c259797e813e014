/**
 * Keeps each process's `matchmaker_room` on that process. With a shared RedisDriver,
 * Colyseus would send every `joinOrCreate("matchmaker_room")` to whichever process
 * first created one, so one process would hold every waiting player's socket and the
 * others would only redirect. Instead a client stays in the matchmaker room of the
 * process it reached (through a load balancer, or by address): queues and parties are
 * shared through the store, and matches are delivered across processes.
 *
 * Two pieces: matchmaker rooms are created locally (selectProcessForRoom), and a
 * matchmaking request for one is filtered to this process's rooms by an option the
 * server sets itself (LOBBY_HOME_OPTION, stamped by ../net/matchmakeChecks.ts; a client
 * cannot choose it).
 */
import { matchMaker } from "@colyseus/core";

export const MATCHMAKER_ROOM = "matchmaker_room";
/** Create/filter option naming the process a matchmaker room belongs to (see `filterBy`). */
export const LOBBY_HOME_OPTION = "lobbyProcessId";

/**
 * Colyseus' `selectProcessIdToCreateRoom`: matchmaker rooms on this process; every
 * other room on the process with the fewest rooms (Colyseus' own default).
 */
export async function selectProcessForRoom(roomName: string): Promise<string> {
  if (roomName === MATCHMAKER_ROOM) return matchMaker.processId;
  const processes = await matchMaker.stats.fetchAll();
  processes.sort((a, b) => a.roomCount - b.roomCount);
  return processes[0]?.processId ?? matchMaker.processId;
}
