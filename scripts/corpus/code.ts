/**
 * Synthetic TypeScript API handlers for the code-analysis benchmark: Express routers and
 * NestJS controllers/services of about 150 lines each, with the things real handlers do
 * (validation, SQL through pg/Knex/Prisma, structured and console logging, fetch calls to
 * other services, retries, pagination, error handling). Mostly reasonable code with the
 * usual slips mixed in, so rules have both work to do and things to stay quiet about.
 * Every file is syntactically valid TypeScript (checked by test/bench-corpus.test.ts).
 */
import { Random } from './random.js';

export interface CodeCorpusFile {
  path: string;
  content: string;
  style: 'express' | 'nest' | 'fastify';
  lines: number;
}

interface Entity {
  singular: string;
  plural: string;
  Type: string;
  table: string;
  fields: { name: string; ts: string; zod: string; column: string }[];
}

const DOMAINS = [
  'order', 'invoice', 'payment', 'customer', 'product', 'shipment', 'subscription', 'refund', 'ticket', 'project',
  'task', 'comment', 'team', 'member', 'webhook', 'notification', 'report', 'coupon', 'address', 'device',
  'session', 'plan', 'review', 'message', 'contract', 'warehouse', 'integration', 'export', 'import', 'audit',
];
const FIELDS = [
  { name: 'status', ts: 'string', zod: "z.enum(['pending', 'active', 'cancelled'])", column: 'status' },
  { name: 'email', ts: 'string', zod: 'z.string().email()', column: 'email' },
  { name: 'amountCents', ts: 'number', zod: 'z.number().int().nonnegative()', column: 'amount_cents' },
  { name: 'currency', ts: 'string', zod: 'z.string().length(3)', column: 'currency' },
  { name: 'displayName', ts: 'string', zod: 'z.string().min(1).max(200)', column: 'display_name' },
  { name: 'externalId', ts: 'string', zod: 'z.string().max(64)', column: 'external_id' },
  { name: 'quantity', ts: 'number', zod: 'z.number().int().positive()', column: 'quantity' },
  { name: 'notes', ts: 'string | null', zod: 'z.string().max(2000).nullable()', column: 'notes' },
  { name: 'priority', ts: 'number', zod: 'z.number().int().min(0).max(5)', column: 'priority' },
  { name: 'region', ts: 'string', zod: "z.enum(['eu', 'us', 'apac'])", column: 'region' },
  { name: 'expiresAt', ts: 'string | null', zod: 'z.string().datetime().nullable()', column: 'expires_at' },
  { name: 'isActive', ts: 'boolean', zod: 'z.boolean()', column: 'is_active' },
];
const SERVICES = ['billing', 'inventory', 'identity', 'search', 'pricing', 'fraud', 'shipping', 'email', 'ledger', 'catalog'];

const pascal = (s: string) => s[0].toUpperCase() + s.slice(1);
const plural = (w: string) => (w.endsWith('s') ? `${w}es` : w.endsWith('y') ? `${w.slice(0, -1)}ies` : `${w}s`);

function entity(rnd: Random, domain: string): Entity {
  const fields = rnd.sample(FIELDS, rnd.int(3, 6));
  return { singular: domain, plural: plural(domain), Type: pascal(domain), table: plural(domain), fields };
}

