import { defineRule } from '../../src/rule.js';
import type { Fix } from '../../src/model.js';
import { segments } from '../../src/analyzers/code/routes.js';
import { serverEntries, type ServerEntry } from '../../src/analyzers/code/route-entry.js';

const HEALTH_SEGMENT = /^(_?_?health|healthz|healthcheck|health-check|ready|readyz|readiness|live|livez|liveness|ping|heartbeat|status)$/i;
// Libraries and plugins that serve probes themselves.
const HEALTH_LIBRARY = /@nestjs\/terminus|TerminusModule|HealthCheckService|@godaddy\/terminus|createTerminus|lightship|fastify-healthcheck|under-pressure|exposeStatusRoute|express-actuator|express-healthcheck|healthCheck\s*\(|['"`]\/(health|healthz|readyz|livez|ready|live|ping)\b/;

export function hasHealthCheck(entry: ServerEntry): boolean {
  if (entry.routes.some((r) => segments(r.path).some((s) => HEALTH_SEGMENT.test(s)))) return true;
  return entry.closure.some((f) => HEALTH_LIBRARY.test(f.file.text));
}

function fixFor(entry: ServerEntry): Fix | undefined {
  const { listen, framework, file } = entry;
  const line = listen.line;
  if (file.file.endLineOf(listen.node) !== line) return undefined;
  const text = file.file.lineText(line);
  const app = listen.app;
  const indent = /^\s*/.exec(text)![0];
  const statement = text.trim();
  // Only when listen() is a statement of its own, on an app created in this file whose
  // app-wide middleware cannot swallow or guard the new route (auth, 404 and error handlers).
  if (!file.routers.has(app) || !/^\w+$/.test(app)) return undefined;
  if (!new RegExp(`^(await\\s+)?${app}\\.listen\\(`).test(statement)) return undefined;
  const risky = file.uses.some((u) => u.router === app && u.middleware.some((m) => m.name === '<inline>' || /auth|jwt|passport|session|guard|protect|notFound|404|error|fallback/i.test(m.name)));
  if (risky) return undefined;
  const route =
    framework === 'express'
      ? `${app}.get('/healthz', (_req, res) => res.status(200).send('ok'));`
      : framework === 'fastify'
        ? `${app}.get('/healthz', async () => ({ status: 'ok' }));`
        : framework === 'hono'
          ? `${app}.get('/healthz', (c) => c.text('ok'));`
          : undefined;
  return route ? { startLine: line, endLine: line, replacement: `${indent}${route}\n${text}` } : undefined;
}

export default defineRule({
  meta: {
    id: 'reliability/missing-health-check',
    area: 'reliability',
    severity: 'warning',
    title: 'HTTP server without a health or readiness endpoint',
    guidance: 'Scalable Systems Reference › Health Check Checklist',
    checklist: ['reliability.health-checks'],
    description:
      'Without a health endpoint the orchestrator and the load balancer cannot tell a hung, deadlocked or still-starting instance from a healthy one: traffic keeps going to broken pods, and deploys cannot wait for new ones to be ready. Serve a cheap liveness route (`/healthz`, no dependency checks) and a readiness route (`/readyz`) that checks the database and other hard dependencies, or use @nestjs/terminus. Only reported when every file the server imports could be read, so a health route in another module is seen.',
    examples: {
      bad: [
        {
          path: 'src/server.ts',
          code: "import { app } from './app';\nimport { logger } from './logger';\n\nconst port = Number(process.env.PORT ?? 3000);\napp.listen(port, () => logger.info({ port }, 'listening'));\n",
          files: {
            'src/app.ts': "import express from 'express';\nimport { ordersRouter } from './routes/orders';\n\nexport const app = express();\napp.use(express.json());\napp.use('/v1/orders', ordersRouter);\n",
            'src/routes/orders.ts': "import { Router } from 'express';\nexport const ordersRouter = Router();\nordersRouter.get('/', (_req, res) => res.json([]));\n",
            'src/logger.ts': "import pino from 'pino';\nexport const logger = pino();\n",
          },
        },
        {
          path: 'src/main.ts',
          code: "import Fastify from 'fastify';\nimport orders from './routes/orders';\n\nconst app = Fastify({ logger: true });\napp.register(orders, { prefix: '/v1/orders' });\nawait app.listen({ port: 3000, host: '0.0.0.0' });\n",
          files: { 'src/routes/orders.ts': "export default async function orders(app) {\n  app.get('/', async () => []);\n}\n" },
        },
      ],
      good: [
        {
          path: 'src/server.ts',
          code: "import { app } from './app';\n\napp.listen(Number(process.env.PORT ?? 3000));\n",
          files: {
            'src/app.ts': "import express from 'express';\nimport { healthRouter } from './routes/health';\n\nexport const app = express();\napp.use(healthRouter);\n",
            'src/routes/health.ts': "import { Router } from 'express';\nimport { pool } from '../db';\n\nexport const healthRouter = Router();\nhealthRouter.get('/healthz', (_req, res) => res.send('ok'));\nhealthRouter.get('/readyz', async (_req, res) => {\n  await pool.query('SELECT 1');\n  res.send('ready');\n});\n",
            'src/db.ts': "import pg from 'pg';\nexport const pool = new pg.Pool();\n",
          },
        },
        {
          path: 'src/server.ts',
          code: "import { app } from './app';\n\napp.listen(3000);\n",
          note: './app is not in the change or the tree the review can read: nothing is reported.',
        },
      ],
    },
  },
  async change(ctx) {
    for (const entry of await serverEntries(ctx)) {
      if (!entry.complete || hasHealthCheck(entry)) continue;
      ctx.report({
        path: entry.file.file.path,
        startLine: entry.listen.line,
        message:
          'This server exposes no health or readiness endpoint, so the orchestrator and load balancer cannot tell a hung or still-starting instance from a healthy one: traffic keeps reaching broken instances and deploys cannot wait for new ones to be ready. ' +
          "Add a cheap liveness route and a readiness route that checks the database, e.g. `app.get('/healthz', (_req, res) => res.send('ok'))` and `/readyz` running `SELECT 1`.",
        fix: fixFor(entry),
      });
    }
  },
});
