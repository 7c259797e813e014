/**
 * Frame sync (contract §3 "Per tick", §6, §7): FrameSyncManager (./FrameSyncManager.ts,
 * re-exported here) runs the fixed tick and merges inputs per frame; FrameSyncRoom adapts it to Colyseus — the guarded
 * message path, seats, reconnection and lockstep broadcast. Game rooms extend
 * FrameSyncRoom and implement onFrameUpdate (and optionally onFrameSync).
 */
import { ClientState, Room, RoomInternalState, ServerError, type AuthContext, type Client } from "@colyseus/core";
import type { Schema, MapSchema } from "@colyseus/schema";
import { z } from "zod";
import { config } from "../config.ts";
import { targetFrame, type Inputs } from "../game/merge.ts";
import { FrameSyncManager, type ClientInput, type FrameData, type FrameSyncConfig } from "./FrameSyncManager.ts";
import {
  AnyInputs,
  FramesSinceMessage,
  GameJoinOptions,
  describeZodError,
  inputMessage,
  ownOptions,
} from "../protocol/messages.ts";
import { identityForJoin, verifySeatGrants, type Identity, type SeatGrant } from "./auth.ts";
import {
  CLOSE_ABUSE,
  CLOSE_REPLACED,
  CLOSE_SERVER_SHUTDOWN,
  CONNECTION_SLOTS_PER_SEAT,
  DEFAULT_ROOM_CAPACITY,
  ErrorCodes,
  FPS_DEFAULT,
  FPS_MAX,
  FPS_MIN,
  FRAME_LEAD_SECONDS,
  FRAMES_SINCE_MIN_INTERVAL_MS,
  JOIN_FORBIDDEN,
  JOIN_UNAUTHORIZED,
  LATE_TICK_LOG_INTERVAL_MS,
  MATCH_FIRST_JOIN_TIMEOUT_MS,
  PLAYERS_PER_MATCH_MAX,
  PLAYERS_PER_MATCH_MIN,
  RECLAIM_RACE_GUARD_MS,
  type ErrorCodeName,
} from "./limits.ts";
import { logger, type Logger } from "./logger.ts";
import { metrics, trackRoom, untrackRoom } from "./metrics.ts";
import { LockstepLog, bySeat } from "./lockstep.ts";
import { colyseusOnMessage, gateMessage, installMessageGate, isLifecycleFrame } from "../net/messageGate.ts";
import { RateLimiter, ReplyThrottle } from "../net/rateLimit.ts";
import { reconnectStore } from "../reconnection/reconnectStore.ts";
import { SeatBook, type Seat } from "../reconnection/seats.ts";
import type { PlayerRecord, ReplayEntry } from "../game/replay.ts";
import { ReplayRecorder, type ReplayRules } from "../replays/recorder.ts";
import { replayStore } from "../replays/store.ts";
import { drainDeadline } from "../shutdown.ts";

export { FrameSyncManager, RingBuffer, realClock } from "./FrameSyncManager.ts";
export type { ClientInput, FrameData, FrameSyncConfig, TickClock, TickStats } from "./FrameSyncManager.ts";
export type { LockstepEntry, LockstepFrame } from "./lockstep.ts";

// ---------------------------------------------------------------------------
// FrameSyncRoom: Colyseus adapter.
// ---------------------------------------------------------------------------

/** What FrameSyncRoom needs of a game's player schema. */
export interface SeatedPlayer extends Schema {
  sessionId: string;
  userId: string;
  seatIndex: number;
  online: boolean;
}

export interface FrameSyncState extends Schema {
  frame: number;
  // Any game's player schema that has the SeatedPlayer fields.
  players: MapSchema<any>;
}

type MessageHandler<T> = (client: Client, seat: Seat, payload: T) => void;

interface Registered {
  schema: z.ZodType;
  handle: MessageHandler<any>;
}

