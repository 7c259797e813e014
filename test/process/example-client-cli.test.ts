/**
 * `npm run example:client` as a newcomer runs it: Ctrl-C leaves the room for good, so the
 * same userId can play again at once; a refused join prints one line and exits 1.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startServer, waitFor, type TestServer } from "../support/helpers.ts";
import { spawnScript } from "../support/processes.ts";

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());

async function play(userId: string) {
  const cli = spawnScript("examples/client.ts", [server.url(""), userId]);
  await waitFor(() => /^me x=\d+/m.test(cli.output()) || !cli.running, { timeoutMs: 20_000, what: `${userId} playing:\n${cli.output()}` });
  return cli;
}

test("Ctrl-C leaves the room (the seat is given up): the same userId joins again at once", async () => {
  const first = await play("cli-user");
  first.signal("SIGINT");
  assert.equal(await first.exitCode(10_000), 0, first.output());
  const again = await play("cli-user");
  assert.ok(again.running, `the second run did not join:\n${again.output()}`);
  assert.match(again.output(), /^player cli-user at \d+,\d+ \(me\)$/m);
  again.signal("SIGINT");
  assert.equal(await again.exitCode(10_000), 0, again.output());
});

test("a join refused while the seat is held (the first run was killed) prints the reason in one line and exits 1", async () => {
  const first = await play("cli-held");
  await first.kill(); // a dropped connection: the server holds the seat
  const again = spawnScript("examples/client.ts", [server.url(""), "cli-held"]);
  assert.equal(await again.exitCode(20_000), 1, again.output());
  assert.match(again.output(), /could not join .* as cli-held: this seat is held: pass its reconnectKey to reclaim it \(403\)/);
  assert.doesNotMatch(again.output(), /^\s+at /m, "no stack trace");
});
