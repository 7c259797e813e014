/**
 * The one module that reads the environment (contract §1). Everything else asks
 * `config()` for typed, validated, frozen values. A bad variable stops the boot
 * with its name in the message.
 */
import { readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { z } from "zod";
import { LOCKSTEP_HISTORY_SECONDS, MAX_PENDING_CONNECTIONS_PER_IP } from "./utils/limits.ts";

/** Only used outside production, so `npm start` works with no setup. */
const DEV_JWT_SECRET = "framesync-dev-secret-do-not-use-in-production";

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const EnvSchema = z.object({
  PORT: int(0, 65535).default(2567),
  HOST: z.string().min(1).default("::"),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  JWT_SECRET: z.string().min(1).optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "must start with redis:// or rediss://").optional(),
  MATCH_RECONNECT_WINDOW_MS: int(0, 24 * 3600 * 1000).default(15_000),
  PUBLIC_ADDRESS: z.string().regex(/^[^/\s]+:\d+$/, "must be host:port without a scheme").optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** How long a replay stays in Redis (contract §7). */
  REPLAY_TTL_S: int(1, 365 * 24 * 3600).default(86_400),
  /** Seconds of frames a lockstep room keeps for `frames:since` (contract §7: at least 10; tests lower it). */
  LOCKSTEP_HISTORY_S: int(1, 600).default(LOCKSTEP_HISTORY_SECONDS),
  /** SIGTERM: how long running matches may go on before clients are closed with 4001. */
  SHUTDOWN_DRAIN_MS: int(0, 3600 * 1000).default(10_000),
  /** Lifetime of tokens minted by the dev-only `POST /auth/dev-token`. */
  DEV_TOKEN_TTL_S: int(60, 7 * 24 * 3600).default(24 * 3600),
  /** Per-IP cap on connections not yet in a room (limits.ts MAX_PENDING_CONNECTIONS_PER_IP); 0 turns it off. */
  MAX_PENDING_CONNECTIONS_PER_IP: int(0, 1_000_000).default(MAX_PENDING_CONNECTIONS_PER_IP),
  /** Set: `/metrics` only on this (internal) port, 404 on PORT (contract §1). */
  METRICS_PORT: int(1, 65535).optional(),
  /** Enables `/monitor` in production behind HTTP Basic (contract §5). */
  MONITOR_PASSWORD: z.string().min(1).optional(),
});

export interface Config {
  port: number;
  host: string;
  nodeEnv: "development" | "production" | "test";
  isProduction: boolean;
  jwtSecret: string;
  redisUrl: string | undefined;
  reconnectWindowMs: number;
  publicAddress: string | undefined;
  logLevel: string;
  replayTtlS: number;
  lockstepHistoryS: number;
  shutdownDrainMs: number;
  devTokenTtlS: number;
  maxPendingConnectionsPerIp: number;
  metricsPort: number | undefined;
  monitorPassword: string | undefined;
}

export class ConfigError extends Error {}

/** Parses an environment (defaults to `process.env`); throws ConfigError naming the bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  // Treat empty strings as unset, the way shells and compose files usually mean them.
  const cleaned = Object.fromEntries(
    Object.keys(EnvSchema.shape).map((key) => [key, env[key] === "" ? undefined : env[key]]),
  );
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0]);
    throw new ConfigError(`invalid environment variable ${name}=${JSON.stringify(cleaned[name])}: ${issue.message}`);
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === "production";
  if (isProduction && !e.JWT_SECRET) {
    throw new ConfigError("JWT_SECRET is required when NODE_ENV=production");
  }
  if (isProduction && e.LOCKSTEP_HISTORY_S < LOCKSTEP_HISTORY_SECONDS) {
    throw new ConfigError(`LOCKSTEP_HISTORY_S must be at least ${LOCKSTEP_HISTORY_SECONDS} when NODE_ENV=production (contract §7)`);
  }
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT === e.PORT) {
    throw new ConfigError(`METRICS_PORT must differ from PORT (both ${e.PORT}); unset METRICS_PORT to serve /metrics on PORT`);
  }
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    nodeEnv: e.NODE_ENV,
    isProduction,
    jwtSecret: e.JWT_SECRET ?? DEV_JWT_SECRET,
    redisUrl: e.REDIS_URL,
    reconnectWindowMs: e.MATCH_RECONNECT_WINDOW_MS,
    publicAddress: e.PUBLIC_ADDRESS,
    logLevel: e.LOG_LEVEL,
    replayTtlS: e.REPLAY_TTL_S,
    lockstepHistoryS: e.LOCKSTEP_HISTORY_S,
    shutdownDrainMs: e.SHUTDOWN_DRAIN_MS,
    devTokenTtlS: e.DEV_TOKEN_TTL_S,
    maxPendingConnectionsPerIp: e.MAX_PENDING_CONNECTIONS_PER_IP,
    metricsPort: e.METRICS_PORT,
    monitorPassword: e.MONITOR_PASSWORD,
  });
}

let current: Readonly<Config> | undefined;

/** Sets the process-wide config; called once by the boot code (or a test's boot). */
export function initConfig(cfg: Readonly<Config>): Readonly<Config> {
  current = cfg;
  return cfg;
}

/** The process-wide config. Rooms and routes read it; it is loaded from the environment if nobody set it. */
export function config(): Readonly<Config> {
  return (current ??= loadConfig());
}

/**
 * Development only: sets the variables of `file` (default `.env` in the working
 * directory; see .env.example) that the environment does not already set. Production
 * (NODE_ENV=production in the real environment) never reads it, and a .env cannot turn
 * production on. NODE_ENV=test (`npm test`) does not read it either, so a developer's .env
 * never reaches the servers the tests start. Returns the names it set, or undefined when
 * it read no file.
 */
export function loadDotEnv(file = ".env", env: Record<string, string | undefined> = process.env): string[] | undefined {
  if (env.NODE_ENV === "production" || env.NODE_ENV === "test") return undefined;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const vars = parseEnv(text);
  if (vars.NODE_ENV === "production") {
    throw new ConfigError(`${file} sets NODE_ENV=production: production never reads ${file}; set NODE_ENV in the real environment`);
  }
  const set = Object.keys(vars).filter((name) => env[name] === undefined);
  for (const name of set) env[name] = vars[name];
  return set;
}
