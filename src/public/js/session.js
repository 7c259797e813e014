/**
 * One player's connection to a game room (contract §3): joining, the messages it gets,
 * the input it sends at the room's fps, round-trip pings, a simulated drop and both
 * reconnection paths — (1) the SDK's `client.reconnect(reconnectionToken)` and
 * (2) `joinById(roomId, { token, matchId, reconnectKey })`. The page (main.js) renders
 * what this holds and calls its methods; this module touches no DOM.
 */
import { LockstepSim } from "./lockstep.js";

/** The server allows 60 messages a second per client (§6); inputs stay below that with room for pings and chat. */
export const MAX_INPUT_RATE_HZ = 50;
const PING_INTERVAL_MS = 2000;
/** The SDK refuses to auto-reconnect a room younger than this (its default is 5 s, long for a demo). */
const AUTO_RECONNECT_MIN_UPTIME_MS = 1000;
/** How many input ticks a released attack is repeated while the state still shows it on. */
const MAX_RELEASE_REPEATS = 20;

export const CloseCodes = {
  CONSENTED: 4000,
  SERVER_SHUTDOWN: 4001,
  ABUSE: 4002,
  FAILED_TO_RECONNECT: 4003,
  MAY_TRY_RECONNECT: 4010,
  REPLACED: 4100,
};

/** Messages the page logs as they are (playerAction is coalesced by the log itself). */
const LOGGED_MESSAGES = ["playerJoined", "playerLeft", "playerOffline", "playerOnline", "reconnect:ok", "playerAction", "serverShutdown"];

export class GameSession {
  /**
   * @param {{ rules: object, input: { sample(): object },
   *           onEvent(type: string, payload: unknown, level?: string): void,
   *           onChat(entry: object): void, onChange(): void }} hooks
   */
  constructor(hooks) {
    this.hooks = hooks;
    this.lockstep = new LockstepSim(hooks.rules);
    this.status = "idle";
    this.client = null;
    this.room = null;
    this.autoReconnect = true;
    this.identity = { token: "", demoUserId: "" };
    this.info = emptyInfo();
    this.rtt = null;
    this.jumps = new Map();
    this.counters = { inputsSent: 0, lockstepFramesReceived: 0, reconnects: 0 };
    this.timers = { input: 0, ping: 0 };
    this.lastIntent = { moving: false, attack: false };
    this.releaseRepeats = 0;
  }

  get connected() {
    return this.status === "connected";
  }

  /** `method`: joinOrCreate | create | join (target = room name) or joinById (target = room id). */
  async join(method, target, { endpoint, token, demoUserId, options = {} }) {
    if (this.room) await this.leave();
    this.identity = { token, demoUserId };
    this.client = new Colyseus.Client(endpoint);
    const joinOptions = { ...options, token, ...(demoUserId ? { demoUserId } : {}) };
    this.setStatus("connecting");
    try {
      const room = await this.client[method](target, joinOptions);
      this.attach(room);
      return room;
    } catch (err) {
      this.setStatus(this.room ? this.status : "idle");
      throw err;
    }
  }

  /**
   * Reconnection path 2: claims the seat `record` describes (after a page reload, or
   * when the SDK's own token no longer works). The seat's position comes along.
   */
  async reclaim(record, { endpoint, token, demoUserId }) {
    this.event("reconnect", { path: "joinById + reconnectKey", roomId: record.roomId }, "warn");
    const options = { matchId: record.matchId, reconnectKey: record.reconnectKey };
    const room = await this.join("joinById", record.roomId, { endpoint, token, demoUserId, options });
    this.counters.reconnects++;
    return room;
  }

  /** The Reconnect button: path 1 if the SDK's token is still good, else path 2. */
  async reconnect(record, credentials) {
    // The SDK renews the token on every (re)join; the dropped room object holds the latest.
    const token = this.room?.reconnectionToken;
    if (token && this.client && this.status === "dropped") {
      this.event("reconnect", { path: "client.reconnect (SDK token)", roomId: this.info.roomId }, "warn");
      this.setStatus("reconnecting");
      try {
        const room = await this.client.reconnect(token);
        this.counters.reconnects++;
        this.attach(room);
        return room;
      } catch (err) {
        this.event("error", { code: err.code, message: `SDK reconnect failed: ${err.message}` }, "warn");
      }
    }
    if (!record) {
      this.setStatus("closed");
      throw new Error("no saved seat to reclaim");
    }
    return this.reclaim(record, credentials);
  }

  /** Consented leave: the seat is given up. */
  async leave() {
    const room = this.room;
    if (!room) return;
    this.leaving = true;
    try {
      if (room.connection?.isOpen) await room.leave(true);
    } finally {
      this.leaving = false;
      this.detach();
      this.setStatus("closed");
    }
  }

