import { defineRule } from '../../src/rule.js';
import { dirOf } from '../../src/analyzers/code/route-index.js';
import { serverEntries, type ServerEntry } from '../../src/analyzers/code/route-entry.js';
import type { ChangeContext } from '../../src/rule.js';

// Request ids taken on ingress or generated and carried: headers, libraries, tracing, async context.
const REQUEST_ID =
  /genReqId|requestIdHeader|x-request-id|x-correlation-id|correlation-?id|traceparent|cls-rtracer|rTracer|express-request-id|koa-requestid|hono\/request-id|requestId\s*\(|@opentelemetry\/|dd-trace|newrelic|elastic-apm-node|@sentry\/node|nestjs-cls|ClsModule|AsyncLocalStorage|asyncLocalStorage/i;
const TRACING_PACKAGE = /"(@opentelemetry\/[^"]+|dd-trace|newrelic|elastic-apm-node|cls-rtracer|express-request-id|nestjs-cls|@sentry\/node|koa-requestid)"\s*:/;

async function packageHasTracing(entry: ServerEntry, ctx: ChangeContext): Promise<boolean | undefined> {
  if (!ctx.tree) return undefined;
  let dir = dirOf(entry.file.file.path);
  for (let i = 0; i < 6; i++) {
    const path = dir ? `${dir}/package.json` : 'package.json';
    let text: string | undefined;
    try {
      text = await ctx.tree.read(path);
    } catch {
      text = undefined;
    }
    if (text !== undefined) {
      // a start script preloading instrumentation: node --require ./tracing.js, -r @opentelemetry/auto-instrumentations-node/register
      return TRACING_PACKAGE.test(text) || /--(require|import)\b|\s-r\s/.test(text);
    }
    if (!dir) break;
    dir = dirOf(dir);
  }
  return false;
}

export default defineRule({
  meta: {
    id: 'observability/missing-request-id',
    area: 'observability',
    severity: 'notice',
    title: 'Server without request-id or trace propagation',
    guidance: 'Observability Reference › Correlation IDs (propagation checklist)',
    checklist: ['observability.correlation-ids'],
    description:
      'Without a request id taken from the incoming `x-request-id`/`traceparent` (or generated) and carried into every log line and outgoing call, the logs of one failing request cannot be pulled out of the stream, and a request cannot be followed across services. Take it on ingress and keep it in the logger context: pino-http with `genReqId`, cls-rtracer, express-request-id, nestjs-cls, or OpenTelemetry instrumentation. Only reported when every file the server imports could be read and no tracing package is in package.json.',
    examples: {
      bad: [
        {
          path: 'src/server.ts',
          code: "import express from 'express';\nimport pinoHttp from 'pino-http';\nimport { ordersRouter } from './routes/orders';\n\nconst app = express();\napp.use(pinoHttp());\napp.use(express.json());\napp.use('/v1/orders', ordersRouter);\napp.get('/healthz', (_req, res) => res.send('ok'));\n\napp.listen(Number(process.env.PORT ?? 3000));\n",
          files: { 'src/routes/orders.ts': "import { Router } from 'express';\nexport const ordersRouter = Router();\nordersRouter.get('/', (_req, res) => res.json([]));\n" },
        },
      ],
      good: [
        {
          path: 'src/server.ts',
          code: "import express from 'express';\nimport pinoHttp from 'pino-http';\nimport { randomUUID } from 'node:crypto';\nimport { ordersRouter } from './routes/orders';\n\nconst app = express();\napp.use(\n  pinoHttp({\n    genReqId: (req, res) => {\n      const id = req.headers['x-request-id']?.toString() ?? randomUUID();\n      res.setHeader('x-request-id', id);\n      return id;\n    },\n  }),\n);\napp.use('/v1/orders', ordersRouter);\napp.listen(3000);\n",
          files: { 'src/routes/orders.ts': "import { Router } from 'express';\nexport const ordersRouter = Router();\nordersRouter.get('/', (_req, res) => res.json([]));\n" },
        },
        {
          path: 'src/server.ts',
          code: "import './tracing';\nimport express from 'express';\n\nconst app = express();\napp.get('/healthz', (_req, res) => res.send('ok'));\napp.listen(3000);\n",
          files: { 'src/tracing.ts': "import { NodeSDK } from '@opentelemetry/sdk-node';\nimport { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';\n\nnew NodeSDK({ instrumentations: [getNodeAutoInstrumentations()] }).start();\n" },
        },
      ],
    },
  },
  async change(ctx) {
    for (const entry of await serverEntries(ctx)) {
      if (!entry.complete) continue;
      if (entry.closure.some((f) => REQUEST_ID.test(f.file.text))) continue;
      if ((await packageHasTracing(entry, ctx)) !== false) continue;
      ctx.report({
        path: entry.file.file.path,
        startLine: entry.listen.line,
        message:
          'Nothing in this server takes a request id (`x-request-id`, `traceparent`) on ingress or carries one into its logs, so the log lines of one failing request cannot be pulled out of the stream or followed into other services. ' +
          "Take or generate it per request and bind it to the logger, e.g. `pinoHttp({ genReqId: (req, res) => { const id = req.headers['x-request-id']?.toString() ?? randomUUID(); res.setHeader('x-request-id', id); return id; } })`, or add OpenTelemetry instrumentation.",
      });
    }
  },
});
