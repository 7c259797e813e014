/**
 * `npm run build`: the production build in dist/, run by plain `node dist/index.js`
 * (`npm run start:prod`, the Docker image) with no TypeScript tooling at run time.
 *
 * - dist/index.js: src/ bundled into one ES module by esbuild; dist/token.js the same for
 *   scripts/token.ts (`docker compose exec game1 node dist/token.js alice`). Packages stay imports
 *   (`packages: "external"`) resolved from node_modules at run time, so the build
 *   refuses any package import that `npm ci --omit=dev` would not install.
 * - dist/public/: the demo page's files, plus the browser files of src/browserAssets.ts
 *   (game/rules.js, ...) that a server run from src/ compiles on request instead.
 */
import { cp, readFile, rm } from "node:fs/promises";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { browserBuilds } from "../src/browserAssets.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DIST = path.join(ROOT, "dist");

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

async function main(): Promise<void> {
  const pkg = JSON.parse(await readFile(path.join(ROOT, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
  const runtimePackages = new Set(Object.keys(pkg.dependencies ?? {}));
  const builtins = new Set(builtinModules);

  await rm(DIST, { recursive: true, force: true });
  const server = await build({
    entryPoints: { index: path.join(ROOT, "src", "index.ts"), token: path.join(ROOT, "scripts", "token.ts") },
    outdir: DIST,
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node22",
    sourcemap: true,
    metafile: true,
    logLevel: "warning",
  });

  const missing = new Set<string>();
  for (const output of Object.values(server.metafile.outputs)) {
    for (const imp of output.imports) {
      if (!imp.external || imp.path.startsWith("node:") || builtins.has(imp.path)) continue;
      // src/browserAssets.ts compiles with esbuild only when a file is not prebuilt: never in dist/.
      if (imp.kind === "dynamic-import" && imp.path === "esbuild") continue;
      if (!runtimePackages.has(packageName(imp.path))) missing.add(imp.path);
    }
  }
  if (missing.size) {
    throw new Error(`dist/ imports ${[...missing].join(", ")}, not in package.json "dependencies": the production image (npm ci --omit=dev) would not have it`);
  }

  await cp(path.join(ROOT, "src", "public"), path.join(DIST, "public"), { recursive: true });
  for (const [file, options] of Object.entries(browserBuilds(path.join(ROOT, "src")))) {
    await build({ ...options, outfile: path.join(DIST, "public", file), logLevel: "warning" });
  }
  console.log("built dist/index.js, dist/token.js and dist/public/");
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
