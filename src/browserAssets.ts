/**
 * Files the demo page loads that esbuild compiles from TypeScript or npm sources. The
 * production build (scripts/build.ts) writes each one under dist/public/ ahead of time, so
 * the running server needs no esbuild (a devDependency); a server run from src/ compiles
 * each on its first request instead, from the very source it runs, so page and server
 * cannot disagree. Add a file here and both paths serve it.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { BuildOptions } from "esbuild";

/** Public path (under PUBLIC_DIR) → how esbuild builds it; `srcDir` is the directory of src/'s modules. */
export function browserBuilds(srcDir: string): Record<string, BuildOptions> {
  const gameModule = (name: string): BuildOptions => ({
    entryPoints: [path.join(srcDir, "game", `${name}.ts`)],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2020",
  });
  // The pure game modules the page re-simulates replays and lockstep frames with.
  return { "game/rules.js": gameModule("rules"), "game/replay.js": gameModule("replay") };
}

const compiled = new Map<string, Promise<string>>();

/** The file's JavaScript: prebuilt in `publicDir` if there, else compiled once per process. */
export function browserAsset(publicDir: string, srcDir: string, file: string): Promise<string> {
  let js = compiled.get(file);
  if (!js) {
    js = readFile(path.join(publicDir, file), "utf8").catch(() => compile(browserBuilds(srcDir)[file]!));
    js.catch(() => compiled.delete(file));
    compiled.set(file, js);
  }
  return js;
}

async function compile(options: BuildOptions): Promise<string> {
  // Imported only here: production (dist/) never reaches this line.
  const { build } = await import("esbuild");
  const out = await build({ ...options, write: false, logLevel: "silent" });
  return out.outputFiles[0]!.text;
}
