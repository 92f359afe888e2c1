import { defineRule } from '../../src/rule.js';
import { addColumnScans, describeLock } from '../../src/analyzers/sql/locks.js';
import { GUIDE, alterCmds, isExisting, laterStep, laterTransactionAdvice, notValidAddInSameTransaction, notValidFix, quoteIdent, tableOf, tableSql, forwardOnly } from '../../src/analyzers/sql/rule-helpers.js';
import { defaultConstraintName } from './add-foreign-key-validating.js';

/** The text of the statement's only `CHECK (…)`, or undefined when there is not exactly one or it cannot be delimited. */
function onlyCheckText(text: string): string | undefined {
  const starts = [...text.matchAll(/\bCHECK\s*\(/gi)];
  if (starts.length !== 1) return undefined;
  const open = starts[0].index! + starts[0][0].length - 1;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'" || ch === '"') {
      const close = text.indexOf(ch, i + 1);
      if (close === -1) return undefined;
      i = close;
    } else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return /'/.test(text.slice(open, i + 1)) ? `CHECK ${text.slice(open, i + 1)}` : `CHECK ${text.slice(open, i + 1).replace(/\s+/g, ' ')}`;
  }
  return undefined;
}

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/add-check-validating',
    area: 'migration',
    severity: 'error',
    title: 'CHECK constraint validated while it is added to an existing table',
    guidance: GUIDE.onlineDdl,
    checklist: ['migration.short-locks'],
    description:
      'ADD CONSTRAINT … CHECK reads every existing row while it holds an ACCESS EXCLUSIVE lock, so reads and writes stop for the whole scan. Add it NOT VALID (instant; new rows are checked from then on) and VALIDATE CONSTRAINT separately, which lets reads and writes continue. A CHECK written inside `ADD COLUMN` is verified the same way, against every row, under the ACCESS EXCLUSIVE lock of ADD COLUMN, even though the new column is NULL everywhere. A VALIDATE that runs in the same transaction as its ADD … NOT VALID is flagged too: the ACCESS EXCLUSIVE lock of the ADD is still held during the scan. Checks on tables created in the same migration are not flagged.',
    examples: {
      bad: [
        { path: 'db/migrations/0061_check.sql', code: 'ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total_cents >= 0);\n' },
        {
          path: 'db/migrations/0062_check.sql',
          code: 'BEGIN;\nALTER TABLE users ADD CONSTRAINT users_email_lower CHECK (email = lower(email));\nCOMMIT;\n',
        },
        {
          path: 'db/migrations/0066_discount.sql',
          code: "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN discount_pct int CHECK (discount_pct BETWEEN 0 AND 100);\n",
          note: 'The new column is NULL everywhere, yet Postgres still reads every row to verify the CHECK.',
        },
        {
          path: 'db/migrations/0067_total_check.sql',
          code: "BEGIN;\nSET LOCAL lock_timeout = '5s';\nALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total_cents >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;\nCOMMIT;\n",
          note: 'Inside one transaction the ACCESS EXCLUSIVE lock of the ADD is held through the validation scan.',
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
        {
          path: 'db/migrations/0066_discount.sql',
          code: "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN discount_pct int;\nALTER TABLE orders ADD CONSTRAINT orders_discount_pct_check CHECK (discount_pct BETWEEN 0 AND 100) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_discount_pct_check;\n",
          note: 'The safe sequence: plain ADD COLUMN, the CHECK added NOT VALID, then VALIDATE.',
        },
        {
          path: 'db/migrations/0067_total_check.sql',
          code: "BEGIN;\nSET LOCAL lock_timeout = '5s';\nALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total_cents >= 0) NOT VALID;\nCOMMIT;\nALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;\n",
          note: 'VALIDATE after the COMMIT no longer holds the first lock.',
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
        for (const found of addColumnScans(cmd)) {
          if (found.kind !== 'check') continue;
          const column = String(found.def.colname);
          const conname = found.constraint.conname ? String(found.constraint.conname) : defaultConstraintName(String(stmt.ast.relation?.relname ?? ''), column, 'check');
          const name = conname ? quoteIdent(conname) : '<constraint>';
          const check = onlyCheckText(stmt.text) ?? 'CHECK (…)';
          const where = laterStep(ctx.migration, ctx.state);
          ctx.report({
            startLine: stmt.startLine,
            endLine: stmt.endLine,
            message:
              `A CHECK declared in ADD COLUMN is verified against every existing row of \`${table}\` (even when the new column is NULL everywhere), while this ALTER TABLE ${describeLock('addColumnCheck', table)} for the whole scan. ` +
              `Add \`${column}\` without the CHECK, then \`ALTER TABLE ${tableSql(stmt)} ADD CONSTRAINT ${name} ${check} NOT VALID;\` (instant; new rows are checked from then on), then \`ALTER TABLE ${tableSql(stmt)} VALIDATE CONSTRAINT ${name};\`${where}: validation lets reads and writes continue.`,
          });
        }
        if (cmd.subtype === 'AT_ValidateConstraint' && cmd.name) {
          const same = notValidAddInSameTransaction(ctx.migration, stmt, ctx.state, String(cmd.name));
          if (same && same.constraint.contype === 'CONSTR_CHECK') {
            ctx.report({
              startLine: stmt.startLine,
              endLine: stmt.endLine,
              message:
                `This VALIDATE runs in the same transaction as the \`ADD CONSTRAINT ${quoteIdent(String(cmd.name))} … NOT VALID\` on line ${same.stmt.startLine}, which still ${describeLock('addCheckNotValid', table)}: the validation scan runs under that lock, as if NOT VALID had not been used. ` +
                `${laterTransactionAdvice(ctx.migration, ctx.state)}, where validation lets reads and writes continue.`,
            });
          }
          continue;
        }
        if (cmd.subtype !== 'AT_AddConstraint') continue;
        const c = cmd.def?.Constraint;
        if (c?.contype !== 'CONSTR_CHECK' || c.skip_validation) continue;
        const name = c.conname ? quoteIdent(String(c.conname)) : '<constraint>';
        const validate = `ALTER TABLE ${tableSql(stmt)} VALIDATE CONSTRAINT ${name};`;
        const where = laterStep(ctx.migration, ctx.state);
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
