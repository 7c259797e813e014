/**
 * Figures from samples and from Prometheus text: exact percentiles of samples, and
 * window quantiles of a histogram taken as the difference of two scrapes,
 * interpolated inside the bucket the way Prometheus' histogram_quantile() does.
 */

/** Nearest-rank percentile of unsorted samples (ms in, ms out); undefined when empty. */
export function percentile(samples: number[], p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function summarize(samples: number[], digits = 2) {
  const r = (v: number | undefined) => (v === undefined ? null : +v.toFixed(digits));
  return {
    count: samples.length,
    p50: r(percentile(samples, 50)),
    p99: r(percentile(samples, 99)),
    max: r(samples.length ? Math.max(...samples) : undefined),
  };
}

export type Scrape = Map<string, number>;

/** Parses Prometheus text exposition into "name{labels}" → value. */
export function parseMetrics(text: string): Scrape {
  const out: Scrape = new Map();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    if (space < 0) continue;
    const value = Number(line.slice(space + 1));
    if (Number.isFinite(value) || line.endsWith("+Inf")) out.set(line.slice(0, space), value);
  }
  return out;
}

export async function scrape(httpBase: string): Promise<Scrape> {
  const res = await fetch(`${httpBase}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET /metrics: HTTP ${res.status}`);
  return parseMetrics(await res.text());
}

/** Sum of every series of `name` (any labels). */
export function total(s: Scrape, name: string): number {
  let sum = 0;
  for (const [key, value] of s) if (key === name || key.startsWith(`${name}{`)) sum += value;
  return sum;
}

export interface HistogramWindow {
  count: number;
  /** Upper bounds in seconds, ascending, with their cumulative counts in the window. */
  buckets: Array<{ le: number; count: number }>;
  sumSeconds: number;
}

/** The histogram `name` between two scrapes (unlabelled histograms only). */
export function histogramWindow(before: Scrape, after: Scrape, name: string): HistogramWindow {
  const buckets: Array<{ le: number; count: number }> = [];
  for (const [key, value] of after) {
    const m = key.match(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\}$`));
    if (!m) continue;
    const le = m[1] === "+Inf" ? Infinity : Number(m[1]);
    buckets.push({ le, count: value - (before.get(key) ?? 0) });
  }
  buckets.sort((a, b) => a.le - b.le);
  return {
    count: (after.get(`${name}_count`) ?? 0) - (before.get(`${name}_count`) ?? 0),
    buckets,
    sumSeconds: (after.get(`${name}_sum`) ?? 0) - (before.get(`${name}_sum`) ?? 0),
  };
}

/** Quantile q (0..1) of a histogram window in ms, linearly interpolated within its bucket. */
export function histogramQuantileMs(h: HistogramWindow, q: number): number | null {
  if (h.count <= 0) return null;
  const rank = q * h.count;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of h.buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe * 1000; // beyond the last finite bound: report that bound
      const inBucket = b.count - prevCount;
      const frac = inBucket > 0 ? (rank - prevCount) / inBucket : 1;
      return (prevLe + (b.le - prevLe) * frac) * 1000;
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe * 1000;
}

/** The bucket (lower, upper] in ms holding the window's largest observation. */
export function histogramMaxMs(h: HistogramWindow): { aboveMs: number; atMostMs: number | null } | null {
  if (h.count <= 0) return null;
  let prevLe = 0;
  // The first bucket whose cumulative count reaches the total holds the largest observation.
  for (const b of h.buckets) {
    if (b.count >= h.count) return { aboveMs: prevLe * 1000, atMostMs: b.le === Infinity ? null : b.le * 1000 };
    prevLe = b.le;
  }
  return { aboveMs: prevLe * 1000, atMostMs: null };
}

export function latenessFigures(h: HistogramWindow) {
  const r = (v: number | null) => (v === null ? null : +v.toFixed(3));
  const max = histogramMaxMs(h);
  return {
    ticks: h.count,
    meanMs: h.count > 0 ? +((h.sumSeconds / h.count) * 1000).toFixed(3) : null,
    p50Ms: r(histogramQuantileMs(h, 0.5)),
    p99Ms: r(histogramQuantileMs(h, 0.99)),
    maxMs: max ? { above: max.aboveMs, atMost: max.atMostMs } : null,
  };
}
