/**
 * .env.example and docs/configuration.md name every variable the server reads (config.ts)
 * and every one of the contract's §1, each exactly once, and .env.example's values are the
 * defaults loadConfig really applies.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { parseEnv } from "node:util";
import { loadConfig } from "../../src/config.ts";
import { ROOT } from "../support/paths.ts";

const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");

/** The names in EnvSchema (src/config.ts), the one reader of the environment. */
function configVariables(): string[] {
  const src = read("src/config.ts");
  const schema = src.slice(src.indexOf("const EnvSchema"), src.indexOf("});", src.indexOf("const EnvSchema")));
  return [...schema.matchAll(/^\s+([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);
}

/** The names in the contract's §1 table. */
function contractVariables(): string[] {
  const doc = read("docs/PROTOCOL.md");
  const section = doc.slice(doc.indexOf("## 1. Running"), doc.indexOf("## 2."));
  return [...section.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]!);
}

const expected = [...new Set([...contractVariables(), ...configVariables()])].sort();

describe(".env.example and docs/configuration.md", () => {
  test("the sources of names are found", () => {
    assert.ok(contractVariables().includes("METRICS_PORT"), "contract §1 parsed");
    assert.ok(configVariables().includes("SHUTDOWN_DRAIN_MS"), "config.ts EnvSchema parsed");
  });

  test(".env.example lists every variable once, commented out, with its default", () => {
    const lines = read(".env.example").split("\n").filter((l) => /^#\s?[A-Z][A-Z0-9_]+=/.test(l));
    const names = lines.map((l) => l.replace(/^#\s?/, "").split("=")[0]!);
    assert.deepEqual([...names].sort(), expected, "every variable, none unknown");
    assert.equal(new Set(names).size, names.length, "none twice");
    // Uncommented, the file changes nothing: each value is the default (empty = unset).
    const uncommented = parseEnv(lines.map((l) => l.replace(/^#\s?/, "")).join("\n"));
    assert.deepEqual(loadConfig(uncommented), loadConfig({}));
  });

  test("docs/configuration.md has one table row per variable", () => {
    const rows = [...read("docs/configuration.md").matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]!);
    assert.deepEqual([...rows].sort(), expected);
  });
});
