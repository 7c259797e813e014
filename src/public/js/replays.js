/**
 * Replays (contract §7): the list from GET /replays and a player that re-runs one replay
 * (GET /replays/:roomId) through the shared modules — /game/replay.js and the rules it
 * bundles, compiled from src/game — so what you watch is the server's own simulation.
 *
 * Position k of the player means "the first k recorded frames applied" (k = 0: the
 * recorded start). Checkpoints every CHECKPOINT_EVERY frames make scrubbing cheap.
 */
const CHECKPOINT_EVERY = 120;

export async function fetchReplayList(base) {
  const res = await fetch(`${base}/replays`, { headers: { accept: "application/json" } });
  if (!res.ok) throw new Error(`GET /replays answered ${res.status}`);
  return res.json();
}

export async function fetchReplay(base, roomId) {
  const res = await fetch(`${base}/replays/${encodeURIComponent(roomId)}`, { headers: { accept: "application/json" } });
  if (res.status === 404) throw new Error(`no replay for room ${roomId} (expired?)`);
  if (!res.ok) throw new Error(`GET /replays/${roomId} answered ${res.status}`);
  return res.json();
}

export class ReplayPlayer {
  /**
   * @param {object} replay the §7 replay document
   * @param {object} lib /game/replay.js (emptyRoster, applyReplayEvent, applyReplayFrame, checkReplay)
   * @param {object} rules /game/rules.js (applyPlayerInput)
   */
  constructor(replay, lib, rules) {
    this.replay = replay;
    this.lib = lib;
    this.rules = rules;
    this.length = replay.frames.length;
    this.speed = 1;
    this.playing = false;
    this.carry = 0;
    this.jumps = new Map();
    this.checkpoints = [];
    this.rewind();
    this.check = lib.checkReplay(replay);
  }

  rewind() {
    this.position = 0;
    this.eventIndex = 0;
    this.roster = this.lib.emptyRoster(this.replay.start.players);
    this.checkpoints[0] = this.saveCheckpoint();
  }

  saveCheckpoint() {
    const copy = (m) => new Map([...m].map(([k, v]) => [k, { ...v }]));
    return { position: this.position, eventIndex: this.eventIndex, present: copy(this.roster.present), departed: copy(this.roster.departed) };
  }

  restore(cp) {
    const copy = (m) => new Map([...m].map(([k, v]) => [k, { ...v }]));
    this.position = cp.position;
    this.eventIndex = cp.eventIndex;
    this.roster = { present: copy(cp.present), departed: copy(cp.departed) };
  }

  /** Applies the next recorded frame (its roster events first); returns false at the end. */
  step(collectActions = false) {
    if (this.position >= this.length) return false;
    const { events } = this.replay;
    const frame = this.replay.frames[this.position];
    while (this.eventIndex < events.length && events[this.eventIndex].frame <= frame.frame) {
      this.lib.applyReplayEvent(this.roster, events[this.eventIndex++]);
    }
    this.lib.applyReplayFrame(this.roster, frame, (player, inputs) => {
      const actions = this.rules.applyPlayerInput(player, inputs);
      if (collectActions && actions.some((a) => a.action === "jump")) this.jumps.set(player.sessionId, performance.now());
    });
    this.position++;
    if (this.position === this.length) {
      // Roster events after the last frame (e.g. the last players leaving) close the replay.
      while (this.eventIndex < events.length) this.lib.applyReplayEvent(this.roster, events[this.eventIndex++]);
    }
    if (this.position % CHECKPOINT_EVERY === 0 && !this.checkpoints[this.position / CHECKPOINT_EVERY]) {
      this.checkpoints[this.position / CHECKPOINT_EVERY] = this.saveCheckpoint();
    }
    return true;
  }

  seek(position) {
    const target = Math.max(0, Math.min(this.length, Math.round(position)));
    if (target < this.position || target - this.position > CHECKPOINT_EVERY) {
      let slot = Math.floor(target / CHECKPOINT_EVERY);
      while (slot > 0 && !this.checkpoints[slot]) slot--;
      this.restore(this.checkpoints[slot]);
    }
    while (this.position < target) this.step();
  }

  /** Advances by wall-clock time `dtMs` at the recorded fps × speed. */
  advance(dtMs) {
    if (!this.playing) return;
    this.carry += (dtMs / 1000) * this.replay.fps * this.speed;
    while (this.carry >= 1) {
      this.carry -= 1;
      if (!this.step(true)) {
        this.playing = false;
        this.carry = 0;
        break;
      }
    }
  }

  /** The frame number shown at the current position. */
  currentFrame() {
    return this.position === 0 ? this.replay.start.frame : this.replay.frames[this.position - 1].frame;
  }

  get atEnd() {
    return this.position >= this.length;
  }

  players() {
    return [...this.roster.present.values()].map((p) => ({ ...p, online: true }));
  }
}
