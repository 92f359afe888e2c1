import { defineRule } from '../../src/rule.js';
import { describeLock } from '../../src/analyzers/sql/locks.js';
import { relationName } from '../../src/analyzers/sql/migration.js';
import { rewriteLines } from '../../src/analyzers/sql/fix.js';
import { GUIDE, isExisting, noTransactionAdvice, tableOf, tableSql, transactionCause, forwardOnly } from '../../src/analyzers/sql/rule-helpers.js';

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/create-index-non-concurrent',
    area: 'migration',
    severity: 'error',
    title: 'Index built without CONCURRENTLY on an existing table',
    guidance: GUIDE.onlineDdl,
    checklist: ['migration.concurrent-indexes'],
    description:
      'A plain CREATE INDEX holds a SHARE lock on the table for the whole build, so every INSERT, UPDATE and DELETE waits until it finishes: minutes of failed writes on a large table. CREATE INDEX CONCURRENTLY builds the index without blocking writes; it cannot run inside a transaction, so give it a migration of its own. Tables created earlier in the same migration (or by a migration file the same pull request adds) are empty and are not flagged, and neither is `ON ONLY` on a partitioned table (which cannot be built concurrently).',
    examples: {
      bad: [
        { path: 'db/migrations/0002_orders_email.sql', code: 'CREATE INDEX orders_email_idx ON orders (email);\n' },
        { path: 'prisma/migrations/20240101_idx/migration.sql', code: 'CREATE UNIQUE INDEX "users_email_key" ON "users"("email");\n' },
        {
          path: 'db/migrations/0004_events_kind.sql',
          code: 'CREATE INDEX events_kind_idx ON events (kind);\n',
          files: { 'db/migrations/0001_events.sql': 'CREATE TABLE events (id bigint, kind text, at timestamptz NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);\n' },
          note: 'A partitioned table (known from the earlier migration): no CONCURRENTLY fix, the per-partition sequence instead.',
        },
      ],
      good: [
        { path: 'db/migrations/0002_orders_email.sql', code: 'CREATE INDEX CONCURRENTLY orders_email_idx ON orders (email);\n' },
        {
          path: 'db/migrations/0001_orders.sql',
          code: 'CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text);\nCREATE INDEX orders_email_idx ON orders (email);\n',
          note: 'The table is created in the same migration, so it is empty and the lock blocks nobody.',
        },
        {
          path: 'db/migrations/0003_events_idx.sql',
          code: 'CREATE INDEX events_created_idx ON ONLY events (created_at);\n',
          note: 'ON ONLY creates an invalid parent index on a partitioned table, a catalog-only step; the partitions are indexed concurrently and attached afterwards.',
        },
      ],
    },
  },
  sql: {
    kinds: ['IndexStmt'],
    check(stmt, ctx) {
      const a = stmt.ast;
      if (a.concurrent || !isExisting(ctx.state, a.relation) || !a.relation?.inh) return;
      const table = relationName(a.relation);
      const shown = tableOf(stmt);
      const m = ctx.migration;
      // Flyway runs a file of nothing but CONCURRENTLY statements outside a transaction.
      const flywayAlone = m.framework === 'flyway' && !ctx.state.explicitTransaction && m.statements.length === 1;
      const partitioned = ctx.state.schema.table(table)?.partitioned === true;
      if (partitioned) {
        ctx.report({
          startLine: stmt.startLine,
          endLine: stmt.endLine,
          message:
            `\`CREATE INDEX\` on the partitioned table \`${shown}\` ${describeLock('createIndex', shown)} and on every partition for the whole build, and Postgres cannot build it CONCURRENTLY. ` +
            `Create it \`ON ONLY ${tableSql(stmt)}\` (catalog only), build each partition's index with \`CREATE INDEX CONCURRENTLY\`, then \`ALTER INDEX … ATTACH PARTITION …\` each one.`,
        });
        return;
      }
      const canFix = !ctx.state.inTransaction || flywayAlone;
      const inTx = canFix
        ? ''
        : ` CONCURRENTLY cannot run inside a transaction and ${transactionCause(m, ctx.state)}: ${noTransactionAdvice(m, ctx.state).replace(/^./, (c) => c.toLowerCase())}.`;
      ctx.report({
        startLine: stmt.startLine,
        endLine: stmt.endLine,
        message:
          `\`CREATE INDEX\` on the existing table \`${shown}\` ${describeLock('createIndex', shown)} for the whole build. ` +
          `Build it with \`CREATE INDEX CONCURRENTLY\`, which lets writes continue (if it fails, drop the INVALID index it leaves and retry).${inTx}`,
        fix: canFix
          ? rewriteLines(m.lines, stmt.startLine, stmt.endLine, /\b(CREATE\s+(?:UNIQUE\s+)?INDEX)(?!\s+CONCURRENTLY)\b/i, '$1 CONCURRENTLY')
          : undefined,
      });
    },
  },
}));
