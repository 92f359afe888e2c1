import { defineRule } from '../../src/rule.js';
import { describeLock } from '../../src/analyzers/sql/locks.js';
import { GUIDE, isExisting, tableOf, forwardOnly, quoteIdent } from '../../src/analyzers/sql/rule-helpers.js';

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/rename-column',
    area: 'migration',
    severity: 'error',
    title: 'Column renamed on an existing table',
    guidance: GUIDE.expandContract,
    checklist: ['migration.additive-only'],
    description:
      'RENAME COLUMN is instant, but the code that is running during the deploy still uses the old name, so its queries fail until every instance is replaced. Use expand-contract: add the new column, write both, backfill in batches, switch reads, then drop the old column later.',
    examples: {
      bad: [
        { path: 'db/migrations/0016_rename.sql', code: 'ALTER TABLE users RENAME COLUMN username TO handle;\n' },
        { path: 'prisma/migrations/20240501_rename/migration.sql', code: 'ALTER TABLE "Post" RENAME COLUMN "body" TO "content";\n' },
      ],
      good: [
        { path: 'db/migrations/0016_expand.sql', code: 'ALTER TABLE users ADD COLUMN handle text;\n' },
        {
          path: 'db/migrations/0017_new.sql',
          code: 'CREATE TABLE invites (id bigint PRIMARY KEY, mail text);\nALTER TABLE invites RENAME COLUMN mail TO email;\n',
          note: 'The table is new, so no running code uses the old name.',
        },
      ],
    },
  },
  sql: {
    kinds: ['RenameStmt'],
    check(stmt, ctx) {
      const a = stmt.ast;
      if (a.renameType !== 'OBJECT_COLUMN' || a.relationType !== 'OBJECT_TABLE' || !isExisting(ctx.state, a.relation)) return;
      const table = tableOf(stmt);
      ctx.report({
        startLine: stmt.startLine,
        endLine: stmt.endLine,
        message:
          `Renaming \`${table}.${a.subname}\` to \`${a.newname}\` ${describeLock('renameColumn', table)} for a moment, and then every running instance that still uses \`${a.subname}\` fails until it is replaced. ` +
          `Expand-contract instead: \`ALTER TABLE ${quoteIdent(table)} ADD COLUMN ${quoteIdent(a.newname)} …;\`, write both columns, backfill \`${a.newname}\` in batches, move reads to it, and drop \`${a.subname}\` in a later deploy.`,
      });
    },
  },
}));
