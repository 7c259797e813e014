/**
 * Runs before any other module of the server (the first import of index.ts): on a
 * Node.js older than 22 it stops the boot with one line naming the version found, the
 * one needed and `npm start`, instead of booting into a server whose reconnection is
 * broken (Colyseus 0.18 needs 22). Plain JavaScript syntax on purpose, so it runs the
 * same under tsx, under Node's own type stripping and compiled.
 *
 * (A bare `node src/index.ts` on Node 20 cannot get here: Node 20 refuses the `.ts`
 * entry before running any code of ours.)
 */
const NODE_MAJOR_NEEDED = 22;

const found = process.versions.node;
if (Number(found.split(".")[0]) < NODE_MAJOR_NEEDED) {
  // The same JSON shape as the server's pino log lines (level 60 = fatal), so log shippers parse it too.
  const msg =
    `Node.js ${found} is too old: framesync-server needs Node.js ${NODE_MAJOR_NEEDED} or newer (Colyseus 0.18). ` +
    `Start it with \`npm start\`, which runs the Node ${NODE_MAJOR_NEEDED} that \`npm install\` put in node_modules, ` +
    `or install Node.js ${NODE_MAJOR_NEEDED}+`;
  process.stderr.write(JSON.stringify({ level: 60, time: Date.now(), service: "framesync-server", nodeVersion: found, msg }) + "\n");
  process.exit(1);
}

export {};
