import { defineRule } from '../../src/rule.js';
import { typeInfo } from '../../src/analyzers/sql/schema.js';
import { GUIDE, forwardOnly } from '../../src/analyzers/sql/rule-helpers.js';
import { declaredColumns } from './timestamp-without-time-zone.js';

const MONEY = /(^|_)(price|prices|amount|amounts|total|subtotal|cost|costs|balance|fee|fees|tax|revenue|salary|wage|payment|payout|refund|discount|charge|budget|spend|invoice_total)($|_)/;
const NOT_MONEY = /(rate|ratio|percent|pct|percentage|count|qty|quantity|weight|score|share|factor|multiplier|_cents|_minor|_units|_bps)($|_)/;

export function isMoneyName(name: string): boolean {
  const n = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  return MONEY.test(n) && !NOT_MONEY.test(n);
}

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/money-as-float',
    area: 'migration',
    severity: 'warning',
    title: 'Money stored as a floating-point number',
    guidance: GUIDE.dataTypes,
    checklist: ['migration.schema-defaults'],
    description:
      'real and double precision are binary fractions: 0.10 cannot be stored exactly, sums drift by fractions of a cent, and equality checks on amounts fail. Store money as integer minor units (bigint cents) or numeric with a fixed scale. Columns are recognised by name (price, amount, total, cost, balance, fee, tax …); names that say cents, rate, percent or quantity are left alone.',
    examples: {
      bad: [
        { path: 'db/migrations/0094_products.sql', code: 'CREATE TABLE products (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  unit_price double precision NOT NULL\n);\n' },
        { path: 'prisma/migrations/20240802_total/migration.sql', code: 'ALTER TABLE "Order" ADD COLUMN "totalAmount" DOUBLE PRECISION NOT NULL DEFAULT 0;\n' },
        { path: 'db/migrations/0095_balance.sql', code: 'ALTER TABLE wallets ADD COLUMN balance real;\n' },
      ],
      good: [
        { path: 'db/migrations/0094_products.sql', code: 'CREATE TABLE products (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  unit_price_cents bigint NOT NULL,\n  weight_kg double precision\n);\n' },
        { path: 'db/migrations/0096_tax.sql', code: 'ALTER TABLE invoices ADD COLUMN tax_rate double precision, ADD COLUMN total numeric(12,2);\n' },
      ],
    },
  },
  sql: {
    kinds: ['CreateStmt', 'AlterTableStmt'],
    check(stmt, ctx) {
      for (const col of declaredColumns(stmt)) {
        const t = typeInfo(col.typeName);
        if (!t || (t.name !== 'float8' && t.name !== 'float4') || !isMoneyName(String(col.name))) continue;
        const prisma = ctx.migration.framework === 'prisma';
        ctx.report({
          startLine: stmt.lineAt(col.typeName.location),
          message:
            `\`${col.name}\` looks like money but is stored as ${t.name === 'float8' ? 'double precision' : 'real'}, a binary fraction: amounts like 0.10 are not exact, sums drift by fractions of a cent and equality checks fail. ` +
            (prisma
              ? 'Use an `Int`/`BigInt` field in minor units (cents), or `Decimal @db.Decimal(12, 2)`, in schema.prisma.'
              : 'Store it as integer minor units (`bigint`, e.g. a `_cents` column) or as `numeric(12,2)`.'),
        });
      }
    },
  },
}));
