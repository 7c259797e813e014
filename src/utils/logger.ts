/** The one logger: structured JSON lines (pino). Rooms log through child loggers carrying their ids. */
import { pino, type Logger } from "pino";

export type { Logger };

export const logger: Logger = pino({
  level: "info",
  base: { service: "framesync-server" },
});

/** Applies the configured level once config is loaded. */
export function setLogLevel(level: string): void {
  logger.level = level;
}
