/**
 * `npm run token -- alice [Alice] [--ttl 86400]`: prints an access token (contract §2) for
 * userId `alice`, signed with this environment's JWT_SECRET (in development, the dev
 * secret or .env's), for the demo page's token field or any client against a server
 * that has no dev token route (production). In the Docker image it is dist/token.js:
 *
 *   docker compose exec game1 node dist/token.js alice
 */
import { parseArgs } from "node:util";
import { ConfigError, loadConfig, loadDotEnv } from "../src/config.ts";
import { signAccessToken } from "../src/utils/auth.ts";

try {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { ttl: { type: "string" } } });
  const [userId, username] = positionals;
  if (!userId) throw new ConfigError("usage: token <userId> [username] [--ttl seconds]");
  loadDotEnv();
  const cfg = loadConfig();
  const ttl = Number(values.ttl ?? cfg.devTokenTtlS);
  if (!Number.isInteger(ttl) || ttl <= 0) throw new ConfigError(`--ttl must be a positive number of seconds, got ${values.ttl}`);
  process.stdout.write(`${signAccessToken({ userId, username }, ttl, cfg.jwtSecret)}\n`);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(err instanceof ConfigError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") ? 2 : 1);
}
