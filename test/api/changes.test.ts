import { describe, expect, it } from 'vitest';
import routeRemoved, { routeKey } from '../../checks/api/route-removed.js';
import breakingOpenapiChange from '../../checks/api/breaking-openapi-change.js';
import { diffOpenApi, parseOpenApi } from '../../src/analyzers/openapi.js';
import { at, run } from './helpers.js';

const ordersV1 = `import { Router } from 'express';
import * as orders from '../controllers/orders';

export const ordersRouter = Router();
ordersRouter.get('/', orders.list);
ordersRouter.get('/:id', orders.show);
ordersRouter.post('/:id/refunds', orders.refund);
`;

describe('api/route-removed', () => {
  it('keys routes by method and path with parameter names erased', () => {
    expect(routeKey({ method: 'GET', path: '/v1/users/:userId' })).toBe(routeKey({ method: 'GET', path: '/v1/users/:id' }));
    expect(routeKey({ method: 'GET', path: '/v1/users/' })).toBe('GET /v1/users');
  });

  it('reports a route removed from a router mounted by an unchanged file, with its full path', async () => {
    const fs = await run([routeRemoved], {
      changed: { 'src/routes/orders.ts': ordersV1.replace("ordersRouter.post('/:id/refunds', orders.refund);\n", '') },
      base: { 'src/routes/orders.ts': ordersV1 },
      tree: { 'src/app.ts': "import express from 'express';\nimport { ordersRouter } from './routes/orders';\nconst app = express();\napp.use('/v1/orders', ordersRouter);\napp.listen(3000);\n" },
    });
    expect(at(fs)).toEqual(['api/route-removed src/routes/orders.ts:1']);
    expect(fs[0].message).toContain('`POST /v1/orders/:id/refunds`');
  });

  it('reports every route of a deleted router file', async () => {
    const fs = await run([routeRemoved], { changed: {}, removed: { 'src/routes/orders.ts': ordersV1 } });
    expect(fs.map((f) => f.message.slice(0, f.message.indexOf(' (line'))).sort()).toEqual(['`GET /` on `ordersRouter`', '`GET /:id` on `ordersRouter`', '`POST /:id/refunds` on `ordersRouter`'].sort());
  });

  it('stays quiet when a route moves to another file or a NestJS method is renamed', async () => {
    const moved = await run([routeRemoved], {
      changed: {
        'src/routes/orders.ts': ordersV1.replace("ordersRouter.post('/:id/refunds', orders.refund);\n", "ordersRouter.use(refundsRouter);\n").replace("import * as orders", "import { refundsRouter } from './refunds';\nimport * as orders"),
        'src/routes/refunds.ts': "import { Router } from 'express';\nimport * as orders from '../controllers/orders';\nexport const refundsRouter = Router();\nrefundsRouter.post('/:id/refunds', orders.refund);\n",
      },
      base: { 'src/routes/orders.ts': ordersV1 },
    });
    expect(moved).toEqual([]);
    const controller = (method: string) =>
      `import { Controller, Get, Param } from '@nestjs/common';\n@Controller('orders')\nexport class OrdersController {\n  @Get(':id')\n  ${method}(@Param('id') id: string) {\n    return this.orders.get(id);\n  }\n}\n`;
    expect(await run([routeRemoved], { changed: { 'src/orders.controller.ts': controller('findOne') }, base: { 'src/orders.controller.ts': controller('show') } })).toEqual([]);
  });

  it('stays quiet on routes deprecated before removal (JSDoc, Nest decorator, Sunset header)', async () => {
    const base = `import { Controller, Get, Delete } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
@Controller('orders')
export class OrdersController {
  @Get()
  list() { return []; }

  @Delete(':id')
  @ApiOperation({ deprecated: true })
  remove() {}
}
`;
    const head = base.replace("  @Delete(':id')\n  @ApiOperation({ deprecated: true })\n  remove() {}\n", '');
    expect(await run([routeRemoved], { changed: { 'src/orders.controller.ts': head }, base: { 'src/orders.controller.ts': base } })).toEqual([]);
    const expressBase = ordersV1.replace("ordersRouter.post('/:id/refunds', orders.refund);", "/** @deprecated use POST /v2/refunds */\nordersRouter.post('/:id/refunds', orders.refund);");
    expect(await run([routeRemoved], { changed: { 'src/routes/orders.ts': ordersV1.replace("ordersRouter.post('/:id/refunds', orders.refund);\n", '') }, base: { 'src/routes/orders.ts': expressBase } })).toEqual([]);
  });
});

