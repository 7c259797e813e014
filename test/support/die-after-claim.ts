/**
 * Preloaded into a server process by a test (`node --import tsx --import <this file>`):
 * the process kills itself with SIGKILL the moment one of its matchmaking claims comes
 * back from Redis — a queue that filled (mmEnqueue → "matched") or a party that started
 * (mmStartParty → "started") — that is, after the players were taken off their queue or
 * party and before any game room was asked for. The crash a fault campaign would need
 * luck to hit, every time. Nothing in src/ knows about it: it wraps the scripts that
 * RedisMatchStore defines on its ioredis client.
 */
import { Redis } from "ioredis";

const CLAIMS: Record<string, string> = { mmEnqueue: "matched", mmStartParty: "started" };

type Command = (...args: unknown[]) => Promise<unknown>;
const defineCommand = Redis.prototype.defineCommand;

Redis.prototype.defineCommand = function (this: Redis, name: string, definition: { lua: string; numberOfKeys?: number; readOnly?: boolean }) {
  defineCommand.call(this, name, definition);
  const claimed = CLAIMS[name];
  if (!claimed) return;
  const self = this as unknown as Record<string, Command>;
  const run = self[name]!;
  self[name] = async function (this: unknown, ...args: unknown[]) {
    const reply = await run.apply(this, args);
    if (Array.isArray(reply) && reply[0] === claimed) {
      process.stderr.write(`die-after-claim: ${name} answered ${claimed}; SIGKILL\n`);
      process.kill(process.pid, "SIGKILL");
    }
    return reply;
  };
};
