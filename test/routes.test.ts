import { describe, expect, it } from 'vitest';
import { CodeFile } from '../src/analyzers/code/code-file.js';
import { resolveRoutes, routesOf, type Route } from '../src/analyzers/code/routes.js';

const parse = (path: string, text: string) => routesOf(new CodeFile(path, text));
const summary = (routes: Route[]) => routes.map((r) => `${r.method} ${r.path}`);
const names = (r: Route) => [...r.middleware, ...r.guards].map((m) => m.name);

describe('route model: Express', () => {
  it('joins in-file prefixes, router-level and route-level middleware', () => {
    const fr = parse(
      'src/app.ts',
      `import express, { Router } from 'express';
import { requireAuth } from './auth';

const app = express();
const orders = Router();
orders.use(requireAuth);
const listOrders = async (req, res) => { res.json(await db.order.findMany({ take: 20 })); };
orders.get('/', listOrders);
orders.post('/', validate(schema), async (req, res) => { res.status(201).json({}); });
orders.route('/:id').all(loadOrder).get(showOrder).delete(requireRole('admin'), deleteOrder);

app.get('/healthz', (_req, res) => res.send('ok'));
app.use('/v1/orders', orders);
app.listen(3000);
`,
    );
    expect(summary(fr.routes)).toEqual(['GET /v1/orders', 'POST /v1/orders', 'GET /v1/orders/:id', 'DELETE /v1/orders/:id', 'GET /healthz']);
    const [list, create, show, del, health] = fr.routes;
    expect(list.mounted).toBe(true);
    expect(names(list)).toEqual(['requireAuth']);
    expect(list.handler).toBeDefined();
    expect(list.handlerName).toBe('listOrders');
    expect(list.line).toBe(8);
    expect(names(create)).toEqual(['requireAuth', 'validate']);
    expect(create.handler && create.handler.kind).toBeDefined();
    expect(names(show)).toEqual(['requireAuth', 'loadOrder']);
    expect(names(del)).toEqual(['requireAuth', 'loadOrder', 'requireRole']);
    expect(names(health)).toEqual([]);
    expect(fr.listens.map((l) => l.app)).toEqual(['app']);
  });

  it('applies router.use only to routes registered after it', () => {
    const fr = parse(
      'src/routes.ts',
      `import { Router } from 'express';
const router = Router();
router.post('/login', login);
router.use(authenticate);
router.get('/me', me);
export default router;
`,
    );
    expect(fr.routes.map((r) => [r.path, names(r)])).toEqual([
      ['/login', []],
      ['/me', ['authenticate']],
    ]);
    expect(fr.routes[0].mounted).toBe(false);
    expect(fr.exports.get('default')).toBe('router');
  });

  it('resolves mounts across imports, including CommonJS', () => {
    const users = parse(
      'src/routes/users.js',
      `const express = require('express');
const router = express.Router();
router.get('/:id', getUser);
module.exports = router;
`,
    );
    const app = parse(
      'src/app.js',
      `const express = require('express');
const usersRouter = require('./routes/users');
const { rateLimiter } = require('./middleware');
const app = express();
app.use('/api/v2', rateLimiter);
app.use('/api/v2/users', usersRouter);
module.exports = app;
`,
    );
    const routes = resolveRoutes([users, app]);
    expect(routes.map((r) => [r.path, r.mounted, names(r)])).toEqual([['/api/v2/users/:id', true, ['rateLimiter']]]);
  });

  it('resolves ESM imports with .js extensions to .ts files and named exports', () => {
    const users = parse('src/users/router.ts', `import { Router } from 'express';\nexport const usersRouter = Router();\nusersRouter.get('/', list);\n`);
    const app = parse('src/app.ts', `import express from 'express';\nimport { usersRouter } from './users/router.js';\nexport const app = express();\napp.use('/v1/users', usersRouter);\n`);
    expect(summary(resolveRoutes([users, app]))).toEqual(['GET /v1/users']);
  });

  it('ignores HTTP clients, maps and express settings', () => {
    const fr = parse(
      'src/client.ts',
      `import express from 'express';
import axios from 'axios';
const app = express();
const cache = new Map();
cache.get('/users');
axios.get('/users', { params: { page: 2 } });
app.get('trust proxy');
app.set('view engine', 'ejs');
`,
    );
    expect(fr.routes).toEqual([]);
  });

  it('sees routes registered through a function taking the router', () => {
    const fr = parse(
      'src/routes/index.ts',
      `import express from 'express';
function registerOrderRoutes(router: express.Router) {
  router.get('/orders', listOrders);
}
const app = express();
registerOrderRoutes(app);
`,
    );
    expect(fr.routes.map((r) => [r.path, r.owner, r.mounted])).toEqual([['/orders', 'registerOrderRoutes', true]]);
  });
});