/** Create options every frame-sync room understands (contract §3); the matchmaker adds the match fields. */
const CreateOptions = z.looseObject({
  fps: z.number().int().min(FPS_MIN).max(FPS_MAX).optional(),
  recordFrames: z.boolean().optional(),
  lockstep: z.boolean().optional(),
  matchId: z.string().min(1).max(128).optional(),
  playersPerMatch: z.number().int().min(PLAYERS_PER_MATCH_MIN).max(PLAYERS_PER_MATCH_MAX).optional(),
  queueKey: z.string().max(256).optional(),
  partyId: z.string().max(128).optional(),
  modeId: z.string().max(64).optional(),
  seats: z
    .array(z.strictObject({ userId: z.string().min(1), seatIndex: z.number().int().min(0), reconnectKey: z.string().min(1) }))
    .max(PLAYERS_PER_MATCH_MAX)
    .optional(),
  seatsSig: z.string().optional(),
});
export type FrameSyncCreateOptions = z.infer<typeof CreateOptions>;

/** The part of ws' underlying net.Socket that corkClients uses. */
interface NetSocketLike {
  destroyed: boolean;
  cork(): void;
  uncork(): void;
}

function uncorkAll(sockets: NetSocketLike[]): void {
  for (const socket of sockets) socket.uncork();
}


export abstract class FrameSyncRoom<S extends FrameSyncState = FrameSyncState> extends Room<{ state: S }> {
  protected frameSync!: FrameSyncManager;
  protected log: Logger = logger;
  /** `"none"` for rooms the matchmaker did not make. */
  protected matchId = "none";
  protected matchmade = false;
  protected lockstep = false;
  protected capacity = DEFAULT_ROOM_CAPACITY;
  protected createOptions: FrameSyncCreateOptions = {};
  /** Schema of `input.inputs`; game rooms narrow it to the inputs they know. */
  protected inputsSchema: z.ZodType<Inputs> = AnyInputs;

  protected seats = new SeatBook();
  private readonly handlers = new Map<string, Registered>();
  private readonly limiters = new Map<string, { rate: RateLimiter; replies: ReplyThrottle }>();
  /** Set in lockstep rooms: the frames `frames:since` answers from. */
  private lockstepLog: LockstepLog | undefined;
  /** When each connection last asked for `frames:since` (performance.now ms). */
  private readonly lastCatchUp = new WeakMap<Client, number>();
  /** Set in `recordFrames` rooms: records the replay saved when the room is disposed. */
  private replay: ReplayRecorder | undefined;
  private readonly createdAt = Date.now();
  /** How replays capture a player's game state and step it with the game's rules (the example game sets both). */
  protected replayRules: ReplayRules = { capture: () => ({}), apply: () => undefined };
  private lastLateLog = -Infinity;
  private listedPrivate = false;

  /** The game step: apply this frame's inputs to the state. Called once per frame by the manager. */
  protected abstract onFrameUpdate(frame: number, inputs: ClientInput[]): void;
  /** Runs after onFrameUpdate with the same frame and the same inputs array. */
  protected onFrameSync(_frame: number, _frameData: FrameData): void {}
  /** Creates the game's player for a seat (spawn position etc.). */
  protected abstract createPlayer(seat: { sessionId: string; userId: string; seatIndex: number }): SeatedPlayer;
  /** Copies a player to a new session (reclaim by key, replacement): everything but the sessionId. */
  protected abstract clonePlayer(player: SeatedPlayer, sessionId: string): SeatedPlayer;

  /**
   * Token check before a seat is reserved (contract §2): 401 with the fault named.
   * Runs in the matchmaking request, so a refused join never touches the room.
   */
  static async onAuth(token: string, options: unknown, _context: AuthContext): Promise<Identity> {
    try {
      return identityForJoin(options, token);
    } catch (err) {
      const code = (err as ServerError).code ?? JOIN_UNAUTHORIZED;
      metrics.joinsRefused.inc({ code: String(code) });
      logger.debug({ code, reason: (err as Error).message }, "join refused");
      throw err;
    }
  }

