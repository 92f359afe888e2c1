import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RULES } from '../checks/index.js';
import { validateConfig } from '../src/config/load.js';
import { review } from '../src/engine.js';
import { CodeFile } from '../src/analyzers/code/code-file.js';
import { resolveRoutes, routesOf } from '../src/analyzers/code/routes.js';
import { scanPaths } from '../src/sources/local.js';

const ROOT = fileURLToPath(new URL('../fixtures/routes/', import.meta.url));

async function load(app: string) {
  const changeSet = await scanPaths(['.'], `${ROOT}${app}`, 1024 * 1024);
  const models = changeSet.files.filter((f) => f.content !== undefined && f.path.endsWith('.ts')).map((f) => routesOf(new CodeFile(f.path, f.content!)));
  return { changeSet, models };
}

const table = (routes: ReturnType<typeof resolveRoutes>) =>
  routes.map((r) => `${r.method} ${r.path} [${[...r.middleware, ...r.guards].map((m) => m.name).join(',')}]${r.mounted ? '' : ' (unmounted)'} ${r.file}:${r.line}`).sort();

// Small, realistic multi-file services: the route table of each, resolved across files.
const EXPECTED: Record<string, string[]> = {
  express: [
    'DELETE /v1/auth/sessions/current [helmet,pinoHttp,express.json,apiLimiter,requireAuth] src/routes/auth.ts:10',
    'GET /healthz [helmet,pinoHttp] src/routes/health.ts:6',
    'GET /readyz [helmet,pinoHttp] src/routes/health.ts:7',
    'GET /v1/orders [helmet,pinoHttp,express.json,apiLimiter,requireAuth] src/routes/orders.ts:27',
    'GET /v1/orders/:orderId [helmet,pinoHttp,express.json,apiLimiter,requireAuth] src/routes/orders.ts:29',
    'POST /v1/auth/password-resets [helmet,pinoHttp,express.json,apiLimiter,authLimiter] src/routes/auth.ts:9',
    'POST /v1/auth/sessions [helmet,pinoHttp,express.json,apiLimiter,authLimiter] src/routes/auth.ts:8',
    'POST /v1/orders [helmet,pinoHttp,express.json,apiLimiter,requireAuth] src/routes/orders.ts:35',
  ],
  fastify: [
    'GET /healthz [rateLimit] src/server.ts:7',
    'GET /v1/orders [rateLimit,app.authenticate] src/routes/orders.ts:8',
    'POST /v1/orders [rateLimit,app.authenticate] src/routes/orders.ts:13',
  ],
  koa: [
    'GET /healthz [requestId] src/server.ts:7',
    'GET /v1/projects [requestId,requireUser] src/server.ts:14',
    'GET /v1/projects/:projectId [requestId,requireUser] src/server.ts:15',
    'POST /v1/projects [requestId,requireUser] src/server.ts:14',
  ],
  hono: [
    'GET /api/healthz [requestId] src/index.ts:9',
    'GET /api/v1/books [requestId,bearerAuth] src/books.ts:5',
    'POST /api/v1/books [requestId,bearerAuth] src/books.ts:10',
  ],
  nest: [
    'GET /healthz [] src/health/health.controller.ts:5',
    'GET /v1/orders [JwtAuthGuard] src/orders/orders.controller.ts:11',
    'GET /v1/orders/:orderId [JwtAuthGuard] src/orders/orders.controller.ts:16',
    'POST /v1/orders [JwtAuthGuard] src/orders/orders.controller.ts:21',
  ],
};

const ROUTE_RULES = RULES.filter((r) => /^api\/|^security\/missing-auth|^reliability\/missing-health-check$|^observability\/missing-request-id$/.test(r.meta.id));

describe.each(Object.keys(EXPECTED))('route fixture: %s', (app) => {
  it('resolves the whole route table across files', async () => {
    const { models } = await load(app);
    expect(table(resolveRoutes(models))).toEqual(EXPECTED[app]);
    expect(models.flatMap((m) => m.listens)).toHaveLength(1);
  });

  it('is clean under every route-based rule (written the way the rules ask)', async () => {
    const { changeSet } = await load(app);
    const result = await review(changeSet, validateConfig({}), { rules: ROUTE_RULES });
    expect(result.findings.map((f) => `${f.ruleId} ${f.path}:${f.startLine} ${f.message}`)).toEqual([]);
  });

  it('is reported once its health route and request id are taken out', async () => {
    const { changeSet } = await load(app);
    const strip = (text: string) =>
      text
        .replace(/, requestIdHeader: 'x-request-id'/, '')
        .replace(/^.*\b(healthz|readyz|requestId|genReqId|x-request-id)\b.*$/gm, '');
    const files = changeSet.files.map((f) => (f.content ? { ...f, content: strip(f.content) } : f));
    const result = await review({ ...changeSet, files }, validateConfig({}), { rules: ROUTE_RULES });
    const ids = new Set(result.findings.map((f) => f.ruleId));
    expect(ids.has('reliability/missing-health-check')).toBe(true);
    expect(ids.has('observability/missing-request-id')).toBe(true);
  });
});
