import { describe, expect, it } from 'vitest';
import missingAuthorization from '../../checks/security/missing-authorization.js';
import missingAuthRateLimit from '../../checks/security/missing-auth-rate-limit.js';
import missingHealthCheck from '../../checks/reliability/missing-health-check.js';
import missingRequestId from '../../checks/observability/missing-request-id.js';
import { applyFix } from '../../src/examples.js';
import { at, run } from './helpers.js';

describe('security/missing-authorization', () => {
  it('reports a Fastify route without the preHandler its siblings use', async () => {
    const fs = await run([missingAuthorization], {
      changed: {
        'src/routes/invoices.ts': `import type { FastifyPluginAsync } from 'fastify';
const invoices: FastifyPluginAsync = async (app) => {
  app.get('/', { preHandler: app.authenticate }, listInvoices);
  app.get('/:id', { preHandler: app.authenticate }, getInvoice);
  app.post('/', { preHandler: [app.authenticate, app.requireRole('billing')] }, createInvoice);
  app.delete('/:id', deleteInvoice);
};
export default invoices;
`,
      },
    });
    expect(at(fs)).toEqual(['security/missing-authorization src/routes/invoices.ts:6']);
    expect(fs[0].fix).toBeUndefined();
  });

  it('inserts the middleware with a fix that makes the finding go away', async () => {
    const code = "import { Router } from 'express';\nimport { requireAuth } from '../auth';\nexport const r = Router();\nr.get('/', requireAuth, list);\nr.get('/:id', requireAuth, show);\nr.patch('/:id', requireAuth, update);\nr.delete('/:id', remove);\n";
    const fs = await run([missingAuthorization], { changed: { 'src/r.ts': code } });
    expect(fs.map((f) => f.fix?.replacement)).toEqual(["r.delete('/:id', requireAuth, remove);"]);
    expect(await run([missingAuthorization], { changed: { 'src/r.ts': applyFix(code, fs[0]) } })).toEqual([]);
  });

  it('stays quiet on mixed routers, public routes, inline checks and small routers', async () => {
    const fs = await run([missingAuthorization], {
      changed: {
        'src/mixed.ts': "import { Router } from 'express';\nexport const r = Router();\nr.get('/', auth, a);\nr.get('/:id', auth, b);\nr.post('/', c);\nr.patch('/:id', d);\n",
        'src/public.ts':
          "import { Router } from 'express';\nexport const r = Router();\nr.get('/me', auth, a);\nr.patch('/me', auth, b);\nr.get('/settings', auth, c);\nr.post('/webhooks/stripe', express.raw({ type: 'application/json' }), stripeWebhook);\nr.get('/healthz', (_req, res) => res.send('ok'));\n",
        'src/inline.ts':
          "import { Router } from 'express';\nexport const r = Router();\nr.get('/a', auth, a);\nr.get('/b', auth, b);\nr.get('/c', auth, c);\nr.get('/d', async (req, res) => {\n  if (!req.user) return res.sendStatus(401);\n  res.json(await load(req.user.id));\n});\n",
        'src/small.ts': "import { Router } from 'express';\nexport const r = Router();\nr.get('/a', auth, a);\nr.get('/b', b);\n",
        'src/nest.controller.ts':
          "import { Controller, Get, UseGuards } from '@nestjs/common';\n@Controller('docs')\nexport class DocsController {\n  @UseGuards(JwtAuthGuard) @Get('a') a() {}\n  @UseGuards(JwtAuthGuard) @Get('b') b() {}\n  @UseGuards(JwtAuthGuard) @Get('c') c() {}\n  @Public() @Get('d') d() {}\n}\n",
      },
    });
    expect(fs).toEqual([]);
  });

  it('treats middleware applied by the parent mount as protection', async () => {
    const fs = await run([missingAuthorization], {
      changed: {
        'src/routes/admin.ts': "import { Router } from 'express';\nexport const adminRouter = Router();\nadminRouter.get('/users', requireRole('admin'), listUsers);\nadminRouter.get('/audit', requireRole('admin'), audit);\nadminRouter.post('/flags', requireRole('admin'), setFlag);\nadminRouter.get('/stats', stats);\n",
      },
      tree: { 'src/app.ts': "import express from 'express';\nimport { adminRouter } from './routes/admin';\nconst app = express();\napp.use('/admin', requireAuth, adminRouter);\napp.listen(3000);\n" },
    });
    expect(fs).toEqual([]);
  });
});