  onCreate(rawOptions: unknown): void {
    const parsed = CreateOptions.safeParse(ownOptions(rawOptions));
    if (!parsed.success) this.refuse(400, `invalid create options: ${describeZodError(parsed.error)}`);
    const options = (this.createOptions = parsed.data);
    this.lockstep = options.lockstep ?? false;
    if (options.seats) {
      if (!options.matchId) this.refuse(JOIN_FORBIDDEN, "seats need a matchId");
      try {
        verifySeatGrants(options.matchId!, options.seats as SeatGrant[], options.seatsSig);
      } catch (err) {
        this.refuse(JOIN_FORBIDDEN, (err as Error).message);
      }
      this.matchmade = true;
      this.seats = new SeatBook(options.seats as SeatGrant[]);
    }
    this.matchId = options.matchId && this.matchmade ? options.matchId : "none";
    this.capacity = options.playersPerMatch ?? (this.matchmade ? this.seats.size : DEFAULT_ROOM_CAPACITY);
    this.maxClients = this.capacity * CONNECTION_SLOTS_PER_SEAT;
    this.log = logger.child({ roomId: this.roomId, matchId: this.matchId });
    trackRoom(this);

    // Data messages take our guarded path instead of Colyseus' (see routeMessage).
    installMessageGate(this, this.routeMessage);
    // One patch per frame, sent by the tick itself (see initFrameSync).
    this.patchRate = null;
    this.initFrameSync({ targetFPS: options.fps ?? FPS_DEFAULT, recordFrames: options.recordFrames ?? false });
    if (this.lockstep) {
      this.lockstepLog = new LockstepLog(Math.ceil(config().lockstepHistoryS * this.frameSync.targetFPS) + 1);
    }
    this.onClientMessage("input", inputMessage(this.inputsSchema), (client, seat, msg) => this.acceptInput(client, seat, msg));
    this.onClientMessage("frames:since", FramesSinceMessage, (client, _seat, msg) => this.sendFramesSince(client, msg.frame));

    if (this.matchmade) {
      // A matchmade room is reached only by joinById with a seat, never by joinOrCreate,
      // and must not vanish because a stranger's join was refused before the players arrive.
      void this.setPrivate(true);
      this.autoDispose = false;
      this.clock.setTimeout(() => this.allowAutoDispose(), MATCH_FIRST_JOIN_TIMEOUT_MS);
    }
    this.startFrameSync();
  }

  /** Sets up the manager; the tick runs the game step, the sync hook, lockstep and the state patch. */
  protected initFrameSync(cfg: FrameSyncConfig): void {
    // A recording room keeps its frames in the replay recorder (bounded in bytes as well), not in a second ring.
    this.frameSync = new FrameSyncManager({ ...cfg, recordFrames: false });
    if (cfg.recordFrames) this.replay = new ReplayRecorder(this.replayRules, undefined, this.frameSync.currentFrame);
    this.frameSync.onFrameUpdate = (frame, inputs) => {
      this.corkClients();
      this.onFrameUpdate(frame, inputs);
    };
    this.frameSync.onFrameSync = (frame, frameData) => {
      this.onFrameSync(frame, frameData);
      if (this.replay) this.recordFrame(frameData);
      if (this.lockstep) this.broadcastLockstep(frameData);
      this.broadcastPatch();
    };
    this.frameSync.onLateTick = (frame, latenessMs, runMs) => {
      const now = Date.now();
      if (now - this.lastLateLog < LATE_TICK_LOG_INTERVAL_MS) return;
      this.lastLateLog = now;
      this.log.warn({ frame, latenessMs: +latenessMs.toFixed(2), runMs: +runMs.toFixed(2), lateTicks: this.frameSync.stats.lateTicks }, "late tick");
    };
  }

