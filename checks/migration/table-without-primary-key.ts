import { defineRule } from '../../src/rule.js';
import { SchemaModel } from '../../src/analyzers/sql/schema.js';
import { GUIDE, finalSchema, forwardOnly } from '../../src/analyzers/sql/rule-helpers.js';

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/table-without-primary-key',
    area: 'migration',
    severity: 'warning',
    title: 'Table created without a primary key',
    guidance: GUIDE.dataTypes,
    checklist: ['migration.schema-defaults'],
    description:
      'Without a primary key, rows cannot be addressed reliably (duplicates creep in, ORMs cannot update a single row), logical replication cannot replicate UPDATEs and DELETEs of the table, and batched backfills have no key to walk. Give every table a primary key; a join table can use the pair of foreign keys. A primary key added later in the same migration counts; temporary tables and partitions (which inherit the parent’s key) are not flagged.',
    examples: {
      bad: [
        { path: 'db/migrations/0130_log.sql', code: 'CREATE TABLE page_views (\n  user_id bigint,\n  path text NOT NULL,\n  viewed_at timestamptz NOT NULL DEFAULT now()\n);\n' },
      ],
      good: [
        { path: 'db/migrations/0130_log.sql', code: 'CREATE TABLE page_views (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  user_id bigint,\n  path text NOT NULL\n);\n' },
        { path: 'db/migrations/0131_join.sql', code: 'CREATE TABLE user_roles (user_id bigint NOT NULL, role_id bigint NOT NULL);\nALTER TABLE user_roles ADD PRIMARY KEY (user_id, role_id);\n' },
        { path: 'db/migrations/0132_part.sql', code: "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n" },
        { path: 'db/migrations/0133_tmp.sql', code: 'CREATE TEMP TABLE ids (id bigint);\n' },
      ],
    },
  },
  migration(m, ctx) {
    let model: SchemaModel | undefined;
    for (const stmt of m.statements) {
      if (stmt.kind !== 'CreateStmt') continue;
      const a = stmt.ast;
      if (a.relation?.relpersistence === 't' || a.partbound || a.inhRelations?.length || a.ofTypename) continue;
      if ((a.tableElts ?? []).some((e: any) => e.TableLikeClause)) continue;
      const table = String(a.relation?.relname ?? '').toLowerCase();
      model ??= finalSchema(m, () => new SchemaModel());
      const t = model.table(table);
      if (!t?.known || t.hasPrimaryKey) continue; // dropped again in the same migration, or has a key
      if (m.folderSchema?.table(table)?.hasPrimaryKey) continue; // a later migration of the folder adds it
      ctx.report({
        startLine: stmt.startLine,
        message:
          `\`${table}\` has no primary key: duplicate rows cannot be told apart or updated one at a time, logical replication cannot carry its UPDATEs and DELETEs, and batched backfills have no key to walk. ` +
          'Add `id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY`, or a composite `PRIMARY KEY (…)` for a join table.',
      });
    }
  },
}));
