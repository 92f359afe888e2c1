import { defineRule } from '../../src/rule.js';
import { describeLock } from '../../src/analyzers/sql/locks.js';
import { GUIDE, alterCmds, isExisting, laterStep, tableOf, forwardOnly, quoteIdent } from '../../src/analyzers/sql/rule-helpers.js';

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/set-not-null',
    area: 'migration',
    severity: 'error',
    title: 'SET NOT NULL scans an existing table under an exclusive lock',
    guidance: GUIDE.onlineDdl,
    checklist: ['migration.safe-new-columns'],
    description:
      'ALTER COLUMN … SET NOT NULL reads every row to check for NULLs while holding an ACCESS EXCLUSIVE lock, so on a large table reads and writes stop for the whole scan. From Postgres 12 the scan is skipped when a validated CHECK (col IS NOT NULL) already exists: add that check NOT VALID, VALIDATE it (which lets reads and writes continue), then SET NOT NULL. Not flagged when such a check exists earlier in the migration or in earlier migrations of the folder (Postgres 12+), when the column is already known to be NOT NULL, or when the table is new.',
    examples: {
      bad: [
        { path: 'db/migrations/0050_nn.sql', code: 'ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;\n' },
        {
          path: 'db/migrations/0051_nn.sql',
          code: 'ALTER TABLE orders ADD CONSTRAINT orders_customer_id_nn CHECK (customer_id IS NOT NULL) NOT VALID;\nALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;\n',
          note: 'The check was never validated, so Postgres still scans the table.',
        },
        {
          path: 'db/migrations/0052_nn.sql',
          code: 'ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_nn;\nALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;\n',
          files: { 'db/migrations/0051_check.sql': 'ALTER TABLE orders ADD CONSTRAINT orders_customer_id_nn CHECK (customer_id IS NOT NULL) NOT VALID;\n' },
          config: { migrations: { postgres_version: 11 } },
          note: 'Postgres 11 does not use the check to skip the scan.',
        },
      ],
      good: [
        {
          path: 'db/migrations/0052_nn.sql',
          code: 'ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_nn;\nALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;\nALTER TABLE orders DROP CONSTRAINT orders_customer_id_nn;\n',
          files: { 'db/migrations/0051_check.sql': 'ALTER TABLE orders ADD CONSTRAINT orders_customer_id_nn CHECK (customer_id IS NOT NULL) NOT VALID;\n' },
          note: 'The check added NOT VALID in the previous migration is validated first (Postgres 16).',
        },
        {
          path: 'db/migrations/0053_nn.sql',
          code: 'ALTER TABLE orders ADD CONSTRAINT orders_email_nn CHECK (email IS NOT NULL);\nALTER TABLE orders ALTER COLUMN email SET NOT NULL;\n',
          note: 'A validated check earlier in the same migration.',
        },
        { path: 'db/migrations/0054_new.sql', code: 'CREATE TABLE payouts (id bigint PRIMARY KEY, amount_cents bigint);\nALTER TABLE payouts ALTER COLUMN amount_cents SET NOT NULL;\n' },
      ],
    },
  },
  sql: {
    kinds: ['AlterTableStmt'],
    check(stmt, ctx) {
      if (!isExisting(ctx.state, stmt.ast.relation)) return;
      const table = tableOf(stmt);
      const pg = ctx.state.postgresVersion;
      const model = ctx.state.schema.table(table);
      for (const cmd of alterCmds(stmt)) {
        if (cmd.subtype !== 'AT_SetNotNull') continue;
        const col = String(cmd.name);
        if (model?.columns.get(col.toLowerCase())?.notNull) continue;
        if (pg >= 12 && model?.notNullChecks.has(col.toLowerCase())) continue;
        const name = quoteIdent(`${table}_${col}_not_null`);
        const t = quoteIdent(table);
        const c = quoteIdent(col);
        const steps =
          pg >= 12
            ? `\`ALTER TABLE ${t} ADD CONSTRAINT ${name} CHECK (${c} IS NOT NULL) NOT VALID;\`, then \`ALTER TABLE ${t} VALIDATE CONSTRAINT ${name};\` (reads and writes continue), then this SET NOT NULL, which then skips the scan, and finally \`DROP CONSTRAINT ${name}\``
            : `\`ALTER TABLE ${t} ADD CONSTRAINT ${name} CHECK (${c} IS NOT NULL) NOT VALID;\` and \`ALTER TABLE ${t} VALIDATE CONSTRAINT ${name};\` and keep the check instead of SET NOT NULL (Postgres ${pg} cannot use it to skip the scan; from 12 it can)`;
        ctx.report({
          startLine: stmt.startLine,
          endLine: stmt.endLine,
          message:
            `\`SET NOT NULL\` on \`${table}.${col}\` reads every row to check for NULLs and ${describeLock('setNotNull', table)} for the whole scan. Instead: ${steps}.` +
            // In one transaction the ADD … NOT VALID would still hold ACCESS EXCLUSIVE while VALIDATE scans.
            (ctx.state.inTransaction ? ` This migration runs in a transaction, so the ADD … NOT VALID has to commit before the VALIDATE: put the VALIDATE${laterStep(ctx.migration, ctx.state)}.` : ''),
        });
      }
    },
  },
}));