  /**
   * Holds each client's TCP writes for the rest of this tick, so its playerAction
   * broadcasts and the patch leave in one writev instead of one syscall each
   * (measured: with 4-player rooms, per-message writes were ~30% of the server's
   * CPU; see bench/). The WebSocket messages and their order are unchanged. The
   * uncork runs on process.nextTick, after the tick, even if the game step throws.
   * A frame held back this way is never overwritten under the cork: state patches
   * go out as copies of the encoder's buffer (stateFrames.ts), messages are
   * encoded into their own buffers.
   */
  private corkClients(): void {
    const corked: NetSocketLike[] = [];
    for (const client of this.clients) {
      const socket = (client as unknown as { ref?: { _socket?: NetSocketLike } }).ref?._socket;
      if (!socket || socket.destroyed) continue;
      socket.cork();
      corked.push(socket);
    }
    if (corked.length) process.nextTick(uncorkAll, corked);
  }

  protected startFrameSync(): void {
    this.frameSync.start();
  }

  protected stopFrameSync(): void {
    this.frameSync?.stop();
  }

  /** Registers a client message: it is rate limited and validated before `handle` sees it. */
  protected onClientMessage<T>(type: string, schema: z.ZodType<T>, handle: MessageHandler<T>): void {
    this.handlers.set(type, { schema, handle });
  }

  // --- joins, drops, reconnection (contract §3 "Disconnects and reconnection") ---

  async onJoin(client: Client, rawOptions: unknown): Promise<void> {
    // A server-side join skips onAuth; the token is still required.
    const identity = (client.auth as Identity | undefined) ?? identityForJoin(rawOptions);
    const parsed = GameJoinOptions.safeParse(ownOptions(rawOptions));
    if (!parsed.success) this.refuse(400, `invalid join options: ${describeZodError(parsed.error)}`);
    const options = parsed.data!;
    if (options.matchId !== undefined && options.matchId !== this.matchId) this.refuse(JOIN_FORBIDDEN, "wrong matchId for this room", options.reconnectKey !== undefined ? "key" : undefined);

    let seat = this.seats.ofUser(identity.userId);
    if (seat?.sessionId) {
      if (options.reconnectKey !== undefined && options.reconnectKey !== seat.reconnectKey) this.refuse(JOIN_FORBIDDEN, "wrong reconnectKey", "key");
      if (seat.held) {
        if (options.reconnectKey === undefined) this.refuse(JOIN_FORBIDDEN, "this seat is held: pass its reconnectKey to reclaim it", "key");
        return this.takeSeat(client, seat, "key");
      }
      if (options.reconnectKey !== undefined && seat.claimedAt !== undefined && Date.now() - seat.claimedAt < RECLAIM_RACE_GUARD_MS) {
        this.refuse(JOIN_FORBIDDEN, "seat was just reclaimed by another connection", "key");
      }
      // A key claim while the old connection still looks alive (an app relaunched before
      // the ping noticed the drop) starts the race guard too: a second tab is refused.
      if (options.reconnectKey !== undefined) seat.claimedAt = Date.now();
      return this.takeSeat(client, seat, "replace");
    }

    if (this.matchmade) {
      if (!seat) this.refuse(JOIN_FORBIDDEN, "not seated in this match");
      if (options.seatIndex !== undefined && options.seatIndex !== seat!.seatIndex) this.refuse(JOIN_FORBIDDEN, "wrong seatIndex");
      if (options.reconnectKey !== undefined && options.reconnectKey !== seat!.reconnectKey) this.refuse(JOIN_FORBIDDEN, "wrong reconnectKey");
    } else {
      // A key names a seat this user holds; with none (expired, removed, or someone
      // else's key) the join would silently start a fresh player, so refuse it instead.
      if (options.reconnectKey !== undefined) this.refuse(JOIN_FORBIDDEN, "no seat of yours to reclaim with this reconnectKey", "key");
      if (this.seats.occupied >= this.capacity) this.refuse(JOIN_FORBIDDEN, "room full");
      seat = this.seats.open(identity.userId);
    }
    seat = seat!;
    this.seats.assign(seat, client.sessionId);
    const player = this.createPlayer({ sessionId: client.sessionId, userId: seat.userId, seatIndex: seat.seatIndex });
    this.state.players.set(client.sessionId, player);
    this.replay?.join(this.frameSync.currentFrame, this.playerRecord(player));
    this.trackLimits(client.sessionId);
    this.sendFrameSync(client, seat);
    this.broadcast("playerJoined", { sessionId: client.sessionId, userId: seat.userId, playerCount: this.state.players.size }, { except: client });
    this.log.info({ sessionId: client.sessionId, userId: seat.userId, seatIndex: seat.seatIndex }, "player joined");
    this.afterSeatsChanged();
  }

