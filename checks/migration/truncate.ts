import { defineRule } from '../../src/rule.js';
import { describeLock } from '../../src/analyzers/sql/locks.js';
import { GUIDE, forwardOnly } from '../../src/analyzers/sql/rule-helpers.js';

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/truncate',
    area: 'migration',
    severity: 'warning',
    title: 'TRUNCATE of an existing table',
    guidance: GUIDE.checklist,
    checklist: ['migration.additive-only'],
    description:
      'TRUNCATE takes an ACCESS EXCLUSIVE lock and deletes every row at once, with no way back but a restore; migrations re-run on other environments do the same there. With CASCADE it also empties every table with a foreign key to it, which is reported as an error. Delete the rows you mean to remove in batches instead, or drop the table in a later deploy. Tables created in the same migration are not flagged.',
    examples: {
      bad: [
        { path: 'db/migrations/0021_reset.sql', code: 'TRUNCATE sessions;\n' },
        { path: 'db/migrations/0022_reset.sql', code: 'TRUNCATE TABLE accounts CASCADE;\n', note: 'Reported as an error: every referencing table is emptied too.' },
      ],
      good: [
        { path: 'db/migrations/0023_batch.sql', code: "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at < now() LIMIT 5000);\n" },
        {
          path: 'db/migrations/0024_scratch.sql',
          code: 'CREATE TABLE scratch (id bigint PRIMARY KEY);\nTRUNCATE scratch;\n',
          note: 'A table created in the same migration.',
        },
      ],
    },
  },
  sql: {
    kinds: ['TruncateStmt'],
    check(stmt, ctx) {
      const a = stmt.ast;
      const tables = (a.relations ?? []).map((r: any) => r.RangeVar).filter((r: any) => r && !ctx.state.isNewTable(r));
      if (tables.length === 0) return;
      const list = tables.map((r: any) => String(r.relname).toLowerCase());
      const cascade = a.behavior === 'DROP_CASCADE';
      ctx.report({
        startLine: stmt.startLine,
        endLine: stmt.endLine,
        severity: cascade ? 'error' : undefined,
        message:
          `\`TRUNCATE ${list.join(', ')}\` ${describeLock('truncate', list[0])}, and deletes every row with no way back but a restore` +
          (cascade ? '; CASCADE also empties every table that has a foreign key to it.' : '.') +
          ' Delete only the rows you mean to, in batches (`DELETE … WHERE id IN (SELECT id … LIMIT 5000)` repeated), or stop using the table and drop it in a later deploy.',
      });
    },
  },
}));
