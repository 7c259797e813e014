/**
 * The one bot, shared by both loadtest front ends (bot.ts): gets a token, joins a game
 * (directly, by room id, or through the matchmaker) and plays it — a moving `input` at the
 * room's fps (from its `frameSync`), an occasional attack and jump — while counting the
 * messages it receives and timing each input to the `playerAction` it causes.
 */
import { Client, type Room } from "@colyseus/sdk";

export interface BotOptions {
  endpoint: string;
  /** `game_room` (joinOrCreate), `matchmaker_room` (queue, match:found, joinById), or any room name. */
  roomName?: string;
  /** Join this room by id instead. */
  roomId?: string;
  /** Matchmaker mode: players per match. */
  playersPerMatch: number;
  /** Every bot uses this token (with its own `demoUserId`) instead of a dev token: production servers. */
  token?: string;
  runId: string;
}

/** What bots report; the headless runner sums it into its summary. */
export interface BotEvents {
  log(line: string): void;
  /** The bot is in its game and got `frameSync`. */
  joined(clientId: number): void;
  /** Joining failed: no room, refused, no match in time... */
  failed(clientId: number, err: Error): void;
  /** Any room message received (lobby or game). */
  message(): void;
  /** Milliseconds from an input to the `playerAction` it caused. */
  latency(ms: number): void;
  /** `error { code, message }` from the server: a bot should never get one. */
  serverError(clientId: number, err: unknown): void;
  /** The game room closed; `consented` when this side asked for it (leave()). */
  left(clientId: number, code: number, consented: boolean): void;
}

/** Sends per direction before the move flips, so a bot keeps moving inside the arena. */
const SENDS_PER_DIRECTION = 60;
const MATCH_TIMEOUT_MS = 60_000;
/** An input with no visible effect (pinned against a wall) stops being timed after this. */
const UNANSWERED_MS = 2_000;
const LEAVE_TIMEOUT_MS = 3_000;
/** Game messages a bot does not act on (counted only). */
const GAME_MESSAGES = ["playerJoined", "playerLeft", "playerOffline", "playerOnline", "chat", "reconnect:ok", "lockstepFrame", "serverShutdown"];

function httpBase(endpoint: string): string {
  return endpoint.replace(/^ws/, "http").replace(/\/$/, "");
}

async function tokenFor(opts: BotOptions, userId: string): Promise<string> {
  if (opts.token) return opts.token;
  const res = await fetch(`${httpBase(opts.endpoint)}/auth/dev-token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userId }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`POST /auth/dev-token: HTTP ${res.status} (pass --token on a production server)`);
  return ((await res.json()) as { token: string }).token;
}

/** Resolves with the first `type` message (the handler is attached before any later message arrives). */
function first<T>(room: Room, type: string, timeoutMs: number, count: () => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} within ${timeoutMs} ms`)), timeoutMs);
    room.onMessage(type, (msg: T) => {
      count();
      clearTimeout(timer);
      resolve(msg);
    });
  });
}

/** One bot; `start()` resolves once it plays (or throws why it could not), `stop()` leaves. */
export class Bot {
  private room: Room | undefined;
  private lobby: Room | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private stopping = false;
  /** Send times of inputs not yet answered by a playerAction. */
  private pending: number[] = [];

  constructor(
    readonly clientId: number,
    private readonly opts: BotOptions,
    private readonly events: BotEvents,
  ) {}

  get userId(): string {
    return `bot-${this.opts.runId}-${this.clientId}`;
  }

