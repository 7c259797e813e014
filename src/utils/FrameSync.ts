/**
 * FrameSyncRoom (contract §3 "Per tick", §6, §7): the Colyseus room a frame-sync game
 * extends. FrameSyncManager (./FrameSyncManager.ts, re-exported here) runs the fixed
 * tick and merges inputs per frame; this class wires it to the room's pieces, each in
 * its own module:
 *   - messages: GuardedRoom's guard ladder (../net/GuardedRoom.ts); `input`, `frames:since`
 *   - seats and reconnection: decideSeat (../reconnection/seatPolicy.ts), SeatBook, reconnectStore
 *   - the tick's send path: the frame window (../net/sendPath.ts)
 *   - lockstep: LockstepLog (./lockstep.ts); replays: RoomReplay (../replays/roomReplay.ts)
 * A game implements onFrameUpdate, createPlayer and clonePlayer (and replayRules to
 * record frames); see ../rooms/GameRoomExample.ts.
 */
import { ServerError, type Client } from "@colyseus/core";
import type { MapSchema, Schema } from "@colyseus/schema";
import { z } from "zod";
import { config } from "../config.ts";
import { targetFrame, type Inputs } from "../game/merge.ts";
import { GuardedRoom } from "../net/GuardedRoom.ts";
import { gateSeatReservations, holdForReconnection, isDisposing, takeOverRoomClock } from "../net/internals.ts";
import { PendingSeats } from "../net/seatReservations.ts";
import { CatchUpSender } from "../net/catchUp.ts";
import { MatchRedelivery } from "../matchmaking/redelivery.ts";
import { jsonTickEnded, jsonTickStarted } from "../net/json/feed.ts";
import { openFrameWindow } from "../net/sendPath.ts";
import { anyInputsFast, isFastInput, type InputsFastCheck } from "../net/inputFastPath.ts";
import { CloseCodes, ErrorCodes, JoinCodes, type JoinCode } from "../protocol/codes.ts";
import { AnyInputs, FramesSinceMessage, GameCreateOptions, GameJoinOptions, describeZodError, inputMessage, ownOptions } from "../protocol/messages.ts";
import type { GameServerMessage, GameServerMessages } from "../protocol/serverMessages.ts";
import { reconnectStore } from "../reconnection/reconnectStore.ts";
import { endHold, holdSeat } from "../reconnection/seatHolds.ts";
import { decideSeat, type TakeOverPath } from "../reconnection/seatPolicy.ts";
import { SeatBook, type Seat } from "../reconnection/seats.ts";
import type { ReplayRules } from "../replays/recorder.ts";
import { RoomReplay } from "../replays/roomReplay.ts";
import { drainDeadline } from "../shutdown.ts";
import { identityForJoin, verifySeatGrants, type Identity, type SeatGrant } from "./auth.ts";
import { FrameSyncManager, type ClientInput, type FrameData, type FrameSyncConfig } from "./FrameSyncManager.ts";
import {
  CONNECTION_SLOTS_PER_SEAT,
  DEFAULT_ROOM_CAPACITY,
  FPS_DEFAULT,
  FRAME_LEAD_SECONDS,
  FRAMES_SINCE_MIN_INTERVAL_MS,
  LATE_TICK_LOG_INTERVAL_MS,
  MATCH_FIRST_JOIN_TIMEOUT_MS,
} from "./limits.ts";
import { LockstepLog } from "./lockstep.ts";
import { logger } from "./logger.ts";
import { metrics, trackRoom, untrackRoom } from "./metrics.ts";
import type { FrameSyncMetadata } from "../protocol/rooms.ts";

export { FrameSyncManager, RingBuffer, realClock } from "./FrameSyncManager.ts";
export type { ClientInput, FrameData, FrameSyncConfig, TickClock, TickStats } from "./FrameSyncManager.ts";
export type { LockstepEntry, LockstepFrame } from "./lockstep.ts";
export type { ReplayRules } from "../replays/recorder.ts";
export type { Seat } from "../reconnection/seats.ts";

/** What FrameSyncRoom needs of a game's player schema. */
export interface SeatedPlayer extends Schema {
  sessionId: string;
  userId: string;
  seatIndex: number;
  online: boolean;
}

export interface FrameSyncState<P extends SeatedPlayer = any> extends Schema {
  frame: number;
  players: MapSchema<P>;
}

