/**
 * What `GET /rooms` answers (contract §5) and the matchmaking metadata every
 * frame-sync room sets so the answer can be built from Colyseus' room listing alone,
 * on any process of the cluster.
 */

/** Set by FrameSyncRoom in onCreate; stored with the room's listing by Colyseus' driver. */
export interface FrameSyncMetadata {
  fps: number;
  lockstep: boolean;
  /** Seats (players), not connection slots: maxClients is larger (slots are kept for reclaims). */
  maxPlayers: number;
  /** True for rooms the matchmaker made (never listed: only their seated players may join). */
  matchmade: boolean;
}

/** One entry of `GET /rooms`. */
export interface RoomListEntry {
  roomId: string;
  name: string;
  /** Connected clients, including a player whose seat is held for reconnection. */
  clients: number;
  maxPlayers: number;
  fps: number;
  lockstep: boolean;
  /** Epoch milliseconds, like the replays' `startedAt`. */
  createdAt: number;
}
