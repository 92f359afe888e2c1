import { defineRule } from '../../src/rule.js';
import { describeLock, lockName, lockOf } from '../../src/analyzers/sql/locks.js';
import { GUIDE, alterCmds, isExisting, notValidFix, quoteIdent, tableOf, tableSql, forwardOnly } from '../../src/analyzers/sql/rule-helpers.js';

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/add-foreign-key-validating',
    area: 'migration',
    severity: 'error',
    title: 'Foreign key validated while it is added to an existing table',
    guidance: GUIDE.onlineDdl,
    checklist: ['migration.short-locks'],
    description:
      'ADD FOREIGN KEY checks every existing row while it holds a SHARE ROW EXCLUSIVE lock on both the table and the referenced table, so writes to both stop for the whole scan. Add the constraint NOT VALID (instant: only new rows are checked), then VALIDATE CONSTRAINT in a separate step, which takes a weaker lock that lets reads and writes continue. Foreign keys on tables created in the same migration (or by a migration file the same pull request adds) are not flagged.',
    examples: {
      bad: [
        {
          path: 'db/migrations/0060_fk.sql',
          code: 'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);\n',
        },
        {
          path: 'prisma/migrations/20240701_fk/migration.sql',
          code: '-- AddForeignKey\nALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;\n',
          note: 'Inside the Prisma transaction the fix adds NOT VALID; VALIDATE goes in the next migration.',
        },
      ],
      good: [
        {
          path: 'db/migrations/0060_fk.sql',
          code: 'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;\n',
        },
        {
          path: 'prisma/migrations/20240702_init/migration.sql',
          code: 'CREATE TABLE "Comment" ("id" BIGSERIAL NOT NULL, "postId" BIGINT NOT NULL, CONSTRAINT "Comment_pkey" PRIMARY KEY ("id"));\nALTER TABLE "Comment" ADD CONSTRAINT "Comment_postId_fkey" FOREIGN KEY ("postId") REFERENCES "Post"("id") ON DELETE CASCADE ON UPDATE CASCADE;\n',
          note: 'The referencing table is created in the same migration, so there is nothing to scan.',
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
        if (cmd.subtype !== 'AT_AddConstraint') continue;
        const c = cmd.def?.Constraint;
        if (c?.contype !== 'CONSTR_FOREIGN' || c.skip_validation) continue;
        const ref = String(c.pktable?.relname ?? '').toLowerCase();
        const name = c.conname ? quoteIdent(String(c.conname)) : '<constraint>';
        const validate = `ALTER TABLE ${tableSql(stmt)} VALIDATE CONSTRAINT ${name};`;
        const where = ctx.state.inTransaction ? ' in a later migration (in the same transaction it would keep the first lock)' : ' as the next statement';
        ctx.report({
          startLine: stmt.startLine,
          endLine: stmt.endLine,
          message:
            `Adding this foreign key checks every row of \`${table}\` and ${describeLock('addForeignKey', table)}, for the whole scan; \`${ref}\` gets the same lock. ` +
            `Add it with \`NOT VALID\` (only new rows are checked, so it is instant), then run \`${validate}\`${where}: validation takes a ${lockName(lockOf('validateConstraint').mode)} lock that lets reads and writes continue.`,
          fix: notValidFix(ctx.migration, stmt, ctx.state, c.conname),
        });
      }
    },
  },
}));
