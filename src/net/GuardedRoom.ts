/**
 * GuardedRoom: the one guard ladder every client message of our rooms climbs
 * (contract §6; STYLE habit 3, "one ladder, many rooms"). FrameSyncRoom and
 * MatchmakerRoom extend it and add only their handlers, their sender lookup and
 * their error channel:
 *
 *   connection state (leaving? lifecycle frame?) → sender (senderOf: seat / lobby session)
 *   → rate (RateLimiter; sustained flood → close 4002) → decode → type (unknown → UNKNOWN_MESSAGE)
 *   → shape (sanitize + the handler's zod schema → INVALID_MESSAGE; a handler's hand-written
 *   fast check may accept the common shape first, ./inputFastPath.ts) → handler.
 *
 * Colyseus' own data path closes a client whose message does not decode or fails
 * `validate()`; the contract wants an error reply and the client kept, so the room's
 * `_onMessage` is replaced by ours (./internals.ts) and each frame classified by ./messageGate.ts.
 */
import { ClientState, Room, ServerError, type AuthContext, type Client, type RoomOptions } from "@colyseus/core";
import type { z } from "zod";
import { identityForJoin, type Identity } from "../utils/auth.ts";
import { CloseCodes, ErrorCodes, JoinCodes, type ReplyCode } from "../protocol/codes.ts";
import { logger, type Logger } from "../utils/logger.ts";
import { metrics, protocolOf } from "../utils/metrics.ts";
import { MONITOR_DISCONNECT_METHOD, colyseusOnMessage, replaceOnMessage } from "./internals.ts";
import { gateMessage, isLifecycleFrame } from "./messageGate.ts";
import { RateLimiter, ReplyThrottle } from "./rateLimit.ts";

/** A registered client message: `handle` runs only with a payload its schema accepted. */
export type ClientMessageHandler<Sender, T> = (client: Client, sender: Sender, payload: T) => void;

interface Registered<Sender> {
  schema: z.ZodType;
  handle: ClientMessageHandler<Sender, any>;
  fast?: (raw: unknown) => boolean;
}

/** Per-connection accounting, opened when the room accepts the connection (openGate). */
interface Gate {
  rate: RateLimiter;
  replies: ReplyThrottle;
}

export abstract class GuardedRoom<Options extends RoomOptions = RoomOptions, Sender = unknown> extends Room<Options> {
  protected log: Logger = logger;
  private readonly handlers = new Map<string, Registered<Sender>>();
  /** Per connection, by sessionId (tests read it to check nothing of a player is left). */
  private readonly limiters = new Map<string, Gate>();

  /**
   * The one rule for error replies. Every refusal is counted
   * (`framesync_messages_rejected_total{code}`) and logged. The reply itself is sent
   * at most once a second per client and code (contract §3 `error`), so a client
   * that keeps sending a bad message is not echoed a reply per message, unless the
   * room's messages are requests (`answersEveryRefusal`): a client waiting for the
   * answer to its request must get one, and the rate limiter already bounds how many
   * it can provoke. RATE_LIMITED answers no request, only a flood, so it is always throttled.
   */
  protected readonly answersEveryRefusal: boolean = false;

  constructor() {
    super();
    // Instance property: Colyseus binds `this._onMessage` to each client after its join.
    replaceOnMessage(this, this.routeMessage);
  }

  /**
   * Token check before a seat is reserved (contract §2): 401 naming the fault. Runs in
   * the matchmaking request, so a refused join never touches the room.
   */
  static async onAuth(token: string, options: unknown, _context: AuthContext): Promise<Identity> {
    try {
      return identityForJoin(options, token);
    } catch (err) {
      const code = (err as ServerError).code ?? JoinCodes.UNAUTHORIZED;
      metrics.joinsRefused.inc({ code: String(code) });
      logger.debug({ code, reason: (err as Error).message }, "join refused");
      throw err;
    }
  }

  /** Authority: who this connection speaks for, or undefined when it may not talk (replaced, leaving). */
  protected abstract senderOf(client: Client): Sender | undefined;

  /** The message carrying `{ code, message }` for a refusal of `type` (undefined: not decoded). Default `error`. */
  protected errorChannelFor(_type: string | undefined): string {
    return "error";
  }

