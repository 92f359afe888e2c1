import { defineRule } from '../../src/rule.js';
import { describeLock } from '../../src/analyzers/sql/locks.js';
import { GUIDE, alterCmds, isExisting, notValidFix, quoteIdent, tableOf, tableSql, forwardOnly } from '../../src/analyzers/sql/rule-helpers.js';

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/add-check-validating',
    area: 'migration',
    severity: 'error',
    title: 'CHECK constraint validated while it is added to an existing table',
    guidance: GUIDE.onlineDdl,
    checklist: ['migration.short-locks'],
    description:
      'ADD CONSTRAINT … CHECK reads every existing row while it holds an ACCESS EXCLUSIVE lock, so reads and writes stop for the whole scan. Add it NOT VALID (instant; new rows are checked from then on) and VALIDATE CONSTRAINT separately, which lets reads and writes continue. Checks on tables created in the same migration are not flagged.',
    examples: {
      bad: [
        { path: 'db/migrations/0061_check.sql', code: 'ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total_cents >= 0);\n' },
        {
          path: 'db/migrations/0062_check.sql',
          code: 'BEGIN;\nALTER TABLE users ADD CONSTRAINT users_email_lower CHECK (email = lower(email));\nCOMMIT;\n',
        },
      ],
      good: [
        {
          path: 'db/migrations/0061_check.sql',
          code: 'ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total_cents >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;\n',
        },
        {
          path: 'db/migrations/0063_new.sql',
          code: 'CREATE TABLE coupons (id bigint PRIMARY KEY, percent int);\nALTER TABLE coupons ADD CONSTRAINT coupons_percent_range CHECK (percent BETWEEN 0 AND 100);\n',
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
        if (c?.contype !== 'CONSTR_CHECK' || c.skip_validation) continue;
        const name = c.conname ? quoteIdent(String(c.conname)) : '<constraint>';
        const validate = `ALTER TABLE ${tableSql(stmt)} VALIDATE CONSTRAINT ${name};`;
        const where = ctx.state.inTransaction ? ' in a later migration (in the same transaction the first lock would still be held)' : ' as the next statement';
        ctx.report({
          startLine: stmt.startLine,
          endLine: stmt.endLine,
          message:
            `Adding this CHECK reads every row of \`${table}\` and ${describeLock('addCheck', table)} for the whole scan. ` +
            `Add it with \`NOT VALID\` (instant; new rows are checked from then on), then run \`${validate}\`${where}: validation lets reads and writes continue.`,
          fix: notValidFix(ctx.migration, stmt, ctx.state, c.conname),
        });
      }
    },
  },
}));
