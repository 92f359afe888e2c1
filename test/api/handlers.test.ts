import { describe, expect, it } from 'vitest';
import unpaginatedList from '../../checks/api/unpaginated-list.js';
import unboundedPageSize from '../../checks/api/unbounded-page-size.js';
import createWithout201 from '../../checks/api/create-without-201.js';
import rateLimitWithoutRetryAfter from '../../checks/api/rate-limit-without-retry-after.js';
import errorExposesInternals from '../../checks/api/error-exposes-internals.js';
import { applyFix } from '../../src/examples.js';
import { at, run } from './helpers.js';

describe('api/unpaginated-list', () => {
  it('follows handlers in variables and wrapped in asyncHandler, and SQL built over several lines', async () => {
    const fs = await run([unpaginatedList], {
      changed: {
        'src/routes/customers.ts': `import { Router } from 'express';
import asyncHandler from 'express-async-handler';
import { knex } from '../db';
import { Customer } from '../models';

export const customersRouter = Router();

const listCustomers = asyncHandler(async (req, res) => {
  const rows = await knex('customers')
    .select('id', 'email', 'created_at')
    .where({ tenant_id: req.tenant.id })
    .orderBy('created_at', 'desc');
  res.json(rows);
});

async function listSegments(req, res) {
  const segments = await Customer.find({ tenant: req.tenant.id }).sort({ name: 1 }).lean();
  res.json(segments);
}

customersRouter.get('/customers', listCustomers);
customersRouter.get('/segments', listSegments);
`,
      },
    });
    expect(at(fs)).toEqual(['api/unpaginated-list src/routes/customers.ts:9', 'api/unpaginated-list src/routes/customers.ts:17']);
  });

  it('reads TypeORM repositories and query builders in Nest controllers', async () => {
    const fs = await run([unpaginatedList], {
      changed: {
        'src/audit/audit.controller.ts': `import { Controller, Get } from '@nestjs/common';

@Controller('audit-events')
export class AuditController {
  constructor(private readonly events: Repository<AuditEvent>) {}

  @Get()
  list() {
    return this.events.find({ where: { archived: false }, order: { createdAt: 'DESC' } });
  }

  @Get('recent')
  recent() {
    return this.events.createQueryBuilder('e').orderBy('e.createdAt', 'DESC').take(50).getMany();
  }
}
`,
      },
    });
    expect(at(fs)).toEqual(['api/unpaginated-list src/audit/audit.controller.ts:9']);
  });

  it('stays quiet on bounded queries, single items, Array#find and handlers in other files', async () => {
    const fs = await run([unpaginatedList], {
      changed: {
        'src/routes/catalog.ts': `import { Router } from 'express';
import * as catalog from '../controllers/catalog';
import { prisma } from '../db';

const router = Router();
const COUNTRIES = [{ code: 'FR' }, { code: 'DE' }];
router.get('/products', catalog.list);
router.get('/countries', (_req, res) => res.json(COUNTRIES.filter((c) => c.code !== 'XX')));
router.get('/currencies', async (_req, res) => {
  const euro = COUNTRIES.find((c) => c.code === 'FR');
  res.json(await prisma.currency.findMany({ take: 200, orderBy: { code: 'asc' } }));
});
router.get('/tags', async (req, res) => {
  const limit = Math.min(Number(req.query.limit) || 20, 100);
  res.json(await prisma.tag.findMany({ orderBy: { name: 'asc' } }).then((t) => t.slice(0, limit)));
});
router.get('/stats', async (_req, res) => res.json(await prisma.order.findMany()));
export default router;
`,
      },
    });
    expect(fs).toEqual([]);
  });
});