/** The player schema of a frame-sync state. */
export type PlayerOf<S extends FrameSyncState> = S["players"] extends MapSchema<infer P> ? (P extends SeatedPlayer ? P : SeatedPlayer) : SeatedPlayer;

/** The seat fields a new player is created with. */
export interface SeatInfo {
  sessionId: string;
  userId: string;
  seatIndex: number;
}

export type FrameSyncCreateOptions = GameCreateOptions;

export abstract class FrameSyncRoom<S extends FrameSyncState = FrameSyncState, P extends SeatedPlayer = PlayerOf<S>> extends GuardedRoom<{ state: S; metadata: FrameSyncMetadata }, Seat> {
  protected frameSync!: FrameSyncManager;
  /** `"none"` for rooms the matchmaker did not make. */
  protected matchId = "none";
  protected matchmade = false;
  protected lockstep = false;
  protected capacity = DEFAULT_ROOM_CAPACITY;
  protected createOptions: FrameSyncCreateOptions = {};
  /** Schema of `input.inputs`; game rooms narrow it to the inputs they know. */
  protected inputsSchema: z.ZodType<Inputs> = AnyInputs;
  /**
   * The hand-written twin of inputsSchema for the common inputs (src/net/inputFastPath.ts):
   * it may only accept what inputsSchema accepts unchanged. Unset, a room that narrowed
   * inputsSchema validates every input with zod alone; the generic room uses anyInputsFast.
   */
  protected inputsFastCheck: InputsFastCheck | undefined = undefined;
  /**
   * How replays capture a player's game state and step it with the game's rules. A room
   * without them cannot record: a `recordFrames: true` create is refused (no silent default).
   */
  protected replayRules?: ReplayRules<object, P>;

  protected seats = new SeatBook();
  /** Set in lockstep rooms: the frames `frames:since` answers from. */
  private lockstepLog: LockstepLog | undefined;
  /** `frames:since` answers still being sent, in chunks (../net/catchUp.ts). */
  private readonly catchUps = new CatchUpSender();
  /** Set in `recordFrames` rooms: the replay saved when the room is disposed. */
  private replay: RoomReplay<P> | undefined;
  private readonly createdAt = Date.now();
  private lastLateLog = -Infinity;
  private lastStepFaultLog = -Infinity;
  private stepFaults = 0;
  private listedPrivate = false;
  /** Matchmade rooms: match:found again to seated players not in yet (../matchmaking/redelivery.ts). */
  private redelivery: MatchRedelivery | undefined;
  /** Fresh seats reserved in a direct room and not yet joined (see ../net/seatReservations.ts). */
  private readonly pendingSeats = new PendingSeats(this);

  /** The game step: apply this frame's inputs to the state. Called once per frame. */
  protected abstract onFrameUpdate(frame: number, inputs: ClientInput[]): void;
  /** Runs after onFrameUpdate with the same frame and the same inputs array. */
  protected onFrameSync(_frame: number, _frameData: FrameData): void {}
  /** Creates the game's player for a seat (spawn position etc.). */
  protected abstract createPlayer(seat: SeatInfo): P;
  /** Copies a player to a new session (reclaim by key, replacement): everything but the sessionId. */
  protected abstract clonePlayer(player: P, sessionId: string): P;

