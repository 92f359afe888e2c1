import { describe, expect, it } from 'vitest';
import { ts } from 'ts-morph';
import { CodeFile } from '../../src/analyzers/code/code-file.js';
import { taintOf } from '../../src/analyzers/code/taint.js';

/** Taint of every `sink(x)` argument in the snippet, in order. */
function sinks(code: string): boolean[] {
  const file = new CodeFile('src/handler.ts', code);
  const taint = taintOf(file);
  const out: boolean[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'sink') out.push(taint.isTainted(n.arguments[0]));
    ts.forEachChild(n, visit);
  };
  visit(file.sourceFile);
  return out;
}

describe('request-input taint', () => {
  it('follows Express input through destructuring, variables, templates and concatenation', () => {
    expect(
      sinks(`
router.post('/x', (req, res) => {
  const { email, profile: { name } } = req.body;
  const { user } = req;
  const id = req.params.id;
  let where = 'id = ' + id;
  where += \` AND name = '\${name}'\`;
  sink(email); sink(name); sink(where); sink(user.id); sink(req.user.id); sink(req.get('x-tenant'));
});`),
    ).toEqual([true, true, true, false, false, true]);
  });

  it('knows Fastify, Koa, Hono and NestJS inputs', () => {
    expect(
      sinks(`
fastify.get('/a', async (request, reply) => { sink(request.query.q); sink(request.routeOptions.url); });
router.get('/b', async (ctx) => { sink(ctx.request.body.name); sink(ctx.query.page); sink(ctx.state.user); });
app.get('/c', (c) => { const q = c.req.query('q'); sink(q); sink(c.env.DB); });
class C {
  find(@Query('q') q: string, @Param() params: { id: string }, @Req() r: Request, other: string) { sink(q); sink(params.id); sink(r.body); sink(other); }
}`),
    ).toEqual([true, false, true, true, false, true, false, true, true, true, false]);
  });

  it('stops at conversions to numbers, allowlist lookups and path.basename', () => {
    expect(
      sinks(`
const COLUMNS = { created: 'created_at' };
app.get('/x', (req, res) => {
  const limit = Number(req.query.limit);
  const page = parseInt(String(req.query.page), 10);
  const column = COLUMNS[req.query.sort];
  const name = path.basename(req.params.name);
  sink(limit); sink(page); sink(column); sink(name); sink(req.query.items.length);
});`),
    ).toEqual([false, false, false, false, false]);
  });

  it('crosses small same-file helpers both ways, and iteration callbacks', () => {
    expect(
      sinks(`
function quote(v: string) { return \`'\${v}'\`; }
function clean(v: string) { return validate(v) ? 'ok' : 'no'; }
async function findByEmail(email: string) { sink(email); }
app.post('/x', async (req, res) => {
  sink(quote(req.body.a));
  sink(clean(req.body.b));
  await findByEmail(req.body.email);
  req.body.items.forEach((item) => sink(item.sku));
  for (const tag of req.body.tags) sink(tag);
});`),
    ).toEqual([true, true, false, true, true]); // findByEmail's sink comes first in the file
  });

  it('treats upload paths as server-chosen and the client file name as input', () => {
    expect(sinks(`app.post('/u', upload.single('f'), (req, res) => { sink(req.file.path); sink(req.file.originalname); });`)).toEqual([false, true]);
  });

  it('resolves assignments made in closures and survives self-referencing assignments', () => {
    expect(
      sinks(`
app.get('/x', (req, res) => {
  let filter = '';
  let n = 0;
  n = n + 1;
  const set = () => { filter = req.query.f; };
  set();
  sink(filter); sink(n);
});`),
    ).toEqual([true, false]);
  });
});
