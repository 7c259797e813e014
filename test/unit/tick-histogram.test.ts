/** The tick histograms (src/utils/metrics.ts TickHistogram) read at GET /metrics exactly as prom-client's Histogram. */
import assert from "node:assert/strict";
import { test } from "node:test";
import client from "prom-client";
import { TICK_LATENESS_BUCKETS_S, TickHistogram } from "../../src/utils/metrics.ts";

test("a TickHistogram exposes the same text as a prom-client Histogram fed the same values, before and after a reset", async () => {
  const ours = new client.Registry();
  const theirs = new client.Registry();
  const name = "framesync_test_seconds";
  const fast = new TickHistogram(name, "help text", TICK_LATENESS_BUCKETS_S, ours);
  const reference = new client.Histogram({ name, help: "help text", buckets: TICK_LATENESS_BUCKETS_S, registers: [theirs] });
  assert.equal(await ours.metrics(), await theirs.metrics(), "empty");
  // Bounds themselves, values between them, past the last bound, zero.
  const values = [0, 0.0005, 0.00051, 0.001, 0.0123, 2.5, 2.6, 100, ...Array.from({ length: 500 }, (_, i) => ((i * 7919) % 1000) / 997)];
  for (const v of values) {
    fast.observe(v);
    reference.observe(v);
  }
  assert.equal(await ours.metrics(), await theirs.metrics(), "after observations");
  fast.reset();
  reference.reset();
  fast.observe(0.003);
  reference.observe(0.003);
  assert.equal(await ours.metrics(), await theirs.metrics(), "after a reset");
});
