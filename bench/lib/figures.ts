/**
 * Issue 16's table, read out of a finished bench document: every figure with its
 * value, goal, whether the goal is met, and the conditions it was measured under.
 * A figure the run did not measure is `null` with the reason (never a guess).
 */
type Doc = Record<string, any>;

export interface Figure {
  figure: string;
  value: number | null;
  unit: string;
  goal: string;
  met: boolean | null;
  /** Why value is null, or a caveat the reader needs. */
  note?: string;
  conditions?: Record<string, unknown>;
  [extra: string]: unknown;
}

const atLeast = (v: number | null, goal: number) => (v === null ? null : v >= goal);
const atMost = (v: number | null, goal: number) => (v === null ? null : v <= goal);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

export function buildFigures(doc: Doc, plan: { loadedClients: number }): Record<string, Figure> {
  const points: Doc[] = doc.capacity?.points ?? [];
  const at = (clients: number) => points.find((p) => p.conditions.clients === clients);
  const p500 = at(500);
  const loaded = at(plan.loadedClients);
  const loadedNote = plan.loadedClients === 1000 ? undefined : `measured at ${plan.loadedClients} clients (a quick run), not 1,000`;
  /** The loaded point's conditions (and its saturation, when the figure depends on it) and note, or why there is none. */
  const atLoaded = (withSaturation: boolean) =>
    loaded
      ? { ...(withSaturation ? { saturated: loaded.saturated, contended: loaded.contended } : {}), conditions: loaded.conditions, ...(loadedNote ? { note: loadedNote } : {}) }
      : { note: noPoint(plan.loadedClients) };
  const noPoint = (clients: number) => `no ${clients}-client point in this run${doc.mode === "quick" ? " (quick mode)" : ""}`;

  const search = doc.capacity?.maxClientsOneProcess;
  const held = num(search?.largestHeld?.clients);

  const pairs: Doc[] = (doc.baseline?.pairs ?? []).filter((p: Doc) => p.clients <= 500);
  const unsaturated = pairs.filter((p) => p.bothUnsaturated);
  const best = unsaturated.at(-1);

  const cluster = doc.cluster;
  const json = doc.json;

  const figures: Record<string, Figure> = {
    capacityOneProcess: {
      figure: "largest client count with tick p99 lateness < 10 ms (one process)",
      value: held,
      unit: "clients",
      goal: ">= 1000",
      met: atLeast(held, 1000),
      smallestFailed: search?.smallestFailed ?? null,
      stoppedBy: search?.stoppedBy ?? null,
      ...(search ? (search.largestHeld ? { conditions: search.largestHeld.conditions } : { note: "no measured client count held" }) : { note: "capacity section not run" }),
    },
    clientsPerCoreAt500: {
      figure: "projected clients per core (clients ÷ server CPU s/s) at 500 clients",
      value: num(p500?.projectedClientsPerCore),
      unit: "clients/core",
      goal: ">= 1600",
      // Clients ÷ CPU is a capacity only if the planned load reached the server.
      met: p500 && p500.saturatedBecause?.some((r: string) => r.startsWith("load not delivered")) ? null : atLeast(num(p500?.projectedClientsPerCore), 1600),
      ...(p500 ? { saturated: p500.saturated, contended: p500.contended, serverCpuSecondsPerSecond: p500.serverCpuSecondsPerSecond, conditions: p500.conditions } : { note: noPoint(500) }),
    },
    cpuPerClientVsBaselineUnsaturated: {
      figure: "server CPU per client ÷ idiomatic-Colyseus baseline, both unsaturated (<= 500 clients)",
      value: num(best?.oursDividedByBaseline?.cpuPerClient),
      unit: "ratio",
      goal: "<= 0.5",
      met: atMost(num(best?.oursDividedByBaseline?.cpuPerClient), 0.5),
      atClients: best?.clients ?? null,
      points: pairs.map((p) => ({ clients: p.clients, oursSaturated: p.oursSaturated, baselineSaturated: p.baselineSaturated, cpuPerClient: p.oursDividedByBaseline?.cpuPerClient ?? null })),
      ...(best
        ? {}
        : { note: pairs.length ? "no point <= 500 clients where both servers were unsaturated" : "baseline section not run" }),
    },
    tickP99AtLoaded: {
      figure: "tick p99 lateness at 1,000 clients",
      value: num(loaded?.tickLatenessP99Ms),
      unit: "ms",
      goal: "<= 10",
      met: atMost(num(loaded?.tickLatenessP99Ms), 10),
      ...atLoaded(true),
    },
    inputToOwnActionP99AtLoaded: {
      figure: "input → own playerAction p99 at 1,000 clients",
      value: num(loaded?.inputToOwnActionMs?.p99),
      unit: "ms",
      goal: "<= 55",
      met: atMost(num(loaded?.inputToOwnActionMs?.p99), 55),
      samples: loaded?.inputToOwnActionMs?.count ?? null,
      ...atLoaded(true),
    },
    rssPerClientAtLoaded: {
      figure: "RSS per client at 1,000 clients ((mean RSS in the window − idle RSS) ÷ clients)",
      value: num(loaded?.rssPerClientKB),
      unit: "KB",
      goal: "<= 50",
      met: atMost(num(loaded?.rssPerClientKB), 50),
      ...atLoaded(false),
    },
    heapPerClientAtLoaded: {
      figure: "V8 heap used per client at 1,000 clients (nodejs_heap_size_used_bytes: mean in the window − idle, ÷ clients)",
      value: num(loaded?.heapPerClientKB),
      unit: "KB",
      goal: "— (shows how much of the RSS is JS heap)",
      met: null,
      heapTotalPerClientKB: loaded?.heapTotalPerClientKB ?? null,
      externalPerClientKB: loaded?.externalPerClientKB ?? null,
      ...atLoaded(false),
    },
    clusterCapacityRatio: {
      figure: "two processes (one per core, on Redis) vs one: capacity ratio",
      value: num(cluster?.capacityRatio),
      unit: "×",
      goal: ">= 1.8",
      met: atLeast(num(cluster?.capacityRatio), 1.8),
      twoProcessesLargestHeld: cluster?.twoProcesses?.largestHeld?.clients ?? null,
      twoProcessesSmallestFailed: cluster?.twoProcesses?.smallestFailed ?? null,
      oneProcessLargestHeld: cluster?.oneProcessLargestHeld ?? null,
      ...(cluster
        ? cluster.capacityRatio === null
          ? { note: `${cluster.oneProcessLargestHeld ? `one process held ${cluster.oneProcessLargestHeld}` : `one process held no measured count (${search?.smallestFailed ?? "?"} failed)`}; two processes held no measured count (${cluster.twoProcesses?.smallestFailed ?? "?"} failed)` }
          : { note: "the load generators were unpinned and shared both cores with the two servers" }
        : { note: "cluster section not run" }),
    },
    jsonCpuPerClientVsSdk: {
      figure: "CPU per JSON-protocol client ÷ per SDK client",
      value: num(json?.cpuPerClientJsonDividedBySdk),
      unit: "ratio",
      goal: "<= 1.0",
      met: atMost(num(json?.cpuPerClientJsonDividedBySdk), 1),
      ...(json ? (json.measured ? { atClients: json.sdkClients, bothUnsaturated: json.bothUnsaturated, conditions: json.json?.conditions } : { note: json.reason }) : { note: "json section not run" }),
    },
  };
  for (const f of Object.values(figures)) {
    if (f.value === null && !f.note) f.note = "the point was measured but gave no value (no samples in its window)";
    if (f.value !== null && f.contended === true) f.note = [f.note, "contended: other processes held the server's core (see runQueueWaitMsPerS), so this is the machine's figure as much as the server's"].filter(Boolean).join("; ");
    if (f.value !== null && f.met === null && f.unit === "clients/core") f.note = [f.note, "the load generators did not deliver the planned inputs, so clients ÷ CPU is not a capacity"].filter(Boolean).join("; ");
  }
  return figures;
}