  /** The code for a payload its schema refused. Default INVALID_MESSAGE. */
  protected codeForInvalid(_error: z.ZodError): ReplyCode {
    return ErrorCodes.INVALID_MESSAGE;
  }

  /**
   * Registers a client message: it is rate limited and validated before `handle` sees it.
   * `fast`, when given, accepts the common shape without sanitize and zod; it must accept
   * only payloads they would accept unchanged (./inputFastPath.ts).
   */
  protected onClientMessage<T>(type: string, schema: z.ZodType<T>, handle: ClientMessageHandler<Sender, T>, fast?: (raw: unknown) => boolean): void {
    this.handlers.set(type, { schema, handle, fast });
  }

  /** Starts the rate accounting of a connection; its messages are ignored until then. */
  protected openGate(sessionId: string): void {
    this.limiters.set(sessionId, { rate: new RateLimiter(performance.now()), replies: new ReplyThrottle() });
  }

  /** Stops accounting a connection (it left, was replaced or is being closed): its messages are ignored. */
  protected closeGate(sessionId: string): void {
    this.limiters.delete(sessionId);
  }

  /**
   * Counts and logs a refusal and answers it on the error channel of `type`, the message
   * type refused (undefined: none decoded), throttled as answersEveryRefusal says.
   */
  protected reject(client: Client, code: ReplyCode, message: string, type?: string): void {
    metrics.messagesRejected.inc({ code });
    metrics.messagesRejectedByProtocol.inc({ protocol: protocolOf(client) });
    this.log.debug({ sessionId: client.sessionId, code, message }, "message rejected");
    if (this.senderOf(client) === undefined) return;
    const throttled = code === ErrorCodes.RATE_LIMITED || !this.answersEveryRefusal;
    const replies = this.limiters.get(client.sessionId)?.replies;
    if (throttled && replies && !replies.allow(code, performance.now())) return;
    client.send(this.errorChannelFor(type), { code, message });
  }

  /**
   * A sustained flood: the client is closed with 4002 and holds no seat (contract §6).
   * Public for the JSON endpoint, whose own rate limit (frames the room never sees) closes through it.
   */
  closeForAbuse(client: Client): void {
    this.log.warn({ sessionId: client.sessionId }, "closing client for sustained message flood");
    this.closeGate(client.sessionId);
    metrics.clientsClosed.inc({ code: String(CloseCodes.ABUSE) });
    this.kickClient(client.sessionId, CloseCodes.ABUSE, "message flood");
  }

  /**
   * The monitor's "disconnect" (./internals.ts MONITOR_DISCONNECT_METHOD): a consented
   * close instead of the monitor's code-less one, so the player leaves and holds no seat.
   */
  async [MONITOR_DISCONNECT_METHOD](sessionId: string): Promise<void> {
    this.log.info({ sessionId }, "client disconnected from the monitor");
    this.kickClient(sessionId, CloseCodes.CONSENTED, "disconnected by an operator");
  }

  /** Context added to the log line of a handler that threw (the game room adds its frame). */
  protected faultContext(): object {
    return {};
  }

  private readonly routeMessage = (client: Client, buffer: Buffer): void => {
    if (client.state === ClientState.LEAVING) return;
    if (isLifecycleFrame(buffer)) return colyseusOnMessage.call(this, client, buffer);
    const sender = this.senderOf(client);
    const gate = this.limiters.get(client.sessionId);
    if (sender === undefined || !gate) return;

    const outcome = gateMessage(buffer, gate.rate, this.handlers);
    switch (outcome.kind) {
      case "colyseus":
        return colyseusOnMessage.call(this, client, buffer);
      case "abusive":
        return this.closeForAbuse(client);
      case "reject":
        return this.reject(client, outcome.error ? this.codeForInvalid(outcome.error) : outcome.code, outcome.message, outcome.type);
      case "dispatch":
        try {
          outcome.handler.handle(client, sender, outcome.payload);
        } catch (err) {
          // A bug in a handler, not a client fault: logged with its stack, and the room goes on.
          metrics.processFaults.inc({ kind: "handler" });
          this.log.error({ err, sessionId: client.sessionId, type: outcome.type, ...this.faultContext() }, "message handler failed");
        }
    }
  };
}
