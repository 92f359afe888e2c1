import { defineRule } from '../../src/rule.js';
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
      const user = m.statements.slice(stmt.index + 1).find((s) => s.text.includes(literal) && s.kind !== 'TransactionStmt');
      const committed = m.statements.slice(stmt.index + 1, user ? user.index : stmt.index + 1).some(
        (s) => s.kind === 'TransactionStmt' && (s.ast.kind === 'TRANS_STMT_COMMIT' || s.ast.kind === 'TRANS_STMT_ROLLBACK'),
      );
      if (!user || committed || m.runnerTransaction === false && !ctx.state.explicitTransaction) return;
      ctx.report({
        startLine: stmt.startLine,
        endLine: stmt.endLine,
        severity: 'error',
        message: `The value ${literal} added to \`${type}\` here is used on line ${user.startLine} in the same transaction; Postgres rejects that ("unsafe use of new value") until the transaction commits, so the deploy fails. Add the value in its own migration and use it in a later one.`,
      });
    },
  },
}));
