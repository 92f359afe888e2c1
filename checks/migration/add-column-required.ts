import { defineRule } from '../../src/rule.js';
import { typeInfo } from '../../src/analyzers/sql/schema.js';
import { GUIDE, alterCmds, isExisting, tableOf, forwardOnly, quoteIdent } from '../../src/analyzers/sql/rule-helpers.js';

const SERIAL = new Set(['serial', 'bigserial', 'smallserial', 'serial4', 'serial8', 'serial2']);

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/add-column-required',
    area: 'migration',
    severity: 'error',
    title: 'NOT NULL column without a default added to an existing table',
    guidance: GUIDE.onlineDdl,
    checklist: ['migration.safe-new-columns'],
    description:
      'Adding a NOT NULL column without a DEFAULT fails with “column contains null values” as soon as the table has a row, so the deploy breaks in every environment with data; and the code running during the deploy does not send the column, so its inserts would fail too. Add it nullable (or with a constant default, metadata-only from Postgres 11), backfill in batches, then enforce NOT NULL through a validated CHECK. Tables created in the same migration (or by a migration file the same pull request adds) are not flagged.',
    examples: {
      bad: [
        { path: 'db/migrations/0040_add.sql', code: 'ALTER TABLE orders ADD COLUMN currency char(3) NOT NULL;\n' },
        { path: 'prisma/migrations/20240601_add/migration.sql', code: 'ALTER TABLE "User" ADD COLUMN "tenantId" INTEGER NOT NULL;\n' },
      ],
      good: [
        { path: 'db/migrations/0040_add.sql', code: "ALTER TABLE orders ADD COLUMN currency char(3) NOT NULL DEFAULT 'EUR';\n" },
        { path: 'db/migrations/0041_add.sql', code: 'ALTER TABLE orders ADD COLUMN coupon_code text;\n' },
        {
          path: 'db/migrations/0042_new.sql',
          code: 'CREATE TABLE refunds (id bigint PRIMARY KEY);\nALTER TABLE refunds ADD COLUMN order_id bigint NOT NULL;\n',
          note: 'The table is new and empty.',
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
        if (cmd.subtype !== 'AT_AddColumn') continue;
        const def = cmd.def?.ColumnDef;
        if (!def) continue;
        const kinds = new Set((def.constraints ?? []).map((c: any) => c.Constraint?.contype));
        if (!kinds.has('CONSTR_NOTNULL')) continue;
        if (kinds.has('CONSTR_DEFAULT') || kinds.has('CONSTR_IDENTITY') || kinds.has('CONSTR_GENERATED')) continue;
        if (SERIAL.has(typeInfo(def.typeName)?.name ?? '')) continue;
        const col = def.colname;
        ctx.report({
          startLine: stmt.startLine,
          endLine: stmt.endLine,
          message:
            `Adding \`${table}.${col}\` as NOT NULL without a DEFAULT fails with "column contains null values" on any table that has rows, and inserts from the code running during the deploy would fail on it too. ` +
            `Add it nullable, backfill it in batches, then \`ALTER TABLE ${quoteIdent(table)} ADD CONSTRAINT ${quoteIdent(`${table}_${col}_not_null`)} CHECK (${quoteIdent(col)} IS NOT NULL) NOT VALID;\`, \`VALIDATE CONSTRAINT\` it, and \`SET NOT NULL\` (or give it a constant DEFAULT, which is metadata-only from Postgres 11).`,
        });
      }
    },
  },
}));