describe('security/missing-auth-rate-limit', () => {
  it('reports Fastify and Koa auth routes without a limiter', async () => {
    const fs = await run([missingAuthRateLimit], {
      changed: {
        'src/fastify.ts': "import Fastify from 'fastify';\nconst app = Fastify();\napp.post('/v1/auth/login', async (request) => login(request.body));\napp.post('/v1/auth/token', { config: { rateLimit: { max: 5 } } }, token);\napp.listen({ port: 3000 });\n",
        'src/koa.ts': "import Koa from 'koa';\nimport Router from '@koa/router';\nconst app = new Koa();\nconst router = new Router({ prefix: '/v1' });\nrouter.post('/signup', signup);\napp.use(router.routes());\napp.listen(3000);\n",
      },
    });
    expect(at(fs)).toEqual(['security/missing-auth-rate-limit src/fastify.ts:3', 'security/missing-auth-rate-limit src/koa.ts:5']);
  });

  it('accepts a globally registered @fastify/rate-limit and a limiter on the parent router', async () => {
    const fs = await run([missingAuthRateLimit], {
      changed: {
        'src/fastify.ts': "import Fastify from 'fastify';\nimport rateLimit from '@fastify/rate-limit';\nconst app = Fastify();\nawait app.register(rateLimit, { max: 100, timeWindow: '1 minute' });\napp.post('/v1/auth/login', login);\napp.listen({ port: 3000 });\n",
        'src/express.ts': "import express from 'express';\nimport { authRouter } from './auth';\nconst app = express();\nconst api = express.Router();\napi.use(authLimiter);\napi.use('/auth', authRouter);\napp.use('/v1', api);\napp.listen(3000);\n",
        'src/auth.ts': "import { Router } from 'express';\nexport const authRouter = Router();\nauthRouter.post('/login', login);\nauthRouter.post('/password/reset', reset);\n",
      },
    });
    expect(fs).toEqual([]);
  });

  it('for NestJS, reports only when no ThrottlerGuard is configured anywhere, or the route skips it', async () => {
    const controller = "import { Controller, Post } from '@nestjs/common';\n@Controller('auth')\nexport class AuthController {\n  @Post('login')\n  login() {}\n}\n";
    const withoutThrottler = await run([missingAuthRateLimit], {
      changed: { 'src/auth/auth.controller.ts': controller },
      tree: { 'src/app.module.ts': "import { Module } from '@nestjs/common';\n@Module({ controllers: [AuthController] })\nexport class AppModule {}\n", 'src/main.ts': "const app = await NestFactory.create(AppModule);\nawait app.listen(3000);\n" },
    });
    expect(at(withoutThrottler)).toEqual(['security/missing-auth-rate-limit src/auth/auth.controller.ts:4']);
    const withGlobal = await run([missingAuthRateLimit], {
      changed: { 'src/auth/auth.controller.ts': controller },
      tree: { 'src/app.module.ts': "import { APP_GUARD } from '@nestjs/core';\nimport { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';\n@Module({ imports: [ThrottlerModule.forRoot([{ ttl: 60000, limit: 10 }])], providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }] })\nexport class AppModule {}\n" },
    });
    expect(withGlobal).toEqual([]);
    expect(await run([missingAuthRateLimit], { changed: { 'src/auth/auth.controller.ts': controller }, noTree: true })).toEqual([]);
  });
});

