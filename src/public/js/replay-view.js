/**
 * The Replays tab: the list of recent replays and the transport (play/pause, speed,
 * frame scrubber) around one ReplayPlayer. The arena itself is drawn by main.js.
 */
import { ReplayPlayer, fetchReplay, fetchReplayList } from "./replays.js";

export class ReplayView {
  /**
   * @param {{ el: Record<string, HTMLElement>, log: { add: Function }, rules: object,
   *           httpBase: () => string, action: (button: HTMLElement, fn: () => Promise<unknown>) => void }} deps
   */
  constructor({ el, log, rules, httpBase, action }) {
    Object.assign(this, { el, log, rules, httpBase, action });
    /** @type {ReplayPlayer | null} */
    this.player = null;

    el.btnReplayPlay.addEventListener("click", () => this.togglePlay());
    el.replaySpeed.addEventListener("change", () => {
      if (this.player) this.player.speed = Number(el.replaySpeed.value);
    });
    el.replayScrub.addEventListener("input", () => {
      if (!this.player) return;
      this.player.playing = false;
      this.player.seek(Number(el.replayScrub.value));
      this.sync();
    });
    el.btnReplaysRefresh.addEventListener("click", () => this.refreshList());
  }

  async refreshList() {
    const { el } = this;
    el.replaysInfo.textContent = "Loading…";
    try {
      const list = await fetchReplayList(this.httpBase());
      el.replaysInfo.textContent = list.length
        ? `${list.length} recent replay${list.length === 1 ? "" : "s"}.`
        : "No replays yet: create a room with “Record frames”, play, and leave.";
      el.replayList.replaceChildren(...list.map((r) => this.item(r)));
    } catch (err) {
      el.replaysInfo.textContent = `Could not load replays: ${err.message}`;
    }
  }

  item(r) {
    const li = document.createElement("li");
    li.dataset.roomId = r.roomId;
    if (this.player?.replay.roomId === r.roomId) li.classList.add("current");
    const started = new Date(r.startedAt).toLocaleTimeString([], { hour12: false });
    const seconds = Math.max(0, Math.round((r.endedAt - r.startedAt) / 1000));
    const meta = Object.assign(document.createElement("span"), { className: "meta" });
    const match = r.matchId && r.matchId !== "none" ? ` · match ${r.matchId}` : "";
    meta.append(Object.assign(document.createElement("code"), { textContent: r.roomId }), ` · ${started} · ${seconds}s · ${r.frameCount} frames${match}`);
    const button = Object.assign(document.createElement("button"), { type: "button", textContent: "Watch" });
    button.setAttribute("aria-label", `Watch replay of room ${r.roomId}`);
    this.action(button, () => this.open(r.roomId));
    li.append(meta, button);
    return li;
  }

  async open(roomId) {
    const { el } = this;
    // The replay re-run (src/game/replay.ts) is loaded the first time a replay is watched.
    const [doc, replayLib] = await Promise.all([fetchReplay(this.httpBase(), roomId), import("/game/replay.js")]);
    const player = (this.player = new ReplayPlayer(doc, replayLib, this.rules));
    player.speed = Number(el.replaySpeed.value);
    for (const li of el.replayList.children) li.classList.toggle("current", li.dataset.roomId === roomId);
    el.replayScrub.max = String(player.length);
    el.replayScrub.disabled = el.btnReplayPlay.disabled = false;
    el.replayVerdict.textContent = player.check.ok
      ? `Re-running the ${player.length} recorded frames with the shared rules reproduces the recorded final positions of all ${doc.final.players.length} players.`
      : `The re-run differs from the recording: ${player.check.mismatches.slice(0, 3).join("; ")}`;
    const summary = { roomId, frames: player.length, fps: doc.fps, players: doc.players.length, matchesFinal: player.check.ok };
    this.log.add("replay", summary, player.check.ok ? "ok" : "error");
    this.sync();
  }

  togglePlay() {
    const player = this.player;
    if (!player) return;
    if (player.playing) player.playing = false;
    else {
      if (player.atEnd) player.seek(0);
      player.playing = true;
    }
    this.sync();
  }

  /** Called every animation frame while the Replays tab is shown. */
  advance(dtMs) {
    if (!this.player) return;
    this.player.advance(dtMs);
    this.sync();
  }

  sync() {
    const { el, player } = this;
    if (!player) return;
    el.replayScrub.value = String(player.position);
    el.replayFrame.textContent = `${player.currentFrame()} (${player.position} / ${player.length})`;
    el.btnReplayPlay.textContent = player.playing ? "Pause" : player.atEnd ? "Replay" : "Play";
  }
}
