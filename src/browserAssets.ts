/**
 * Files the demo page loads that esbuild compiles from TypeScript or npm sources. The
 * production build (scripts/build.ts) writes each one under dist/public/ ahead of time, so
 * the running server needs no esbuild (a devDependency); a server run from src/ compiles
 * each on its first request instead, from the very source it runs, so page and server
 * cannot disagree. Add a file here and both paths serve it.
 */
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { BuildOptions } from "esbuild";

/** The directory of the package `name` as Node resolves it from `from` (its exports may hide package.json). */
export function packageDir(name: string, from: string = import.meta.url): string {
  let dir = path.dirname(createRequire(from).resolve(name));
  while (dir !== path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === name) return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`no package.json found for ${name}`);
}

export function installedVersion(name: string, from?: string): string {
  return (JSON.parse(readFileSync(path.join(packageDir(name, from), "package.json"), "utf8")) as { version: string }).version;
}

/** The @colyseus/schema this server encodes state with; the page's SDK bundle decodes with the same. */
export const SERVER_SCHEMA_VERSION = installedVersion("@colyseus/schema");

/**
 * The browser build of @colyseus/sdk (global `Colyseus`), bundled from the SDK's own ESM
 * build rather than taken from its dist/: that prebuilt file embeds its own copy of
 * @colyseus/schema (5.0.8 in sdk 0.18.4), while this bundle resolves @colyseus/schema to
 * the very copy the server runs, so page and server cannot drift apart.
 */
function sdkBundle(): BuildOptions {
  return {
    entryPoints: [path.join(packageDir("@colyseus/sdk"), "build", "index.mjs")],
    bundle: true,
    format: "iife",
    globalName: "Colyseus",
    platform: "browser",
    target: "es2020",
    minify: true,
    banner: { js: `/* @colyseus/sdk ${installedVersion("@colyseus/sdk")} with @colyseus/schema ${SERVER_SCHEMA_VERSION} (bundled by framesync-server) */` },
  };
}

/** Public path (under PUBLIC_DIR) → how esbuild builds it; `srcDir` is the directory of src/'s modules. */
export function browserBuilds(srcDir: string): Record<string, BuildOptions> {
  const gameModule = (name: string): BuildOptions => ({
    entryPoints: [path.join(srcDir, "game", `${name}.ts`)],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2020",
  });
  // The pure game modules the page re-simulates replays and lockstep frames with, and the SDK.
  return { "game/rules.js": gameModule("rules"), "game/replay.js": gameModule("replay"), "vendor/colyseus.js": sdkBundle() };
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
