import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import type { CodeFile } from '../../src/analyzers/code/code-file.js';
import { routesOf, type Route } from '../../src/analyzers/code/routes.js';
import { quoteRoute, lastStatic, paramNames, statusValue, unwrapExpr, walk } from '../../src/analyzers/code/route-helpers.js';

const CREATE_CALL = /^(create|createOne|insert|insertOne|insertMany|createMany|save|add|put|insertInto|bulkCreate)$/;
const INSERT_SQL = /\binsert\s+into\b/i;
// A POST on these is an action or a query, not the creation of a member of a collection.
const ACTIONS = /^(login|logout|signin|sign-in|signup|sign-up|register|search|query|validate|verify|preview|refresh|token|callback|webhooks?|events|batch|bulk|import|export|send|sync|reset|confirm|cancel|retry|upload|check|calculate|estimate|quote|graphql|messages|notifications)$/;

interface Miss {
  node: ts.Node;
  kind: 'json' | 'return' | 'body' | 'hono';
  value?: string;
}

/** Where a creating POST handler answers without 201, if it does. */
export function missing201(route: Route, file: CodeFile): Miss | undefined {
  const fn = route.handler;
  if (!fn?.body) return undefined;
  const text = fn.getText(file.sourceFile);
  let creates = INSERT_SQL.test(text);
  let has201 = /\b201\b|\bCREATED\b|\bCreated\b/.test(text);
  let other = false; // 202, 204, 303, redirects: a deliberate answer
  const sends: Miss[] = [];
  const params = paramNames(fn);
  const res = route.framework === 'express' ? params[1] : route.framework === 'fastify' ? params[1] : undefined;
  walk(fn.body, (n) => {
    if (n !== fn.body && (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n)) && !isInlineCallback(n)) return false;
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression)) {
      const name = n.expression.name.text;
      if (CREATE_CALL.test(name) && !/^(res|reply|ctx|c|headers|set|map|params|searchParams|formData|this\.\w+Set)$/.test(n.expression.expression.getText(file.sourceFile))) creates = true;
      if (/^(create|add|insert|register)[A-Z]\w*$/.test(name)) creates = true;
      if (/^(status|code|sendStatus|writeHead)$/.test(name)) {
        const v = statusValue(n.arguments[0]);
        if (v === 201) has201 = true;
        // Error answers say nothing about the success status; a computed one is not ours to judge.
        else if (v !== undefined && v !== 200 && v < 400) other = true;
        else if (v === undefined && !inCatch(n)) other = true;
      }
      if (/^(redirect|location)$/.test(name)) other = true;
      if ((name === 'json' || name === 'send') && res && rootName(n.expression.expression) === res && n.arguments.length > 0) {
        sends.push({ node: n, kind: 'json', value: n.arguments[0].getText(file.sourceFile) });
      }
      if (route.framework === 'hono' && name === 'json' && rootName(n.expression.expression) === params[0]) {
        const v = statusValue(n.arguments[1]);
        if (v === 201) has201 = true;
        else if (n.arguments[1] !== undefined) other = true;
        else sends.push({ node: n, kind: 'hono' });
      }
    }
    // createOrder(req.body), addComment(...): a service call that creates
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && /^(create|add|insert)[A-Z]\w*$/.test(n.expression.text)) creates = true;
    if (route.framework === 'koa' && ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const left = n.left.getText(file.sourceFile);
      if (/\.status$/.test(left)) {
        const v = statusValue(n.right);
        if (v === 201) has201 = true;
        else other = true;
      }
      if (/\.body$/.test(left)) sends.push({ node: n, kind: 'body' });
    }
    if (route.framework === 'fastify' && ts.isReturnStatement(n) && n.expression && !ts.isCallExpression(unwrapExpr(n.expression))) {
      sends.push({ node: n, kind: 'return' });
    }
  });
  if (!creates || has201 || other || sends.length === 0) return undefined;
  return sends[sends.length - 1];
}

function inCatch(n: ts.Node): boolean {
  for (let p = n.parent; p; p = p.parent) {
    if (ts.isCatchClause(p)) return true;
    if (ts.isFunctionLike(p)) return false;
  }
  return false;
}

function isInlineCallback(n: ts.Node): boolean {
  // callbacks passed to a transaction or a promise chain still answer for the handler
  return !!n.parent && ts.isCallExpression(n.parent);
}

function rootName(e: ts.Expression): string | undefined {
  let x = unwrapExpr(e);
  while (ts.isCallExpression(x) || ts.isPropertyAccessExpression(x)) x = unwrapExpr(x.expression);
  return ts.isIdentifier(x) ? x.text : undefined;
}