  /**
   * Simulates a phone going to sleep: the socket goes away without a consented leave
   * (close code 4010, which Colyseus treats as a drop, not a leave). The server holds
   * the seat; the SDK reconnects by itself when auto-reconnect is on.
   */
  drop() {
    if (!this.room?.connection?.isOpen) return;
    this.event("drop", { code: CloseCodes.MAY_TRY_RECONNECT, note: "simulated: socket closed without leave" }, "warn");
    this.room.connection.close(CloseCodes.MAY_TRY_RECONNECT, "simulated drop");
  }

  setAutoReconnect(on) {
    this.autoReconnect = on;
    if (this.room) this.room.reconnection.enabled = on;
  }

  send(type, payload) {
    if (!this.connected) return false;
    this.room.send(type, payload);
    return true;
  }

  sendChat(text) {
    const message = text.trim();
    if (!message || !this.send("chat", message)) return false;
    this.hooks.onChat({ sessionId: this.info.sessionId, message, self: true });
    return true;
  }

  // --- wiring one SDK room ---

  attach(room) {
    const previousRoomId = this.info.roomId;
    if (previousRoomId !== room.roomId) {
      this.lockstep.reset();
      this.info = emptyInfo();
    }
    this.room = room;
    Object.assign(this.info, { roomId: room.roomId, roomName: room.name, sessionId: room.sessionId });
    room.reconnection.enabled = this.autoReconnect;
    room.reconnection.minUptime = AUTO_RECONNECT_MIN_UPTIME_MS;

    const on = (type, fn) => room.onMessage(type, (payload) => {
      if (room === this.room) fn(payload);
    });
    on("frameSync", (p) => this.onFrameSync(p));
    for (const type of LOGGED_MESSAGES) on(type, (p) => this.onLogged(type, p));
    on("chat", (p) => this.hooks.onChat({ sessionId: p.sessionId, message: p.message, self: false }));
    on("error", (p) => this.onServerError(p));
    on("lockstepFrame", (p) => this.onLockstepFrame(p));
    on("lockstepFrames", (p) => this.onLockstepCatchUp(p));
    room.onMessage("*", (type, payload) => this.event(String(type), payload));

    room.onDrop((code, reason) => {
      if (room !== this.room) return;
      this.stopTimers();
      this.setStatus("reconnecting");
      this.event("connection lost", { code, reason, autoReconnect: room.reconnection.enabled }, "warn");
    });
    room.onReconnect(() => {
      // A retry that was already scheduled when the page moved on: give that seat up.
      if (room !== this.room) return void room.leave(true);
      this.counters.reconnects++;
      this.setStatus("connected");
      this.event("reconnected", { path: "SDK auto-reconnect" }, "ok");
      this.startTimers();
      // After the join handshake is acknowledged, ask for the frames missed meanwhile.
      setTimeout(() => this.catchUpLockstep(), 0);
    });
    room.onLeave((code, reason) => this.onRoomLeave(room, code, reason));
    room.onError((code, message) => this.event("error", { code, message }, "error"));

    this.setStatus("connected");
    this.startTimers();
    if (previousRoomId === room.roomId) this.catchUpLockstep();
  }

  detach() {
    this.stopTimers();
    this.room = null;
  }

  onFrameSync(p) {
    Object.assign(this.info, {
      currentFrame: p.currentFrame,
      fps: p.targetFPS,
      matchId: p.matchId ?? this.info.matchId,
      reconnectKey: p.reconnectKey ?? this.info.reconnectKey,
      seatIndex: p.seatIndex ?? this.info.seatIndex,
      lockstep: Boolean(p.lockstep),
    });
    this.event("frameSync", { ...p, reconnectKey: p.reconnectKey ? "…" : undefined }, "ok"); // the key is a credential: not shown in the log
    this.startTimers();
    this.hooks.onChange();
    this.hooks.onSeat?.(this.seatRecord());
  }

  onLogged(type, p) {
    if (type === "playerAction" && p.action === "jump") this.jumps.set(p.sessionId, performance.now());
    const level = ["playerOffline", "playerLeft", "serverShutdown"].includes(type) ? "warn" : type === "reconnect:ok" || type === "playerOnline" ? "ok" : undefined;
    this.event(type, p, level);
  }

  onServerError(p) {
    this.event("error", p, "error");
    if (p.code === "FRAMES_EXPIRED" && this.room) {
      this.noteActions(this.lockstep.reseed(this.room.state));
      this.event("lockstep", { resynced: "from Schema state", frame: this.lockstep.lastFrame }, "warn");
    }
  }

  onLockstepFrame(msg) {
    this.counters.lockstepFramesReceived++;
    this.info.lockstep = true;
    const result = this.lockstep.onLiveFrame(msg, this.room.state);
    this.noteActions(result.actions);
    if (result.needFramesSince !== undefined) this.requestFrames(result.needFramesSince);
  }

  onLockstepCatchUp(p) {
    const before = this.lockstep.lastFrame;
    this.noteActions(this.lockstep.onCatchUp(p.frames, p.more === true));
    this.event("lockstepFrames", { frames: p.frames.length, from: before + 1, to: this.lockstep.lastFrame }, "ok");
  }

