import { defineRule } from '../../src/rule.js';
import { describeLock } from '../../src/analyzers/sql/locks.js';
import { GUIDE, alterCmds, isExisting, tableOf, forwardOnly } from '../../src/analyzers/sql/rule-helpers.js';

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/drop-column',
    area: 'migration',
    severity: 'warning',
    title: 'Column dropped from an existing table',
    guidance: GUIDE.expandContract,
    checklist: ['migration.additive-only'],
    description:
      'DROP COLUMN is quick (no rewrite) but takes an ACCESS EXCLUSIVE lock, destroys the data for good, and breaks every running instance that still selects, inserts or maps the column. Contract last: first deploy code that no longer reads or writes the column (for ORMs, mark it ignored), then drop it in a later migration. Columns of tables created in the same migration are not flagged.',
    examples: {
      bad: [
        { path: 'db/migrations/0010_drop_legacy.sql', code: 'ALTER TABLE users DROP COLUMN legacy_status;\n' },
        { path: 'prisma/migrations/20240402_drop/migration.sql', code: 'ALTER TABLE "User" DROP COLUMN "nickname";\n' },
      ],
      good: [
        { path: 'db/migrations/0010_add.sql', code: 'ALTER TABLE users ADD COLUMN status text;\n' },
        {
          path: 'db/migrations/0011_staging.sql',
          code: 'CREATE TABLE import_rows (id bigint PRIMARY KEY, raw text, tmp text);\nALTER TABLE import_rows DROP COLUMN tmp;\n',
          note: 'The table is new in this migration, so no running code reads the column.',
        },
      ],
    },
  },
  sql: {
    kinds: ['AlterTableStmt'],
    check(stmt, ctx) {
      if (!isExisting(ctx.state, stmt.ast.relation)) return;
      const table = tableOf(stmt);
      for (const cmd of alterCmds(stmt)) {
        if (cmd.subtype !== 'AT_DropColumn') continue;
        ctx.report({
          startLine: stmt.startLine,
          endLine: stmt.endLine,
          message:
            `Dropping \`${table}.${cmd.name}\` ${describeLock('dropColumn', table)} while it waits and runs, and deletes the data for good; every running instance that still selects, inserts or maps the column starts failing at once. ` +
            `Contract last: ship code that no longer reads or writes \`${cmd.name}\` (ignore it in the ORM model) first, then drop it in a later deploy with \`SET lock_timeout\` in front.`,
        });
      }
    },
  },
}));