describe('api/breaking-openapi-change', () => {
  const spec = (paths: object, schemas: object = {}) => JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths, components: { schemas } }, null, 2);

  it('reads JSON specs, path-level parameters, request bodies and allOf', () => {
    const base = parseOpenApi(
      spec(
        {
          '/v1/users': {
            post: {
              requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/NewUser' } } } },
              responses: { '201': { content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } } } },
            },
          },
          '/v1/users/{id}': { get: { responses: { '200': { description: 'ok' } } } },
        },
        {
          NewUser: { type: 'object', required: ['email'], properties: { email: { type: 'string' }, name: { type: 'string' } } },
          User: { allOf: [{ $ref: '#/components/schemas/NewUser' }, { type: 'object', properties: { id: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } } }] },
        },
      ),
    )!;
    const head = parseOpenApi(
      spec(
        {
          '/v1/users': {
            parameters: [{ name: 'X-Tenant', in: 'header', required: true, schema: { type: 'string' } }],
            post: {
              requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/NewUser' } } } },
              responses: { '201': { content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } } } },
            },
          },
          '/v1/users/{userId}': { get: { responses: { '200': { description: 'ok' } } } },
        },
        {
          NewUser: { type: 'object', required: ['email', 'name'], properties: { email: { type: 'string' }, name: { type: 'string' } } },
          User: { allOf: [{ $ref: '#/components/schemas/NewUser' }, { type: 'object', properties: { id: { type: 'integer' }, tags: { type: 'array', items: { type: 'integer' } } } }] },
        },
      ),
    )!;
    expect(diffOpenApi(base, head).map((c) => `${c.kind}: ${c.detail}`)).toEqual([
      'required-parameter-added: the header parameter `X-Tenant` is now required',
      'required-property-added: the request property `name` is now required',
      'property-type-changed: `id` changed type from `string` to `integer`',
      'property-type-changed: `tags[]` changed type from `string` to `integer`',
    ]);
  });

  it('reports at the head lines, and ignores files that are not OpenAPI 3', async () => {
    const base = "openapi: 3.0.0\ninfo: { title: t, version: '1' }\npaths:\n  /v1/a:\n    get:\n      responses: { '200': { description: ok } }\n  /v1/b:\n    get:\n      responses: { '200': { description: ok } }\n";
    const head = "openapi: 3.0.0\ninfo: { title: t, version: '1' }\npaths:\n  /v1/a:\n    get:\n      responses: { '200': { description: ok } }\n";
    const fs = await run([breakingOpenapiChange], { changed: { 'api/openapi.yml': head, 'config/app.yml': 'paths:\n  a: 1\n' }, base: { 'api/openapi.yml': base, 'config/app.yml': 'paths:\n  a: 1\n  b: 2\n' } });
    expect(at(fs)).toEqual(['api/breaking-openapi-change api/openapi.yml:3']);
    expect(fs[0].message).toContain('the path `/v1/b` (GET) was removed');
  });

  it('does not blow up on alias bombs or broken YAML', async () => {
    const bomb = 'openapi: 3.0.0\na: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\npaths: {}\n';
    expect(parseOpenApi(bomb)).toBeUndefined();
    expect(parseOpenApi('openapi: 3.0.0\npaths: [unclosed\n')).toBeUndefined();
    const fs = await run([breakingOpenapiChange], { changed: { 'openapi.yaml': bomb }, base: { 'openapi.yaml': bomb.replace('paths: {}', 'paths: { /x: { get: {} } }') } });
    expect(fs).toEqual([]);
  });
});
