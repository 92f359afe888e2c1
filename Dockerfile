# Backend Review: the GitHub App (CMD) and, with another command, the queue worker (see docker-compose.yml).
# Not built on the development machines (no Docker engine there); kept minimal so it can be read and checked.

# ---- build: compile TypeScript, then drop dev dependencies ----
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts stay off, as on the machines where the test suite runs: no dependency needs one at run time.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY checks ./checks
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts

# ---- runtime: production dependencies and compiled code only, as the unprivileged `node` user ----
FROM node:20-slim
# METRICS_PORT: /metrics on its own port (keep it internal); the webhook port serves /healthz and /readyz only.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    METRICS_PORT=9464
WORKDIR /app
# Root-owned and read-only for the `node` user: the process cannot rewrite its own code.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY app.yml ./
USER node
EXPOSE 3000 9464
CMD ["npm", "start"]
