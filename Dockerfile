# Flightdeck images: one build, three roles (api, worker, web), selected by the command.
# Stages: deps (node_modules) → build (workflow bundle, dashboard) → runtime (non-root).

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/ensure-deps.mjs scripts/ensure-deps.mjs
RUN npm ci --no-audit --no-fund

FROM deps AS build
WORKDIR /app
COPY tsconfig.json ./
COPY lib lib
COPY sdk sdk
COPY definitions definitions
COPY workflows workflows
COPY activities activities
COPY tools tools
COPY domains domains
COPY worker worker
COPY api api
COPY migrations migrations
COPY scripts scripts
COPY web web
ENV NEXT_TELEMETRY_DISABLED=1
# The worker loads this prebuilt bundle (WORKFLOW_BUNDLE_PATH) instead of bundling at start; with
# tracing on, its twin workflow-bundle.tracing.js, which the same command writes beside it.
RUN npm run build:workflows -- /app/dist/workflow-bundle.js && npx next build web

FROM node:24-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
COPY --from=build --chown=node:node /app /app
USER node
EXPOSE 4000 3000 9464
CMD ["node", "--import", "tsx", "api/main.ts"]
