# Keel: one image for every process (`keel engine`, `audit`, `connect`, `api`, `migrate`, …);
# docker-compose.yml runs one command per service. Build: docker build -t keel:local .
#
# node:20-slim is Debian (glibc): tigerbeetle-node ships its native client for linux-gnu x64 and
# arm64.

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the package's own `prepare` (tsc) needs the sources, copied below. No runtime
# dependency needs its install script (ccxt's prints a banner; bufferutil loads its prebuilt
# binary at run time and falls back to JavaScript).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY ledger ledger
COPY engine engine
COPY audit audit
COPY connectors connectors
COPY reports reports
COPY api api
COPY platform platform
COPY cli cli
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:20-slim
ENV NODE_ENV=production \
    KEEL_DATA_DIR=/var/lib/keel
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
# Read at run time: the SQL migrations (found from dist/platform/ as ../../migrations), the example
# events and prices, and the recorded exchange responses that `keel connect --replay` replays.
COPY migrations migrations
COPY examples examples
COPY test/data/exchanges test/data/exchanges
# The embedded ledger's journal, when KEEL_LEDGER=embedded; the only place the process writes.
RUN mkdir -p /var/lib/keel && chown node:node /var/lib/keel
# The image's unprivileged user (uid 1000); the application files stay owned by root.
USER node
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["--help"]
