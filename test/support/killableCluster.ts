/**
 * Two or more real server processes on one Redis database, some of them to be killed
 * (issue 13's fault tests): a survivor started first, processes to kill started on demand
 * (optionally with a test preload), matchmaker players that sign their own tokens, and a
 * cleanup that leaves every room a test opened and stops every process.
 */
import type { Room } from "@colyseus/sdk";
import type { Redis } from "ioredis";
import { signAccessToken } from "../../src/utils/auth.ts";
import { joinLobby, leaveAll, type Lobby } from "./matchmaking-helpers.ts";
import { ServerProcess } from "./processes.ts";
import { freshTestDb } from "./redis.ts";

export class KillableCluster {
  redis!: Redis;
  survivor!: ServerProcess;
  readonly doomed: ServerProcess[] = [];
  /** Rooms the test opened: left at the end. */
  readonly opened: Room[] = [];
  private serial = 0;

  constructor(
    private readonly redisUrl: string,
    private readonly jwtSecret: string,
  ) {}

  /** A fresh database and the survivor (call from `before`). */
  async open(): Promise<void> {
    this.redis = await freshTestDb(this.redisUrl);
    this.survivor = await this.start();
  }

  async close(): Promise<void> {
    await leaveAll(this.opened);
    await Promise.all([this.survivor, ...this.doomed].map((n) => n?.stop()));
    this.redis?.disconnect();
  }

  /** A process that will die (killed by the test, or by its `preload`). */
  async doomedNode(preload?: string): Promise<ServerProcess> {
    const node = await this.start(preload);
    this.doomed.push(node);
    return node;
  }

  /** A matchmaker player on `node`; a new userId unless given (the same user coming back). */
  async player(node: ServerProcess, name: string, userId = `${name}-${++this.serial}`): Promise<Lobby> {
    const lobby = await joinLobby(node.endpoint, userId, signAccessToken({ userId, username: userId }, 3600, this.jwtSecret));
    this.opened.push(lobby.room);
    return lobby;
  }

  private start(preload?: string): Promise<ServerProcess> {
    return ServerProcess.start({ REDIS_URL: this.redisUrl, JWT_SECRET: this.jwtSecret, NODE_ENV: "test", LOG_LEVEL: "warn", SHUTDOWN_DRAIN_MS: "500" }, { preload });
  }
}
