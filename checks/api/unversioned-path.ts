import { defineRule } from '../../src/rule.js';
import { segments } from '../../src/analyzers/code/routes.js';
import { routeIndex } from '../../src/analyzers/code/route-index.js';
import { quoteRoute, isPublicPath } from '../../src/analyzers/code/route-helpers.js';

const VERSION_SEGMENT = /^(v\d+(\.\d+)?|\d{4}-\d{2}-\d{2})$/i;
// Versioning by header or media type, or Nest's versioning: the path is not where the version lives.
const HEADER_VERSIONING = /accept-version|api-version|x-api-version|VersioningType\.(HEADER|MEDIA_TYPE|CUSTOM)|application\/vnd\./i;
const OPS_PATH = /(^|\/)(health|healthz|healthcheck|ready|readyz|live|livez|ping|metrics|status|version|docs|api-docs|swagger|openapi|\.well-known|robots\.txt|favicon\.ico|webhooks?|graphql|internal)(\/|$)/i;

export default defineRule({
  meta: {
    id: 'api/unversioned-path',
    area: 'api',
    severity: 'notice',
    title: 'API routes without a version in the path',
    guidance: 'API Design Reference › Versioning',
    checklist: ['api.resource-naming'],
    description:
      'Without `/v1` in the path, the first breaking change has nowhere to go: the old and new contract cannot be served side by side, so every client must upgrade in the same deploy. Mount public routes under a version prefix (`app.use(\'/v1\', router)`, `setGlobalPrefix(\'v1\')`, `register(routes, { prefix: \'/v1\' })`). Reported once per file, only when the whole path is known (the router is mounted on an application the review can see). Probes, docs, metrics and webhooks are exempt; set `api.require_versioning: false` for internal services.',
    examples: {
      bad: [
        {
          path: 'src/app.ts',
          code: "import express from 'express';\nimport { ordersRouter } from './routes/orders';\nimport { usersRouter } from './routes/users';\n\nconst app = express();\napp.use(express.json());\napp.use('/orders', ordersRouter);\napp.use('/users', usersRouter);\napp.get('/healthz', (_req, res) => res.send('ok'));\napp.listen(3000);\n",
          files: {
            'src/routes/orders.ts': "import { Router } from 'express';\nexport const ordersRouter = Router();\nordersRouter.get('/', (req, res) => res.json([]));\n",
            'src/routes/users.ts': "import { Router } from 'express';\nexport const usersRouter = Router();\nusersRouter.get('/:id', (req, res) => res.json({}));\n",
          },
        },
      ],
      good: [
        {
          path: 'src/app.ts',
          code: "import express from 'express';\nimport { ordersRouter } from './routes/orders';\n\nconst app = express();\napp.use('/v1/orders', ordersRouter);\napp.get('/healthz', (_req, res) => res.send('ok'));\napp.listen(3000);\n",
          files: { 'src/routes/orders.ts': "import { Router } from 'express';\nexport const ordersRouter = Router();\nordersRouter.get('/', (req, res) => res.json([]));\n" },
        },
        {
          path: 'src/routes/orders.ts',
          code: "import { Router } from 'express';\nexport const ordersRouter = Router();\nordersRouter.get('/', (req, res) => res.json([]));\n",
          note: 'Not mounted anywhere the review can see: the prefix may carry the version.',
        },
        {
          path: 'src/app.ts',
          code: "import express from 'express';\nimport { ordersRouter } from './routes/orders';\n\nconst app = express();\napp.use('/orders', ordersRouter);\napp.listen(3000);\n",
          files: { 'src/routes/orders.ts': "import { Router } from 'express';\nexport const ordersRouter = Router();\nordersRouter.get('/', (req, res) => res.json([]));\n" },
          config: { api: { require_versioning: false } },
          note: 'An internal service that opted out.',
        },
      ],
    },
  },
  async change(ctx) {
    if (!ctx.config.api.require_versioning) return;
    const index = await routeIndex(ctx);
    if ([...index.loaded.values()].some((f) => f.nestVersioning || HEADER_VERSIONING.test(f.file.text))) return;
    const byFile = new Map<string, typeof index.routes>();
    for (const r of index.routes) {
      if (!r.mounted || r.version !== undefined || isPublicPath(r.path) || OPS_PATH.test(r.path) || r.path === '/') continue;
      // Pages and redirects of a server-rendered site are not an API contract.
      if (r.handlerText !== undefined && /\.render\(|sendFile\(|\.redirect\(/.test(r.handlerText)) continue;
      if (segments(r.path).some((s) => VERSION_SEGMENT.test(s))) continue;
      byFile.set(r.file, [...(byFile.get(r.file) ?? []), r]);
    }
    for (const [file, routes] of byFile) {
      // Report on a route this change touches, so the one comment lands in the diff.
      const changed = ctx.files.find((f) => f.file.path === file)?.file.changedLines;
      const touched = changed === undefined || changed === 'all' ? routes : routes.filter((r) => changed.some((c) => r.line >= c.start && r.line <= c.end));
      if (touched.length === 0) continue;
      const first = touched[0];
      const shown = routes.slice(0, 3).map((r) => `${quoteRoute(r)}`).join(', ');
      const more = routes.length > 3 ? ` and ${routes.length - 3} more` : '';
      ctx.report({
        path: file,
        startLine: first.line,
        message:
          `${shown}${more} ${routes.length === 1 ? 'has' : 'have'} no version in the path. The first breaking change will then have to reach every client in the same deploy, because the old and new contract cannot be served side by side. ` +
          `Mount the API under a version prefix, e.g. \`app.use('/v1${segments(first.path).length ? '/' + segments(first.path)[0] : ''}', …)\` (or \`setGlobalPrefix('v1')\` in NestJS); set \`api.require_versioning: false\` if this is an internal API.`,
      });
    }
  },
});