describe('reliability/missing-health-check', () => {
  it('finds health routes in routers and modules the entry imports, and terminus', async () => {
    const nest = await run([missingHealthCheck], {
      changed: { 'src/main.ts': "import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  await app.listen(3000);\n}\nbootstrap();\n" },
      tree: {
        'src/app.module.ts': "import { Module } from '@nestjs/common';\nimport { HealthModule } from './health/health.module';\n@Module({ imports: [HealthModule] })\nexport class AppModule {}\n",
        'src/health/health.module.ts': "import { Module } from '@nestjs/common';\nimport { TerminusModule } from '@nestjs/terminus';\n@Module({ imports: [TerminusModule] })\nexport class HealthModule {}\n",
      },
    });
    expect(nest).toEqual([]);
  });

  it('reports a Nest app whose modules have no probe, and says nothing when an import cannot be read', async () => {
    const main = "import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  await app.listen(3000);\n}\nbootstrap();\n";
    const fs = await run([missingHealthCheck], {
      changed: { 'src/main.ts': main },
      tree: { 'src/app.module.ts': "import { Module } from '@nestjs/common';\nimport { OrdersController } from './orders.controller';\n@Module({ controllers: [OrdersController] })\nexport class AppModule {}\n", 'src/orders.controller.ts': "import { Controller, Get } from '@nestjs/common';\n@Controller('orders')\nexport class OrdersController {\n  @Get() list() { return []; }\n}\n" },
    });
    expect(at(fs)).toEqual(['reliability/missing-health-check src/main.ts:5']);
    expect(fs[0].fix).toBeUndefined();
    expect(await run([missingHealthCheck], { changed: { 'src/main.ts': main }, tree: {} })).toEqual([]);
  });

  it('fixes an Express entry by adding a liveness route before listen(), which makes it quiet', async () => {
    const code = "import express from 'express';\nconst app = express();\napp.use(express.json());\napp.post('/v1/orders', createOrder);\napp.listen(3000);\n";
    const fs = await run([missingHealthCheck], { changed: { 'src/server.ts': code } });
    expect(fs[0].fix?.replacement).toBe("app.get('/healthz', (_req, res) => res.status(200).send('ok'));\napp.listen(3000);");
    expect(await run([missingHealthCheck], { changed: { 'src/server.ts': applyFix(code, fs[0]) } })).toEqual([]);
  });

  it('is quiet on workers and scripts that do not serve HTTP', async () => {
    const fs = await run([missingHealthCheck], {
      changed: { 'src/worker.ts': "import { Worker } from 'bullmq';\nconst worker = new Worker('emails', handle);\nconst server = net.createServer(onSocket);\nserver.listen(9000);\n" },
    });
    expect(fs).toEqual([]);
  });
});

describe('observability/missing-request-id', () => {
  const server = "import express from 'express';\nconst app = express();\napp.get('/healthz', (_req, res) => res.send('ok'));\napp.listen(3000);\n";

  it('is quiet when package.json brings tracing or a preloaded instrumentation', async () => {
    expect(await run([missingRequestId], { changed: { 'src/server.ts': server }, tree: { 'package.json': '{ "dependencies": { "@opentelemetry/sdk-node": "^0.52.0" } }' } })).toEqual([]);
    expect(await run([missingRequestId], { changed: { 'src/server.ts': server }, tree: { 'package.json': '{ "scripts": { "start": "node --import ./dist/instrumentation.js dist/server.js" } }' } })).toEqual([]);
    expect(at(await run([missingRequestId], { changed: { 'src/server.ts': server }, tree: { 'package.json': '{ "dependencies": { "express": "^4" } }' } }))).toEqual(['observability/missing-request-id src/server.ts:4']);
  });

  it('recognises Fastify request ids, Hono requestId and AsyncLocalStorage contexts', async () => {
    const fs = await run([missingRequestId], {
      changed: {
        'src/fastify.ts': "import Fastify from 'fastify';\nconst app = Fastify({ logger: true, requestIdHeader: 'x-request-id' });\napp.listen({ port: 3000 });\n",
        'src/hono.ts': "import { Hono } from 'hono';\nimport { requestId } from 'hono/request-id';\nimport { serve } from '@hono/node-server';\nconst app = new Hono();\napp.use('*', requestId());\nserve({ fetch: app.fetch, port: 3001 });\n",
        'src/koa.ts': "import Koa from 'koa';\nimport { context } from './context';\nconst app = new Koa();\napp.use(context);\napp.listen(3002);\n",
        'src/context.ts': "import { AsyncLocalStorage } from 'node:async_hooks';\nexport const als = new AsyncLocalStorage<{ requestId: string }>();\nexport async function context(ctx, next) {\n  await als.run({ requestId: ctx.get('x-request-id') || crypto.randomUUID() }, next);\n}\n",
      },
      tree: { 'package.json': '{}' },
    });
    expect(fs).toEqual([]);
  });
});

describe('security/missing-authorization and registration order', () => {
  it('leaves routes registered above router.use(auth) alone: they are public by construction', async () => {
    const fs = await run([missingAuthorization], {
      changed: {
        'src/routes/catalog.ts':
          "import { Router } from 'express';\nexport const catalog = Router();\ncatalog.get('/featured', featured);\ncatalog.use(requireAuth);\ncatalog.get('/favorites', favorites);\ncatalog.post('/favorites', addFavorite);\ncatalog.delete('/favorites/:id', removeFavorite);\n",
      },
    });
    expect(fs).toEqual([]);
  });
});
