# Switchboard hub: one image for every role (SWITCHBOARD_ROLE=all|api|worker) and for `npm run migrate`.
# The hub runs as `npm start` does: a bundle of its TypeScript sources, made by `npm install`'s
# postinstall together with the embedded database templates (node_modules/.cache/switchboard).
# Node 24, the active LTS (maintained to April 2028); Node 20 reached end of life in April 2026.
# The project itself still runs on Node >= 20.19 (package.json engines) for local use and CI.
FROM node:24-bookworm-slim

ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false \
    SWITCHBOARD_DATA_DIR=/var/lib/switchboard \
    PORT=3000

RUN mkdir -p /app /var/lib/switchboard && chown node:node /app /var/lib/switchboard
WORKDIR /app
USER node

# Everything the workspaces need (see .dockerignore), then one install: devDependencies included,
# since tsx runs the migrate script. `npm install`, not `npm ci`: the lockfile may lack other platforms' binaries.
COPY --chown=node:node . .
RUN npm install --no-audit --no-fund && npm cache clean --force

EXPOSE 3000
# Liveness on the process's own port: the api and worker roles both serve /healthz.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# node is PID 1 and handles SIGTERM itself: stops accepting, finishes work in flight, closes pools.
CMD ["node", "apps/hub/bin/hub.mjs"]