  /**
   * Moves a seat to a new connection: a reconnect-key claim of a held seat ("key") or
   * the same user arriving while still present ("replace": the old connection gets 4100).
   */
  private takeSeat(client: Client, seat: Seat, path: "key" | "replace"): void {
    const oldSessionId = seat.sessionId!;
    const old = this.state.players.get(oldSessionId)!;
    const wasHeld = seat.held;
    seat.held = undefined;
    if (path === "key") seat.claimedAt = Date.now();
    this.seats.assign(seat, client.sessionId);

    const player = this.clonePlayer(old, client.sessionId);
    player.online = true;
    this.state.players.delete(oldSessionId);
    this.state.players.set(client.sessionId, player);
    this.noteRenamed(oldSessionId, client.sessionId);
    this.frameSync.dropInputs(oldSessionId);
    this.limiters.delete(oldSessionId);
    this.trackLimits(client.sessionId);

    if (wasHeld) {
      wasHeld.cancel();
      metrics.seatsHeld.dec();
      void reconnectStore().release(this.matchId, seat.userId);
    } else {
      const previous = this.clients.getById(oldSessionId);
      previous?.leave(CLOSE_REPLACED, "replaced by a newer connection of the same user");
      metrics.clientsClosed.inc({ code: String(CLOSE_REPLACED) });
    }
    metrics.reconnects.inc({ path, outcome: "ok" });
    this.sendFrameSync(client, seat);
    client.send("reconnect:ok", { matchId: this.matchId, sessionId: client.sessionId, ...(wasHeld ? {} : { dedup: true }) });
    this.broadcast("playerOnline", { sessionId: client.sessionId, userId: seat.userId, previousSessionId: oldSessionId }, { except: client });
    this.log.info({ sessionId: client.sessionId, previousSessionId: oldSessionId, userId: seat.userId, path }, "seat taken over");
  }

  onDrop(client: Client, code?: number): void {
    const seat = this.seats.ofSession(client.sessionId);
    if (!seat) return;
    this.frameSync.dropInputs(client.sessionId);
    const windowMs = config().reconnectWindowMs;
    // Abuse (4002) and a closing room hold nothing; onLeave follows and removes the player.
    if (code === CLOSE_ABUSE || windowMs === 0 || this.isDisposing()) return;

    const waiting = this.allowReconnection(client, windowMs / 1000) as unknown as { reject?: (r?: unknown) => void; catch: (f: () => void) => unknown };
    if (typeof waiting.reject !== "function") {
      // The client never finished joining: Colyseus will not hold it.
      waiting.catch(() => {});
      return;
    }
    const expiresAt = Date.now() + windowMs;
    seat.held = { cancel: () => waiting.reject!(false), expiresAt };
    metrics.seatsHeld.inc();
    const player = this.state.players.get(client.sessionId);
    if (player) player.online = false;
    this.broadcast("playerOffline", { sessionId: client.sessionId, userId: seat.userId, reconnectWindowMs: windowMs }, { except: client });
    this.log.info({ sessionId: client.sessionId, userId: seat.userId, code, windowMs }, "player dropped; seat held");
    void reconnectStore().hold(
      {
        roomId: this.roomId,
        matchId: this.matchId,
        userId: seat.userId,
        sessionId: client.sessionId,
        seatIndex: seat.seatIndex,
        reconnectKey: seat.reconnectKey,
        expiresAt,
        publicAddress: config().publicAddress,
      },
      windowMs,
    );
  }

