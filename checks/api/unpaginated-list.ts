import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import type { CodeFile } from '../../src/analyzers/code/code-file.js';
import { propValue, routesOf, segments, type Route } from '../../src/analyzers/code/routes.js';
import { chainMethods, quoteRoute, isCollectionPath, outerChain, unwrapExpr, walk } from '../../src/analyzers/code/route-helpers.js';

// Reading any of these from the request means the handler pages (the cap is api/unbounded-page-size's job).
const PAGING_INPUT = /\b(limit|cursor|pageSize|page_size|perPage|per_page|take|after|before|offset|pageToken|page_token|first|last)\b/;
const LIMITING_CHAIN = /^(limit|take|first|paginate|cursor|stream|count|countDocuments|estimatedDocumentCount|findOne|findFirst|findUnique|pluck|sum|avg|min|max|insert|update|del|delete|increment|decrement|returning|exists|explain|getOne|getRawOne|getCount|distinct|aggregate)$/;
const SELECT = /^\s*select\b[\s\S]*\bfrom\b/i;

interface Hit {
  node: ts.Node;
  what: string;
  fixHint: string;
}

/** An unbounded read of a whole table in `fn`, if any. */
export function unboundedQuery(fn: ts.Node, file: CodeFile): Hit | undefined {
  let hit: Hit | undefined;
  const consts = new Map<string, ts.Expression>();
  walk(fn, (n) => {
    if (hit) return false;
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) consts.set(n.name.text, n.initializer);
    if (!ts.isCallExpression(n) || !ts.isPropertyAccessExpression(n.expression)) {
      if (ts.isTaggedTemplateExpression(n) && /(^|\.)(sql|\$queryRaw|query)$/.test(n.tag.getText(file.sourceFile))) {
        const text = n.template.getText(file.sourceFile).slice(1, -1);
        if (SELECT.test(text) && unlimitedSql(text)) hit = { node: n, what: 'this SELECT', fixHint: 'add `ORDER BY id LIMIT ${limit + 1}` with a cursor condition (`WHERE id > ${cursor}`)' };
      }
      return;
    }
    const name = n.expression.name.text;
    const arg0 = n.arguments[0] && unwrapExpr(n.arguments[0]);
    const chain = chainMethods(outerChain(n));
    const later = chain.names.slice(chain.names.indexOf(name) + 1);
    if (later.some((m) => LIMITING_CHAIN.test(m))) return;
    const receiver = n.expression.expression.getText(file.sourceFile);
    if (name === 'findMany' && (!arg0 || (ts.isObjectLiteralExpression(arg0) && !hasAny(arg0, ['take', 'cursor'])))) {
      hit = { node: n, what: `\`${receiver}.findMany()\``, fixHint: '`findMany({ take: limit + 1, cursor: cursor ? { id: cursor } : undefined, skip: cursor ? 1 : 0, orderBy: { id: \'asc\' } })`' };
    } else if (name === 'findAll' && (!arg0 || (ts.isObjectLiteralExpression(arg0) && !hasAny(arg0, ['limit'])))) {
      hit = { node: n, what: `\`${receiver}.findAll()\``, fixHint: '`findAll({ where, order: [[\'id\', \'ASC\']], limit })` with a cursor condition on `id`' };
    } else if ((name === 'find' || name === 'findAndCount') && (!arg0 || ts.isObjectLiteralExpression(arg0))) {
      if (arg0 && ts.isObjectLiteralExpression(arg0) && hasAny(arg0, ['take', 'limit'])) return;
      // Mongoose, the MongoDB driver and TypeORM; Array#find takes a function and is never here.
      const ormOptions = arg0 && ts.isObjectLiteralExpression(arg0) && hasAny(arg0, ['where', 'order', 'relations', 'select']);
      if (!ormOptions && !/^[A-Z]|(repo|repository|model|collection|Model|Repository|Collection)\b|\.collection\(/.test(receiver) && !later.includes('toArray') && !later.includes('lean') && !later.includes('exec')) return;
      hit = { node: n, what: `\`${receiver}.${name}()\``, fixHint: later.includes('toArray') || later.includes('lean') || later.includes('exec') ? '`.find(filter).sort({ _id: 1 }).limit(limit)` with `_id: { $gt: cursor }` in the filter' : '`find({ where, order: { id: \'ASC\' }, take: limit })`' };
    } else if (name === 'getMany' || name === 'getRawMany') {
      const q = chainMethods(outerChain(n));
      if (q.names.some((m) => /^(take|limit|skip|offset)$/.test(m))) return;
      hit = { node: n, what: `the query builder's \`${name}()\``, fixHint: '`.orderBy(\'id\').take(limit)` with `.where(\'id > :cursor\', { cursor })`' };
    } else if (name === 'query' || name === 'execute' || name === 'manyOrNone' || name === 'any') {
      let sqlNode: ts.Expression | undefined = arg0;
      if (sqlNode && ts.isIdentifier(sqlNode) && consts.has(sqlNode.text)) sqlNode = unwrapExpr(consts.get(sqlNode.text)!);
      if (sqlNode && ts.isObjectLiteralExpression(sqlNode)) sqlNode = propValue(sqlNode, 'text');
      const text = sqlNode && sqlText(sqlNode, file);
      if (text && SELECT.test(text) && unlimitedSql(text)) hit = { node: n, what: 'this SELECT', fixHint: 'add `ORDER BY id LIMIT $n` with a cursor condition (`WHERE id > $m`)' };
    } else if (/^(select|where|orderBy)$/.test(name) && isKnexRoot(chain.root, file) && chain.names[0] === name) {
      const all = chain.names;
      if (all.some((m) => LIMITING_CHAIN.test(m) || m === 'offset')) return;
      if (!isAwaitedOrReturned(outerChain(n))) return;
      hit = { node: n, what: `\`${chain.root.getText(file.sourceFile)}\`…\`.${name}()\``, fixHint: '`.orderBy(\'id\').where(\'id\', \'>\', cursor).limit(limit)`' };
    }
  });
  return hit;
}

