/**
 * The loadtest without a terminal (CI, scripts, `--headless`): starts the bots, lets them play
 * for `--duration` seconds, leaves, and prints one line of JSON on stdout:
 *
 *   {"clients":4,"joined":4,"failed":0,"dropped":0,"serverErrors":0,"messages":1234,
 *    "latencyMs":{"samples":230,"p50":24.1,"p99":52.3,"max":60.2},"durationS":3,...}
 *
 * Progress goes to stderr. Exit status 1 when any bot failed to join, was dropped, or got an
 * `error` from the server; 0 otherwise.
 */
import { Bot, type BotEvents, type BotOptions } from "./bots.ts";

export interface HeadlessOptions extends BotOptions {
  numClients: number;
  /** Milliseconds between two bots' starts. */
  delayMs: number;
  durationS: number;
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, i)]! * 10) / 10;
}

export async function runHeadless(opts: HeadlessOptions): Promise<number> {
  const stats = { joined: 0, failed: 0, dropped: 0, serverErrors: 0, messages: 0 };
  const latencies: number[] = [];
  const errors: string[] = [];
  const note = (line: string) => {
    if (errors.length < 10) errors.push(line);
  };
  const events: BotEvents = {
    log: (line) => process.stderr.write(`${line}\n`),
    joined: () => stats.joined++,
    failed: (id, err) => {
      stats.failed++;
      note(`bot ${id}: ${err.message}`);
    },
    message: () => stats.messages++,
    latency: (ms) => latencies.push(ms),
    serverError: (id, err) => {
      stats.serverErrors++;
      note(`bot ${id} got error ${JSON.stringify(err)}`);
    },
    left: (id, code, consented) => {
      if (consented) return;
      stats.dropped++;
      note(`bot ${id} dropped (${code})`);
    },
  };

  const started = Date.now();
  const bots: Bot[] = [];
  for (let i = 0; i < opts.numClients; i++) {
    const bot = new Bot(i, opts, events);
    bots.push(bot);
    const fail = (err: Error) => events.failed(i, err);
    // Not awaited: a matchmaker bot is seated only once enough later bots have queued.
    bot.start().then((s) => s.seated.catch(fail), fail);
    if (opts.delayMs > 0 && i < opts.numClients - 1) await new Promise((r) => setTimeout(r, opts.delayMs));
  }
  const progress = setInterval(() => {
    process.stderr.write(`${Math.round((Date.now() - started) / 1000)} s: ${stats.joined} playing, ${stats.failed} failed, ${stats.messages} messages\n`);
  }, 5_000);
  await new Promise((r) => setTimeout(r, Math.max(0, started + opts.durationS * 1000 - Date.now())));
  clearInterval(progress);
  await Promise.all(bots.map((b) => b.stop()));
  // A bot still waiting for its match when time is up has failed: it never played.
  const stillWaiting = opts.numClients - stats.joined - stats.failed;
  for (let i = 0; i < stillWaiting; i++) events.failed(-1, new Error("not playing when the run ended"));

  latencies.sort((a, b) => a - b);
  const summary = {
    endpoint: opts.endpoint,
    room: opts.roomId ?? opts.roomName ?? "game_room",
    clients: opts.numClients,
    ...stats,
    latencyMs: { samples: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: percentile(latencies, 100) },
    durationS: Math.round((Date.now() - started) / 100) / 10,
    errors,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return stats.failed + stats.dropped + stats.serverErrors > 0 ? 1 : 0;
}
