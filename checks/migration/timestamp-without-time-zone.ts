import { defineRule } from '../../src/rule.js';
import type { SqlStatement } from '../../src/analyzers/sql/migration.js';
import { typeInfo } from '../../src/analyzers/sql/schema.js';
import { GUIDE, alterCmds, lineFix, sameCase, forwardOnly } from '../../src/analyzers/sql/rule-helpers.js';

/** Columns a statement declares or retypes: [column, typeName node]. */
export function declaredColumns(stmt: SqlStatement): { name: string; typeName: any; def: any }[] {
  const out: { name: string; typeName: any; def: any }[] = [];
  if (stmt.kind === 'CreateStmt' && stmt.ast.relation?.relpersistence === 't') return out; // temporary tables are scratch space
  if (stmt.kind === 'CreateStmt') {
    for (const e of stmt.ast.tableElts ?? []) if (e.ColumnDef?.typeName) out.push({ name: e.ColumnDef.colname, typeName: e.ColumnDef.typeName, def: e.ColumnDef });
  }
  for (const cmd of alterCmds(stmt)) {
    const def = cmd.def?.ColumnDef;
    if (cmd.subtype === 'AT_AddColumn' && def?.typeName) out.push({ name: def.colname, typeName: def.typeName, def });
    if (cmd.subtype === 'AT_AlterColumnType' && def?.typeName) out.push({ name: cmd.name, typeName: def.typeName, def });
  }
  return out;
}

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/timestamp-without-time-zone',
    area: 'migration',
    severity: 'warning',
    title: 'timestamp without time zone',
    guidance: GUIDE.dataTypes,
    checklist: ['migration.schema-defaults'],
    description:
      '`timestamp` stores a wall-clock time with no zone, so the same instant is stored as a different value depending on the writing session’s TimeZone, and values written by servers in different zones (or across a DST change) cannot be compared. `timestamptz` stores an absolute instant at the same size. For Prisma, map DateTime fields with `@db.Timestamptz(3)` in schema.prisma rather than editing the generated SQL.',
    examples: {
      bad: [
        { path: 'db/migrations/0090_events.sql', code: 'CREATE TABLE events (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  happened_at timestamp NOT NULL\n);\n' },
        { path: 'db/migrations/0091_col.sql', code: 'ALTER TABLE orders ADD COLUMN shipped_at TIMESTAMP WITHOUT TIME ZONE;\n' },
        {
          path: 'prisma/migrations/20240801_init/migration.sql',
          code: 'CREATE TABLE "Session" (\n    "id" BIGSERIAL NOT NULL,\n    "expiresAt" TIMESTAMP(3) NOT NULL,\n    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")\n);\n',
        },
      ],
      good: [
        { path: 'db/migrations/0090_events.sql', code: 'CREATE TABLE events (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  happened_at timestamptz NOT NULL\n);\n' },
        { path: 'db/migrations/0092_col.sql', code: 'ALTER TABLE orders ADD COLUMN shipped_at timestamp with time zone;\n' },
        { path: 'db/migrations/0093_date.sql', code: 'ALTER TABLE users ADD COLUMN birthday date;\n', note: 'A calendar date has no time zone problem.' },
      ],
    },
  },
  sql: {
    kinds: ['CreateStmt', 'AlterTableStmt'],
    check(stmt, ctx) {
      for (const col of declaredColumns(stmt)) {
        const t = typeInfo(col.typeName);
        if (t?.name !== 'timestamp') continue;
        const line = stmt.lineAt(col.typeName.location);
        const prisma = ctx.migration.framework === 'prisma';
        const fix = prisma
          ? undefined
          : lineFix(ctx.migration, line, /\btimestamp(\s*\(\s*\d+\s*\))?(\s+without\s+time\s+zone)?(?!\s*\(|\s+with\b|tz)\b/i, (m, prec) =>
              sameCase(m.slice(0, 9), 'timestamptz') + prec,
            );
        ctx.report({
          startLine: line,
          message:
            `\`${col.name}\` is \`timestamp\` (without time zone): it stores a wall-clock time, so readers in another session time zone, or across a DST change, get a different instant. ` +
            (prisma
              ? 'Declare the field as `DateTime @db.Timestamptz(3)` in schema.prisma and regenerate this migration.'
              : `Use \`timestamptz\`, which stores the absolute instant at the same size.`),
          fix,
        });
      }
    },
  },
}));
