/**
 * The message types each room declares for Colyseus 0.18's typed SDK client
 * (`new Client<GameServer>(url)`, GameServer from app.config.ts), so `room.onMessage`,
 * `room.send` and `room.state` are checked by the compiler with no casts. Server → client
 * payloads are the ones the rooms send through (serverMessages.ts, matchmaking/messages.ts);
 * client → server shapes mirror the zod schemas that check them at run time
 * (messages.ts, matchmaking/messages.ts).
 */
import type { PlayerAction } from "../game/rules.ts";
import type { Inputs } from "../game/merge.ts";
import type { ErrorReply, MatchCancelled, MatchFind, MatchFound, MatchQueued, PartyCreate, PartyJoin, PartyView } from "../matchmaking/messages.ts";
import type { InputMessage } from "./messages.ts";
import type { GameServerMessages } from "./serverMessages.ts";

export type * from "./serverMessages.ts";
export type { ErrorReply, MatchCancelled, MatchFound, MatchQueued, PartyView };

/** `playerAction` of the example game: `move`, `attack` or `jump`, each with its own data. */
export type ExamplePlayerActionPayload = { sessionId: string } & PlayerAction;

/** What `game_room` (GameRoomExample) sends: every frame-sync message, with the example game's actions. */
export type GameRoomServerMessages = Omit<GameServerMessages, "playerAction"> & {
  playerAction: ExamplePlayerActionPayload;
};

/** The example game's inputs (GameRoomExample's ExampleInputs). */
export interface ExampleInputs extends Inputs {
  move?: { x: number; y: number };
  attack?: boolean | number | string | null;
  jump?: boolean;
}

/** A handler shape: the SDK reads a message's payload type from its second parameter. */
type Handles<T> = (client: unknown, message: T) => void;

export type GameRoomClientMessages = {
  input: Handles<InputMessage<ExampleInputs>>;
  chat: Handles<string | { message: string }>;
  "frames:since": Handles<{ frame: number }>;
};

export type MatchmakerServerMessages = {
  "match:queued": MatchQueued;
  "match:cancelled": MatchCancelled;
  "match:found": MatchFound;
  "match:error": ErrorReply;
  "party:created": PartyView;
  "party:joined": PartyView;
  "party:update": PartyView;
  "party:left": { partyId: string };
  "party:error": ErrorReply;
};

export type MatchmakerClientMessages = {
  "match:find": Handles<MatchFind>;
  "match:cancel": Handles<Record<string, never> | undefined>;
  "party:create": Handles<PartyCreate>;
  "party:join": Handles<PartyJoin>;
  "party:leave": Handles<Record<string, never> | undefined>;
  "party:start": Handles<Record<string, never> | undefined>;
};