  onCreate(rawOptions: unknown): void {
    const parsed = GameCreateOptions.safeParse(ownOptions(rawOptions));
    if (!parsed.success) this.refuse(JoinCodes.BAD_OPTIONS, `invalid create options: ${describeZodError(parsed.error)}`);
    const options = (this.createOptions = parsed.data);
    if (options.recordFrames && !this.replayRules) {
      this.refuse(JoinCodes.BAD_OPTIONS, `${this.roomName} cannot record frames: ${this.constructor.name} defines no replayRules (see FrameSyncRoom.replayRules)`);
    }
    this.lockstep = options.lockstep ?? false;
    if (options.seats) {
      if (!options.matchId) this.refuse(JoinCodes.FORBIDDEN, "seats need a matchId");
      try {
        verifySeatGrants(options.matchId, options.seats as SeatGrant[], options.seatsSig);
      } catch (err) {
        this.refuse(JoinCodes.FORBIDDEN, (err as Error).message);
      }
      this.matchmade = true;
      this.seats = new SeatBook(options.seats as SeatGrant[]);
    }
    this.matchId = options.matchId && this.matchmade ? options.matchId : "none";
    this.capacity = options.playersPerMatch ?? (this.matchmade ? this.seats.size : DEFAULT_ROOM_CAPACITY);
    this.maxClients = this.capacity * CONNECTION_SLOTS_PER_SEAT;
    this.metadata = { fps: options.fps ?? FPS_DEFAULT, lockstep: this.lockstep, maxPlayers: this.capacity, matchmade: this.matchmade };
    this.log = logger.child({ roomId: this.roomId, matchId: this.matchId });
    trackRoom(this);

    gateSeatReservations(this, (sessionId, auth) => this.admitReservation(sessionId, auth), () => this.afterSeatsChanged());
    // One patch per frame, sent by the tick itself, which also ticks the room's clock (see initFrameSync).
    takeOverRoomClock(this);
    this.patchRate = null;
    this.initFrameSync({ targetFPS: options.fps ?? FPS_DEFAULT }, options.recordFrames ?? false);
    if (this.lockstep) {
      this.lockstepLog = new LockstepLog(Math.ceil(config().lockstepHistoryS * this.frameSync.targetFPS) + 1);
    }
    const fastInputs = this.inputsFastCheck ?? (this.inputsSchema === AnyInputs ? anyInputsFast : undefined);
    this.onClientMessage("input", inputMessage(this.inputsSchema), (client, _seat, msg) => this.acceptInput(client, msg), fastInputs && ((raw) => isFastInput(raw, fastInputs)));
    this.onClientMessage("frames:since", FramesSinceMessage, (client, _seat, msg) => this.sendFramesSince(client, msg.frame));

    if (this.matchmade) {
      // A matchmade room is reached only by joinById with a seat, never by joinOrCreate,
      // and must not vanish because a stranger's join was refused before the players arrive.
      void this.setPrivate(true);
      this.autoDispose = false;
      const { queueKey, partyId, lobbies = [] } = options;
      const match = { roomName: this.roomName, roomId: this.roomId, matchId: this.matchId, playersPerMatch: this.capacity, queueKey, partyId, seats: options.seats! };
      this.redelivery = new MatchRedelivery(match, lobbies, (userId) => this.seats.ofUser(userId)?.joined === true);
      this.redelivery.start(this.clock, () => void this.disconnect()); // closed if the match went elsewhere
      this.clock.setTimeout(() => {
        this.redelivery?.abandon("seat_expired");
        this.allowAutoDispose();
      }, MATCH_FIRST_JOIN_TIMEOUT_MS);
    }
    this.startFrameSync();
  }

  /** Sets up the manager; each tick runs the game step, the sync hook, replay, lockstep and the state patch. */
  protected initFrameSync(cfg: FrameSyncConfig, recordFrames = false): void {
    this.frameSync = new FrameSyncManager(cfg);
    if (recordFrames) this.replay = new RoomReplay(this.replayRules!, this.frameSync.currentFrame);
    // The tick's sends queue per client and leave as one write per socket after the tick (../net/sendPath.ts).
    this.frameSync.step = (frame, inputs) => {
      this.clock.tick();
      openFrameWindow(this.clients);
      jsonTickStarted(this);
      // A throwing game step is our bug: counted and logged, and the frame still goes out and is recorded (no hole).
      try {
        this.onFrameUpdate(frame, inputs);
      } catch (err) {
        this.gameStepFailed("frameUpdate", frame, err);
      }
    };
    this.frameSync.afterStep = (frame, frameData) => {
      try {
        this.onFrameSync(frame, frameData);
      } catch (err) {
        this.gameStepFailed("frameSync", frame, err);
      }
      this.replay?.recordFrame(frameData, (sessionId) => this.state.players.get(sessionId));
      if (this.lockstep) {
        this.broadcastLockstep(frameData);
        this.catchUps.pumpAll();
      }
      this.broadcastPatch();
      jsonTickEnded(this);
    };
    this.frameSync.lateTick = (frame, latenessMs, runMs) => {
      const now = Date.now();
      if (now - this.lastLateLog < LATE_TICK_LOG_INTERVAL_MS) return;
      this.lastLateLog = now;
      this.log.warn({ frame, latenessMs: +latenessMs.toFixed(2), runMs: +runMs.toFixed(2), lateTicks: this.frameSync.stats.lateTicks }, "late tick");
    };
  }

