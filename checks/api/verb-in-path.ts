import { defineRule } from '../../src/rule.js';
import { routesOf } from '../../src/analyzers/code/routes.js';
import { nameSegments, pathSites } from '../../src/analyzers/code/route-helpers.js';

// Verbs that repeat what the HTTP method already says, mapped to that method.
const VERBS: Record<string, string> = {
  get: 'GET',
  fetch: 'GET',
  retrieve: 'GET',
  list: 'GET',
  create: 'POST',
  add: 'POST',
  insert: 'POST',
  update: 'PATCH',
  edit: 'PATCH',
  modify: 'PATCH',
  upsert: 'PUT',
  save: 'PUT',
  delete: 'DELETE',
  remove: 'DELETE',
  destroy: 'DELETE',
};
const NOT_VERBS = /^(add-?ons?|get-?started|list-?items?)$/i;

/** `getUsers` → ['get', 'users']; `create-order` → ['create', 'order']. */
export function words(segment: string): string[] {
  return segment
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .split(/[-_]/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

export default defineRule({
  meta: {
    id: 'api/verb-in-path',
    area: 'api',
    severity: 'warning',
    title: 'Verb in a route path',
    guidance: 'API Design Reference › REST Conventions',
    checklist: ['api.resource-naming'],
    description:
      'Paths name resources; the HTTP method is the verb. A path such as `/getUsers` or `/orders/:id/delete` puts a second verb in the URL, so each operation grows its own endpoint, clients cannot predict URLs, and caching, logging and gateway rules keyed by resource stop lining up. Use the noun and the method: `GET /users`, `DELETE /orders/:id`. Action sub-resources that are not CRUD (`POST /orders/:id/cancel`) are not flagged.',
    examples: {
      bad: [
        {
          path: 'src/routes/users.ts',
          code: "import { Router } from 'express';\nimport { listUsers, createUser } from '../controllers/users';\n\nconst router = Router();\n\nrouter.get('/getUsers', listUsers);\nrouter.post('/users/create', createUser);\n\nexport default router;\n",
        },
        {
          path: 'src/orders/orders.controller.ts',
          code: "import { Controller, Delete, Param } from '@nestjs/common';\n\n@Controller('orders')\nexport class OrdersController {\n  constructor(private readonly orders: OrdersService) {}\n\n  @Delete(':id/remove')\n  remove(@Param('id') id: string) {\n    return this.orders.remove(id);\n  }\n}\n",
        },
      ],
      good: [
        {
          path: 'src/routes/users.ts',
          code: "import { Router } from 'express';\nimport { listUsers, createUser, cancelOrder } from '../controllers/users';\n\nconst router = Router();\n\nrouter.get('/users', listUsers);\nrouter.post('/users', createUser);\nrouter.post('/orders/:id/cancel', cancelOrder);\nrouter.get('/users/:id/updates', listUpdates);\n\nexport default router;\n",
          note: 'Plural nouns, and a non-CRUD action as a sub-resource, are fine.',
        },
      ],
    },
  },
  code: {
    kinds: ['SourceFile'],
    visit(_node, ctx) {
      const fr = routesOf(ctx.file);
      for (const site of pathSites(fr)) {
        for (const seg of nameSegments(site.literal)) {
          if (NOT_VERBS.test(seg)) continue;
          const w = words(seg);
          const method = VERBS[w[0]];
          if (!method) continue;
          const rest = w.slice(1).join('-');
          const methodNote = site.route && site.route.method !== 'ALL' ? ` (a \`${site.route.method}\` route)` : '';
          const suggestion = rest ? `\`${method} …/${rest}\`` : `\`${method}\` on the resource path itself (drop \`/${seg}\`)`;
          ctx.report({
            startLine: site.line,
            message:
              `The path segment \`${seg}\` in \`${site.literal}\`${methodNote} is a verb: the HTTP method already says what happens, so every operation grows its own URL and clients, caches and gateway rules can no longer address the resource by one name. ` +
              `Name the resource and let the method carry the action: ${suggestion}.`,
          });
          break;
        }
      }
    },
  },
});