describe('api/unbounded-page-size', () => {
  it('tracks the size through local variables to a SQL LIMIT parameter', async () => {
    const code = `import { Router } from 'express';
import { pool } from '../db';

export const eventsRouter = Router();

eventsRouter.get('/events', async (req, res) => {
  const pageSize = Number(req.query.pageSize) || 50;
  const size = pageSize;
  const { rows } = await pool.query(
    'SELECT id, type, created_at FROM events WHERE account_id = $1 ORDER BY id LIMIT $2',
    [req.user.accountId, size],
  );
  res.json(rows);
});
`;
    const fs = await run([unboundedPageSize], { changed: { 'src/routes/events.ts': code } });
    expect(at(fs)).toEqual(['api/unbounded-page-size src/routes/events.ts:9']);
    expect(fs[0].fix?.replacement).toBe('  const size = Math.min(pageSize, 100);');
  });

  it('fixes the declaration with Math.min, and the fixed code is quiet', async () => {
    const code = `import { Router } from 'express';
export const router = Router();
router.get('/orders', async (req, res) => {
  const limit = Number(req.query.limit) || 20;
  res.json(await Order.find({}).limit(limit));
});
`;
    const fs = await run([unboundedPageSize], { changed: { 'src/routes/orders.ts': code } });
    expect(fs.map((f) => f.fix?.replacement)).toEqual(['  const limit = Math.min(Number(req.query.limit) || 20, 100);']);
    expect(await run([unboundedPageSize], { changed: { 'src/routes/orders.ts': applyFix(code, fs[0]) } })).toEqual([]);
  });

  it('reads Hono, Koa and Nest query parameters, and accepts a later clamp or comparison', async () => {
    const fs = await run([unboundedPageSize], {
      changed: {
        'src/hono.ts': "import { Hono } from 'hono';\nconst app = new Hono();\napp.get('/posts', async (c) => {\n  const limit = parseInt(c.req.query('limit') ?? '20');\n  return c.json(await db.select().from(posts).limit(limit));\n});\nexport default app;\n",
        'src/koa.ts': "import Router from '@koa/router';\nconst router = new Router();\nrouter.get('/posts', async (ctx) => {\n  let limit = Number(ctx.query.limit ?? 20);\n  if (limit > 100) limit = 100;\n  ctx.body = await Post.find().limit(limit);\n});\nexport default router;\n",
        'src/posts.controller.ts': "import { Controller, Get, Query } from '@nestjs/common';\n@Controller('posts')\nexport class PostsController {\n  @Get()\n  list(@Query('limit') limit = 20) {\n    return this.repo.find({ take: limit });\n  }\n}\n",
      },
    });
    expect(at(fs)).toEqual(['api/unbounded-page-size src/hono.ts:5', 'api/unbounded-page-size src/posts.controller.ts:6']);
  });
});

describe('api/create-without-201', () => {
  it('reports Koa and Hono creates, and gives no fix without an item route', async () => {
    const fs = await run([createWithout201], {
      changed: {
        'src/koa.ts': "import Router from '@koa/router';\nconst router = new Router({ prefix: '/v1' });\nrouter.post('/teams', async (ctx) => {\n  const team = await Team.create(ctx.request.body);\n  ctx.body = team;\n});\nexport default router;\n",
        'src/hono.ts': "import { Hono } from 'hono';\nconst app = new Hono();\napp.post('/notes', async (c) => {\n  const note = await db.insert(notes).values(await c.req.json()).returning();\n  return c.json(note);\n});\nexport default app;\n",
        'src/express.ts': "import { Router } from 'express';\nconst router = Router();\nrouter.post('/teams', async (req, res) => {\n  const team = await Team.create(req.body);\n  res.json(team);\n});\nexport default router;\n",
      },
    });
    expect(fs.map((f) => `${f.path}:${f.startLine} ${f.fix ? 'fix' : ''}`)).toEqual(['src/express.ts:5 ', 'src/hono.ts:5 ', 'src/koa.ts:5 ']);
  });

  it('stays quiet on 201, 202, redirects, computed statuses, actions and non-creating POSTs', async () => {
    const fs = await run([createWithout201], {
      changed: {
        'src/routes.ts': `import { Router } from 'express';
const router = Router();
router.post('/exports', async (req, res) => {
  const job = await jobs.add('export', req.body);
  res.status(202).json({ jobId: job.id });
});
router.post('/uploads', async (req, res) => {
  const file = await storage.save(req.file);
  res.status(StatusCodes.CREATED).json(file);
});
router.post('/search', async (req, res) => res.json(await index.query(req.body)));
router.post('/carts', async (req, res) => {
  const cart = await carts.create(req.body);
  res.redirect(303, '/carts/' + cart.id);
});
router.post('/emails', async (req, res) => {
  await mailer.send(req.body);
  res.json({ ok: true });
});
export default router;
`,
      },
    });
    expect(fs).toEqual([]);
  });
});