  /** Every failure is counted; the log (error, with its stack) at most once per LATE_TICK_LOG_INTERVAL_MS per room. */
  private gameStepFailed(hook: "frameUpdate" | "frameSync", frame: number, err: unknown): void {
    metrics.processFaults.inc({ kind: hook });
    this.stepFaults++;
    const now = Date.now();
    if (now - this.lastStepFaultLog < LATE_TICK_LOG_INTERVAL_MS) return;
    this.lastStepFaultLog = now;
    this.log.error({ err, frame, hook, faults: this.stepFaults }, "game step threw; the frame was sent and recorded anyway");
  }

  protected startFrameSync(): void {
    this.frameSync.start();
  }

  protected stopFrameSync(): void {
    this.frameSync?.stop();
  }

  /** Sends a typed game message to one client. */
  protected sendTo<K extends GameServerMessage>(client: Client, type: K, payload: GameServerMessages[K]): void {
    client.send(type, payload);
  }

  /** Broadcasts a typed game message, optionally to everyone but `except`. */
  protected broadcastTo<K extends GameServerMessage>(type: K, payload: GameServerMessages[K], except?: Client): void {
    this.broadcast(type, payload, except ? { except } : undefined);
  }

  // --- GuardedRoom: who a connection speaks for ---

  /** A connection speaks for the seat it plays; a replaced one (still closing) for none. */
  protected senderOf(client: Client): Seat | undefined {
    return this.seats.ofSession(client.sessionId);
  }

  protected faultContext(): object {
    return { frame: this.frameSync.currentFrame };
  }

  // --- joins, drops, reconnection (contract §3 "Disconnects and reconnection") ---

  async onJoin(client: Client, rawOptions: unknown): Promise<void> {
    this.pendingSeats.settle(client.sessionId);
    // A server-side join skips onAuth; the token is still required.
    const identity = (client.auth as Identity | undefined) ?? identityForJoin(rawOptions);
    const parsed = GameJoinOptions.safeParse(ownOptions(rawOptions));
    if (!parsed.success) this.refuse(JoinCodes.BAD_OPTIONS, `invalid join options: ${describeZodError(parsed.error)}`);
    const decision = decideSeat(this.seats, identity.userId, parsed.data, { matchId: this.matchId, matchmade: this.matchmade, capacity: this.capacity });
    if (decision.kind === "refuse") this.refuse(decision.code, decision.message, decision.path);
    if (decision.kind === "takeOver") return this.takeSeat(client, decision.seat, decision.path);

    const seat = decision.seat;
    this.seats.assign(seat, client.sessionId);
    const player = this.createPlayer({ sessionId: client.sessionId, userId: seat.userId, seatIndex: seat.seatIndex });
    this.state.players.set(client.sessionId, player);
    this.replay?.join(this.frameSync.currentFrame, player);
    this.openGate(client.sessionId);
    this.sendFrameSync(client, seat);
    this.broadcastTo("playerJoined", { sessionId: client.sessionId, userId: seat.userId, playerCount: this.state.players.size }, client);
    this.log.info({ sessionId: client.sessionId, userId: seat.userId, seatIndex: seat.seatIndex }, "player joined");
    this.afterSeatsChanged();
  }

  /**
   * Moves a seat to a new connection: a reconnect-key claim of a held seat ("key") or
   * the same user arriving while still present ("replace": the old connection gets 4100).
   */
  private takeSeat(client: Client, seat: Seat, path: TakeOverPath): void {
    const oldSessionId = seat.sessionId!;
    const old = this.state.players.get(oldSessionId)!;
    // A held seat claimed by key: Colyseus' wait, the record and the gauge end here.
    const wasHeld = endHold(seat, this.matchId, true);
    if (path === "key") seat.claimedAt = Date.now();
    this.seats.assign(seat, client.sessionId);

    const player = this.clonePlayer(old, client.sessionId);
    player.online = true;
    this.state.players.delete(oldSessionId);
    this.state.players.set(client.sessionId, player);
    // A player moved to a new session (path 2): lockstep announces it once, the replay records it.
    this.lockstepLog?.renamed(oldSessionId, client.sessionId);
    this.replay?.rename(this.frameSync.currentFrame, oldSessionId, client.sessionId);
    this.frameSync.dropInputs(oldSessionId);
    this.closeGate(oldSessionId);
    this.openGate(client.sessionId);

    if (!wasHeld) {
      const previous = this.clients.getById(oldSessionId);
      previous?.leave(CloseCodes.REPLACED, "replaced by a newer connection of the same user");
      metrics.clientsClosed.inc({ code: String(CloseCodes.REPLACED) });
    }
    metrics.reconnects.inc({ path, outcome: "ok" });
    this.sendFrameSync(client, seat);
    this.sendTo(client, "reconnect:ok", { matchId: this.matchId, sessionId: client.sessionId, ...(wasHeld ? {} : { dedup: true as const }) });
    this.broadcastTo("playerOnline", { sessionId: client.sessionId, userId: seat.userId, previousSessionId: oldSessionId }, client);
    this.log.info({ sessionId: client.sessionId, previousSessionId: oldSessionId, userId: seat.userId, path }, "seat taken over");
  }

