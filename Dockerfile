# framesync-server: compiled JavaScript on the base image's Node 22 (Colyseus 0.18 needs 22).
# One container = one server process; docker-compose.yml runs two of them with Redis as a
# cluster, plus Prometheus and Grafana. docs/operations.md explains it.

# --- build: TypeScript → dist/ (scripts/build.ts, esbuild) ---------------------------------
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the `node` devDependency (Node 22 for `npm start` on machines whose
# system Node is older) would download a second Node here; this stage runs the image's own.
# esbuild needs no script: its binary comes as an optional dependency.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY scripts ./scripts
RUN node --import tsx scripts/build.ts

# --- runtime: plain node, production dependencies only -------------------------------------
FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# --omit=dev leaves out the `node` package, tsx, esbuild and pino-pretty. TypeScript is an
# optional peer of @colyseus/schema, used only by its schema-codegen CLI, so npm keeps it:
# removed here (test/process/dist.test.ts runs this line and checks the server without it).
RUN npm ci --omit=dev --no-audit --no-fund && rm -rf node_modules/typescript node_modules/.bin/tsc node_modules/.bin/tsserver && npm cache clean --force
COPY --from=build /app/dist ./dist

USER node
EXPOSE 2567
# /health answers 200 once the server listens (node:22-slim has no curl).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||2567)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Exec form: the server is PID 1, so `docker stop` delivers SIGTERM to it and it drains (SHUTDOWN_DRAIN_MS).
CMD ["node", "dist/index.js"]
