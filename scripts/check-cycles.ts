/**
 * Fails (exit 1) when the relative imports of src/ form a cycle, listing each cycle.
 * Type-only imports count too: a cycle over a type is still two modules that cannot be
 * read, tested or moved apart. Run: npm run check:cycles (.ci/run runs it before the tests).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "src");
/** `import … from "./x.ts"`, `export … from "./x.ts"`, `import "./x.ts"` and `import("./x.ts")`. */
const IMPORT = /(?:^|\s)(?:import|export)\s(?:[^'"]*?\sfrom\s)?["'](\.{1,2}\/[^"']+)["']|import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/gm;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return /\.(ts|mts)$/.test(name) && !name.endsWith(".d.ts") ? [full] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) out.push(path.resolve(path.dirname(file), m[1] ?? m[2]));
  return out;
}

const files = sources(SRC);
const graph = new Map(files.map((f) => [f, importsOf(f).filter((to) => to.startsWith(SRC))]));

// Tarjan's strongly connected components: every component of more than one module (or a self-import) is a cycle.
let index = 0;
const indexOf = new Map<string, number>();
const low = new Map<string, number>();
const stack: string[] = [];
const onStack = new Set<string>();
const cycles: string[][] = [];

function visit(v: string): void {
  indexOf.set(v, index);
  low.set(v, index++);
  stack.push(v);
  onStack.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!indexOf.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v)!, low.get(w)!));
    } else if (onStack.has(w)) {
      low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
    }
  }
  if (low.get(v) !== indexOf.get(v)) return;
  const component: string[] = [];
  let w: string;
  do {
    w = stack.pop()!;
    onStack.delete(w);
    component.push(w);
  } while (w !== v);
  if (component.length > 1 || graph.get(v)?.includes(v)) cycles.push(component);
}

for (const file of files) if (!indexOf.has(file)) visit(file);

const rel = (f: string) => path.relative(path.dirname(SRC), f);
if (cycles.length) {
  console.error(`import cycles in src/ (${cycles.length}):`);
  for (const c of cycles) console.error(`  ${c.map(rel).sort().join(" <-> ")}`);
  process.exit(1);
}
console.log(`no import cycles in src/ (${files.length} modules)`);
