/**
 * Starts the server: reads config, listens, handles SIGTERM/SIGINT. Nothing else.
 */
import { ConfigError, initConfig, loadConfig } from "./config.ts";
import { createGameServer } from "./app.config.ts";
import { shutdownGracefully } from "./shutdown.ts";
import { logger, setLogLevel } from "./utils/logger.ts";

let cfg;
try {
  cfg = initConfig(loadConfig());
} catch (err) {
  if (err instanceof ConfigError) {
    logger.fatal(err.message);
    process.exit(78); // EX_CONFIG
  }
  throw err;
}
setLogLevel(cfg.logLevel);

const server = createGameServer(cfg);
await server.listen(cfg.port, cfg.host);
logger.info({ port: cfg.port, host: cfg.host, redis: Boolean(cfg.redisUrl), env: cfg.nodeEnv }, "framesync-server listening");

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
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