describe('api/rate-limit-without-retry-after', () => {
  it('reports Koa, Nest and fetch-style 429s', async () => {
    const fs = await run([rateLimitWithoutRetryAfter], {
      changed: {
        'src/koa.ts': "export async function limit(ctx, next) {\n  if (await over(ctx.ip)) {\n    ctx.status = 429;\n    ctx.body = { error: 'slow down' };\n    return;\n  }\n  await next();\n}\n",
        'src/nest.ts': "import { HttpException, HttpStatus } from '@nestjs/common';\nexport function assertQuota(used: number) {\n  if (used > 100) throw new HttpException('quota exceeded', HttpStatus.TOO_MANY_REQUESTS);\n}\n",
        'src/edge.ts': "export default {\n  async fetch(request: Request) {\n    if (!(await allow(request))) return new Response('busy', { status: 429 });\n    return handle(request);\n  },\n};\n",
      },
    });
    expect(at(fs)).toEqual([
      'api/rate-limit-without-retry-after src/edge.ts:3',
      'api/rate-limit-without-retry-after src/koa.ts:3',
      'api/rate-limit-without-retry-after src/nest.ts:3',
    ]);
  });

  it('stays quiet when the header is set or the limiter library answers', async () => {
    const fs = await run([rateLimitWithoutRetryAfter], {
      changed: {
        'src/edge.ts': "export async function guard(request: Request) {\n  const wait = await bucket.wait(request);\n  if (wait > 0) return new Response('busy', { status: 429, headers: { 'Retry-After': String(wait) } });\n}\n",
        'src/limit.ts': "import slowDown from 'express-slow-down';\nimport { RateLimiterMemory } from 'rate-limiter-flexible';\nexport const limiter = rateLimiterMiddleware({\n  onLimit: (req, res) => res.status(429).end(),\n});\n",
      },
    });
    expect(fs).toEqual([]);
  });
});

describe('api/error-exposes-internals', () => {
  it('reports Fastify error handlers and Koa catch-all middleware', async () => {
    const fs = await run([errorExposesInternals], {
      changed: {
        'src/fastify.ts': "import Fastify from 'fastify';\nconst app = Fastify();\napp.setErrorHandler((error, request, reply) => {\n  request.log.error(error);\n  reply.status(500).send({ message: error.message });\n});\n",
        'src/koa.ts': "export async function errors(ctx, next) {\n  try {\n    await next();\n  } catch (err) {\n    ctx.status = err.status || 500;\n    ctx.body = { error: err.message };\n    ctx.app.emit('error', err, ctx);\n  }\n}\n",
        'src/hono.ts': "import { Hono } from 'hono';\nconst app = new Hono();\napp.onError((err, c) => c.json({ error: String(err) }, 500));\nexport default app;\n",
      },
    });
    expect(at(fs)).toEqual(['api/error-exposes-internals src/fastify.ts:5', 'api/error-exposes-internals src/hono.ts:3', 'api/error-exposes-internals src/koa.ts:6']);
  });

  it('stays quiet on 4xx answers, generic bodies, error codes and next(err)', async () => {
    const fs = await run([errorExposesInternals], {
      changed: {
        'src/routes.ts': `import { Router } from 'express';
const router = Router();
router.post('/orders', async (req, res, next) => {
  try {
    res.status(201).json(await orders.create(req.body));
  } catch (err) {
    if (err instanceof ValidationError) return res.status(422).json({ title: err.message, errors: err.details });
    if (err.code === '23505') return res.status(409).json({ title: 'duplicate order', code: err.code });
    next(err);
  }
});
router.get('/report', async (req, res) => {
  try {
    res.json(await report());
  } catch (err) {
    req.log.error({ err }, 'report failed');
    res.status(500).json({ title: 'Internal Server Error', requestId: req.id });
  }
});
export default router;
`,
      },
    });
    expect(fs).toEqual([]);
  });
});

