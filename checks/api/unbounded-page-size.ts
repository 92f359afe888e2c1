import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import type { CodeFile } from '../../src/analyzers/code/code-file.js';
import { decoratorsOf, routesOf, stringValue, type Route } from '../../src/analyzers/code/routes.js';
import { quoteRoute, paramNames, unwrapExpr, walk } from '../../src/analyzers/code/route-helpers.js';

const SIZE_NAME = /^(limit|take|pageSize|page_size|perPage|per_page|size|first|top|count|max|maxResults|max_results)$/;
const CLAMP = /\bMath\.min\s*\(|\bclamp\w*\s*\(|\bmin\s*\(/;
const SINK_PROP = /^(take|limit|first|per_page|perPage|pageSize|page_size|size)$/;

interface Finding {
  sink: ts.Node;
  source: string;
  fixAt?: { node: ts.Expression; text: string };
}

/** Whether `e` reads a page size straight from the request (`req.query.limit`, `c.req.query('limit')`). */
function requestSize(e: ts.Node, reqNames: Set<string>, file: CodeFile): boolean {
  let found = false;
  walk(e, (n) => {
    if (found) return false;
    if (ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n)) {
      const key = ts.isPropertyAccessExpression(n) ? n.name.text : stringValue(n.argumentExpression);
      if (key && SIZE_NAME.test(key)) {
        const obj = n.expression.getText(file.sourceFile);
        if (isQueryObject(obj, reqNames)) found = true;
      }
    }
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'query') {
      // hono: c.req.query('limit')
      const key = stringValue(n.arguments[0]);
      if (key && SIZE_NAME.test(key) && /\.req$/.test(n.expression.expression.getText(file.sourceFile))) found = true;
    }
  });
  return found;
}

function isQueryObject(text: string, reqNames: Set<string>): boolean {
  const m = /^(\w+)(\.request)?\.query$/.exec(text);
  return !!m && reqNames.has(m[1]);
}

export function checkHandler(route: Route, file: CodeFile): Finding | undefined {
  const fn = route.handler;
  if (!fn || !fn.body) return undefined;
  const reqNames = new Set(paramNames(fn).filter((n) => /^(req|request|ctx|context|c)$/.test(n)));
  const tainted = new Map<string, ts.VariableDeclaration | undefined>();
  // NestJS: @Query('limit') limit: number
  if (route.framework === 'nest') {
    for (const p of fn.parameters) {
      const q = decoratorsOf(p).find((d) => d.name === 'Query');
      const key = q && stringValue(q.args[0]);
      if (q && key && SIZE_NAME.test(key) && ts.isIdentifier(p.name)) {
        if (q.args.slice(1).some((a) => /Max|Clamp|Limit/.test(a.getText(file.sourceFile)))) continue;
        tainted.set(p.name.text, undefined);
      }
    }
  }
  if (reqNames.size === 0 && tainted.size === 0) return undefined;
  const refersTainted = (e: ts.Node): boolean => {
    let hit = false;
    walk(e, (n) => {
      if (hit) return false;
      if (ts.isIdentifier(n) && tainted.has(n.text) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) hit = true;
    });
    return hit || requestSize(e, reqNames, file);
  };
  let result: Finding | undefined;
  walk(fn.body, (n) => {
    if (result) return false;
    // const limit = Number(req.query.limit) || 20;  const { limit = 50 } = req.query;
    if (ts.isVariableDeclaration(n) && n.initializer) {
      const init = n.initializer;
      if (ts.isIdentifier(n.name)) {
        if (refersTainted(init) && !CLAMP.test(init.getText(file.sourceFile)) && !isSchemaParse(init, file)) tainted.set(n.name.text, n);
        else tainted.delete(n.name.text);
      } else if (ts.isObjectBindingPattern(n.name) && isQueryObject(unwrapExpr(init).getText(file.sourceFile), reqNames)) {
        for (const el of n.name.elements) {
          const key = (el.propertyName ?? el.name).getText(file.sourceFile);
          if (ts.isIdentifier(el.name) && SIZE_NAME.test(key)) tainted.set(el.name.text, undefined);
        }
      }
      return;
    }
    // limit = Math.min(limit, 100); if (limit > 100) ...
    if (ts.isBinaryExpression(n)) {
      const op = n.operatorToken.kind;
      if (op === ts.SyntaxKind.EqualsToken && ts.isIdentifier(n.left)) {
        const clamped = CLAMP.test(n.right.getText(file.sourceFile));
        if (tainted.has(n.left.text) && (clamped || !refersTainted(n.right))) tainted.delete(n.left.text);
        // `limit = req.query.limit` after `let limit = 20`
        else if (!tainted.has(n.left.text) && !clamped && refersTainted(n.right)) tainted.set(n.left.text, undefined);
        return;
      }
      if ([ts.SyntaxKind.GreaterThanToken, ts.SyntaxKind.GreaterThanEqualsToken, ts.SyntaxKind.LessThanToken, ts.SyntaxKind.LessThanEqualsToken].includes(op)) {
        for (const side of [n.left, n.right]) if (ts.isIdentifier(side)) tainted.delete(side.text);
      }
      return;
    }
    if (ts.isCallExpression(n)) {
      // .limit(limit), .take(limit), .paginate(page, limit)
      if (ts.isPropertyAccessExpression(n.expression) && /^(limit|take|first|paginate)$/.test(n.expression.name.text)) {
        const arg = n.arguments[n.expression.name.text === 'paginate' ? 1 : 0];
        if (arg && refersTainted(arg) && !CLAMP.test(arg.getText(file.sourceFile))) result = finding(n.expression.name, arg);
      }
      // pool.query('… LIMIT $2', [accountId, limit])
      if (ts.isPropertyAccessExpression(n.expression) && /^(query|execute|raw)$/.test(n.expression.name.text)) {
        const sql = n.arguments[0] && n.arguments[0].getText(file.sourceFile);
        const params = n.arguments[1];
        if (sql && /\blimit\b/i.test(sql) && params && ts.isArrayLiteralExpression(params)) {
          const el = params.elements.find((e) => refersTainted(e) && !CLAMP.test(e.getText(file.sourceFile)));
          if (el) result = finding(n, el);
        }
      }
      return;
    }
    if (ts.isPropertyAssignment(n) && SINK_PROP.test(n.name.getText(file.sourceFile)) && refersTainted(n.initializer) && !CLAMP.test(n.initializer.getText(file.sourceFile))) {
      // { take: limit } passed to an ORM call
      const call = n.parent.parent;
      if (call && (ts.isCallExpression(call) || ts.isSpreadAssignment(call) || ts.isObjectLiteralExpression(n.parent))) result = finding(n, n.initializer);
    }
    if (ts.isTemplateSpan(n) && /\blimit\s*$/i.test(templateHead(n)) && refersTainted(n.expression)) result = finding(n.expression, n.expression);
  });
  return result;

  function finding(sink: ts.Node, arg: ts.Expression): Finding {
    const id = ts.isIdentifier(unwrapExpr(arg)) ? (unwrapExpr(arg) as ts.Identifier).text : undefined;
    const decl = id ? tainted.get(id) : undefined;
    if (decl && decl.initializer) return { sink, source: id!, fixAt: { node: decl.initializer, text: decl.initializer.getText(file.sourceFile) } };
    if (!id) return { sink, source: arg.getText(file.sourceFile), fixAt: { node: arg, text: arg.getText(file.sourceFile) } };
    return { sink, source: id };
  }
}

const VALIDATOR = /validat|celebrate|schema|zod|joi|yup|^query\.|^checkSchema|^check\./i;

/** A validation middleware or a Fastify route schema with a maximum checks the size before the handler. */
function validatedElsewhere(route: Route, file: CodeFile): boolean {
  if (route.middleware.some((m) => VALIDATOR.test(m.name))) return true;
  const registration = route.node.getText(file.sourceFile);
  const handler = route.handler && route.framework !== 'nest' ? route.handler.getText(file.sourceFile) : '';
  return /\bmaximum\b|\.max\(|\bmax\s*:/.test(registration.replace(handler, ''));
}

function templateHead(span: ts.TemplateSpan): string {
  const t = span.parent as ts.TemplateExpression;
  const i = t.templateSpans.indexOf(span);
  return i === 0 ? t.head.text : t.templateSpans[i - 1].literal.text;
}

function isSchemaParse(e: ts.Expression, file: CodeFile): boolean {
  return /\.(parse|safeParse|validate|validateSync|cast)\s*\(/.test(e.getText(file.sourceFile));
}

export default defineRule({
  meta: {
    id: 'api/unbounded-page-size',
    area: 'api',
    severity: 'warning',
    title: 'Page size taken from the request without a maximum',
    guidance: 'API Design Reference › Pagination',
    checklist: ['api.pagination'],
    description:
      'A page size read from the query string and passed to the database as is lets any client ask for `?limit=1000000`: one request then reads and serialises the whole table, holding a connection and memory for as long as it takes. Cap it on the server: `Math.min(Number(req.query.limit) || 20, 100)`, or a validation schema with a maximum.',
    examples: {
      bad: [
        {
          path: 'src/routes/orders.ts',
          code: "import { Router } from 'express';\nimport { Order } from '../models/order';\n\nconst router = Router();\n\nrouter.get('/orders', async (req, res) => {\n  const limit = parseInt(String(req.query.limit ?? '20'), 10);\n  const orders = await Order.find({ customer: req.user.id })\n    .sort({ _id: -1 })\n    .limit(limit)\n    .lean();\n  res.json({ data: orders });\n});\n\nexport default router;\n",
        },
        {
          path: 'src/routes/users.ts',
          code: "import { Router } from 'express';\nimport { prisma } from '../db';\n\nexport const usersRouter = Router();\n\nusersRouter.get('/', async (req, res) => {\n  const { limit = 25, cursor } = req.query;\n  const users = await prisma.user.findMany({\n    take: Number(limit),\n    cursor: cursor ? { id: String(cursor) } : undefined,\n  });\n  res.json(users);\n});\n",
        },
      ],
      good: [
        {
          path: 'src/routes/orders.ts',
          code: "import { Router } from 'express';\nimport { Order } from '../models/order';\n\nconst router = Router();\nconst MAX_PAGE = 100;\n\nrouter.get('/orders', async (req, res) => {\n  const limit = Math.min(parseInt(String(req.query.limit ?? '20'), 10) || 20, MAX_PAGE);\n  const orders = await Order.find({ customer: req.user.id }).sort({ _id: -1 }).limit(limit).lean();\n  res.json({ data: orders });\n});\n\nexport default router;\n",
        },
        {
          path: 'src/routes/users.ts',
          code: "import { Router } from 'express';\nimport { z } from 'zod';\nimport { prisma } from '../db';\n\nconst Page = z.object({ limit: z.coerce.number().int().min(1).max(100).default(25) });\nexport const usersRouter = Router();\n\nusersRouter.get('/', async (req, res) => {\n  const { limit } = Page.parse(req.query);\n  res.json(await prisma.user.findMany({ take: limit }));\n});\n",
        },
      ],
    },
  },
  code: {
    kinds: ['SourceFile'],
    visit(_node, ctx) {
      for (const route of routesOf(ctx.file).routes) {
        if (route.method !== 'GET' || validatedElsewhere(route, ctx.file)) continue;
        const f = checkHandler(route, ctx.file);
        if (!f) continue;
        const capped = f.fixAt ? `Math.min(${f.fixAt.text}, 100)` : undefined;
        const line = f.fixAt ? ctx.file.lineOf(f.fixAt.node) : undefined;
        const fix =
          f.fixAt && line !== undefined && ctx.file.endLineOf(f.fixAt.node) === line && ctx.file.lineText(line).split(f.fixAt.text).length === 2
            ? { startLine: line, endLine: line, replacement: ctx.file.lineText(line).replace(f.fixAt.text, () => capped!) }
            : undefined;
        ctx.report({
          startLine: ctx.file.lineOf(f.sink),
          message:
            `${quoteRoute(route)} passes the client's page size (\`${f.source}\`) to the query with no server-side maximum: \`?limit=1000000\` makes one request read and serialise the whole table while holding a connection. ` +
            `Cap it on the server, e.g. \`${capped ?? `Math.min(Number(${f.source}) || 20, 100)`}\`, or validate it with a schema that has a maximum.`,
          fix,
        });
      }
    },
  },
});
