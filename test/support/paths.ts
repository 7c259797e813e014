/** Where things are, for every test file (no other imports: unit tests may use it freely). */
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: children run from here, files are read relative to it. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** Node 22 from the `node` devDependency, whatever the system node is (the npm scripts use it too). */
export const NODE = path.join(ROOT, "node_modules", ".bin", "node");