describe('route model: Fastify', () => {
  it('reads shorthand, route() and register() with prefix', () => {
    const plugin = parse(
      'src/routes/orders.ts',
      `import type { FastifyPluginAsync } from 'fastify';
const ordersRoutes: FastifyPluginAsync = async (fastify) => {
  fastify.get('/', { preHandler: [fastify.authenticate] }, async () => fastify.db.order.findMany({ take: 50 }));
  fastify.route({
    method: ['PUT', 'PATCH'],
    url: '/:id',
    onRequest: verifyJwt,
    handler: updateOrder,
  });
};
export default ordersRoutes;
`,
    );
    const app = parse(
      'src/server.ts',
      `import Fastify from 'fastify';
import rateLimit from '@fastify/rate-limit';
import ordersRoutes from './routes/orders.js';
const app = Fastify({ logger: true });
await app.register(rateLimit, { max: 100 });
app.register(ordersRoutes, { prefix: '/v1/orders' });
await app.listen({ port: 3000 });
`,
    );
    const routes = resolveRoutes([plugin, app]);
    expect(routes.map((r) => [r.method, r.path, r.mounted, names(r)])).toEqual([
      ['GET', '/v1/orders', true, ['rateLimit', 'fastify.authenticate']],
      ['PUT', '/v1/orders/:id', true, ['rateLimit', 'verifyJwt']],
      ['PATCH', '/v1/orders/:id', true, ['rateLimit', 'verifyJwt']],
    ]);
    expect(routes.every((r) => r.framework === 'fastify')).toBe(true);
    expect(app.listens.map((l) => l.app)).toEqual(['app']);
  });

  it('reads plugins declared as functions in the same file', () => {
    const fr = parse(
      'src/app.ts',
      `import fastify from 'fastify';
async function health(app) {
  app.get('/healthz', async () => ({ ok: true }));
}
const server = fastify();
server.register(health, { prefix: '/ops' });
`,
    );
    expect(fr.routes.map((r) => [r.path, r.mounted])).toEqual([['/ops/healthz', true]]);
  });
});

describe('route model: Koa', () => {
  it('reads @koa/router with prefix, router.use and nested routers', () => {
    const fr = parse(
      'src/server.ts',
      `import Koa from 'koa';
import Router from '@koa/router';
const app = new Koa();
const api = new Router({ prefix: '/api/v1' });
const users = new Router();
users.use(jwt({ secret }));
users.get('/', listUsers).post('/', createUser);
users.del('/:id', removeUser);
api.use('/users', users.routes(), users.allowedMethods());
app.use(api.routes());
app.listen(3000);
`,
    );
    expect(fr.routes.map((r) => [r.method, r.path, r.mounted, names(r)])).toEqual([
      ['GET', '/api/v1/users', true, ['jwt']],
      ['POST', '/api/v1/users', true, ['jwt']],
      ['DELETE', '/api/v1/users/:id', true, ['jwt']],
    ]);
    expect(fr.routes.every((r) => r.framework === 'koa')).toBe(true);
  });
});

describe('route model: Hono', () => {
  it('reads app.get, app.route and basePath', () => {
    const books = parse(
      'src/books.ts',
      `import { Hono } from 'hono';
const books = new Hono();
books.get('/', (c) => c.json([]));
books.post('/', bearerAuth({ token }), async (c) => c.json({}, 201));
export default books;
`,
    );
    const app = parse(
      'src/index.ts',
      `import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import books from './books';
const app = new Hono().basePath('/api');
app.get('/health', (c) => c.text('ok'));
app.route('/books', books);
serve({ fetch: app.fetch, port: 8787 });
`,
    );
    const routes = resolveRoutes([books, app]);
    expect(routes.map((r) => [r.method, r.path, r.mounted, names(r)])).toEqual([
      ['GET', '/api/books', true, []],
      ['POST', '/api/books', true, ['bearerAuth']],
      ['GET', '/api/health', true, []],
    ]);
    expect(app.listens.map((l) => l.app)).toEqual(['app']);
  });

  it('reads sub-apps made with basePath of an app', () => {
    const fr = parse('src/index.ts', `import { Hono } from 'hono';\nconst app = new Hono();\nconst v1 = app.basePath('/v1');\nv1.get('/posts', list);\nexport default app;\n`);
    expect(fr.routes.map((r) => [r.path, r.mounted])).toEqual([['/v1/posts', true]]);
  });
});

