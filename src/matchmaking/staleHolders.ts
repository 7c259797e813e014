/**
 * Players held by a matchmaker connection that is gone (issue 13). A queued ticket or a
 * party seat lives until MATCH_RECORD_TTL_MS after the process holding its player's
 * matchmaker connection last refreshed it. When that process is killed, its players
 * come back through another process (a phone reconnecting through the load balancer)
 * while their old ticket or seat still holds them, and their old tickets still wait in
 * queues where live players would be matched with them.
 *
 * Whether a player's connection is gone is asked of its matchmaker room: a room of this
 * process is there or not; another process's room listens on its delivery channel
 * (`mm:lobby:{roomId}`, subscribed before its first player joins, until it is disposed)
 * and Redis drops a dead process's subscriptions with its socket — the test
 * ../net/roomLiveness.ts uses for game rooms. Two places ask, and neither costs anything
 * while no one is held twice and no match is formed:
 *
 * - a request refused because the user is held (`match:find`, `party:create`,
 *   `party:join`): when what holds it is a queued ticket or a party seat whose room is
 *   gone, it is evicted (the ticket off its queue, the seat left as with `party:leave`)
 *   and the request is tried once more, so it is answered as a fresh one would be;
 * - a match just claimed (a queue that filled, a party that started): players whose room
 *   is gone are released and the others put back, exactly as for a claim whose own
 *   process died (./orphans.ts), and whatever the players here still complete is claimed
 *   again. So a ghost's ticket is dropped the first time it would be seated, and no
 *   periodic sweep of the queues is needed.
 *
 * A process whose room was found gone, and which is gone too, is taken out of room
 * placement at once (../net/roomLiveness.ts forgetProcess).
 */
import { matchMaker } from "@colyseus/core";
import { deadOwner, forgetProcess, listened } from "../net/roomLiveness.ts";
import { logger } from "../utils/logger.ts";
import { metrics } from "../utils/metrics.ts";
import { matchStore } from "./activeStore.ts";
import { deliverPartyUpdate, lobbyChannel } from "./delivery.ts";
import { newClaimTag } from "./matchmaker.ts";
import { newPartyCode } from "./partyCode.ts";
import { holderKind, type Address, type Claim, type Party, type RestoreResult } from "./store.ts";

/** The matchmaker rooms among `lobbyRoomIds` still there: this process's at once, others' by their channel (in parallel). */
async function lobbiesHere(lobbyRoomIds: Iterable<string>): Promise<Set<string>> {
  const here = new Set<string>();
  const remote: string[] = [];
  for (const id of new Set(lobbyRoomIds)) {
    if (matchMaker.getLocalRoomById(id)) here.add(id);
    else remote.push(id);
  }
  const heard = await Promise.all(remote.map((id) => listened(lobbyChannel(id))));
  remote.forEach((id, i) => {
    if (heard[i]) here.add(id);
    else void forgetProcessOf(id);
  });
  return here;
}

/** When the gone room's process is gone too (its own channel silent), it gets no new rooms. */
async function forgetProcessOf(lobbyRoomId: string): Promise<void> {
  const processId = await deadOwner(lobbyRoomId).catch(() => null);
  if (processId) await forgetProcess(processId);
}

/** The players (by userId) whose matchmaker room is still there. */
export async function stillHere(players: Array<Address & { userId: string }>): Promise<string[]> {
  const here = await lobbiesHere(players.map((p) => p.lobbyRoomId));
  return players.filter((p) => here.has(p.lobbyRoomId)).map((p) => p.userId);
}

/**
 * A request of `userId` was refused because the user is held: frees it from a queued
 * ticket or party seat whose matchmaker room is gone. True when it did (the request may
 * be tried again); false when the holder is live, a pending match's, or the look failed
 * (the refusal stands). Never throws.
 */
export async function evictIfStale(userId: string): Promise<boolean> {
  try {
    const at = await matchStore().heldAt(userId);
    if (!at || (await lobbiesHere([at.lobbyRoomId])).has(at.lobbyRoomId)) return false;
    const result = await matchStore().evict(userId, at);
    if (result.kind === "moved") return false;
    if (result.kind === "left") deliverPartyUpdate(result.party);
    const kind = holderKind(at.holder);
    metrics.staleHolders.inc({ kind, found: "request" });
    logger.info({ userId, holder: at.holder, lobbyRoomId: at.lobbyRoomId, outcome: result.kind }, `a ${kind} whose matchmaker room is gone held this user: freed for its new request`);
    return true;
  } catch (err) {
    metrics.redisErrors.inc({ op: "mm.stale" });
    logger.debug({ userId, err: (err as Error).message }, "could not check whether this user's holder is stale");
    return false;
  }
}

/** What is left of a claim once its ghosts are out: a match to start, or the party as it is back (its members were told). */
export interface Formed {
  claim?: Claim;
  party?: Party;
}

/**
 * A claim just made, checked for players whose matchmaker room is gone. All here: the
 * claim as it is. Otherwise those are released, the others go back (tickets at their old
 * places, the party without them) and whatever they complete is claimed again, checked
 * the same way. Nothing to start when the claim went another way meanwhile (restored by
 * a sweep as hung). Each round releases at least one ghost, so this ends. Never throws:
 * when Redis fails, the claim is started as it is — safe even if a restore went through
 * unheard, since a claim no longer pending is never committed (its room closes).
 */
export async function withoutGhosts(claim: Claim): Promise<Formed> {
  for (;;) {
    const players = claim.source === "party" ? claim.party.members : claim.tickets;
    let result: RestoreResult;
    try {
      const here = await stillHere(players);
      if (here.length === players.length) return { claim };
      result = await matchStore().restorePending(claim.matchId, here, newClaimTag(), newPartyCode());
    } catch (err) {
      metrics.redisErrors.inc({ op: "mm.stale" });
      logger.warn({ matchId: claim.matchId, err: (err as Error).message }, "could not check a match for players whose matchmaker room is gone: started as claimed");
      return { claim };
    }
    if (result.kind === "gone") return {};
    const released = players.map((p) => p.userId).filter((u) => !result.kept.includes(u));
    metrics.staleHolders.inc({ kind: claim.source === "party" ? "party" : "ticket", found: "match" }, released.length);
    logger.warn(
      { matchId: claim.matchId, source: claim.source, released, kept: result.kept, formedAgain: result.claim?.matchId },
      "a match was formed with players whose matchmaker room is gone: they were released, the others put back",
    );
    if (result.party) deliverPartyUpdate(result.party);
    if (!result.claim) return result.party ? { party: result.party } : {};
    claim = result.claim;
  }
}
