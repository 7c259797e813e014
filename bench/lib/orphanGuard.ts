/**
 * Runs a server entry (argv[2], e.g. src/index.ts) in this same process, and exits
 * if the bench that started it goes away without stopping it (killed with SIGKILL,
 * say): a bench never leaves servers behind. The entry itself is unchanged.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";

const PARENT_CHECK_MS = 1000;
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, "SIGTERM");
}, PARENT_CHECK_MS).unref();

await import(pathToFileURL(path.resolve(process.argv[2])).href);
