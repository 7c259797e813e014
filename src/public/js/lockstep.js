/**
 * A deterministic client for lockstep rooms (contract §7): it keeps its own copy of
 * every player and advances it only with `lockstepFrame` inputs, through the same
 * rules module the server runs (/game/rules.js, compiled from src/game/rules.ts).
 *
 * Start: the Schema state at join (positions after frame `state.frame`); frames up to
 * that one are already in it and are skipped. A gap (missed frames after a drop) is
 * filled with `frames:since`; live frames that arrive meanwhile wait in a buffer. If the
 * server no longer has the frames (`FRAMES_EXPIRED`) the copy is reseeded from Schema.
 */
export class LockstepSim {
  /** @param {{ applyPlayerInput: Function, spawnPoint: Function }} rules */
  constructor(rules) {
    this.rules = rules;
    this.reset();
  }

  reset() {
    /** sessionId → { sessionId, seatIndex, x, y, attacking } */
    this.players = new Map();
    this.lastFrame = -1;
    this.seeded = false;
    this.awaitingCatchUp = false;
    this.buffer = [];
    this.stats = { framesApplied: 0, duplicates: 0, gaps: 0, catchUps: 0, catchUpFrames: 0, reseeds: 0 };
  }

  /** Takes positions (and the frame they belong to) from a decoded Schema state. */
  seedFromState(state) {
    this.players.clear();
    state.players.forEach((p, sessionId) => {
      this.players.set(sessionId, { sessionId, seatIndex: p.seatIndex, x: p.x, y: p.y, attacking: p.attacking });
    });
    this.lastFrame = state.frame;
    this.seeded = true;
  }

  /**
   * A live `lockstepFrame`. Returns the actions it produced ({ sessionId, action, data })
   * and, when frames are missing, `needFramesSince` (the frame to ask `frames:since` for).
   */
  onLiveFrame(msg, state) {
    if (!this.seeded) this.seedFromState(state);
    if (this.awaitingCatchUp) {
      this.buffer.push(msg);
      return { actions: [] };
    }
    if (msg.frame > this.lastFrame + 1) {
      this.stats.gaps++;
      this.awaitingCatchUp = true;
      this.buffer.push(msg);
      return { actions: [], needFramesSince: this.lastFrame };
    }
    return { actions: this.apply(msg) };
  }

  /** Call before asking for a catch-up (after a reconnect): live frames wait until it lands. */
  expectCatchUp() {
    if (!this.seeded) return false;
    this.awaitingCatchUp = true;
    return true;
  }

  /**
   * A `lockstepFrames` answer: the missed frames, then whatever arrived meanwhile. A big
   * answer comes in several messages; live frames keep waiting until the one with
   * `more: false`.
   */
  onCatchUp(frames, more = false) {
    if (!more) this.stats.catchUps++;
    const actions = [];
    for (const f of frames) {
      if (f.frame > this.lastFrame) this.stats.catchUpFrames++;
      actions.push(...this.apply(f));
    }
    return more ? actions : actions.concat(this.drainBuffer());
  }

  /** `FRAMES_EXPIRED`: start again from the Schema state, then apply buffered frames after it. */
  reseed(state) {
    this.stats.reseeds++;
    this.seedFromState(state);
    return this.drainBuffer();
  }

  drainBuffer() {
    this.awaitingCatchUp = false;
    const pending = this.buffer.sort((a, b) => a.frame - b.frame);
    this.buffer = [];
    const actions = [];
    for (const f of pending) actions.push(...this.apply(f));
    return actions;
  }

  /** Applies one frame, once: a frame at or before `lastFrame` is a duplicate and ignored. */
  apply(msg) {
    if (msg.frame <= this.lastFrame) {
      this.stats.duplicates++;
      return [];
    }
    this.reconcileMembers(msg.inputs);
    const actions = [];
    for (const entry of msg.inputs) {
      const player = this.players.get(entry.sessionId);
      if (!player || !entry.inputs) continue;
      for (const a of this.rules.applyPlayerInput(player, entry.inputs)) actions.push({ sessionId: entry.sessionId, ...a });
    }
    this.lastFrame = msg.frame;
    this.stats.framesApplied++;
    return actions;
  }

  /**
   * Every frame lists every player in the room, so membership follows from the frames
   * alone: a session that is gone is removed; a new session that replaces one which
   * vanished in the same frame (named by `previousSessionId`, or on the same seat) is
   * that player reclaiming its seat, position kept; any other new session is a new
   * player at its seat's spawn point.
   */
  reconcileMembers(entries) {
    const present = new Set(entries.map((e) => e.sessionId));
    const vanished = [...this.players.values()].filter((p) => !present.has(p.sessionId));
    for (const entry of entries) {
      if (this.players.has(entry.sessionId)) continue;
      // The server names the session a reclaimed player had (`previousSessionId`); older
      // servers do not, and then the seat tells.
      const previous =
        (entry.previousSessionId !== undefined ? vanished.find((p) => p.sessionId === entry.previousSessionId) : undefined) ??
        vanished.find((p) => p.seatIndex === entry.seatIndex);
      const start = previous ?? { ...this.rules.spawnPoint(entry.seatIndex), attacking: false };
      this.players.set(entry.sessionId, { sessionId: entry.sessionId, seatIndex: entry.seatIndex, x: start.x, y: start.y, attacking: start.attacking });
    }
    for (const p of vanished) this.players.delete(p.sessionId);
  }

  snapshot() {
    return [...this.players.values()].map((p) => ({ ...p }));
  }
}