  onDrop(client: Client, code?: number): void {
    const seat = this.seats.ofSession(client.sessionId);
    if (!seat) return;
    this.frameSync.dropInputs(client.sessionId);
    const windowMs = config().reconnectWindowMs;
    // Abuse (4002) and a closing room hold nothing; onLeave follows and removes the player.
    if (code === CloseCodes.ABUSE || windowMs === 0 || isDisposing(this)) return;

    const hold = holdForReconnection(this, client, windowMs / 1000);
    if (!hold) return; // the client never finished joining: Colyseus will not hold it
    const { roomId, matchId } = this;
    holdSeat(seat, hold, { roomId, matchId, userId: seat.userId, sessionId: client.sessionId, seatIndex: seat.seatIndex, reconnectKey: seat.reconnectKey }, windowMs);
    const player = this.state.players.get(client.sessionId);
    if (player) player.online = false;
    this.broadcastTo("playerOffline", { sessionId: client.sessionId, userId: seat.userId, reconnectWindowMs: windowMs }, client);
    this.log.info({ sessionId: client.sessionId, userId: seat.userId, code, windowMs }, "player dropped; seat held");
  }

  /** Reconnection path 1: the SDK's own `client.reconnect(token)` within the window. */
  onReconnect(client: Client): void {
    const seat = this.seats.ofSession(client.sessionId);
    if (!seat || !endHold(seat, this.matchId, false)) return;
    metrics.reconnects.inc({ path: "sdk", outcome: "ok" });
    const player = this.state.players.get(client.sessionId);
    if (player) player.online = true;
    this.sendTo(client, "reconnect:ok", { matchId: this.matchId, sessionId: client.sessionId });
    this.broadcastTo("playerOnline", { sessionId: client.sessionId, userId: seat.userId }, client);
    this.log.info({ sessionId: client.sessionId, userId: seat.userId }, "player reconnected");
  }

  /** Consented leave, an expired window, or a drop that holds no seat: the player is removed. */
  onLeave(client: Client): void {
    const seat = this.seats.ofSession(client.sessionId);
    if (!seat) return; // replaced or reclaimed: the seat lives on under another session
    if (seat.held !== undefined) {
      metrics.seatsHeld.dec();
      metrics.reconnects.inc({ path: "none", outcome: "expired" });
    }
    this.removePlayer(seat, client.sessionId);
  }

  private removePlayer(seat: Seat, sessionId: string): void {
    this.seats.vacate(seat, this.matchmade);
    this.frameSync.dropInputs(sessionId);
    this.closeGate(sessionId);
    const gone = this.state.players.get(sessionId);
    if (gone) this.replay?.leave(this.frameSync.currentFrame, gone);
    this.state.players.delete(sessionId);
    void reconnectStore().release(this.matchId, seat.userId);
    this.broadcastTo("playerLeft", { sessionId, userId: seat.userId, playerCount: this.state.players.size });
    this.log.info({ sessionId, userId: seat.userId }, "player left");
    this.afterSeatsChanged();
  }

  /** Resolves when the replay (recordFrames rooms) is saved: Colyseus waits for it. */
  onDispose(): Promise<void> {
    this.stopFrameSync();
    this.redelivery?.abandon("room_closed");
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
    this.broadcastTo("serverShutdown", { deadlineMs });
    this.log.info({ deadlineMs, clients: this.clients.length }, "server shutting down: the match runs on until the drain deadline");
    this.clock.setTimeout(() => this.closeForShutdown(), deadlineMs);
  }

  private closeForShutdown(): void {
    if (this.clients.length > 0) {
      metrics.clientsClosed.inc({ code: String(CloseCodes.SERVER_SHUTDOWN) }, this.clients.length);
      this.log.info({ clients: this.clients.length, frame: this.frameSync.currentFrame }, "drain deadline: closing the remaining players with 4001");
    }
    this.disconnect(CloseCodes.SERVER_SHUTDOWN).catch(() => {});
  }

