import { defineRule } from '../../src/rule.js';
import type { SqlStatement } from '../../src/analyzers/sql/migration.js';
import { typeInfo } from '../../src/analyzers/sql/schema.js';
import { GUIDE, alterCmds, funcName, lineFix, names, sameCase, forwardOnly } from '../../src/analyzers/sql/rule-helpers.js';

interface KeyColumn {
  name: string;
  def: any;
}

/** Single-column primary keys a statement declares (CREATE TABLE, or ADD COLUMN … PRIMARY KEY). */
export function primaryKeyColumns(stmt: SqlStatement): KeyColumn[] {
  const out: KeyColumn[] = [];
  if (stmt.kind === 'CreateStmt' && stmt.ast.relation?.relpersistence === 't') return out; // temporary tables are scratch space
  const isPk = (def: any) => (def.constraints ?? []).some((c: any) => c.Constraint?.contype === 'CONSTR_PRIMARY');
  if (stmt.kind === 'CreateStmt') {
    const cols = new Map<string, any>();
    for (const e of stmt.ast.tableElts ?? []) if (e.ColumnDef) cols.set(String(e.ColumnDef.colname).toLowerCase(), e.ColumnDef);
    for (const [name, def] of cols) if (isPk(def)) out.push({ name, def });
    for (const e of stmt.ast.tableElts ?? []) {
      const c = e.Constraint;
      if (c?.contype !== 'CONSTR_PRIMARY' || c.indexname) continue;
      const keys = names(c.keys);
      if (keys.length === 1 && cols.has(keys[0])) out.push({ name: keys[0], def: cols.get(keys[0]) });
    }
  }
  for (const cmd of alterCmds(stmt)) {
    const def = cmd.def?.ColumnDef;
    if (cmd.subtype === 'AT_AddColumn' && def && isPk(def)) out.push({ name: String(def.colname).toLowerCase(), def });
  }
  return out;
}

const SERIAL = new Set(['serial', 'serial4']);

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/int-primary-key',
    area: 'migration',
    severity: 'warning',
    title: '32-bit auto-generated primary key',
    guidance: GUIDE.dataTypes,
    checklist: ['migration.schema-defaults'],
    description:
      'An integer or serial key runs out at 2,147,483,647 rows (inserts then fail outright), and changing it to bigint later rewrites the table and every referencing table under exclusive locks. bigint costs 4 more bytes per row. Only generated keys (serial, identity, nextval) are flagged: a hand-assigned integer or smallint key on a small lookup table is deliberate.',
    examples: {
      bad: [
        { path: 'db/migrations/0100_orders.sql', code: 'CREATE TABLE orders (\n  id serial PRIMARY KEY,\n  email text NOT NULL\n);\n' },
        { path: 'db/migrations/0101_items.sql', code: 'CREATE TABLE items (\n  id integer GENERATED ALWAYS AS IDENTITY,\n  sku text NOT NULL,\n  PRIMARY KEY (id)\n);\n' },
        {
          path: 'prisma/migrations/20240803_init/migration.sql',
          code: 'CREATE TABLE "User" (\n    "id" SERIAL NOT NULL,\n    "email" TEXT NOT NULL,\n\n    CONSTRAINT "User_pkey" PRIMARY KEY ("id")\n);\n',
        },
      ],
      good: [
        { path: 'db/migrations/0100_orders.sql', code: 'CREATE TABLE orders (\n  id bigserial PRIMARY KEY,\n  email text NOT NULL\n);\n' },
        { path: 'db/migrations/0102_statuses.sql', code: 'CREATE TABLE order_statuses (\n  id smallint PRIMARY KEY,\n  name text NOT NULL UNIQUE\n);\n', note: 'A small lookup table with hand-assigned keys.' },
        { path: 'db/migrations/0103_users.sql', code: 'CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text);\n' },
      ],
    },
  },
  sql: {
    kinds: ['CreateStmt', 'AlterTableStmt'],
    check(stmt, ctx) {
      for (const { name, def } of primaryKeyColumns(stmt)) {
        const t = typeInfo(def.typeName);
        if (!t || t.array) continue;
        const constraints = (def.constraints ?? []).map((c: any) => c.Constraint).filter(Boolean);
        const generated =
          constraints.some((c: any) => c.contype === 'CONSTR_IDENTITY') ||
          constraints.some((c: any) => c.contype === 'CONSTR_DEFAULT' && funcName(c.raw_expr) === 'nextval');
        const serial = SERIAL.has(t.name);
        if (!serial && !(t.name === 'int4' && generated)) continue;
        const line = stmt.lineAt(def.typeName.location);
        const prisma = ctx.migration.framework === 'prisma';
        const fix = prisma
          ? undefined
          : serial
            ? lineFix(ctx.migration, line, /\bserial4?\b/i, (m) => sameCase(m, 'bigserial'))
            : lineFix(ctx.migration, line, /\b(?:integer|int4|int)\b/i, (m) => sameCase(m, 'bigint'));
        ctx.report({
          startLine: line,
          message:
            `The primary key \`${name}\` is a 32-bit ${serial ? 'serial' : 'integer'}: inserts fail once it passes 2,147,483,647, and widening it later rewrites this table and every table that references it under exclusive locks. ` +
            (prisma
              ? 'Declare the id as `BigInt @id @default(autoincrement())` in schema.prisma and regenerate this migration.'
              : serial
                ? 'Use `bigserial` (or `bigint GENERATED ALWAYS AS IDENTITY`).'
                : 'Use `bigint`.'),
          fix,
        });
      }
    },
  },
}));
