/**
 * docs/performance.md publishes the committed bench run: its tables must be exactly what
 * `npm run bench:report` makes of bench/results/full-run.json, so no figure is copied
 * or edited by hand, and every figure of issue 16 has a row.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { BEGIN, DEFAULT_RESULTS, DOC, END, README, README_BEGIN, README_END, renderReadmeFigures, renderTables, splice } from "../../bench/report.ts";

const root = path.resolve(path.dirname(DOC), "..");
const results = JSON.parse(readFileSync(path.join(root, DEFAULT_RESULTS), "utf8"));

test("docs/performance.md holds the tables generated from the committed results", () => {
  const doc = readFileSync(DOC, "utf8");
  assert.ok(doc.includes(BEGIN) && doc.includes(END), "the markers are there");
  assert.equal(splice(doc, renderTables(results)), doc, "run npm run bench:report after committing a new bench/results/full-run.json");
});

test("the README's performance section is generated from the committed results: the command and every figure of issue 16", () => {
  const readme = readFileSync(README, "utf8");
  assert.ok(readme.includes(README_BEGIN) && readme.includes(README_END), "the markers are there");
  const section = renderReadmeFigures(results);
  assert.equal(splice(readme, section, README_BEGIN, README_END, README), readme, "run npm run bench:report after committing a new bench/results/full-run.json");
  assert.ok(section.includes(`\`${results.command}\``), "the command that produced the figures");
  for (const f of Object.values(results.figures ?? {}) as Array<{ figure: string }>) assert.ok(section.includes(f.figure), `a row for "${f.figure}"`);
});

test("the generated tables carry the command, the pinning and every figure of issue 16", () => {
  const tables = renderTables(results);
  assert.ok(tables.includes(`\`${results.command}\``), "the command that produced the figures");
  assert.match(tables, /Pinning: /);
  assert.match(tables, /1-minute load average/);
  for (const f of Object.values(results.figures ?? {}) as Array<{ figure: string }>) assert.ok(tables.includes(f.figure), `a row for "${f.figure}"`);
});

test("splice replaces only what is between the markers", () => {
  const before = `intro\n${BEGIN}\nold tables\n${END}\noutro\n`;
  assert.equal(splice(before, "new"), `intro\n${BEGIN}\nnew\n${END}\noutro\n`);
  assert.throws(() => splice("no markers", "x"), /must contain/);
});
