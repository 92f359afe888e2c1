import { defineRule } from '../../src/rule.js';
import type { Migration } from '../../src/analyzers/sql/migration.js';

interface Uses {
  /** Statement indexes that mention each string literal, ascending. */
  byLiteral: Map<string, number[]>;
  /** Indexes of COMMIT / ROLLBACK statements, ascending. */
  ends: number[];
}
const usesCache = new WeakMap<Migration, Uses>();

/**
 * Which statements mention which string literals, computed once per migration (one pass
 * over the text), so checking many ADD VALUEs stays linear.
 */
function usesOf(m: Migration): Uses {
  let u = usesCache.get(m);
  if (u) return u;
  u = { byLiteral: new Map(), ends: [] };
  for (const s of m.statements) {
    if (s.kind === 'TransactionStmt') {
      if (s.ast.kind === 'TRANS_STMT_COMMIT' || s.ast.kind === 'TRANS_STMT_ROLLBACK') u.ends.push(s.index);
      continue;
    }
    if (!s.text.includes("'")) continue;
    for (const match of s.text.matchAll(/'(?:[^']|'')*'/g)) {
      const list = u.byLiteral.get(match[0]);
      if (!list) u.byLiteral.set(match[0], [s.index]);
      else if (list[list.length - 1] !== s.index) list.push(s.index);
    }
  }
  usesCache.set(m, u);
  return u;
}

/** First value in an ascending list greater than `after`. */
function firstAfter(list: number[] | undefined, after: number): number | undefined {
  if (!list) return undefined;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] <= after) lo = mid + 1;
    else hi = mid;
  }
  return list[lo];
}
import { GUIDE, names, transactionCause, forwardOnly } from '../../src/analyzers/sql/rule-helpers.js';

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/enum-type',
    area: 'migration',
    severity: 'notice',
    title: 'Postgres enum type',
    guidance: GUIDE.dataTypes,
    checklist: ['migration.schema-defaults'],
    description:
      'An enum value can be added but never removed or reordered without recreating the type and rewriting every table that uses it, and code deployed before a new value exists breaks when it reads one. A CHECK constraint (for a few fixed values) or a lookup table (for values that change) is easier to evolve. ALTER TYPE … ADD VALUE is reported as an error when it runs inside a transaction on Postgres before 12 (which refuses it), or when the same transaction then uses the new value (which Postgres rejects until commit).',
    examples: {
      bad: [
        { path: 'db/migrations/0110_status.sql', code: "CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped');\n" },
        {
          path: 'db/migrations/0111_status.sql',
          code: "BEGIN;\nALTER TYPE order_status ADD VALUE 'refunded';\nUPDATE orders SET status = 'refunded' WHERE id = 42;\nCOMMIT;\n",
          note: 'The new value cannot be used before the transaction commits.',
        },
        {
          path: 'prisma/migrations/20240804_status/migration.sql',
          code: "ALTER TYPE \"Status\" ADD VALUE 'ARCHIVED';\n",
          config: { migrations: { postgres_version: 11 } },
        },
      ],
      good: [
        { path: 'db/migrations/0110_status.sql', code: "CREATE TABLE orders (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  status text NOT NULL CHECK (status IN ('pending', 'paid', 'shipped'))\n);\n" },
        { path: 'db/migrations/0112_status.sql', code: "ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded';\n", note: 'Outside a transaction (or on Postgres 12+ without using it in the same transaction).' },
      ],
    },
  },
  sql: {
    kinds: ['CreateEnumStmt', 'AlterEnumStmt'],
    check(stmt, ctx) {
      const a = stmt.ast;
      const type = String(a.typeName?.[a.typeName.length - 1]?.String?.sval ?? '');
      if (stmt.kind === 'CreateEnumStmt') {
        ctx.report({
          startLine: stmt.startLine,
          endLine: stmt.endLine,
          message:
            `\`${type}\` is an enum type: values can be added but never removed or renamed safely, and code deployed before a new value exists fails when it reads one. ` +
            'For a few fixed values use a text column with `CHECK (col IN (…))`; for values that change, a lookup table with a foreign key.',
        });
        return;
      }
      if (!a.newVal || a.oldVal || !ctx.state.inTransaction) return;
      const m = ctx.migration;
      const pg = ctx.state.postgresVersion;
      if (pg < 12) {
        ctx.report({
          startLine: stmt.startLine,
          endLine: stmt.endLine,
          severity: 'error',
          message: `\`ALTER TYPE ${type} ADD VALUE\` cannot run inside a transaction block before Postgres 12 (configured: ${pg}), and ${transactionCause(m, ctx.state)}: the deploy fails here. Run it in a migration of its own, outside a transaction.`,
        });
        return;
      }
      const literal = `'${String(a.newVal).replace(/'/g, "''")}'`;
      const uses = usesOf(m);
      const useIndex = firstAfter(uses.byLiteral.get(literal), stmt.index);
      if (useIndex === undefined) return;
      const end = firstAfter(uses.ends, stmt.index);
      if (end !== undefined && end < useIndex) return; // committed before the value is used
      const user = m.statements[useIndex];
      if (!user) return;
      ctx.report({
        startLine: stmt.startLine,
        endLine: stmt.endLine,
        severity: 'error',
        message: `The value ${literal} added to \`${type}\` here is used on line ${user.startLine} in the same transaction; Postgres rejects that ("unsafe use of new value") until the transaction commits, so the deploy fails. Add the value in its own migration and use it in a later one.`,
      });
    },
  },
}));