/** Standing targets kept from before issue 16 (drift, idle lateness, latency, reconnect). null: not measured. */
export function targets(doc: Doc, loadedClients: number) {
  const tick = doc.tick;
  const idle = (fps: number) => tick?.idle?.find((t: Doc) => t.conditions.fps === fps);
  const loaded = (fps: number) => tick?.loaded?.find((t: Doc) => t.conditions.fps === fps);
  const within = (v: number | null | undefined, limit: number) => (v === null || v === undefined ? null : Math.abs(v) <= limit);
  const half = 1000 / 20 / 2;
  const fig = doc.figures as Record<string, Figure> | undefined;
  return {
    driftWithin1Frame20fps: within(idle(20)?.frames.driftFrames, 1),
    driftWithin1Frame60fps: within(idle(60)?.frames.driftFrames, 1),
    driftWithin1FrameLoaded20fps: within(loaded(20)?.frames.driftFrames, 1),
    idleP99LatenessAtMost2ms20fps: within(idle(20)?.tickLateness.p99Ms, 2),
    idleP99LatenessAtMost2ms60fps: within(idle(60)?.tickLateness.p99Ms, 2),
    loadedP99LatenessAtMost10ms: fig?.tickP99AtLoaded.met ?? null,
    latencyP50AtMostHalfTickPlus2ms: within(doc.latency?.p50, half + 2),
    latencyP99AtMostTickPlus5ms: within(doc.latency?.p99, 2 * half + 5),
    reconnectP99AtMost25ms: doc.reconnect ? Math.max(doc.reconnect.sdkPathMs.p99, doc.reconnect.reconnectKeyPathMs.p99) <= 25 : null,
    loadedClients,
  };
}