export default defineRule({
  meta: {
    id: 'api/create-without-201',
    area: 'api',
    severity: 'notice',
    title: 'Create endpoint answers 200 instead of 201 with Location',
    guidance: 'API Design Reference › Status Codes',
    checklist: ['api.status-codes'],
    description:
      'A POST that creates a resource and answers 200 tells clients, SDK generators and caches that nothing new exists at a URL of its own: retries and generated clients cannot tell a create from an action, and the client has to build the new URL itself. Answer `201 Created` with a `Location` header pointing at the new resource. NestJS `@Post()` answers 201 by default and is not flagged; POSTs on action paths (`/login`, `/search`) are not creates.',
    examples: {
      bad: [
        {
          path: 'src/routes/orders.ts',
          code: "import { Router } from 'express';\nimport { prisma } from '../db';\nimport { requireAuth } from '../middleware/auth';\n\nexport const ordersRouter = Router();\n\nordersRouter.post('/orders', requireAuth, async (req, res, next) => {\n  try {\n    const order = await prisma.order.create({\n      data: { customerId: req.user.id, items: { create: req.body.items } },\n    });\n    res.json(order);\n  } catch (err) {\n    next(err);\n  }\n});\n\nordersRouter.get('/orders/:id', requireAuth, async (req, res) => {\n  res.json(await prisma.order.findUnique({ where: { id: req.params.id } }));\n});\n",
        },
        {
          path: 'src/routes/projects.ts',
          code: "import type { FastifyPluginAsync } from 'fastify';\n\nconst projects: FastifyPluginAsync = async (app) => {\n  app.post('/projects', async (request) => {\n    const project = await app.db.project.create({ data: request.body as { name: string } });\n    return project;\n  });\n};\n\nexport default projects;\n",
        },
      ],
      good: [
        {
          path: 'src/routes/orders.ts',
          code: "import { Router } from 'express';\nimport { prisma } from '../db';\n\nexport const ordersRouter = Router();\n\nordersRouter.post('/orders', async (req, res) => {\n  const order = await prisma.order.create({ data: req.body });\n  res.status(201).location(`${req.baseUrl}/orders/${order.id}`).json(order);\n});\n\nordersRouter.post('/orders/search', async (req, res) => {\n  res.json(await prisma.order.findMany({ where: req.body.filter, take: 50 }));\n});\n",
        },
        {
          path: 'src/orders/orders.controller.ts',
          code: "import { Body, Controller, Post } from '@nestjs/common';\n\n@Controller('orders')\nexport class OrdersController {\n  constructor(private readonly orders: OrdersService) {}\n\n  @Post()\n  create(@Body() dto: CreateOrderDto) {\n    return this.orders.create(dto);\n  }\n}\n",
          note: 'NestJS answers 201 for @Post() by default.',
        },
      ],
    },
  },
  code: {
    kinds: ['SourceFile'],
    visit(_node, ctx) {
      const fr = routesOf(ctx.file);
      for (const route of fr.routes) {
        if (route.method !== 'POST' || route.framework === 'nest') continue;
        // The root of a router mounted elsewhere creates in the collection its file is named after (routes/orders.ts).
        const rootOf = !route.mounted && (route.path === '/' || route.path === '') ? fileStem(ctx.file.path) : undefined;
        const last = lastStatic(route.path) ?? rootOf;
        if (!last || ACTIONS.test(last) || !/s$/.test(last) || /(ss|us)$/.test(last)) continue;
        const miss = missing201(route, ctx.file);
        if (!miss) continue;
        ctx.report({
          startLine: ctx.file.lineOf(miss.node),
          message:
            `${quoteRoute(route)} creates a resource but answers 200, so clients, retries and generated SDKs cannot tell that something new now exists, nor where. ` +
            `Answer \`201 Created\` with a \`Location\` header for the new resource, e.g. ${exampleFor(route)}.`,
          fix: expressFix(route, miss, ctx.file, fr.routes),
        });
      }
    },
  },
});

function exampleFor(route: Route): string {
  switch (route.framework) {
    case 'fastify':
      return "`` reply.code(201).header('Location', `…/${created.id}`).send(created) ``";
    case 'koa':
      return "`` ctx.status = 201; ctx.set('Location', `…/${created.id}`); ctx.body = created; ``";
    case 'hono':
      return "`` c.json(created, 201, { Location: `…/${created.id}` }) ``";
    default:
      return "`` res.status(201).location(`${req.baseUrl}/…/${created.id}`).json(created) ``";
  }
}

/**
 * `res.json(order);` → `res.status(201).location(`${req.baseUrl}/orders/${order.id}`).json(order);`,
 * only when the file also serves the item at `<path>/:id`, so the Location is a real URL.
 */
function expressFix(route: Route, miss: Miss, file: CodeFile, siblings: Route[]) {
  if (route.framework !== 'express' || miss.kind !== 'json' || !miss.value || !/^\w+$/.test(miss.value) || !route.handler) return undefined;
  const [req, res] = paramNames(route.handler);
  if (!req || !res) return undefined;
  const local = route.localPath.replace(/\/$/, '');
  const item = siblings.find((s) => s.owner === route.owner && s.method === 'GET' && /^:id$/.test(s.localPath.slice(local.length + 1)) && s.localPath.startsWith(local + '/'));
  if (!item) return undefined;
  const line = file.lineOf(miss.node);
  const text = file.lineText(line);
  const call = miss.node.getText(file.sourceFile);
  if (file.endLineOf(miss.node) !== line || text.split(call).length !== 2 || !call.startsWith(`${res}.`)) return undefined;
  const replaced = `${res}.status(201).location(\`\${${req}.baseUrl}${local}/\${${miss.value}.id}\`).${call.slice(res.length + 1)}`;
  return { startLine: line, endLine: line, replacement: text.replace(call, () => replaced) };
}

function fileStem(path: string): string | undefined {
  const parts = path.split('/');
  let base = parts.pop()!.replace(/\.[^.]+$/, '').replace(/\.(routes?|router|controller)$/, '');
  if (base === 'index' || /^(routes?|router)$/.test(base)) base = parts.pop() ?? '';
  return /^[a-z][a-z-]*$/.test(base) ? base : undefined;
}