  /** After any reconnect in a lockstep room: the missed frames, no gap and no duplicate. */
  catchUpLockstep() {
    if (!this.info.lockstep || !this.lockstep.expectCatchUp()) return;
    this.requestFrames(this.lockstep.lastFrame);
  }

  requestFrames(since) {
    this.event("frames:since", { frame: since });
    this.room?.send("frames:since", { frame: since });
  }

  noteActions(actions) {
    for (const a of actions) if (a.action === "jump") this.jumps.set(a.sessionId, performance.now());
  }

  onRoomLeave(room, code, reason) {
    if (room !== this.room) return;
    this.stopTimers();
    const level = code === CloseCodes.CONSENTED ? "ok" : "warn";
    this.event("left", { code, reason: reason || describeClose(code) }, level);
    if (code === CloseCodes.CONSENTED || this.leaving) {
      this.hooks.onSeat?.(null);
      this.setStatus("closed");
    } else if (code === CloseCodes.REPLACED || code === CloseCodes.SERVER_SHUTDOWN || code === CloseCodes.ABUSE) {
      if (code === CloseCodes.ABUSE) this.hooks.onSeat?.(null);
      this.setStatus("closed");
    } else {
      // Anything else is a drop: the seat is held; Reconnect (or a reload) takes it back.
      this.setStatus("dropped");
    }
  }

  // --- timers: input at the room's fps, pings ---

  startTimers() {
    this.stopTimers();
    if (!this.room) return;
    const hz = Math.min(this.info.fps || 20, MAX_INPUT_RATE_HZ);
    this.timers.input = setInterval(() => this.sendInput(), 1000 / hz);
    const ping = () => this.room?.ping((ms) => {
      this.rtt = ms;
      this.hooks.onChange();
    });
    ping();
    this.timers.ping = setInterval(ping, PING_INTERVAL_MS);
  }

  stopTimers() {
    clearInterval(this.timers.input);
    clearInterval(this.timers.ping);
    this.timers = { input: 0, ping: 0 };
  }

  /**
   * Sends this tick's intent while something is pressed, plus the release (attack must
   * be turned off); idle players send nothing, so lockstep frames show `null` for them.
   */
  sendInput() {
    const intent = this.hooks.input.sample();
    if (!this.connected) return;
    const moving = intent.move.x !== 0 || intent.move.y !== 0;
    // The server keeps a `true` that arrived within a tick (contract §3), so a release that
    // lands in the same tick as the last press is lost: repeat it until the state agrees.
    const releasing = !intent.attack && (this.lastIntent.attack || (this.selfPlayer()?.attacking === true && this.releaseRepeats < MAX_RELEASE_REPEATS));
    this.releaseRepeats = releasing ? this.releaseRepeats + 1 : 0;
    if (!moving && !intent.attack && !intent.jump && !this.lastIntent.moving && !releasing) return;
    const inputs = {};
    if (moving || this.lastIntent.moving) inputs.move = intent.move;
    if (intent.attack || releasing) inputs.attack = intent.attack;
    if (intent.jump) inputs.jump = true;
    this.lastIntent = { moving, attack: intent.attack };
    this.room.send("input", { inputs });
    this.counters.inputsSent++;
  }

  // --- what the page reads ---

  seatRecord() {
    const i = this.info;
    if (!i.roomId || !i.reconnectKey) return null;
    return { roomId: i.roomId, roomName: i.roomName, matchId: i.matchId, reconnectKey: i.reconnectKey, seatIndex: i.seatIndex };
  }

  selfPlayer() {
    return this.room?.state?.players?.get(this.info.sessionId);
  }

  /** Players as Schema has them (authoritative). */
  schemaPlayers() {
    const out = [];
    this.room?.state?.players?.forEach((p, sessionId) => {
      out.push({ sessionId, userId: p.userId, seatIndex: p.seatIndex, online: p.online, x: p.x, y: p.y, attacking: p.attacking });
    });
    return out;
  }

  setStatus(status) {
    this.status = status;
    this.hooks.onChange();
  }

  event(type, payload, level) {
    this.hooks.onEvent(type, payload, level);
  }
}

function emptyInfo() {
  return { roomId: "", roomName: "", sessionId: "", matchId: "", reconnectKey: "", seatIndex: -1, fps: 0, currentFrame: 0, lockstep: false };
}

export function describeClose(code) {
  switch (code) {
    case CloseCodes.CONSENTED: return "left the room";
    case CloseCodes.SERVER_SHUTDOWN: return "server shutting down";
    case CloseCodes.ABUSE: return "closed by the server (message flood)";
    case CloseCodes.FAILED_TO_RECONNECT: return "SDK gave up reconnecting";
    case CloseCodes.MAY_TRY_RECONNECT: return "connection dropped";
    case CloseCodes.REPLACED: return "replaced by a newer connection of the same user";
    case 1006: return "connection lost";
    default: return `closed (${code})`;
  }
}
