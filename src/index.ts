/**
 * Starts the server: reads config, listens, handles SIGTERM/SIGINT. Nothing else.
 */
import "./preflight.ts"; // first: refuses a Node.js older than 22 before anything else runs
import "./v8Flags.ts"; // second: V8 settings the server is measured with, before anything allocates
import { ConfigError, initConfig, loadConfig, loadDotEnv } from "./config.ts";
import { createGameServer } from "./app.config.ts";
import { shutdownGracefully } from "./shutdown.ts";
import { logger, setLogLevel } from "./utils/logger.ts";
import { metrics } from "./utils/metrics.ts";
import { isRedisConnectionError } from "./utils/redis.ts";
import { checkPortsFree, listenOrExit, requireRedis, startMetricsServer } from "./startup.ts";

let cfg;
let dotEnv: string[] | undefined;
try {
  dotEnv = loadDotEnv();
  cfg = initConfig(loadConfig());
} catch (err) {
  if (err instanceof ConfigError) {
    logger.fatal(err.message);
    process.exit(78); // EX_CONFIG
  }
  throw err;
}
setLogLevel(cfg.logLevel);
if (dotEnv) logger.info({ variables: dotEnv }, "read .env (development only)");

// Colyseus fires some Redis writes without awaiting them (room counts on every join and
// leave); while Redis is down they reject with nobody to catch them. One of those must not
// end every match on this process: it is logged and counted, and the process goes on.
process.on("unhandledRejection", (reason) => {
  metrics.processFaults.inc({ kind: "unhandledRejection" });
  if (isRedisConnectionError(reason)) {
    metrics.redisErrors.inc({ op: "background" });
    logger.warn({ err: (reason as Error)?.message ?? String(reason) }, "a background Redis write failed");
  } else {
    logger.error({ err: reason }, "unhandled promise rejection");
  }
});

await checkPortsFree(cfg);
if (cfg.redisUrl) await requireRedis(cfg.redisUrl);
const server = createGameServer(cfg);
await startMetricsServer(cfg);
await listenOrExit(server, cfg);
logger.info({ port: cfg.port, host: cfg.host, redis: Boolean(cfg.redisUrl), env: cfg.nodeEnv }, "framesync-server listening");
{
  // The line a person reads to know what to open; a wildcard listen address is reachable as localhost.
  const host = ["::", "0.0.0.0"].includes(cfg.host) ? "localhost" : cfg.host.includes(":") ? `[${cfg.host}]` : cfg.host;
  const base = `http://${host}:${cfg.port}`;
  logger.info(`demo page ${base}/FrameSync.html · monitor ${base}/monitor`);
}

/**
 * A repeat within this time is the same stop request delivered twice (a terminal's
 * Ctrl-C reaches both npm and the server, and npm forwards it); a later one means "now".
 */
const REPEATED_SIGNAL_MS = 1_000;
let stoppingSince: number | undefined;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < REPEATED_SIGNAL_MS) return;
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stoppingSince = Date.now();
    logger.info({ signal, drainMs: cfg.shutdownDrainMs }, "shutting down");
    shutdownGracefully(server, cfg.shutdownDrainMs).then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  });
}
