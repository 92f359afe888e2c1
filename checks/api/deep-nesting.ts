import { defineRule } from '../../src/rule.js';
import { isParam, segments } from '../../src/analyzers/code/routes.js';
import { routeIndex } from '../../src/analyzers/code/route-index.js';
import { quoteRoute } from '../../src/analyzers/code/route-helpers.js';

const SINGLETONS = /^(settings|preferences|status|stats|details|permissions|roles|members|me|profile|avatar|summary)$/;

/** The resources of a path: a static segment followed by an id, plus a trailing collection after an id. */
export function resourceLevels(path: string): string[] {
  const segs = segments(path).filter((s) => !/^v\d+$/i.test(s) && s !== 'api');
  const levels: string[] = [];
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    if (isParam(s)) continue;
    const next = segs[i + 1];
    if (next !== undefined && isParam(next)) levels.push(s);
    else if (next === undefined && i > 0 && isParam(segs[i - 1]) && /s$/.test(s) && !/(ss|us)$/.test(s) && !SINGLETONS.test(s)) levels.push(s);
  }
  return levels;
}

export default defineRule({
  meta: {
    id: 'api/deep-nesting',
    area: 'api',
    severity: 'notice',
    title: 'Path nested more than two resources deep',
    guidance: 'API Design Reference › REST Conventions',
    checklist: ['api.resource-naming'],
    description:
      'Each nested level (`/users/:id/orders/:orderId/items`) makes the client know and send every ancestor id, makes the handler check every parent, and locks the URL to one ownership chain that is hard to change later. Stop at two levels and address deeper resources by their own id or with a filter: `/orders/:orderId/items` or `/order-items?order_id=…`. Prefixes mounted in other files count.',
    examples: {
      bad: [
        {
          path: 'src/routes/items.ts',
          code: "import { Router } from 'express';\nimport { listItems } from '../handlers/items';\n\nexport const itemsRouter = Router({ mergeParams: true });\nitemsRouter.get('/', listItems);\n",
          files: {
            'src/app.ts': "import express from 'express';\nimport { itemsRouter } from './routes/items';\n\nconst app = express();\napp.use('/v1/users/:userId/orders/:orderId/items', itemsRouter);\napp.listen(3000);\n",
          },
          note: 'The prefix comes from the mount in app.ts.',
        },
      ],
      good: [
        {
          path: 'src/routes/items.ts',
          code: "import { Router } from 'express';\nimport { listItems, getItem } from '../handlers/items';\n\nexport const itemsRouter = Router();\nitemsRouter.get('/orders/:orderId/items', listItems);\nitemsRouter.get('/items/:itemId', getItem);\nitemsRouter.get('/users/:userId/orders/:orderId/status', getItem);\n",
        },
      ],
    },
  },
  async change(ctx) {
    const index = await routeIndex(ctx);
    for (const route of index.routes) {
      const levels = resourceLevels(route.path);
      if (levels.length <= 2) continue;
      const keep = levels.slice(-2);
      const tail = route.path.slice(route.path.indexOf(`/${keep[0]}/`));
      ctx.report({
        path: route.file,
        startLine: route.line,
        message:
          `${quoteRoute(route)} nests ${levels.length} resources (${levels.map((l) => `\`${l}\``).join(' → ')}). Every client must know and send each ancestor id, the handler has to check each parent, and the URL is tied to one ownership chain that is hard to change later. ` +
          `Keep at most two levels, e.g. \`${tail}\`, or filter a flat collection (\`/${keep[1]}?${singular(keep[0])}_id=…\`).`,
      });
    }
  },
});

function singular(word: string): string {
  return word.replace(/ies$/, 'y').replace(/s$/, '');
}
