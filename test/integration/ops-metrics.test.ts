/**
 * The Grafana dashboard and the Prometheus alert rules name only metrics the server really
 * exports, with labels it really sets: the real app boots on a free port, SDK clients play
 * a little (moves, a bad input, a bad token, the same user twice), and /metrics is scraped.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { type Room } from "@colyseus/sdk";
import { framesPass, joinGame, leaveCode, nextMessage, sdk, settlesWithin, startServer, waitFor, type TestServer } from "../support/helpers.ts";
import { scrape as scrapeMetrics } from "../support/metrics.ts";
import { ROOT } from "../support/processes.ts";

/** Series Prometheus makes itself, not the server. */
const PROMETHEUS_OWN = new Set(["up"]);
/** Labels Prometheus adds to every series of a target. */
const TARGET_LABELS = new Set(["instance", "job"]);
const KEYWORDS = new Set(["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan", "Inf", "NaN"]);

interface Expr {
  where: string;
  expr: string;
}

/** Every PromQL expression of the dashboard (targets and the instance variable's query). */
function dashboardExprs(): Expr[] {
  const dash = JSON.parse(readFileSync(path.join(ROOT, "ops/grafana/dashboard.json"), "utf8"));
  const out: Expr[] = [];
  const walk = (panels: any[]) => {
    for (const p of panels ?? []) {
      for (const t of p.targets ?? []) out.push({ where: `dashboard panel "${p.title}"`, expr: t.expr });
      walk(p.panels);
    }
  };
  walk(dash.panels);
  for (const v of dash.templating.list) {
    const q = typeof v.query === "string" ? v.query : v.query?.query;
    const m = /^label_values\((\w+),\s*(\w+)\)$/.exec(q ?? "");
    if (m) out.push({ where: `dashboard variable $${v.name}`, expr: `sum by (${m[2]}) (${m[1]})` });
  }
  return out;
}

/** Every `expr:` of ops/prometheus/alerts.yml (inline or a `|` block). */
function alertExprs(): Expr[] {
  const lines = readFileSync(path.join(ROOT, "ops/prometheus/alerts.yml"), "utf8").split("\n");
  const out: Expr[] = [];
  let alert = "";
  for (let i = 0; i < lines.length; i++) {
    const name = /^\s*- alert:\s*(\S+)/.exec(lines[i]!);
    if (name) alert = name[1]!;
    const m = /^(\s*)expr:\s*(.*)$/.exec(lines[i]!);
    if (!m) continue;
    let expr = m[2]!;
    if (expr === "|" || expr === ">") {
      const block: string[] = [];
      while (i + 1 < lines.length && (lines[i + 1]!.trim() === "" || lines[i + 1]!.search(/\S/) > m[1]!.length)) block.push(lines[++i]!);
      expr = block.join("\n");
    }
    out.push({ where: `alert ${alert}`, expr });
  }
  return out;
}

/**
 * Metric names an expression uses, the labels of each one's own matchers (`name{label=...}`),
 * and the labels it groups or matches by (`by (...)`, `on (...)`), which belong to the whole
 * expression.
 */
function parse(expr: string): { metrics: string[]; matchers: Array<[string, string]>; grouping: string[] } {
  const matchers: Array<[string, string]> = [];
  const grouping: string[] = [];
  let e = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  e = e.replace(/([a-zA-Z_:][\w:]*)\s*\{([^}]*)\}/g, (_all, name: string, body: string) => {
    for (const m of body.matchAll(/([a-zA-Z_]\w*)\s*(=~|!~|!=|=)/g)) matchers.push([name, m[1]!]);
    return name;
  });
  e = e.replace(/\[[^\]]*\]/g, "");
  e = e.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_all, _kw, list: string) => {
    grouping.push(...list.split(",").map((s) => s.trim()).filter(Boolean));
    return "";
  });
  const metrics: string[] = [];
  for (const m of e.matchAll(/(?<![\w.$])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    if (m[2] || KEYWORDS.has(m[1]!)) continue;
    metrics.push(m[1]!);
  }
  return { metrics, matchers, grouping };
}

/** What a scrape declares (`# TYPE`, histogram series included) and the labels seen per series name. */
function exported(text: string): { declared: Set<string>; labelsOf: Map<string, Set<string>> } {
  const declared = new Set<string>();
  const labelsOf = new Map<string, Set<string>>();
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\w+)/.exec(line);
    if (type) {
      declared.add(type[1]!);
      if (type[2] === "histogram") for (const s of ["_bucket", "_sum", "_count"]) declared.add(type[1]! + s);
      if (type[2] === "summary") for (const s of ["_sum", "_count"]) declared.add(type[1]! + s);
      continue;
    }
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s/.exec(line);
    if (!sample) continue;
    const set = labelsOf.get(sample[1]!) ?? new Set<string>();
    for (const m of (sample[2] ?? "").matchAll(/([a-zA-Z_]\w*)="/g)) set.add(m[1]!);
    labelsOf.set(sample[1]!, set);
  }
  return { declared, labelsOf };
}