  /** Reconnection path 1: the SDK's own `client.reconnect(token)` within the window. */
  onReconnect(client: Client): void {
    const seat = this.seats.ofSession(client.sessionId);
    if (!seat?.held) return;
    seat.held = undefined;
    metrics.seatsHeld.dec();
    metrics.reconnects.inc({ path: "sdk", outcome: "ok" });
    const player = this.state.players.get(client.sessionId);
    if (player) player.online = true;
    void reconnectStore().release(this.matchId, seat.userId);
    client.send("reconnect:ok", { matchId: this.matchId, sessionId: client.sessionId });
    this.broadcast("playerOnline", { sessionId: client.sessionId, userId: seat.userId }, { except: client });
    this.log.info({ sessionId: client.sessionId, userId: seat.userId }, "player reconnected");
  }

  /** Consented leave, an expired window, or a drop that holds no seat: the player is removed. */
  onLeave(client: Client, code?: number): void {
    const seat = this.seats.ofSession(client.sessionId);
    if (!seat) return; // replaced or reclaimed: the seat lives on under another session
    const wasHeld = seat.held !== undefined;
    if (wasHeld) {
      metrics.seatsHeld.dec();
      metrics.reconnects.inc({ path: "none", outcome: "expired" });
    }
    if (code === CLOSE_ABUSE) metrics.clientsClosed.inc({ code: String(CLOSE_ABUSE) });
    this.removePlayer(seat, client.sessionId);
  }

  private removePlayer(seat: Seat, sessionId: string): void {
    this.seats.vacate(seat, this.matchmade);
    this.frameSync.dropInputs(sessionId);
    this.limiters.delete(sessionId);
    const gone = this.state.players.get(sessionId) as SeatedPlayer | undefined;
    if (gone) this.replay?.leave(this.frameSync.currentFrame, this.playerRecord(gone));
    this.state.players.delete(sessionId);
    void reconnectStore().release(this.matchId, seat.userId);
    this.broadcast("playerLeft", { sessionId, userId: seat.userId, playerCount: this.state.players.size });
    this.log.info({ sessionId, userId: seat.userId }, "player left");
    this.afterSeatsChanged();
  }

  /** Resolves when the replay (recordFrames rooms) is saved: Colyseus waits for it. */
  onDispose(): Promise<void> {
    this.stopFrameSync();
    const saved = this.saveReplay();
    for (const seat of this.seats.heldSeats()) {
      metrics.seatsHeld.dec();
      void reconnectStore().release(this.matchId, seat.userId);
    }
    untrackRoom(this);
    // Colyseus also disposes a room whose onCreate refused its options: that one never ran.
    if (this.frameSync) this.log.info({ frames: this.frameSync.currentFrame, lateTicks: this.frameSync.stats.lateTicks }, "room disposed");
    return saved;
  }

  /**
   * SIGTERM (contract §8). Colyseus has already locked the room and refuses new
   * matchmaking; the match keeps ticking, its players get `serverShutdown { deadlineMs }`,
   * the room closes as soon as the last player leaves, and whoever is still in at the
   * drain deadline is closed with 4001. A room with nobody connected closes at once.
   */
  onBeforeShutdown(): void {
    const deadlineMs = drainDeadline();
    if (deadlineMs <= 0 || this.clients.length === 0) return this.closeForShutdown();
    this.allowAutoDispose();
    this.broadcast("serverShutdown", { deadlineMs });
    this.log.info({ deadlineMs, clients: this.clients.length }, "server shutting down: the match runs on until the drain deadline");
    this.clock.setTimeout(() => this.closeForShutdown(), deadlineMs);
  }

  private closeForShutdown(): void {
    if (this.clients.length > 0) {
      metrics.clientsClosed.inc({ code: String(CLOSE_SERVER_SHUTDOWN) }, this.clients.length);
      this.log.info({ clients: this.clients.length, frame: this.frameSync.currentFrame }, "drain deadline: closing the remaining players with 4001");
    }
    this.disconnect(CLOSE_SERVER_SHUTDOWN).catch(() => {});
  }

