/**
 * What the game room sends (contract §3 "Server → client", §6, §7, §8), typed once:
 * GameServerMessages maps each message type to its payload, and FrameSyncRoom sends
 * through it (sendTo / broadcastTo), so a payload that drifts from the contract does
 * not compile. The matchmaker's replies are typed in ../matchmaking/messages.ts.
 */
import type { ReplyCode } from "./codes.ts";
import type { LockstepFrame } from "../utils/lockstep.ts";

/** To the joiner, on join and on a seat take-over. */
export interface FrameSyncPayload {
  currentFrame: number;
  targetFPS: number;
  matchId: string;
  reconnectKey: string;
  seatIndex: number;
  lockstep: boolean;
}

export interface ReconnectOkPayload {
  matchId: string;
  sessionId: string;
  /** Set when the seat was taken over from a connection that was still open (it got 4100). */
  dedup?: true;
}

export interface PlayerJoinedPayload {
  sessionId: string;
  userId: string;
  playerCount: number;
}

export type PlayerLeftPayload = PlayerJoinedPayload;

export interface PlayerOfflinePayload {
  sessionId: string;
  userId: string;
  reconnectWindowMs: number;
}

export interface PlayerOnlinePayload {
  sessionId: string;
  userId: string;
  /** Set when the player came back under a new session (reconnect key or replacement). */
  previousSessionId?: string;
}

export interface PlayerActionPayload {
  sessionId: string;
  action: string;
  data: unknown;
}

export interface ChatPayload {
  sessionId: string;
  message: string;
}

export interface ErrorPayload {
  code: ReplyCode;
  message: string;
}

export interface ServerShutdownPayload {
  deadlineMs: number;
}

export interface LockstepFramesPayload {
  frames: LockstepFrame[];
  /** True when more pieces of this answer follow (a big catch-up is sent in chunks, net/catchUp.ts). */
  more: boolean;
}

export interface GameServerMessages {
  frameSync: FrameSyncPayload;
  "reconnect:ok": ReconnectOkPayload;
  playerJoined: PlayerJoinedPayload;
  playerLeft: PlayerLeftPayload;
  playerOffline: PlayerOfflinePayload;
  playerOnline: PlayerOnlinePayload;
  playerAction: PlayerActionPayload;
  chat: ChatPayload;
  error: ErrorPayload;
  serverShutdown: ServerShutdownPayload;
  // The tick's broadcast carries no timestamp; frames:since answers with whole kept frames.
  lockstepFrame: Pick<LockstepFrame, "frame" | "inputs">;
  lockstepFrames: LockstepFramesPayload;
}
export type GameServerMessage = keyof GameServerMessages;