describe('route model: NestJS', () => {
  const controller = `import { Controller, Get, Post, Delete, Param, UseGuards, HttpCode } from '@nestjs/common';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { RolesGuard } from '../auth/roles.guard';

@Controller('orders')
@UseGuards(JwtAuthGuard)
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Get()
  findAll() {
    return this.orders.list();
  }

  @Get(':id')
  findOne(@Param('id') id: string) {
    return this.orders.get(id);
  }

  @Post()
  @HttpCode(201)
  create(@Body() dto: CreateOrderDto) {
    return this.orders.create(dto);
  }

  @Delete(':id')
  @UseGuards(RolesGuard)
  remove(@Param('id') id: string) {
    return this.orders.remove(id);
  }
}
`;
  it('reads controllers, method decorators and guards', () => {
    const fr = parse('src/orders/orders.controller.ts', controller);
    expect(fr.routes.map((r) => [r.method, r.path, names(r), r.mounted])).toEqual([
      ['GET', '/orders', ['JwtAuthGuard'], false],
      ['GET', '/orders/:id', ['JwtAuthGuard'], false],
      ['POST', '/orders', ['JwtAuthGuard'], false],
      ['DELETE', '/orders/:id', ['JwtAuthGuard', 'RolesGuard'], false],
    ]);
    expect(fr.routes[2].decorators).toContain('HttpCode');
    expect(fr.routes[0].handlerName).toBe('OrdersController.findAll');
    expect(fr.routes[0].line).toBe(10); // the method decorator
  });

  it('applies setGlobalPrefix and controller versions', () => {
    const main = parse(
      'src/main.ts',
      `import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  app.setGlobalPrefix('api');
  app.enableVersioning({ type: VersioningType.URI });
  await app.listen(3000);
}
bootstrap();
`,
    );
    const ctrl = parse('src/users.controller.ts', `import { Controller, Get } from '@nestjs/common';\n@Controller({ path: 'users', version: '2' })\nexport class UsersController {\n  @Get(':id')\n  one() {}\n}\n`);
    expect(main.globalPrefix).toBe('api');
    expect(main.listens.map((l) => l.app)).toEqual(['app']);
    expect(resolveRoutes([main, ctrl]).map((r) => [r.path, r.mounted])).toEqual([['/api/v2/users/:id', true]]);
  });
});

describe('route model: inline plugins and required routers', () => {
  it('reads Fastify inline plugins with a prefix', () => {
    const fr = parse(
      'src/server.ts',
      `import Fastify from 'fastify';
const app = Fastify();
app.register(async (instance) => {
  instance.addHook('preHandler', instance.auth);
  instance.get('/invoices', async () => []);
}, { prefix: '/v1' });
`,
    );
    expect(fr.routes.map((r) => [r.path, r.mounted, names(r)])).toEqual([['/v1/invoices', true, ['instance.auth']]]);
  });

  it('reads Express routers mounted with require()', () => {
    const users = parse('src/routes/users.js', "const router = require('express').Router();\nrouter.get('/:id', show);\nmodule.exports = router;\n");
    const app = parse('src/app.js', "const express = require('express');\nconst app = express();\napp.use('/v1/users', require('./routes/users'));\napp.listen(3000);\n");
    expect(resolveRoutes([users, app]).map((r) => [r.path, r.mounted])).toEqual([['/v1/users/:id', true]]);
  });
});

describe('route model: prefixes computed at runtime', () => {
  it('marks routes under a computed prefix as not mounted', () => {
    const fr = parse(
      'src/app.ts',
      "import express from 'express';\nconst app = express();\nconst orders = express.Router();\norders.get('/', list);\napp.use(config.apiPrefix, requireAuth, orders);\napp.listen(3000);\n",
    );
    expect(fr.routes.map((r) => [r.path, r.mounted, names(r)])).toEqual([['/', false, ['requireAuth']]]);
  });

  it('does not complete Nest paths when the global prefix is a variable or RouterModule is used', () => {
    const ctrl = parse('src/orders.controller.ts', "import { Controller, Get } from '@nestjs/common';\n@Controller('orders')\nexport class OrdersController {\n  @Get() list() {}\n}\n");
    const main = parse('src/main.ts', "import { NestFactory } from '@nestjs/core';\nconst app = await NestFactory.create(AppModule);\napp.setGlobalPrefix(process.env.API_PREFIX);\nawait app.listen(3000);\n");
    expect(resolveRoutes([main, ctrl]).map((r) => r.mounted)).toEqual([false]);
    const routerModule = parse('src/app.module.ts', "import { RouterModule } from '@nestjs/core';\n@Module({ imports: [RouterModule.register([{ path: 'v2', module: OrdersModule }])] })\nexport class AppModule {}\n");
    const main2 = parse('src/main.ts', "import { NestFactory } from '@nestjs/core';\nconst app = await NestFactory.create(AppModule);\nawait app.listen(3000);\n");
    expect(resolveRoutes([main2, routerModule, ctrl]).map((r) => r.mounted)).toEqual([false]);
  });
});

describe('route model: nested Fastify scopes', () => {
  it('keeps hooks of an inner register() scope to the routes inside it', () => {
    const fr = parse(
      'src/routes/users.js',
      `module.exports = async function (fastify, opts) {
  fastify.post('/login', { schema: loginSchema }, loginHandler);
  fastify.register(async function (fastify) {
    fastify.addHook('preHandler', fastify.authPreHandler);
    fastify.get('/me', meHandler);
  });
};
`,
    );
    expect(fr.routes.map((r) => [r.method, r.path, names(r)])).toEqual([
      ['POST', '/login', []],
      ['GET', '/me', ['fastify.authPreHandler']],
    ]);
  });
});