  /** Direct rooms leave joinOrCreate while full (private, not locked: locked rooms refuse joinById reclaims). */
  private afterSeatsChanged(): void {
    if (this.matchmade) {
      if (this.seats.allJoined()) this.allowAutoDispose();
      return;
    }
    const full = this.seats.occupied >= this.capacity;
    if (full !== this.listedPrivate) {
      this.listedPrivate = full;
      void this.setPrivate(full);
    }
  }

  private allowAutoDispose(): void {
    if (!this.autoDispose) this.autoDispose = true;
  }

  private isDisposing(): boolean {
    return (this as unknown as { _internalState: number })._internalState === RoomInternalState.DISPOSING;
  }

  private refuse(code: number, message: string, path?: "key"): never {
    metrics.joinsRefused.inc({ code: String(code) });
    this.log.debug({ code, reason: message }, "join refused");
    if (path) metrics.reconnects.inc({ path, outcome: "refused" });
    throw new ServerError(code, message);
  }

  private sendFrameSync(client: Client, seat: Seat): void {
    client.send("frameSync", {
      currentFrame: this.frameSync.currentFrame,
      targetFPS: this.frameSync.targetFPS,
      matchId: this.matchId,
      reconnectKey: seat.reconnectKey,
      seatIndex: seat.seatIndex,
      lockstep: this.lockstep,
    });
  }

  // --- the message path (contract §6; STYLE habit 3: a guard ladder) ---

  /**
   * Colyseus' own data path closes a client whose message does not decode or fails
   * `validate()`; the contract wants an `error` reply and the client kept. So data
   * messages come here: connection → rate → decode → type → shape → handler.
   * Join acknowledgement, ping and leave go on to Colyseus. Installed as the
   * room's `_onMessage`, which Colyseus binds to each client after its join.
   */
  private readonly routeMessage = (client: Client, buffer: Buffer): void => {
    if (client.state === ClientState.LEAVING) return;
    if (isLifecycleFrame(buffer)) return colyseusOnMessage.call(this, client, buffer);
    const seat = this.seats.ofSession(client.sessionId);
    const limiter = this.limiters.get(client.sessionId);
    if (!seat || !limiter) return; // a replaced connection still closing

    const outcome = gateMessage(buffer, limiter.rate, this.handlers);
    switch (outcome.kind) {
      case "colyseus":
        return colyseusOnMessage.call(this, client, buffer);
      case "abusive":
        return this.closeForAbuse(client);
      case "reject":
        return this.reject(client, outcome.code, outcome.message);
      case "dispatch":
        try {
          outcome.handler.handle(client, seat, outcome.payload);
        } catch (err) {
          // A bug in a handler, not a client fault: logged with its stack, and the room goes on.
          metrics.processFaults.inc({ kind: "handler" });
          this.log.error({ err, sessionId: client.sessionId, type: outcome.type, frame: this.frameSync.currentFrame }, "message handler failed");
        }
    }
  };

  private trackLimits(sessionId: string): void {
    this.limiters.set(sessionId, { rate: new RateLimiter(performance.now()), replies: new ReplyThrottle() });
  }

  /** Sends `error { code, message }` (at most once a second per client and code) and counts it. */
  protected reject(client: Client, code: ErrorCodeName, message: string): void {
    metrics.messagesRejected.inc({ code });
    this.log.debug({ sessionId: client.sessionId, code, message }, "message rejected");
    if (this.limiters.get(client.sessionId)?.replies.allow(code, performance.now()) ?? true) {
      client.send("error", { code, message });
    }
  }

  private closeForAbuse(client: Client): void {
    this.log.warn({ sessionId: client.sessionId }, "closing client for sustained message flood");
    this.limiters.delete(client.sessionId); // stop accounting; onDrop/onLeave will remove it
    this.kickClient(client.sessionId, CLOSE_ABUSE, "message flood");
  }