  /** Refuses a fresh seat once seats taken + reserved fill a direct room (joinOrCreate goes elsewhere); reclaims and matchmade rooms pass. */
  private admitReservation(sessionId: string, auth: unknown): boolean {
    if (this.matchmade) return true;
    const userId = (auth as Partial<Identity> | undefined)?.userId;
    if (userId !== undefined && this.seats.ofUser(userId)?.sessionId) return true;
    if (this.seats.occupied + this.pendingSeats.count >= this.capacity) return false;
    this.pendingSeats.add(sessionId);
    // An unused reservation expires in Colyseus: list the room again then.
    this.clock.setTimeout(() => this.afterSeatsChanged(), this.seatReservationTimeout * 1000 + 50);
    return true;
  }

  /** Direct rooms leave joinOrCreate while full, counting seats reserved for players on their way in (private, not locked: locked rooms refuse joinById reclaims). */
  private afterSeatsChanged(): void {
    if (this.matchmade) {
      if (this.seats.allJoined()) this.allowAutoDispose();
      return;
    }
    const full = this.seats.occupied + this.pendingSeats.count >= this.capacity;
    if (full !== this.listedPrivate) {
      this.listedPrivate = full;
      void this.setPrivate(full);
    }
  }

  private allowAutoDispose(): void {
    if (!this.autoDispose) this.autoDispose = true;
  }

  private refuse(code: JoinCode, message: string, path?: "key"): never {
    metrics.joinsRefused.inc({ code: String(code) });
    this.log.debug({ code, reason: message }, "join refused");
    if (path) metrics.reconnects.inc({ path, outcome: "refused" });
    throw new ServerError(code, message);
  }

  private sendFrameSync(client: Client, seat: Seat): void {
    this.sendTo(client, "frameSync", {
      currentFrame: this.frameSync.currentFrame,
      targetFPS: this.frameSync.targetFPS,
      matchId: this.matchId,
      reconnectKey: seat.reconnectKey,
      seatIndex: seat.seatIndex,
      lockstep: this.lockstep,
    });
  }

  // --- messages: `input` (contract §3, §6) and lockstep (contract §7) ---

  private acceptInput(client: Client, msg: { inputs: Inputs; frame?: number }): void {
    const lead = FRAME_LEAD_SECONDS * this.frameSync.targetFPS;
    const frame = targetFrame(this.frameSync.currentFrame, msg.frame, lead);
    if (frame === undefined) {
      return this.reject(client, ErrorCodes.FRAME_OUT_OF_RANGE, `input.frame ${msg.frame} is more than ${lead} frames ahead of ${this.frameSync.currentFrame}`);
    }
    this.frameSync.addInput(client.sessionId, msg.inputs, frame);
    metrics.inputsAccepted.inc();
  }

  private broadcastLockstep(frameData: FrameData): void {
    const frame = this.lockstepLog!.record(frameData, this.state.players.values());
    this.broadcastTo("lockstepFrame", { frame: frame.frame, inputs: frame.inputs });
  }

  private sendFramesSince(client: Client, since: number): void {
    const log = this.lockstepLog;
    if (!log) return this.reject(client, ErrorCodes.NOT_LOCKSTEP, "frames:since needs a room created with lockstep: true");
    if (!this.catchUps.mayAsk(client)) {
      return this.reject(client, ErrorCodes.RATE_LIMITED, `frames:since at most once every ${FRAMES_SINCE_MIN_INTERVAL_MS} ms`);
    }
    const answer = log.since(since, this.frameSync.currentFrame);
    if ("expired" in answer) {
      return this.reject(client, ErrorCodes.FRAMES_EXPIRED, `frames after ${since} are gone (oldest kept: ${answer.expired}); resync from state`);
    }
    this.catchUps.start(client, answer.frames);
  }

  // --- replays (contract §7) ---

  /** Builds the replay and stores it. Never rejects: a failure is logged. */
  private async saveReplay(): Promise<void> {
    const replay = this.replay;
    if (!replay) return;
    this.replay = undefined;
    const meta = { roomId: this.roomId, matchId: this.matchId, fps: this.frameSync.targetFPS, startedAt: this.createdAt, endedAt: Date.now() };
    await replay.save(meta, this.state.players.values(), this.frameSync.currentFrame - 1, this.log);
  }
}
