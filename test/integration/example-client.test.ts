/** The README's TypeScript client (examples/client.ts) plays against the real server. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { playExample } from "../../examples/client.ts";
import { leaveCode, startServer, waitFor, type TestServer } from "../support/helpers.ts";

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());

test("the example client gets a dev token, joins, sees its own player in state and walks", async () => {
  const lines: string[] = [];
  const room = await playExample({ endpoint: server.url(""), userId: "example-user", durationMs: 2500, log: (l) => lines.push(l) });
  const left = leaveCode(room);
  await waitFor(() => lines.some((l) => /^me x=(\d+)/.test(l) && Number(/^me x=(\d+)/.exec(l)![1]) > 100), { timeoutMs: 5000, what: "the player walking" });
  assert.ok(lines.some((l) => /^frameSync frame=\d+ fps=20 matchId=none$/.test(l)), lines.join("\n"));
  assert.ok(lines.some((l) => /^player example-user at \d+,\d+ \(me\)$/.test(l)), lines.join("\n"));
  assert.ok(lines.some((l) => /jump \{"jump":true\}/.test(l)), lines.join("\n"));
  assert.equal(await left, 4000);
});
