/** METRICS_PORT (contract §1): /metrics moves to its own internal port; the game port answers it 404. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ServerProcess, freePort } from "../support/processes.ts";

let server: ServerProcess;
let metricsPort: number;
before(async () => {
  metricsPort = await freePort();
  server = await ServerProcess.start({ METRICS_PORT: String(metricsPort), NODE_ENV: "production", JWT_SECRET: "metrics-port-test-secret" });
});
after(() => server?.kill());

test("with METRICS_PORT set, /metrics is served there and the game port answers it with 404", async () => {
  const onGamePort = await fetch(server.url("/metrics"));
  assert.equal(onGamePort.status, 404);
  assert.doesNotMatch(await onGamePort.text(), /framesync_/);

  const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  assert.equal(scraped.status, 200);
  assert.match(scraped.headers.get("content-type") ?? "", /^text\/plain/);
  const text = await scraped.text();
  assert.match(text, /^# TYPE framesync_rooms gauge/m);
  assert.match(text, /^framesync_redis_up /m);
  assert.match(text, /^process_cpu_seconds_total/m);

  // The game port keeps serving the rest.
  assert.equal((await server.health()).status, 200);
});

test("the metrics port serves nothing but /metrics", async () => {
  for (const p of ["/health", "/", "/FrameSync.html", "/metrics/../health"]) {
    const res = await fetch(`http://127.0.0.1:${metricsPort}${p}`);
    assert.equal(res.status, 404, p);
  }
  const post = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { method: "POST" });
  assert.equal(post.status, 404);
});