function hasAny(obj: ts.ObjectLiteralExpression, names: string[]): boolean {
  return obj.properties.some((p) => ts.isSpreadAssignment(p) || (p.name && names.includes(p.name.getText().replace(/['"]/g, ''))));
}

function sqlText(node: ts.Node, file: CodeFile): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.getText(file.sourceFile).slice(1, -1);
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const l = sqlText(node.left, file);
    const r = sqlText(node.right, file);
    return l !== undefined || r !== undefined ? `${l ?? ' ? '}${r ?? ' ? '}` : undefined;
  }
  return undefined;
}

function unlimitedSql(text: string): boolean {
  if (/\b(limit|fetch\s+first|fetch\s+next|top\s*\(?\d)/i.test(text)) return false;
  // Aggregates without GROUP BY return one row.
  const selectList = /^\s*select\s+([\s\S]*?)\bfrom\b/i.exec(text)?.[1] ?? '';
  // Aggregates return one row, or one per group: reports, not lists.
  if (/\b(count|sum|avg|min|max|exists|array_agg|json_agg)\s*\(/i.test(selectList)) return false;
  // A lookup by primary key returns one row.
  if (/\bwhere\s+(\w+\.)?id\s*=\s*(\$\d+|\?|:\w+)\s*$/i.test(text.trim())) return false;
  return true;
}

function isKnexRoot(root: ts.Expression, file: CodeFile): boolean {
  return ts.isCallExpression(root) && ts.isIdentifier(root.expression) && /^(knex|db|trx|k|pg|database)$/.test(root.expression.text) && root.arguments.length === 1 && ts.isStringLiteralLike(root.arguments[0]) && !!file;
}

function isAwaitedOrReturned(e: ts.Node): boolean {
  const p = e.parent;
  return !!p && (ts.isAwaitExpression(p) || ts.isReturnStatement(p) || ts.isArrowFunction(p) || (ts.isVariableDeclaration(p) && p.initializer === e));
}

export function checkRoute(route: Route, file: CodeFile, functions: Map<string, ts.FunctionLikeDeclaration> = new Map()): Hit | undefined {
  if (route.method !== 'GET' || !route.handler) return undefined;
  // The root of a router mounted elsewhere is the collection its prefix names.
  const segs = segments(route.path);
  const last = segs[segs.length - 1];
  const rootOfRouter = !route.mounted && segs.length === 0;
  // A plural noun names a list; `/revenue`, `/summary`, `/me` are single documents.
  if (!rootOfRouter && !(isCollectionPath(route.path) && /[^su]s$|ies$/.test(last ?? ''))) return undefined;
  if (/(^|\/)(count|stats|summary|export|download|health\w*|metrics|me)$/.test(route.path)) return undefined;
  // Reference lists that stay small by nature.
  if (/(^|\/)(roles|permissions|scopes|settings|preferences|countries|currencies|languages|locales|timezones|plans|regions|enums)$/.test(route.path)) return undefined;
  const text = route.handler.getText(file.sourceFile);
  if (PAGING_INPUT.test(text)) return undefined;
  const direct = unboundedQuery(route.handler, file);
  if (direct) return direct;
  // One level into helpers of the same file: `const rows = await findOrders(req.user.id)`.
  for (const name of calledFunctions(route.handler)) {
    const fn = functions.get(name);
    if (!fn || fn === route.handler || PAGING_INPUT.test(fn.getText(file.sourceFile))) continue;
    const hit = unboundedQuery(fn, file);
    if (hit) return hit;
  }
  return undefined;
}

function calledFunctions(fn: ts.Node): string[] {
  const out: string[] = [];
  walk(fn, (n) => {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression)) out.push(n.expression.text);
  });
  return out;
}

export default defineRule({
  meta: {
    id: 'api/unpaginated-list',
    area: 'api',
    severity: 'warning',
    title: 'List endpoint returns an unbounded query',
    guidance: 'API Design Reference › Pagination',
    checklist: ['api.pagination'],
    description:
      'A collection GET that returns every row works in development and degrades with the table: response size, query time and server memory grow without bound until requests time out or the process runs out of memory. Page every list with a cursor (or at least a limit) and a server-side maximum. Handlers that read a limit or cursor from the request are left to `api/unbounded-page-size`; queries in other files are not followed.',
    examples: {
      bad: [
        {
          path: 'src/routes/orders.ts',
          code: "import { Router } from 'express';\nimport { prisma } from '../db';\nimport { requireAuth } from '../middleware/auth';\n\nexport const ordersRouter = Router();\nordersRouter.use(requireAuth);\n\nconst listOrders = async (req, res) => {\n  const orders = await prisma.order.findMany({\n    where: { customerId: req.user.id },\n    orderBy: { createdAt: 'desc' },\n  });\n  res.json({ data: orders });\n};\n\nordersRouter.get('/', listOrders);\n",
        },
        {
          path: 'src/routes/invoices.ts',
          code: "import { Router } from 'express';\nimport { pool } from '../db';\n\nconst router = Router();\n\nrouter.get('/invoices', async (req, res, next) => {\n  try {\n    const sql =\n      'SELECT id, number, total_cents, issued_at ' +\n      'FROM invoices WHERE account_id = $1 ORDER BY issued_at DESC';\n    const { rows } = await pool.query(sql, [req.user.accountId]);\n    res.json(rows);\n  } catch (err) {\n    next(err);\n  }\n});\n\nexport default router;\n",
        },
      ],
      good: [
        {
          path: 'src/routes/orders.ts',
          code: "import { Router } from 'express';\nimport { prisma } from '../db';\n\nexport const ordersRouter = Router();\n\nordersRouter.get('/', async (req, res) => {\n  const limit = Math.min(Number(req.query.limit) || 20, 100);\n  const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;\n  const orders = await prisma.order.findMany({\n    take: limit + 1,\n    ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),\n    orderBy: { id: 'asc' },\n  });\n  res.json({ data: orders.slice(0, limit), next_cursor: orders.length > limit ? orders[limit - 1].id : null });\n});\n\nordersRouter.get('/:id', async (req, res) => {\n  res.json(await prisma.order.findUnique({ where: { id: req.params.id } }));\n});\n",
        },
        {
          path: 'src/routes/countries.ts',
          code: "import { Router } from 'express';\nimport { pool } from '../db';\n\nconst router = Router();\nrouter.get('/countries/count', async (_req, res) => {\n  const { rows } = await pool.query('SELECT count(*) FROM countries');\n  res.json(rows[0]);\n});\nrouter.get('/countries', async (_req, res) => {\n  const { rows } = await pool.query('SELECT code, name FROM countries ORDER BY name LIMIT 300');\n  res.json(rows);\n});\nexport default router;\n",
        },
      ],
    },
  },
  code: {
    kinds: ['SourceFile'],
    visit(_node, ctx) {
      const fr = routesOf(ctx.file);
      const seen = new Set<ts.Node>();
      for (const route of fr.routes) {
        const hit = checkRoute(route, ctx.file, fr.functions);
        if (!hit || seen.has(hit.node)) continue; // a helper shared by several routes is reported once
        seen.add(hit.node);
        ctx.report({
          startLine: ctx.file.lineOf(hit.node),
          message:
            `${quoteRoute(route)} returns ${hit.what} with no limit or cursor: the response, the query time and the server's memory grow with the table until requests time out. ` +
            `Page it with a server-side cap, e.g. \`const limit = Math.min(Number(req.query.limit) || 20, 100)\` and ${hit.fixHint}, returning a \`next_cursor\`.`,
        });
      }
    },
  },
});
