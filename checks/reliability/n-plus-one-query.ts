import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import type { CodeFile } from '../../src/analyzers/code/code-file.js';
import { callee, enclosingFunction, unwrap } from '../../src/analyzers/code/ast.js';

const DB_READ = new Set(['query', 'execute', 'find', 'findOne', 'findMany', 'findFirst', 'findUnique', 'findAll', 'findByPk', 'findById', 'findOneBy', 'findBy', 'findOneOrFail', 'findFirstOrThrow', 'findUniqueOrThrow', 'count', 'aggregate', 'select', 'first', 'pluck', '$queryRaw', 'getMany', 'getOne', 'getRawMany', 'findAndCount']);
const HTTP = /^(?:fetch|axios|got|request)$/;
const HTTP_METHOD = /^(?:get|post|put|patch|delete|request)$/;

/** Whether an awaited expression is a database read (or an HTTP call, for the inner side). */
function dbCall(e: ts.Expression, http: boolean): string | undefined {
  const x = unwrap(e);
  if (!ts.isCallExpression(x)) return undefined;
  const c = callee(x);
  if (!c) return undefined;
  if (c.receiverNode && DB_READ.has(c.name)) {
    // Array.prototype.find and friends are synchronous; an awaited call with a receiver is I/O.
    return `${c.receiver ? `${c.receiver.split('.').slice(-1)[0]}.` : ''}${c.name}`;
  }
  if (http && (HTTP.test(c.name) && !c.receiver || (c.receiver && /^(?:axios|got|http|api|client|\w+Client|\w+Api)$/.test(c.receiver.split('.').pop()!) && HTTP_METHOD.test(c.name)))) return c.receiver ? `${c.receiver}.${c.name}` : c.name;
  return undefined;
}

/** Names in the function bound to the result of an awaited database read (`const rows = await …`, `const { rows } = await pool.query(…)`). */
function resultNames(fn: ts.Node, file: CodeFile): Set<string> {
  const names = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && n.initializer && ts.isAwaitExpression(n.initializer) && dbCall(n.initializer.expression, false)) {
      const add = (b: ts.BindingName): void => {
        if (ts.isIdentifier(b)) names.add(b.text);
        else for (const el of b.elements) if (!ts.isOmittedExpression(el)) add(el.name);
      };
      add(n.name);
    }
    if (n !== fn && ts.isFunctionLike(n)) return;
    ts.forEachChild(n, visit);
  };
  visit(fn);
  void file;
  return names;
}

function rootName(e: ts.Expression): string | undefined {
  const x = unwrap(e);
  if (ts.isIdentifier(x)) return x.text;
  if (ts.isPropertyAccessExpression(x)) return rootName(x.expression);
  return undefined;
}

/** The first awaited I/O call in a loop body, not inside a nested function other than the loop callback. */
function awaitedCall(body: ts.Node): { node: ts.Node; what: string } | undefined {
  let hit: { node: ts.Node; what: string } | undefined;
  const visit = (n: ts.Node): void => {
    if (hit) return;
    if (ts.isAwaitExpression(n)) {
      const what = dbCall(n.expression, true);
      if (what) {
        hit = { node: n, what };
        return;
      }
    }
    if (n !== body && ts.isFunctionLike(n)) return;
    ts.forEachChild(n, visit);
  };
  visit(body);
  return hit;
}

function nPlusOne(what: string, root: string): string {
  return `\`${what}\` runs once per row of \`${root}\` (N+1): a page of 500 rows means 501 round trips and holds pool connections for all of them. Load the related data in one call (\`WHERE id = ANY($1)\` with the collected ids, a JOIN, \`include\`, or a DataLoader) and match it up in memory.`;
}

export default defineRule({
  meta: {
    id: 'reliability/n-plus-one-query',
    area: 'reliability',
    severity: 'warning',
    title: 'Query or HTTP call per row of a query result (N+1)',
    guidance: 'Performance Reference › Query Optimization',
    checklist: ['reliability.query-patterns'],
    description:
      'Awaiting a query or HTTP call for each row of another query turns one request into N+1 round trips: fast with ten rows in development, seconds and an exhausted connection pool with a thousand in production. Fetch the related rows in one query (`WHERE id = ANY($1)`, a JOIN, `include`/eager loading, or a DataLoader) and join them in memory.',
    examples: {
      bad: [
        {
          path: 'src/orders/service.ts',
          code: [
            "import { pool } from '../db';",
            '',
            'export async function recentOrders() {',
            "  const { rows: orders } = await pool.query('SELECT id, customer_id FROM orders ORDER BY created_at DESC LIMIT 50');",
            '  for (const order of orders) {',
            "    const { rows } = await pool.query('SELECT name FROM customers WHERE id = $1', [order.customer_id]);",
            '    order.customer = rows[0];',
            '  }',
            '  return orders;',
            '}',
            '',
          ].join('\n'),
        },
      ],
      good: [
        {
          path: 'src/orders/service.ts',
          code: [
            "import { pool } from '../db';",
            '',
            'export async function recentOrders() {',
            "  const { rows: orders } = await pool.query('SELECT id, customer_id FROM orders ORDER BY created_at DESC LIMIT 50');",
            "  const { rows: customers } = await pool.query('SELECT id, name FROM customers WHERE id = ANY($1)', [orders.map((o) => o.customer_id)]);",
            '  const byId = new Map(customers.map((c) => [c.id, c]));',
            '  return orders.map((o) => ({ ...o, customer: byId.get(o.customer_id) }));',
            '}',
            '',
          ].join('\n'),
        },
      ],
    },
  },
  code: {
    kinds: ['ForOfStatement', 'CallExpression'],
    visit(node, ctx) {
      let iterated: ts.Expression;
      let body: ts.Node;
      if (ts.isForOfStatement(node)) {
        iterated = node.expression;
        body = node.statement;
      } else {
        const call = node as ts.CallExpression;
        const c = callee(call);
        const cb = call.arguments[0] && unwrap(call.arguments[0]);
        if (!c || !c.receiverNode || !['map', 'forEach', 'flatMap'].includes(c.name) || !cb || !(ts.isArrowFunction(cb) || ts.isFunctionExpression(cb))) return;
        iterated = c.receiverNode;
        body = cb.body;
        // `rows.map((r) => db.find(...))` inside Promise.all: the call is returned, not awaited.
        const returned = !ts.isBlock(cb.body) ? cb.body : undefined;
        const what = returned ? dbCall(returned, true) : undefined;
        if (what) {
          const root = rootName(iterated);
          const fn = enclosingFunction(node);
          if (root && fn && resultNames(fn, ctx.file).has(root)) {
            ctx.report({ startLine: ctx.file.lineOf(returned!), message: nPlusOne(what, root) });
          }
          return;
        }
        if (!cb.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) return;
      }
      const root = rootName(iterated);
      const fn = enclosingFunction(node);
      if (!root || !fn || !resultNames(fn, ctx.file).has(root)) return;
      const inner = awaitedCall(body);
      if (!inner) return;
      ctx.report({ startLine: ctx.file.lineOf(inner.node), message: nPlusOne(inner.what, root) });
    },
  },
});
