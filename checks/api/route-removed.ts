import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import { isTestOrGenerated } from '../../src/files.js';
import { resolveRoutes, routesOfText, type FileRoutes, type Route } from '../../src/analyzers/code/routes.js';
import { routeIndex } from '../../src/analyzers/code/route-index.js';
import { quoteRoute } from '../../src/analyzers/code/route-helpers.js';

const CODE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;
const DEPRECATED = /deprecat|sunset/i;

/** `GET /users/:userId` and `GET /users/:id` are the same route to a client. */
export function routeKey(r: Pick<Route, 'method' | 'path'>): string {
  return `${r.method} ${r.path.replace(/\/:[^/]+/g, '/:').replace(/\/\{[^/]+\}/g, '/:').replace(/\/$/, '') || '/'}`;
}

/** The route was marked deprecated before its removal (middleware, headers, decorator or comment). */
function wasDeprecated(r: Route, fr: FileRoutes): boolean {
  const sf = fr.file.sourceFile;
  const text = r.node.getFullText(sf); // includes leading comments (/** @deprecated */)
  if (DEPRECATED.test(text)) return true;
  if (r.handler && DEPRECATED.test(r.handler.getText(sf))) return true;
  if (r.middleware.some((m) => DEPRECATED.test(m.name)) || r.decorators.some((d) => DEPRECATED.test(d))) return true;
  // A decorator such as @ApiOperation({ deprecated: true }) sits on the method.
  if (r.framework === 'nest' && ts.canHaveDecorators(r.node)) return (ts.getDecorators(r.node) ?? []).some((d) => DEPRECATED.test(d.getText(sf)));
  return false;
}

export default defineRule({
  meta: {
    id: 'api/route-removed',
    area: 'api',
    severity: 'error',
    title: 'Route removed without deprecation',
    guidance: 'API Design Reference › Versioning',
    checklist: ['api.no-silent-breaks'],
    description:
      'A route that existed before the change and is gone after it breaks every client still calling it the moment the deploy finishes: they get 404s, and mobile apps and partners cannot be updated in the same release. Keep the route, mark it deprecated (`Deprecation` and `Sunset` headers, a successor link, `@deprecated` in the docs) for at least one release cycle, and remove it once traffic is gone, or serve the change under a new version. Routes marked deprecated before their removal, and routes that moved to another file, are not flagged.',
    examples: {
      bad: [
        {
          path: 'src/routes/orders.ts',
          base: "import { Router } from 'express';\nimport * as orders from '../controllers/orders';\n\nexport const ordersRouter = Router();\nordersRouter.get('/', orders.list);\nordersRouter.get('/:id', orders.show);\nordersRouter.delete('/:id', orders.cancel);\n",
          code: "import { Router } from 'express';\nimport * as orders from '../controllers/orders';\n\nexport const ordersRouter = Router();\nordersRouter.get('/', orders.list);\nordersRouter.get('/:id', orders.show);\n",
        },
      ],
      good: [
        {
          path: 'src/routes/orders.ts',
          base: "import { Router } from 'express';\nimport * as orders from '../controllers/orders';\nimport { deprecated } from '../middleware/deprecated';\n\nexport const ordersRouter = Router();\nordersRouter.get('/', orders.list);\nordersRouter.get('/:id', orders.show);\nordersRouter.delete('/:id', deprecated({ sunset: '2025-03-01' }), orders.cancel);\n",
          code: "import { Router } from 'express';\nimport * as orders from '../controllers/orders';\n\nexport const ordersRouter = Router();\nordersRouter.get('/', orders.list);\nordersRouter.get('/:orderId', orders.show);\n",
          note: 'DELETE was deprecated before; renaming a path parameter changes nothing for clients.',
        },
      ],
    },
  },
  async change(ctx) {
    const index = await routeIndex(ctx);
    const changedPaths = new Set(ctx.files.map((f) => f.file.path));
    const bases: FileRoutes[] = [];
    for (const { file } of ctx.files) {
      if (file.baseContent === undefined || file.status === 'added') continue;
      const basePath = file.oldPath ?? file.path;
      if (!CODE.test(basePath) || basePath.endsWith('.d.ts') || isTestOrGenerated(basePath)) continue;
      if (!/\b(get|post|put|patch|delete|route|use|register)\s*\(|@(Get|Post|Put|Patch|Delete)\b/.test(file.baseContent)) continue;
      bases.push(routesOfText(basePath, file.baseContent));
    }
    if (bases.length === 0) return;
    // Unchanged neighbours are the same in base and head: resolve the base with them.
    const neighbours = [...index.loaded.values()].filter((f) => !changedPaths.has(f.file.path));
    const baseRoutes = resolveRoutes([...bases, ...neighbours]).filter((r) => bases.some((b) => b.file.path === r.file));
    const headKeys = new Set(resolveRoutes([...index.loaded.values()]).map(routeKey));
    const reported = new Set<string>();
    for (const r of baseRoutes) {
      const key = routeKey(r);
      if (headKeys.has(key) || reported.has(key)) continue;
      const fr = bases.find((b) => b.file.path === r.file)!;
      if (wasDeprecated(r, fr)) continue;
      reported.add(key);
      const changed = ctx.files.find((f) => (f.file.oldPath ?? f.file.path) === r.file)!;
      const gone = changed.file.status === 'removed';
      ctx.report({
        path: changed.file.path,
        startLine: 1,
        wholeChange: true,
        message:
          `${quoteRoute(r)} (line ${r.line} before this change${gone ? ', in a file this change deletes' : ''}) no longer exists, and it was not deprecated first. Clients still calling it get 404 as soon as this deploys. ` +
          'Keep it and mark it deprecated (`Deprecation: true`, a `Sunset` date and a `Link` to the successor) until its traffic is gone, or ship the change under a new version.',
      });
    }
  },
});
