import { defineRule } from '../../src/rule.js';
import { describeLock } from '../../src/analyzers/sql/locks.js';
import { GUIDE, names, forwardOnly } from '../../src/analyzers/sql/rule-helpers.js';

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/drop-table',
    area: 'migration',
    severity: 'warning',
    title: 'Existing table dropped',
    guidance: GUIDE.expandContract,
    checklist: ['migration.additive-only'],
    description:
      'DROP TABLE takes an ACCESS EXCLUSIVE lock, deletes the data with no way back but a restore, and breaks every running instance that still queries the table. Stop reading and writing it in code first, deploy, keep a backup or a renamed copy for a while, then drop it in a later migration. Tables created earlier in the same migration are not flagged.',
    examples: {
      bad: [
        { path: 'db/migrations/0012_drop_sessions.sql', code: 'DROP TABLE legacy_sessions;\n' },
        { path: 'db/migrations/0013_drop.sql', code: 'DROP TABLE IF EXISTS audit_events CASCADE;\n' },
      ],
      good: [
        {
          path: 'db/migrations/0014_tmp.sql',
          code: 'CREATE TABLE tmp_backfill (id bigint PRIMARY KEY);\nINSERT INTO tmp_backfill SELECT id FROM orders WHERE id < 1000;\nDROP TABLE tmp_backfill;\n',
          note: 'A scratch table created in the same migration.',
        },
        { path: 'db/migrations/0015_view.sql', code: 'DROP VIEW IF EXISTS order_totals;\n' },
      ],
    },
  },
  sql: {
    kinds: ['DropStmt'],
    check(stmt, ctx) {
      const a = stmt.ast;
      if (a.removeType !== 'OBJECT_TABLE') return;
      const tables = (a.objects ?? []).map((o: any) => names(o?.List?.items).pop() ?? '').filter((t: string) => t && !ctx.state.isNewTable(t));
      if (tables.length === 0) return;
      const cascade = a.behavior === 'DROP_CASCADE' ? ' CASCADE also drops the views and foreign keys that depend on it.' : '';
      ctx.report({
        startLine: stmt.startLine,
        endLine: stmt.endLine,
        message:
          `Dropping \`${tables.join('`, `')}\` ${describeLock('dropTable', tables[0])}, deletes its data for good, and breaks any running instance that still queries it.${cascade} ` +
          'Remove every read and write from the code and deploy that first; keep a backup (or rename the table and drop it a release later), then drop it in its own migration.',
      });
    },
  },
}));
