import { describe, expect, it } from 'vitest';
import verbInPath, { words } from '../../checks/api/verb-in-path.js';
import singularCollection, { singularNoun } from '../../checks/api/singular-collection.js';
import pathCasing, { kebab } from '../../checks/api/path-casing.js';
import unversionedPath from '../../checks/api/unversioned-path.js';
import deepNesting, { resourceLevels } from '../../checks/api/deep-nesting.js';
import { at, run } from './helpers.js';

describe('api/verb-in-path', () => {
  it('splits segments into words', () => {
    expect(words('getUserOrders')).toEqual(['get', 'user', 'orders']);
    expect(words('create-order')).toEqual(['create', 'order']);
    expect(words('list_items')).toEqual(['list', 'items']);
  });

  it('checks mount prefixes and Fastify prefixes where they are written, once each', async () => {
    const fs = await run([verbInPath], {
      changed: {
        'src/server.ts':
          "import Fastify from 'fastify';\nimport orders from './routes/orders';\nconst app = Fastify();\napp.register(orders, { prefix: '/v1/fetchOrders' });\napp.listen({ port: 3000 });\n",
        'src/routes/orders.ts': "export default async function orders(app) {\n  app.get('/', async () => []);\n  app.get('/:id', async () => ({}));\n}\n",
      },
    });
    expect(at(fs)).toEqual(['api/verb-in-path src/server.ts:4']);
  });

  it('stays quiet on action sub-resources and nouns that start like verbs', async () => {
    const fs = await run([verbInPath], {
      changed: {
        'src/routes/orders.ts':
          "import { Router } from 'express';\nexport const router = Router();\nrouter.post('/orders/:id/cancel', cancel);\nrouter.post('/orders/:id/refunds', refund);\nrouter.get('/add-ons', addOns);\nrouter.get('/updates', updates);\nrouter.get('/listings', listings);\nrouter.get('/getaways', getaways);\n",
      },
    });
    expect(fs).toEqual([]);
  });
});

describe('api/singular-collection', () => {
  it('knows singular nouns from plurals and non-resources', () => {
    expect(singularNoun('user')).toBe(true);
    expect(singularNoun('order-item')).toBe(true);
    expect(singularNoun('address')).toBe(true);
    expect(singularNoun('users')).toBe(false);
    expect(singularNoun('order-items')).toBe(false);
    expect(singularNoun('auth')).toBe(false);
    expect(singularNoun('billing')).toBe(false);
    expect(singularNoun('media')).toBe(false);
  });

  it('fixes the literal with the regular plural, and gives no fix for irregular nouns', async () => {
    const fs = await run([singularCollection], {
      changed: {
        'src/routes/people.ts':
          "import { Router } from 'express';\nexport const router = Router();\nrouter.get('/category/:slug', showCategory);\nrouter.get('/person/:id', showPerson);\n",
      },
    });
    expect(fs.map((f) => [f.startLine, f.fix?.replacement])).toEqual([
      [3, "router.get('/categories/:slug', showCategory);"],
      [4, undefined],
    ]);
  });
});

describe('api/path-casing', () => {
  it('kebab-cases camelCase, PascalCase and snake_case', () => {
    expect(kebab('orderItems')).toBe('order-items');
    expect(kebab('OrderItems')).toBe('order-items');
    expect(kebab('order_items')).toBe('order-items');
    expect(kebab('APIKeys')).toBe('api-keys');
  });

  it('checks NestJS controller prefixes and leaves parameters alone', async () => {
    const fs = await run([pathCasing], {
      changed: {
        'src/billing/billing.controller.ts':
          "import { Controller, Get, Param } from '@nestjs/common';\n\n@Controller('billingAccounts')\nexport class BillingController {\n  @Get(':accountId/invoices')\n  list(@Param('accountId') accountId: string) {\n    return [];\n  }\n}\n",
      },
    });
    expect(fs.map((f) => [f.startLine, f.fix?.replacement])).toEqual([[3, "@Controller('billing-accounts')"]]);
  });
});

