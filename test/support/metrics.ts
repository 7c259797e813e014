/**
 * Reading a server's /metrics (Prometheus text format) in tests: one parser for every
 * test file, in process or against a child process; the parser is the bench's (bench/lib/stats.ts).
 */
import { parseMetrics, type Scrape } from "../../bench/lib/stats.ts";

/** Every sample of a scrape, keyed as it is written: `name` or `name{label="v",...}` (the bench's parser). */
export type Samples = Scrape;
export { parseMetrics };

/** The sample key of `name` with `labels`, in the order prom-client writes them (declaration order). */
export function metricKey(name: string, labels: Record<string, string> = {}): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return parts.length ? `${name}{${parts.join(",")}}` : name;
}

/** One sample's value, 0 when absent (a counter never incremented has no labelled sample yet). */
export function sample(samples: Samples, name: string, labels: Record<string, string> = {}): number {
  return samples.get(metricKey(name, labels)) ?? 0;
}

/** The sum of every sample of `name`, whatever its labels. */
export function sumOf(samples: Samples, name: string): number {
  let total = 0;
  for (const [key, value] of samples) if (key === name || key.startsWith(`${name}{`)) total += value;
  return total;
}

/** GETs `baseUrl`/metrics and parses it; `text` is kept for checks on `# TYPE` lines. */
export async function scrape(baseUrl: string): Promise<{ status: number; contentType: string; samples: Samples; text: string }> {
  const res = await fetch(new URL("/metrics", baseUrl), { signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", samples: parseMetrics(text), text };
}

/** Scrapes `baseUrl` and returns the samples only. */
export async function readMetrics(baseUrl: string): Promise<Samples> {
  return (await scrape(baseUrl)).samples;
}
