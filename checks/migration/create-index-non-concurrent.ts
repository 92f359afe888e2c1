import { defineRule } from '../../src/rule.js';
import { lockName, lockOf } from '../../src/analyzers/sql/locks.js';
import { relationName } from '../../src/analyzers/sql/migration.js';
import { rewriteLines } from '../../src/analyzers/sql/fix.js';

export default defineRule({
  meta: {
    id: 'migration/create-index-non-concurrent',
    area: 'migration',
    severity: 'error',
    title: 'Index built without CONCURRENTLY on an existing table',
    guidance: 'Database Schema Design Reference › Online DDL Safety',
    checklist: ['migration.concurrent-indexes'],
    description:
      'A plain CREATE INDEX holds a SHARE lock on the table for the whole build, so every INSERT, UPDATE and DELETE waits until it finishes: minutes of failed writes on a large table. CREATE INDEX CONCURRENTLY builds the index without blocking writes; it cannot run inside a transaction, so give it a migration of its own. Tables created earlier in the same migration are empty and are not flagged.',
    examples: {
      bad: [
        { path: 'db/migrations/0002_orders_email.sql', code: 'CREATE INDEX orders_email_idx ON orders (email);\n' },
        { path: 'prisma/migrations/20240101_idx/migration.sql', code: 'CREATE UNIQUE INDEX "users_email_key" ON "users"("email");\n' },
      ],
      good: [
        { path: 'db/migrations/0002_orders_email.sql', code: 'CREATE INDEX CONCURRENTLY orders_email_idx ON orders (email);\n' },
        {
          path: 'db/migrations/0001_orders.sql',
          code: 'CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text);\nCREATE INDEX orders_email_idx ON orders (email);\n',
          note: 'The table is created in the same migration, so it is empty and the lock blocks nobody.',
        },
      ],
    },
  },
  sql: {
    kinds: ['IndexStmt'],
    check(stmt, ctx) {
      const a = stmt.ast;
      if (a.concurrent || ctx.state.isNewTable(a.relation)) return;
      const table = relationName(a.relation);
      const lock = lockOf('createIndex');
      const inTx = ctx.state.inTransaction
        ? ' This migration runs inside a transaction, so move the statement to a migration that does not (CONCURRENTLY cannot run in one).'
        : '';
      ctx.report({
        startLine: stmt.startLine,
        endLine: stmt.endLine,
        message:
          `\`CREATE INDEX\` on the existing table \`${table}\` takes a ${lockName(lock.mode)} lock for the whole build, blocking ${lock.blocks} until it finishes. ` +
          `Build it with \`CREATE INDEX CONCURRENTLY\`, which lets writes continue.${inTx}`,
        fix: rewriteLines(ctx.migration.lines, stmt.startLine, stmt.endLine, /\b(CREATE\s+(?:UNIQUE\s+)?INDEX)(?!\s+CONCURRENTLY)\b/i, '$1 CONCURRENTLY'),
      });
    },
  },
});