describe('older Express styles', () => {
  it('reads function-expression handlers, a size assigned after declaration, and creates on the router root', async () => {
    const fs = await run([unboundedPageSize, createWithout201], {
      changed: {
        'src/routes/invoices.js': `var router = require('express').Router();
var Invoice = require('../models/invoice');

router.get('/', function (req, res, next) {
  var size = 25;
  if (req.query.size) {
    size = req.query.size;
  }
  Invoice.find({ owner: req.user.id })
    .limit(parseInt(size, 10))
    .then(function (invoices) { res.json({ invoices: invoices }); })
    .catch(next);
});

router.post('/', function (req, res, next) {
  var invoice = new Invoice(req.body.invoice);
  invoice.save().then(function () {
    res.json({ invoice: invoice });
  }).catch(next);
});

module.exports = router;
`,
      },
    });
    expect(at(fs)).toEqual(['api/unbounded-page-size src/routes/invoices.js:10', 'api/create-without-201 src/routes/invoices.js:18']);
  });

  it('does not take the router root of an action file for a collection', async () => {
    const fs = await run([createWithout201], {
      changed: { 'src/routes/login.ts': "import { Router } from 'express';\nconst router = Router();\nrouter.post('/', async (req, res) => {\n  const session = await sessions.create(req.body);\n  res.json(session);\n});\nexport default router;\n" },
    });
    expect(fs).toEqual([]);
  });
});

describe('api/unbounded-page-size with validation before the handler', () => {
  it('trusts validation middleware and Fastify schemas with a maximum', async () => {
    const fs = await run([unboundedPageSize], {
      changed: {
        'src/express.ts': "import { Router } from 'express';\nimport { query } from 'express-validator';\nexport const r = Router();\nr.get('/orders', query('limit').isInt({ min: 1, max: 100 }), async (req, res) => {\n  res.json(await Order.find().limit(Number(req.query.limit)));\n});\n",
        'src/fastify.ts': "export default async function orders(app) {\n  app.get('/orders', { schema: { querystring: { type: 'object', properties: { limit: { type: 'integer', maximum: 100 } } } } }, async (request) => {\n    return app.db.order.findMany({ take: request.query.limit });\n  });\n}\n",
      },
    });
    expect(fs).toEqual([]);
  });
});

describe('api/unpaginated-list through a helper of the same file', () => {
  it('follows one call into a local query function', async () => {
    const fs = await run([unpaginatedList], {
      changed: {
        'src/routes/shipments.ts': `import { Router } from 'express';
import { pool } from '../db';

export const shipmentsRouter = Router();

async function findShipments(accountId: string) {
  const { rows } = await pool.query(
    \`SELECT id, carrier, tracking_number, shipped_at
       FROM shipments
      WHERE account_id = $1
      ORDER BY shipped_at DESC\`,
    [accountId],
  );
  return rows;
}

shipmentsRouter.get('/shipments', async (req, res) => {
  res.json({ data: await findShipments(req.user.accountId) });
});
`,
      },
    });
    expect(at(fs)).toEqual(['api/unpaginated-list src/routes/shipments.ts:7']);
  });
});