  private acceptInput(client: Client, _seat: Seat, msg: { inputs: Inputs; frame?: number }): void {
    const lead = FRAME_LEAD_SECONDS * this.frameSync.targetFPS;
    const frame = targetFrame(this.frameSync.currentFrame, msg.frame, lead);
    if (frame === undefined) {
      return this.reject(client, ErrorCodes.FRAME_OUT_OF_RANGE, `input.frame ${msg.frame} is more than ${lead} frames ahead of ${this.frameSync.currentFrame}`);
    }
    this.frameSync.addInput(client.sessionId, msg.inputs, frame);
    metrics.inputsAccepted.inc();
  }

  // --- lockstep (contract §7) ---

  private broadcastLockstep(frameData: FrameData): void {
    const players: SeatedPlayer[] = [];
    this.state.players.forEach((p: SeatedPlayer) => players.push(p));
    const frame = this.lockstepLog!.record(frameData, players);
    this.broadcast("lockstepFrame", { frame: frame.frame, inputs: frame.inputs });
  }

  private sendFramesSince(client: Client, since: number): void {
    const log = this.lockstepLog;
    if (!log) return this.reject(client, ErrorCodes.NOT_LOCKSTEP, "frames:since needs a room created with lockstep: true");
    // Each answer can be up to the whole kept window: a client may not ask in a loop.
    const now = performance.now();
    if (now - (this.lastCatchUp.get(client) ?? -Infinity) < FRAMES_SINCE_MIN_INTERVAL_MS) {
      return this.reject(client, ErrorCodes.RATE_LIMITED, `frames:since at most once every ${FRAMES_SINCE_MIN_INTERVAL_MS} ms`);
    }
    this.lastCatchUp.set(client, now);
    const answer = log.since(since, this.frameSync.currentFrame);
    if ("expired" in answer) {
      return this.reject(client, ErrorCodes.FRAMES_EXPIRED, `frames after ${since} are gone (oldest kept: ${answer.expired}); resync from state`);
    }
    client.send("lockstepFrames", { frames: answer.frames });
  }

  /** A player moved to a new session (path 2): lockstep announces it once, the replay records it. */
  private noteRenamed(from: string, to: string): void {
    this.lockstepLog?.renamed(from, to);
    this.replay?.rename(this.frameSync.currentFrame, from, to);
  }

  // --- replays (contract §7) ---

  private playerRecord(player: SeatedPlayer): PlayerRecord<object> {
    return { sessionId: player.sessionId, userId: player.userId, seatIndex: player.seatIndex, ...this.replayRules.capture(player) };
  }

  /** The frame's merged inputs — the very ones the tick applied — as replay entries. */
  private recordFrame(frameData: FrameData): void {
    const entries: ReplayEntry[] = [];
    for (const input of frameData.inputs) {
      const player = this.state.players.get(input.clientId) as SeatedPlayer | undefined;
      if (player) entries.push({ sessionId: input.clientId, seatIndex: player.seatIndex, inputs: input.inputs });
    }
    this.replay!.record(frameData.frame, frameData.timestamp, entries.sort(bySeat));
  }

  /** Builds the replay and stores it. Never rejects: a failure is logged. */
  private async saveReplay(): Promise<void> {
    const replay = this.replay;
    if (!replay) return;
    this.replay = undefined;
    try {
      const present: PlayerRecord<object>[] = [];
      this.state.players.forEach((p: SeatedPlayer) => present.push(this.playerRecord(p)));
      const meta = { roomId: this.roomId, matchId: this.matchId, fps: this.frameSync.targetFPS, startedAt: this.createdAt, endedAt: Date.now() };
      const built = replay.build(meta, present, this.frameSync.currentFrame - 1);
      if (!built) {
        this.log.warn({ players: present.length }, "replay not saved: its roster alone exceeds MAX_REPLAY_BYTES");
        return;
      }
      const { roomId, matchId, startedAt, endedAt } = meta;
      await replayStore().save({ roomId, matchId, startedAt, endedAt, frameCount: built.frameCount }, built.json);
      this.log.info({ frameCount: built.frameCount, bytes: built.json.length, droppedFrames: replay.droppedFrames }, "replay saved");
    } catch (err) {
      this.log.error({ err }, "replay could not be saved");
    }
  }
}
