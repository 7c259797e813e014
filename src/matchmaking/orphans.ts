/**
 * Matches whose claiming process died (issue 13). A queue that fills, or a party that
 * starts, is claimed in one store step by the process that served that last message,
 * and the match is pending until its room exists (store.ts). If that process dies in
 * between (kill -9, a crash) no room will ever tell the players anything, and their
 * tickets or party are gone: they would wait forever. So every matchmaker room looks,
 * every MATCH_ORPHAN_SWEEP_MS, for claims older than MATCH_ORPHAN_AFTER_MS whose process
 * is gone — nobody listens on its Colyseus process channel any more, the test
 * ../net/roomLiveness.ts uses for rooms — or older than MATCH_CLAIM_HUNG_MS whatever its
 * process, and puts their players who are still here back where they were: a ticket in
 * its queue at its old place, a party with the lead passed on (members hear
 * `party:update`). Players whose matchmaker room is gone too are released.
 *
 * Why not make the room for the claim instead: the claiming process always held one of
 * the players (the one whose `match:find` filled the queue, the leader who started), and
 * that player's matchmaker connection died with it, so the match would always start a
 * player short — a 2-player match against nobody. Putting the others back is what that
 * player dropping out a moment earlier would have done. When every player is still here
 * (a hung claimer), the same step forms the match again at once, under a new match id;
 * the old claimer, should it wake up, finds its claim gone and says nothing.
 */
import { matchMaker } from "@colyseus/core";
import { forgetProcess, processListening } from "../net/roomLiveness.ts";
import { MATCH_CLAIM_HUNG_MS, MATCH_ORPHAN_AFTER_MS, MATCH_ORPHAN_BATCH } from "../utils/limits.ts";
import { logger } from "../utils/logger.ts";
import { metrics } from "../utils/metrics.ts";
import { matchStore } from "./activeStore.ts";
import { deliverPartyUpdate } from "./delivery.ts";
import { newClaimTag, specOf, startMatch } from "./matchmaker.ts";
import { newPartyCode } from "./partyCode.ts";
import { stillHere, withoutGhosts } from "./staleHolders.ts";
import type { StalePending } from "./store.ts";

let sweeping = false;

/** Looks for orphaned claims once and restores them; how many it restored. Never throws. */
export async function sweepOrphans(): Promise<number> {
  if (sweeping) return 0; // the last sweep is still making a room
  sweeping = true;
  try {
    let restored = 0;
    for (const stale of await matchStore().stalePending(MATCH_ORPHAN_AFTER_MS, MATCH_ORPHAN_BATCH)) {
      if (await restoreIfOrphaned(stale)) restored++;
    }
    return restored;
  } catch (err) {
    metrics.redisErrors.inc({ op: "mm.sweep" });
    logger.debug({ err: (err as Error).message }, "could not look for orphaned matches");
    return 0;
  } finally {
    sweeping = false;
  }
}

async function restoreIfOrphaned({ claim, by, ageMs }: StalePending): Promise<boolean> {
  const gone = by !== matchMaker.processId && !(await processListening(by));
  if (!gone && ageMs < MATCH_CLAIM_HUNG_MS) return false; // its claimer is at work
  const players = specOf(claim).players;
  const result = await matchStore().restorePending(claim.matchId, await stillHere(players), newClaimTag(), newPartyCode());
  if (result.kind === "gone") return false; // committed meanwhile, or another process restored it

  // This match's room, and the next ones, must not be placed on the dead process.
  if (gone) await forgetProcess(by);
  metrics.orphanedMatches.inc({ source: claim.source });
  const released = players.map((p) => p.userId).filter((u) => !result.kept.includes(u));
  logger.warn(
    { matchId: claim.matchId, claimer: by, ageMs, why: gone ? "claimer_gone" : "claimer_hung", kept: result.kept, released, formedAgain: result.claim?.matchId },
    "a match whose claimer never made its room: its players still here are back in their queue or party",
  );
  if (result.party) deliverPartyUpdate(result.party);
  // Players put back may complete a match with tickets already queued: ghosts among those are dropped first.
  const formed = result.claim ? await withoutGhosts(result.claim) : {};
  if (formed.claim) await startMatch(formed.claim);
  return true;
}
