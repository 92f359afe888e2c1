import { defineRule } from '../../src/rule.js';
import { describeLock } from '../../src/analyzers/sql/locks.js';
import { GUIDE, isExisting, tableOf, forwardOnly, quoteIdent } from '../../src/analyzers/sql/rule-helpers.js';

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/rename-table',
    area: 'migration',
    severity: 'error',
    title: 'Existing table renamed',
    guidance: GUIDE.expandContract,
    checklist: ['migration.additive-only'],
    description:
      'ALTER TABLE … RENAME TO is instant, but the code that is running during the deploy still queries the old name and fails until every instance is replaced. Rename in steps: create the new name as a view over the old table (or the other way round), move the code over, then rename and drop the view in a later deploy.',
    examples: {
      bad: [
        { path: 'db/migrations/0018_rename.sql', code: 'ALTER TABLE customer RENAME TO customers;\n' },
        { path: 'db/migrations/0019_rename.sql', code: 'ALTER TABLE IF EXISTS public.line_item RENAME TO order_lines;\n' },
      ],
      good: [
        { path: 'db/migrations/0018_view.sql', code: 'CREATE VIEW customers AS SELECT * FROM customer;\n' },
        {
          path: 'db/migrations/0020_swap.sql',
          code: 'CREATE TABLE orders_new (id bigint PRIMARY KEY);\nALTER TABLE orders_new RENAME TO orders_v2;\n',
          note: 'The table is new in this migration.',
        },
      ],
    },
  },
  sql: {
    kinds: ['RenameStmt'],
    check(stmt, ctx) {
      const a = stmt.ast;
      if (a.renameType !== 'OBJECT_TABLE' || !isExisting(ctx.state, a.relation)) return;
      const table = tableOf(stmt);
      ctx.report({
        startLine: stmt.startLine,
        endLine: stmt.endLine,
        message:
          `Renaming \`${table}\` to \`${a.newname}\` ${describeLock('renameTable', table)} for a moment, and then every running instance that still queries \`${table}\` fails until it is replaced. ` +
          `Do it in steps: \`CREATE VIEW ${quoteIdent(a.newname)} AS SELECT * FROM ${quoteIdent(table)};\`, move the code to \`${a.newname}\`, then in a later deploy drop the view and rename the table.`,
      });
    },
  },
}));