describe("dashboard and alert rules name real metrics", () => {
  let server: TestServer;
  let scrape: string;
  const rooms: Room[] = [];

  before(async () => {
    server = await startServer();
    // A little play: two players move; a bad input, an unknown message; a bad token;
    // alice again while present (the replace path: 4100 for her old connection).
    const a = await joinGame(sdk(server.endpoint), server.cfg, "alice");
    const b = await joinGame(sdk(server.endpoint), server.cfg, "bob");
    rooms.push(b.room);
    for (const r of [a.room, b.room]) r.onMessage("*", () => {});
    const moved = nextMessage(b.room, "playerAction", (m) => m.sessionId === a.room.sessionId && m.action === "move");
    a.room.send("input", { inputs: { move: { x: 1, y: 0 } } });
    await moved;
    const invalid = nextMessage(a.room, "error", (m) => m.code === "INVALID_MESSAGE");
    a.room.send("input", { inputs: { move: { x: "far", y: 0 } } });
    await invalid;
    const unknown = nextMessage(b.room, "error", (m) => m.code === "UNKNOWN_MESSAGE");
    b.room.send("teleport", { x: 1 });
    await unknown;
    await assert.rejects(sdk(server.endpoint).joinOrCreate("game_room", { token: "not-a-jwt" }));
    const replaced = leaveCode(a.room);
    const again = await joinGame(sdk(server.endpoint), server.cfg, "alice");
    rooms.push(again.room);
    assert.equal(await replaced, 4100);
    await framesPass(again.room, 4); // a few ticks for the tick histograms
    scrape = await waitFor(async () => {
      const { text } = await scrapeMetrics(server.url("/"));
      return /framesync_reconnects_total\{/.test(text) ? text : undefined;
    }, { timeoutMs: 5_000, what: "framesync_reconnects_total in /metrics" });
  });
  after(async () => {
    await settlesWithin(Promise.all(rooms.map((r) => r.leave(true).catch(() => {}))), 2_000);
    await server?.close();
  });

  test("the expressions are found and parsed", () => {
    const dash = dashboardExprs();
    const alerts = alertExprs();
    assert.ok(dash.length >= 20, `dashboard expressions: ${dash.length}`);
    assert.ok(alerts.length >= 5, `alert expressions: ${alerts.length}`);
    const p = parse(`histogram_quantile(0.99, sum by (instance, le) (rate(framesync_tick_lateness_seconds_bucket{instance=~"$instance"}[$__rate_interval]))) > 0.05`);
    assert.deepEqual(p, {
      metrics: ["framesync_tick_lateness_seconds_bucket"],
      matchers: [["framesync_tick_lateness_seconds_bucket", "instance"]],
      grouping: ["instance", "le"],
    });
    assert.deepEqual(parse("a / on (x) b > 1e3 and c offset 5m").metrics, ["a", "b", "c"]);
  });

  test("every metric the dashboard and the alerts use is exported by the server", () => {
    const { declared } = exported(scrape);
    const unknown: string[] = [];
    for (const { where, expr } of [...dashboardExprs(), ...alertExprs()]) {
      for (const name of parse(expr).metrics) if (!declared.has(name) && !PROMETHEUS_OWN.has(name)) unknown.push(`${where}: ${name}`);
    }
    assert.deepEqual(unknown, [], "metrics not in /metrics");
  });

  test("every label they use is one those metrics carry", () => {
    const { labelsOf } = exported(scrape);
    // After the play above these carry samples, so their label names are visible.
    for (const name of ["framesync_messages_rejected_total", "framesync_reconnects_total", "framesync_joins_refused_total", "framesync_clients_closed_total", "framesync_clients", "framesync_rooms"]) {
      assert.ok(labelsOf.has(name), `${name} has samples after the play`);
    }
    const wrong: string[] = [];
    const carries = (metric: string, label: string) => TARGET_LABELS.has(label) || labelsOf.get(metric)!.has(label);
    for (const { where, expr } of [...dashboardExprs(), ...alertExprs()]) {
      const { metrics, matchers, grouping } = parse(expr);
      // A metric declared without samples yet has no visible label names: not checked.
      for (const [metric, label] of matchers) if (labelsOf.has(metric) && !carries(metric, label)) wrong.push(`${where}: ${metric}{${label}}`);
      if (!metrics.every((m) => labelsOf.has(m))) continue;
      for (const label of grouping) if (!metrics.some((m) => carries(m, label))) wrong.push(`${where}: by/on ${label} (${metrics.join(", ")})`);
    }
    assert.deepEqual(wrong, []);
  });
});
