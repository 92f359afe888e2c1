import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import { callee, chainText, nameOf, numberValue, unwrap } from '../../src/analyzers/code/ast.js';

const LIMIT = 50;
const ALWAYS = new Set(['connectionLimit', 'poolSize', 'maxPoolSize', 'maxConnections', 'max_connections', 'connection_limit']);
const POOL_CONSTRUCTORS = /^(?:Pool|pg\.Pool|createPool|mysql\.createPool|genericPool\.createPool)$/;

/** Whether a `max` property belongs to a connection pool configuration. */
function poolMax(obj: ts.ObjectLiteralExpression): boolean {
  const owner = obj.parent;
  if (!owner) return false;
  if (ts.isPropertyAssignment(owner)) return /^(?:pool|extra|connectionPool)$/.test(nameOf(owner.name) ?? '');
  if (ts.isNewExpression(owner)) return POOL_CONSTRUCTORS.test(chainText(owner.expression) ?? '');
  if (ts.isCallExpression(owner)) {
    const c = callee(owner);
    return !!c && POOL_CONSTRUCTORS.test(c.receiver ? `${c.receiver}.${c.name}` : c.name);
  }
  return false;
}

export default defineRule({
  meta: {
    id: 'reliability/oversized-pool',
    area: 'reliability',
    severity: 'warning',
    title: 'Database connection pool larger than 50',
    guidance: 'Performance Reference › Connection Pooling',
    checklist: ['reliability.query-patterns'],
    description:
      'Each connection costs the database memory and a backend process, and past a few per CPU core more connections only add lock and scheduler contention. Multiplied by the number of instances, a pool above 50 per process exhausts `max_connections` during a deploy or scale-out and makes queries slower, not faster. Start near `cores * 2`, measure pool wait time, and put PgBouncer in front when many instances share a database.',
    examples: {
      bad: [{ path: 'src/db.ts', code: "import { Pool } from 'pg';\n\nexport const pool = new Pool({\n  connectionString: process.env.DATABASE_URL,\n  max: 200,\n});\n" }],
      good: [
        { path: 'src/db.ts', code: "import { Pool } from 'pg';\n\nexport const pool = new Pool({\n  connectionString: process.env.DATABASE_URL,\n  max: 20,\n});\n" },
        { path: 'src/http/limits.ts', code: "export const rateLimit = { windowMs: 60_000, max: 300 };\n", note: 'Not a pool.' },
      ],
    },
  },
  code: {
    kinds: ['PropertyAssignment'],
    visit(node, ctx) {
      const p = node as ts.PropertyAssignment;
      const key = nameOf(p.name);
      if (!key || !ts.isObjectLiteralExpression(p.parent)) return;
      if (!ALWAYS.has(key) && !(key === 'max' && poolMax(p.parent))) return;
      const size = numberValue(unwrap(p.initializer), ctx.file);
      if (size === undefined || size <= LIMIT) return;
      ctx.report({
        startLine: ctx.file.lineOf(p),
        message: `A pool of ${size} connections per process, times the number of instances, can exhaust the database’s \`max_connections\` on a deploy or scale-out, and beyond a few connections per core queries only get slower from contention. Start near \`cores * 2\` (\`${key}: 20\` or less), watch pool wait time, and use PgBouncer when many instances share the database.`,
      });
    },
  },
});
