# framesync-server on Node 22 (Colyseus 0.18 needs it). One container = one server process;
# docker-compose.yml runs two of them with Redis as a cluster.
FROM node:22-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production

# Dependencies first, so a source change does not reinstall them. tsx runs the TypeScript
# sources directly (it is a runtime dependency); there is no build step.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY src ./src

USER node
EXPOSE 2567
# /health answers 200 once the server listens (node:22-slim has no curl).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||2567)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Exec form: the server is PID 1, so `docker stop` delivers SIGTERM to it and it drains (SHUTDOWN_DRAIN_MS).
CMD ["node", "--import", "tsx", "src/index.ts"]
