/**
 * Find match (contract §4) for the demo page: queue in matchmaker_room, show the queue in
 * the notice bar while waiting, and join the game room by id on match:found.
 */
import { describeError } from "./notice.js";

/** Joins the matchmaker, sends match:find and returns the matchmaker room. */
export async function queueForMatch({ creds, playersPerMatch, recordFrames, log, notice, info, join, reportError, done }) {
  const client = new Colyseus.Client(creds.endpoint);
  const mm = await client.joinOrCreate("matchmaker_room", { token: creds.token, ...(creds.demoUserId ? { demoUserId: creds.demoUserId } : {}) });
  mm.onMessage("match:queued", (p) => {
    const text = `Queued for a ${p.playersPerMatch ?? playersPerMatch}-player match (${p.queueKey}): waiting for other players…`;
    info.textContent = text;
    notice.show("queue", `${text} Cancel leaves the queue.`);
    log.add("match:queued", p);
  });
  mm.onMessage("match:cancelled", (p) => {
    log.add("match:cancelled", p, "warn");
    notice.show("info", "Left the matchmaking queue.");
    mm.leave();
  });
  mm.onMessage("match:error", (p) => {
    log.add("match:error", p, "error");
    notice.show("error", `Matchmaking: ${describeError(p)}`);
    mm.leave();
  });
  mm.onMessage("match:found", async (found) => {
    log.add("match:found", { ...found, reconnectKey: "…", joinOptions: { ...found.joinOptions, reconnectKey: "…" } }, "ok");
    notice.show("ok", `Match found: joining room ${found.roomId}…`);
    mm.leave();
    try {
      await join(found);
    } catch (err) {
      reportError(err);
    }
  });
  mm.onMessage("*", (type, payload) => log.add(String(type), payload));
  mm.onLeave(() => {
    info.textContent = "";
    notice.clear("queue");
    done(mm);
  });
  mm.send("match:find", { playersPerMatch, ...(recordFrames ? { recordFrames: true } : {}) });
  return mm;
}