/** `files` handler files, about `lines` lines each. */
export function generateCodeCorpus(opts: { files: number; seed?: number; lines?: number }): CodeCorpusFile[] {
  const rnd = new Random(opts.seed ?? 11);
  const target = opts.lines ?? 150;
  const out: CodeCorpusFile[] = [];
  for (let i = 0; i < opts.files; i++) {
    const domain = DOMAINS[i % DOMAINS.length];
    const e = entity(rnd, domain);
    const style = rnd.weighted([
      ['express', 5],
      ['nest', 3],
      ['fastify', 2],
    ] as const);
    const n = Math.floor(i / DOMAINS.length);
    const content = style === 'nest' ? nestFile(e, rnd, target) : style === 'fastify' ? fastifyFile(e, rnd, target) : expressFile(e, rnd, target);
    const path =
      style === 'nest'
        ? `src/modules/${e.plural}${n || ''}/${e.plural}.${rnd.pick(['controller', 'service'])}.ts`
        : style === 'fastify'
          ? `src/routes/${e.plural}${n || ''}/index.ts`
          : `src/api/${e.plural}${n || ''}/${rnd.pick(['router', 'handlers', 'routes'])}.ts`;
    out.push({ path, content, style, lines: content.split('\n').length });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Building blocks shared by the styles. Each returns lines of code.

type Db = 'pg' | 'knex' | 'prisma';

function selectSql(e: Entity, rnd: Random, db: Db, where: string, param: string): string[] {
  const cols = ['id', ...e.fields.map((f) => f.column), 'created_at'].join(', ');
  if (db === 'prisma') return [`const row = await prisma.${e.singular}.findUnique({ where: { id: ${param} } });`];
  if (db === 'knex') return [`const row = await knex('${e.table}').select(${['id', ...e.fields.map((f) => f.column)].map((c) => `'${c}'`).join(', ')}).where({ ${where}: ${param} }).first();`];
  // Mostly parameterised; sometimes interpolated, as real code bases have.
  return rnd.chance(0.85)
    ? [`const { rows } = await pool.query(`, `  'SELECT ${cols} FROM ${e.table} WHERE ${where} = $1',`, `  [${param}],`, `);`, `const row = rows[0];`]
    : [`const { rows } = await pool.query(\`SELECT ${cols} FROM ${e.table} WHERE ${where} = '\${${param}}'\`);`, `const row = rows[0];`];
}

function listSql(e: Entity, rnd: Random, db: Db): string[] {
  if (db === 'prisma')
    return [
      `const items = await prisma.${e.singular}.findMany({`,
      `  where: cursor ? { id: { gt: cursor } } : undefined,`,
      `  orderBy: { id: 'asc' },`,
      `  take: limit + 1,`,
      `});`,
    ];
  if (db === 'knex')
    return [`const items = await knex('${e.table}')`, `  .where('id', '>', cursor ?? 0)`, `  .orderBy('id')`, `  .limit(limit + 1);`];
  return rnd.chance(0.7)
    ? [
        `const { rows: items } = await pool.query(`,
        `  'SELECT * FROM ${e.table} WHERE ($1::bigint IS NULL OR id > $1) ORDER BY id LIMIT $2',`,
        `  [cursor ?? null, limit + 1],`,
        `);`,
      ]
    : [`const { rows: items } = await pool.query('SELECT * FROM ${e.table} ORDER BY created_at DESC');`];
}

function insertSql(e: Entity, db: Db): string[] {
  const cols = e.fields.map((f) => f.column);
  if (db === 'prisma') return [`const created = await prisma.${e.singular}.create({ data: input });`];
  if (db === 'knex') return [`const [created] = await knex('${e.table}').insert({ ${e.fields.map((f) => `${f.column}: input.${f.name}`).join(', ')} }).returning('*');`];
  return [
    `const { rows: [created] } = await pool.query(`,
    `  'INSERT INTO ${e.table} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *',`,
    `  [${e.fields.map((f) => `input.${f.name}`).join(', ')}],`,
    `);`,
  ];
}

function updateSql(e: Entity, rnd: Random, db: Db): string[] {
  const f = rnd.pick(e.fields);
  if (db === 'prisma') return [`const updated = await prisma.${e.singular}.update({ where: { id }, data: { ${f.name}: patch.${f.name} } });`];
  if (db === 'knex') return [`const [updated] = await knex('${e.table}').where({ id }).update({ ${f.column}: patch.${f.name}, updated_at: knex.fn.now() }).returning('*');`];
  return [
    `const { rows: [updated] } = await pool.query(`,
    `  'UPDATE ${e.table} SET ${f.column} = $2, updated_at = now() WHERE id = $1 RETURNING *',`,
    `  [id, patch.${f.name}],`,
    `);`,
  ];
}

function remoteCall(e: Entity, rnd: Random, indent: string): string[] {
  const svc = rnd.pick(SERVICES);
  const withTimeout = rnd.chance(0.6);
  const lines = withTimeout
    ? [
        `const response = await fetch(\`\${config.${svc}Url}/v1/${e.plural}/\${id}/${rnd.pick(['quote', 'status', 'sync', 'check'])}\`, {`,
        `  method: 'POST',`,
        `  headers: { 'content-type': 'application/json', 'x-request-id': requestId },`,
        `  body: JSON.stringify({ id }),`,
        `  signal: AbortSignal.timeout(${rnd.pick([2000, 3000, 5000])}),`,
        `});`,
      ]
    : [`const response = await fetch(\`\${config.${svc}Url}/v1/${e.plural}/\${id}\`);`];
  lines.push(
    `if (!response.ok) {`,
    `  throw new UpstreamError('${svc}', response.status);`,
    `}`,
    `const remote = (await response.json()) as { ${rnd.pick(['state', 'score', 'total'])}: ${rnd.pick(['string', 'number'])} };`,
  );
  return lines.map((l) => indent + l);
}

function logLine(e: Entity, rnd: Random, what: string, indent: string): string {
  return indent + (rnd.chance(0.8) ? `logger.info({ ${e.singular}Id: id, requestId }, '${what}');` : `console.log('${what}', id);`);
}

function helpers(e: Entity, rnd: Random): string[] {
  const out: string[] = [];
  if (rnd.chance(0.6))
    out.push(
      `function to${e.Type}Dto(row: ${e.Type}Row): ${e.Type}Dto {`,
      `  return {`,
      `    id: String(row.id),`,
      ...e.fields.map((f) => `    ${f.name}: row.${f.column},`),
      `    createdAt: new Date(row.created_at).toISOString(),`,
      `  };`,
      `}`,
      ``,
    );
  if (rnd.chance(0.5))
    out.push(
      `async function withRetry<T>(fn: () => Promise<T>, attempts = ${rnd.int(2, 5)}): Promise<T> {`,
      `  let lastError: unknown;`,
      `  for (let attempt = 0; attempt < attempts; attempt++) {`,
      `    try {`,
      `      return await fn();`,
      `    } catch (err) {`,
      `      lastError = err;`,
      `      const delay = Math.min(1000, 100 * 2 ** attempt) * (0.5 + Math.random());`,
      `      await new Promise((resolve) => setTimeout(resolve, delay));`,
      `    }`,
      `  }`,
      `  throw lastError;`,
      `}`,
      ``,
    );
  if (rnd.chance(0.5))
    out.push(
      `function parseLimit(raw: unknown): number {`,
      `  const n = Number(raw ?? ${rnd.pick([20, 25, 50])});`,
      `  if (!Number.isInteger(n) || n < 1) return ${rnd.pick([20, 25, 50])};`,
      `  return Math.min(n, ${rnd.pick([100, 200, 500])});`,
      `}`,
      ``,
    );
  return out;
}

function types(e: Entity): string[] {
  return [
    `interface ${e.Type}Row {`,
    `  id: number;`,
    ...e.fields.map((f) => `  ${f.column}: ${f.ts};`),
    `  created_at: Date;`,
    `}`,
    ``,
    `export interface ${e.Type}Dto {`,
    `  id: string;`,
    ...e.fields.map((f) => `  ${f.name}: ${f.ts};`),
    `  createdAt: string;`,
    `}`,
    ``,
    `const create${e.Type}Schema = z.object({`,
    ...e.fields.map((f) => `  ${f.name}: ${f.zod},`),
    `});`,
    ``,
    `const update${e.Type}Schema = create${e.Type}Schema.partial();`,
    ``,
    `class UpstreamError extends Error {`,
    `  constructor(readonly service: string, readonly status: number) {`,
    `    super(\`\${service} answered \${status}\`);`,
    `  }`,
    `}`,
    ``,
  ];
}

function dbImports(db: Db): string[] {
  return db === 'prisma'
    ? [`import { PrismaClient } from '@prisma/client';`, ``, `const prisma = new PrismaClient();`]
    : db === 'knex'
      ? [`import { knex } from '../../db/knex';`]
      : [`import { Pool } from 'pg';`, ``, `const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });`];
}

/** Adds handler bodies from `make` until the file reaches about `target` lines. */
function fill(head: string[], make: (k: number) => string[], tail: string[], target: number): string {
  const body: string[] = [];
  for (let k = 0; head.length + body.length + tail.length < target - 8 && k < 12; k++) body.push(...make(k));
  return [...head, ...body, ...tail].join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// Express

function expressFile(e: Entity, rnd: Random, target: number): string {
  const db: Db = rnd.weighted([['pg', 5], ['knex', 2], ['prisma', 3]] as const);
  const head = [
    `import { Router, type Request, type Response, type NextFunction } from 'express';`,
    `import { z } from 'zod';`,
    ...dbImports(db),
    `import { logger } from '../../lib/logger';`,
    `import { config } from '../../config';`,
    ``,
    ...types(e),
    ...helpers(e, rnd),
    `export const ${e.plural}Router = Router();`,
    ``,
  ];
  const handlers = [
    () => [
      `${e.plural}Router.get('/v${rnd.int(1, 2)}/${e.plural}/:id', async (req: Request, res: Response, next: NextFunction) => {`,
      `  const id = req.params.id;`,
      `  const requestId = String(req.headers['x-request-id'] ?? '');`,
      `  try {`,
      ...selectSql(e, rnd, db, 'id', 'id').map((l) => '    ' + l),
      `    if (!row) {`,
      `      return res.status(404).json({ error: 'not_found' });`,
      `    }`,
      logLine(e, rnd, `${e.singular} loaded`, '    '),
      `    res.json(row);`,
      `  } catch (err) {`,
      `    next(err);`,
      `  }`,
      `});`,
      ``,
    ],
    () => [
      `${e.plural}Router.get('/v1/${e.plural}', async (req: Request, res: Response) => {`,
      `  const limit = Math.min(Number(req.query.limit ?? 50), 200);`,
      `  const cursor = req.query.cursor ? Number(req.query.cursor) : undefined;`,
      ...listSql(e, rnd, db).map((l) => '  ' + l),
      `  const hasMore = items.length > limit;`,
      `  res.json({ items: items.slice(0, limit), nextCursor: hasMore ? items[limit - 1].id : null });`,
      `});`,
      ``,
    ],
    () => [
      `${e.plural}Router.post('/v1/${e.plural}', async (req: Request, res: Response) => {`,
      `  const parsed = create${e.Type}Schema.safeParse(req.body);`,
      `  if (!parsed.success) {`,
      `    return res.status(422).json({ error: 'invalid_request', issues: parsed.error.issues });`,
      `  }`,
      `  const input = parsed.data;`,
      ...insertSql(e, db).map((l) => '  ' + l),
      rnd.chance(0.8) ? `  logger.info({ ${e.singular}Id: created.id }, '${e.singular} created');` : `  console.log('created ${e.singular}', created);`,
      `  res.status(201).location(\`/v1/${e.plural}/\${created.id}\`).json(created);`,
      `});`,
      ``,
    ],
    () => [
      `${e.plural}Router.patch('/v1/${e.plural}/:id', async (req: Request, res: Response) => {`,
      `  const id = req.params.id;`,
      `  const patch = update${e.Type}Schema.parse(req.body);`,
      ...updateSql(e, rnd, db).map((l) => '  ' + l),
      `  if (!updated) return res.status(404).json({ error: 'not_found' });`,
      `  res.json(updated);`,
      `});`,
      ``,
    ],
    () => [
      `${e.plural}Router.post('/v1/${e.plural}/:id/${rnd.pick(['sync', 'refresh', 'verify', 'quote'])}', async (req: Request, res: Response) => {`,
      `  const id = req.params.id;`,
      `  const requestId = String(req.headers['x-request-id'] ?? '');`,
      `  try {`,
      ...remoteCall(e, rnd, '    '),
      logLine(e, rnd, `${e.singular} synced`, '    '),
      `    res.json({ id, remote });`,
      `  } catch (err) {`,
      `    logger.error({ err, ${e.singular}Id: id }, 'sync failed');`,
      `    res.status(502).json({ error: 'upstream_unavailable' });`,
      `  }`,
      `});`,
      ``,
    ],
    () => [
      `${e.plural}Router.delete('/v1/${e.plural}/:id', async (req: Request, res: Response) => {`,
      db === 'prisma'
        ? `  await prisma.${e.singular}.delete({ where: { id: req.params.id } });`
        : db === 'knex'
          ? `  await knex('${e.table}').where({ id: req.params.id }).del();`
          : `  await pool.query('DELETE FROM ${e.table} WHERE id = $1', [req.params.id]);`,
      `  res.status(204).end();`,
      `});`,
      ``,
    ],
  ];
  const order = rnd.shuffle(handlers.map((_, i) => i));
  // Past one of each handler, the file repeats them under an internal prefix, as admin routers do.
  return fill(head, (k) => handlers[order[k % order.length]]().map((l) => (k >= order.length ? l.replace(/'\/v(\d)\//, "'/internal/v$1/") : l)), [], target);
}

// ---------------------------------------------------------------------------------------------
// NestJS

function nestFile(e: Entity, rnd: Random, target: number): string {
  const db: Db = rnd.weighted([['pg', 3], ['prisma', 5], ['knex', 1]] as const);
  const head = [
    `import { Body, Controller, Delete, Get, HttpCode, Injectable, Logger, NotFoundException, Param, Patch, Post, Query } from '@nestjs/common';`,
    `import { z } from 'zod';`,
    ...dbImports(db),
    `import { config } from '../../config';`,
    ``,
    ...types(e),
    ...helpers(e, rnd),
    `@Injectable()`,
    `export class ${e.Type}Service {`,
    `  private readonly logger = new Logger(${e.Type}Service.name);`,
    ``,
    `  async findOne(id: string, requestId = ''): Promise<${e.Type}Row> {`,
    ...selectSql(e, rnd, db, 'id', 'id').map((l) => '    ' + l),
    `    if (!row) throw new NotFoundException(\`${e.singular} \${id} not found\`);`,
    `    this.logger.log(\`loaded ${e.singular} \${id} (\${requestId})\`);`,
    `    return row as unknown as ${e.Type}Row;`,
    `  }`,
    ``,
    `  async refresh(id: string, requestId: string) {`,
    ...remoteCall(e, rnd, '    '),
    `    return remote;`,
    `  }`,
    `}`,
    ``,
    `@Controller('v1/${e.plural}')`,
    `export class ${e.Type}Controller {`,
    `  constructor(private readonly service: ${e.Type}Service) {}`,
    ``,
  ];
  const methods = [
    () => [
      `  @Get(':id')`,
      `  async get${e.Type}(@Param('id') id: string) {`,
      `    return this.service.findOne(id);`,
      `  }`,
      ``,
    ],
    () => [
      `  @Get()`,
      `  async list(@Query('limit') rawLimit?: string, @Query('cursor') cursor?: string) {`,
      `    const limit = Math.min(Number(rawLimit ?? 50), 200);`,
      ...listSql(e, rnd, db).map((l) => '    ' + l),
      `    return { items: items.slice(0, limit), nextCursor: items.length > limit ? items[limit - 1].id : null };`,
      `  }`,
      ``,
    ],
    () => [
      `  @Post()`,
      `  @HttpCode(201)`,
      `  async create(@Body() body: unknown) {`,
      `    const input = create${e.Type}Schema.parse(body);`,
      ...insertSql(e, db).map((l) => '    ' + l),
      rnd.chance(0.8) ? `    new Logger('${e.Type}').log(\`created ${e.singular} \${created.id}\`);` : `    console.log('created', created);`,
      `    return created;`,
      `  }`,
      ``,
    ],
    () => [
      `  @Patch(':id')`,
      `  async update(@Param('id') id: string, @Body() body: unknown) {`,
      `    const patch = update${e.Type}Schema.parse(body);`,
      ...updateSql(e, rnd, db).map((l) => '    ' + l),
      `    if (!updated) throw new NotFoundException();`,
      `    return updated;`,
      `  }`,
      ``,
    ],
    () => [
      `  @Post(':id/refresh')`,
      `  async refresh(@Param('id') id: string) {`,
      `    const requestId = Math.random().toString(36).slice(2);`,
      `    try {`,
      `      return await this.service.refresh(id, requestId);`,
      `    } catch (err) {`,
      `      console.error('refresh failed', err);`,
      `      throw err;`,
      `    }`,
      `  }`,
      ``,
    ],
    () => [
      `  @Delete(':id')`,
      `  @HttpCode(204)`,
      `  async remove(@Param('id') id: string) {`,
      db === 'prisma'
        ? `    await prisma.${e.singular}.delete({ where: { id } });`
        : db === 'knex'
          ? `    await knex('${e.table}').where({ id }).del();`
          : `    await pool.query('DELETE FROM ${e.table} WHERE id = $1', [id]);`,
      `  }`,
      ``,
    ],
  ];
  const order = rnd.shuffle(methods.map((_, i) => i));
  return fill(head, (k) => methods[order[k % order.length]]().map((l) => (k >= order.length ? l.replace(/^ {2}async (\w+)\(/, `  async $1${k}(`) : l)), ['}'], target);
}

// ---------------------------------------------------------------------------------------------
// Fastify

function fastifyFile(e: Entity, rnd: Random, target: number): string {
  const db: Db = rnd.weighted([['pg', 4], ['knex', 3], ['prisma', 2]] as const);
  const head = [
    `import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';`,
    `import { z } from 'zod';`,
    ...dbImports(db),
    `import { logger } from '../../lib/logger';`,
    `import { config } from '../../config';`,
    ``,
    ...types(e),
    ...helpers(e, rnd),
    `export default async function ${e.plural}Routes(app: FastifyInstance) {`,
  ];
  const routes = [
    () => [
      `  app.get('/v1/${e.plural}/:id', async (req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {`,
      `    const { id } = req.params;`,
      `    const requestId = req.id;`,
      ...selectSql(e, rnd, db, 'id', 'id').map((l) => '    ' + l),
      `    if (!row) return reply.code(404).send({ error: 'not_found' });`,
      logLine(e, rnd, `${e.singular} loaded`, '    '),
      `    return row;`,
      `  });`,
      ``,
    ],
    () => [
      `  app.get('/v1/${e.plural}', async (req: FastifyRequest<{ Querystring: { limit?: string; cursor?: string } }>) => {`,
      `    const limit = Math.min(Number(req.query.limit ?? 50), 200);`,
      `    const cursor = req.query.cursor ? Number(req.query.cursor) : undefined;`,
      ...listSql(e, rnd, db).map((l) => '    ' + l),
      `    return { items: items.slice(0, limit), nextCursor: items.length > limit ? items[limit - 1].id : null };`,
      `  });`,
      ``,
    ],
    () => [
      `  app.post('/v1/${e.plural}', async (req: FastifyRequest, reply: FastifyReply) => {`,
      `    const input = create${e.Type}Schema.parse(req.body);`,
      ...insertSql(e, db).map((l) => '    ' + l),
      `    req.log.info({ ${e.singular}Id: created.id }, '${e.singular} created');`,
      `    return reply.code(201).send(created);`,
      `  });`,
      ``,
    ],
    () => [
      `  app.post('/v1/${e.plural}/:id/sync', async (req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {`,
      `    const { id } = req.params;`,
      `    const requestId = req.id;`,
      `    try {`,
      ...remoteCall(e, rnd, '      '),
      `      return { id, remote };`,
      `    } catch (err) {`,
      `      req.log.error({ err }, 'sync failed');`,
      `      return reply.code(502).send({ error: 'upstream_unavailable' });`,
      `    }`,
      `  });`,
      ``,
    ],
  ];
  const order = rnd.shuffle(routes.map((_, i) => i));
  return fill(head, (k) => routes[order[k % order.length]]().map((l) => (k >= order.length ? l.replace(/'\/v(\d)\//, "'/internal/v$1/") : l)), ['}'], target);
}