  /**
   * Joins and starts playing. In matchmaker mode it resolves once queued and `seated` settles
   * when the match is found and joined (so a front end that starts bots one after another is
   * not held back by a match that needs the later bots).
   */
  async start(): Promise<{ seated: Promise<void> }> {
    const client = new Client(this.opts.endpoint);
    const token = await tokenFor(this.opts, this.userId);
    const demoUserId = this.opts.token ? this.userId : undefined;
    if (this.opts.roomName === "matchmaker_room" && !this.opts.roomId) {
      const { found } = await this.queue(client, token, demoUserId);
      const seated = found.then(async (match) => {
        const room = await client.joinById(match.roomId, { ...match.joinOptions, token, demoUserId });
        const lobby = this.lobby;
        this.lobby = undefined;
        void lobby?.leave(true).catch(() => {});
        await this.enter(room);
      });
      return { seated };
    }
    const room = this.opts.roomId
      ? await client.joinById(this.opts.roomId, { token, demoUserId })
      : await client.joinOrCreate(this.opts.roomName ?? "game_room", { token, demoUserId });
    await this.enter(room);
    return { seated: Promise.resolve() };
  }

  /** Leaves the game (and lobby) room, consented. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    // leave() of a room whose connection is already gone never settles: bounded.
    const left = Promise.all([this.room, this.lobby].map((r) => r?.leave(true).catch(() => {})));
    await Promise.race([left, new Promise((r) => setTimeout(r, LEAVE_TIMEOUT_MS))]);
  }

  private async queue(client: Client, token: string, demoUserId: string | undefined) {
    const lobby = await client.joinOrCreate("matchmaker_room", { token, demoUserId });
    this.lobby = lobby;
    const count = () => this.events.message();
    lobby.onMessage("*", count);
    lobby.onMessage("match:error", (err: unknown) => {
      count();
      this.events.serverError(this.clientId, err);
    });
    const found = first<{ roomId: string; joinOptions: Record<string, unknown> }>(lobby, "match:found", MATCH_TIMEOUT_MS, count);
    const queued = first<{ queueKey: string }>(lobby, "match:queued", 10_000, count);
    lobby.send("match:find", { playersPerMatch: this.opts.playersPerMatch });
    await queued;
    return { found };
  }

  /** Attached in the microtask the join resolved in, before frameSync can arrive; then plays. */
  private async enter(room: Room): Promise<void> {
    this.room = room;
    const count = () => this.events.message();
    const frameSync = first<{ targetFPS: number }>(room, "frameSync", 10_000, count);
    for (const type of GAME_MESSAGES) room.onMessage(type, count);
    room.onMessage("*", count);
    room.onMessage("playerAction", (msg: { sessionId: string; action: string }) => {
      count();
      if (msg.sessionId !== room.sessionId || msg.action !== "move" || this.pending.length === 0) return;
      // Inputs that arrived within one tick are merged into this one action: time the oldest.
      this.events.latency(performance.now() - this.pending[0]!);
      this.pending = [];
    });
    room.onMessage("error", (err: unknown) => {
      count();
      this.events.serverError(this.clientId, err);
    });
    room.onLeave((code: number) => {
      if (this.timer) clearInterval(this.timer);
      this.events.left(this.clientId, code, this.stopping);
    });
    const { targetFPS } = await frameSync;
    this.events.log(`bot ${this.clientId} (${this.userId}) playing in ${room.roomId} at ${targetFPS} fps`);
    this.events.joined(this.clientId);
    this.play(room, targetFPS);
  }

  private play(room: Room, fps: number): void {
    let n = 0;
    const id = this.clientId;
    this.timer = setInterval(() => {
      const direction = Math.floor(n / SENDS_PER_DIRECTION) % 2 === 0 ? 1 : -1;
      const inputs: Record<string, unknown> = { move: { x: direction, y: (id % 2 === 0 ? 0.5 : -0.5) * direction } };
      if (n % (fps * 3) === 0) inputs.attack = (n / (fps * 3)) % 2 === 0;
      if (n % (fps * 5) === fps) inputs.jump = true;
      const now = performance.now();
      while (this.pending.length && now - this.pending[0]! > UNANSWERED_MS) this.pending.shift();
      this.pending.push(now);
      room.send("input", { inputs });
      n++;
    }, 1000 / fps);
  }
}