describe('api/unversioned-path', () => {
  const router = "import { Router } from 'express';\nexport const ordersRouter = Router();\nordersRouter.get('/', list);\nordersRouter.get('/:id', show);\nordersRouter.post('/', create);\n";

  it('finds the mount in an unchanged app file of the tree and reports once per file', async () => {
    const fs = await run([unversionedPath], {
      changed: { 'src/routes/orders.ts': router },
      tree: { 'src/app.ts': "import express from 'express';\nimport { ordersRouter } from './routes/orders.js';\nconst app = express();\napp.use('/orders', ordersRouter);\nexport default app;\n", 'src/server.ts': "import app from './app';\napp.listen(3000);\n" },
    });
    expect(at(fs)).toEqual(['api/unversioned-path src/routes/orders.ts:3']);
    expect(fs[0].message).toContain('`GET /orders`, `GET /orders/:id`, `POST /orders`');
  });

  it('is quiet when the version is in a mount prefix of another file', async () => {
    const fs = await run([unversionedPath], {
      changed: { 'src/routes/orders.ts': router },
      tree: { 'src/app.ts': "import express from 'express';\nimport { ordersRouter } from './routes/orders';\nconst app = express();\nconst v1 = express.Router();\nv1.use('/orders', ordersRouter);\napp.use('/api/v1', v1);\napp.listen(3000);\n" },
    });
    expect(fs).toEqual([]);
  });

  it('is quiet without a tree (the prefix cannot be known), with header versioning and with Nest URI versioning', async () => {
    expect(await run([unversionedPath], { changed: { 'src/routes/orders.ts': router }, noTree: true })).toEqual([]);
    const headerVersioned = await run([unversionedPath], {
      changed: { 'src/app.ts': "import express from 'express';\nconst app = express();\napp.use((req, _res, next) => { req.apiVersion = req.get('Accept-Version') ?? '1'; next(); });\napp.get('/orders', list);\napp.listen(3000);\n" },
    });
    expect(headerVersioned).toEqual([]);
    const nest = await run([unversionedPath], {
      changed: {
        'src/main.ts': "import { NestFactory } from '@nestjs/core';\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  app.setGlobalPrefix('api');\n  app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });\n  await app.listen(3000);\n}\nbootstrap();\n",
        'src/orders.controller.ts': "import { Controller, Get } from '@nestjs/common';\n@Controller('orders')\nexport class OrdersController {\n  @Get()\n  list() { return []; }\n}\n",
      },
    });
    expect(nest).toEqual([]);
  });

  it('reports Nest controllers when the global prefix has no version', async () => {
    const fs = await run([unversionedPath], {
      changed: {
        'src/main.ts': "import { NestFactory } from '@nestjs/core';\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  app.setGlobalPrefix('api');\n  await app.listen(3000);\n}\nbootstrap();\n",
        'src/orders.controller.ts': "import { Controller, Get } from '@nestjs/common';\n@Controller('orders')\nexport class OrdersController {\n  @Get()\n  list() { return []; }\n}\n",
      },
    });
    expect(at(fs)).toEqual(['api/unversioned-path src/orders.controller.ts:4']);
  });
});

describe('api/deep-nesting', () => {
  it('counts resource levels', () => {
    expect(resourceLevels('/v1/users/:id')).toEqual(['users']);
    expect(resourceLevels('/users/:id/orders')).toEqual(['users', 'orders']);
    expect(resourceLevels('/users/:id/orders/:orderId/items')).toEqual(['users', 'orders', 'items']);
    expect(resourceLevels('/users/:id/orders/:orderId/settings')).toEqual(['users', 'orders']);
    expect(resourceLevels('/orgs/{org}/projects/{p}/members/{m}')).toEqual(['orgs', 'projects', 'members']);
  });

  it('reports Koa routes nested under a prefixed router', async () => {
    const fs = await run([deepNesting], {
      changed: {
        'src/server.ts':
          "import Koa from 'koa';\nimport Router from '@koa/router';\nconst app = new Koa();\nconst router = new Router({ prefix: '/stores/:storeId/aisles/:aisleId' });\nrouter.get('/shelves', listShelves);\nrouter.get('/', listAisle);\napp.use(router.routes());\napp.listen(3000);\n",
      },
    });
    expect(at(fs)).toEqual(['api/deep-nesting src/server.ts:5']);
  });
});

describe('api/unversioned-path in diff mode', () => {
  it('reports once, on a route the change touches', async () => {
    const { validateConfig } = await import('../../src/config/load.js');
    const { review } = await import('../../src/engine.js');
    const code = "import express from 'express';\nconst app = express();\napp.get('/orders', list);\napp.get('/orders/:id', show);\napp.post('/refunds', refund);\napp.listen(3000);\n";
    const result = await review(
      { mode: 'diff', files: [{ path: 'src/app.ts', status: 'modified', content: code, baseContent: code, changedLines: [{ start: 5, end: 5 }] }] },
      validateConfig({}),
      { rules: [unversionedPath] },
    );
    expect(at(result.findings)).toEqual(['api/unversioned-path src/app.ts:5']);
    expect(result.findings[0].message).toContain('`GET /orders`, `GET /orders/:id`, `POST /refunds`');
  });
});

describe('naming rules stay quiet on actions and pages', () => {
  it('does not read hyphenated actions as collections, nor rendered pages as API routes', async () => {
    const fs = await run([singularCollection, unversionedPath], {
      changed: {
        'src/app.ts':
          "import express from 'express';\nconst app = express();\napp.get('/verify-email/:token', verifyEmail);\napp.get('/v1/by-email/:email', lookup);\napp.get('/status/:jobId', jobStatus);\napp.get('/about', (_req, res) => res.render('about'));\napp.get('/old-home', (_req, res) => res.redirect(301, '/'));\napp.listen(3000);\n",
      },
    });
    expect(fs).toEqual([]);
  });
});
