import { defineRule } from '../../src/rule.js';
import { SchemaModel } from '../../src/analyzers/sql/schema.js';
import type { SqlStatement } from '../../src/analyzers/sql/migration.js';
import { GUIDE, alterCmds, finalSchema, quoteIdent, forwardOnly } from '../../src/analyzers/sql/rule-helpers.js';

interface ForeignKey {
  /** As written (original case), for messages. */
  table: string;
  columns: string[];
  references: string;
  line: number;
}

const REFERENCES = /references/i;

function foreignKeys(stmt: SqlStatement): ForeignKey[] {
  const out: ForeignKey[] = [];
  const add = (table: string, columns: string[], c: any) => {
    if (columns.length === 0) return;
    const ref = c.pktable ?? {};
    const references = ref.schemaname ? `${ref.schemaname}.${ref.relname}` : String(ref.relname ?? '');
    out.push({ table, columns, references, line: stmt.lineAt(c.location) });
  };
  const raw = (list: any[] | undefined) => (list ?? []).map((x: any) => String(x?.String?.sval ?? '')).filter(Boolean);
  const table = String(stmt.ast.relation?.relname ?? '');
  const fromColumn = (def: any) => {
    for (const x of def?.constraints ?? []) if (x.Constraint?.contype === 'CONSTR_FOREIGN') add(table, [String(def.colname)], x.Constraint);
  };
  if (stmt.kind === 'CreateStmt') {
    for (const e of stmt.ast.tableElts ?? []) {
      if (e.ColumnDef) fromColumn(e.ColumnDef);
      else if (e.Constraint?.contype === 'CONSTR_FOREIGN') add(table, raw(e.Constraint.fk_attrs), e.Constraint);
    }
  }
  for (const cmd of alterCmds(stmt)) {
    if (cmd.subtype === 'AT_AddColumn') fromColumn(cmd.def?.ColumnDef);
    else if (cmd.subtype === 'AT_AddConstraint' && cmd.def?.Constraint?.contype === 'CONSTR_FOREIGN') add(table, raw(cmd.def.Constraint.fk_attrs), cmd.def.Constraint);
  }
  return out;
}

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/foreign-key-without-index',
    area: 'migration',
    severity: 'warning',
    title: 'Foreign key columns without an index',
    guidance: GUIDE.indexing,
    checklist: ['migration.schema-defaults'],
    description:
      'Postgres indexes the referenced key but not the referencing columns. Without an index there, every DELETE or key UPDATE on the parent scans the whole child table (holding its locks meanwhile), and joins from parent to children scan too. An index whose leading columns are the foreign key columns (a plain index, the primary key or a unique constraint) counts, whether created in this migration, before or after the foreign key, or in an earlier migration of the folder. When the table’s earlier history is unknown the rule stays quiet.',
    examples: {
      bad: [
        {
          path: 'db/migrations/0120_comments.sql',
          code: 'CREATE TABLE comments (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  post_id bigint NOT NULL REFERENCES posts (id),\n  body text NOT NULL\n);\n',
        },
        {
          path: 'prisma/migrations/20240805_likes/migration.sql',
          code: 'CREATE TABLE "Like" (\n    "id" BIGSERIAL NOT NULL,\n    "userId" BIGINT NOT NULL,\n    CONSTRAINT "Like_pkey" PRIMARY KEY ("id")\n);\n\nALTER TABLE "Like" ADD CONSTRAINT "Like_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;\n',
        },
      ],
      good: [
        {
          path: 'db/migrations/0120_comments.sql',
          code: 'CREATE TABLE comments (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  post_id bigint NOT NULL REFERENCES posts (id),\n  body text NOT NULL\n);\nCREATE INDEX comments_post_id_idx ON comments (post_id);\n',
        },
        {
          path: 'db/migrations/0121_tags.sql',
          code: 'CREATE TABLE post_tags (\n  post_id bigint NOT NULL REFERENCES posts (id),\n  tag_id bigint NOT NULL REFERENCES tags (id),\n  PRIMARY KEY (post_id, tag_id)\n);\nCREATE INDEX post_tags_tag_idx ON post_tags (tag_id);\n',
          note: 'post_id leads the primary key; tag_id has its own index.',
        },
        {
          path: 'db/migrations/0123_fk.sql',
          code: 'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\n',
          files: { 'db/migrations/0122_idx.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);\nCREATE INDEX orders_customer_idx ON orders (customer_id);\n' },
          note: 'The index comes from an earlier migration in the folder.',
        },
      ],
    },
  },
  migration(m, ctx) {
    let model: SchemaModel | undefined;
    let created: Set<string> | undefined;
    for (const stmt of m.statements) {
      if (stmt.kind !== 'CreateStmt' && stmt.kind !== 'AlterTableStmt') continue;
      // A foreign key is always written with REFERENCES: most statements need no AST walk.
      if (!REFERENCES.test(stmt.text)) continue;
      for (const fk of foreignKeys(stmt)) {
        model ??= finalSchema(m, () => new SchemaModel());
        // Unknown table (history not visible) or dropped again: stay quiet. An index made by
        // a later migration of the folder counts too.
        if (!model.table(fk.table)?.known || model.hasLeadingIndex(fk.table, fk.columns)) continue;
        if (m.folderSchema?.hasLeadingIndex(fk.table, fk.columns)) continue;
        created ??= new Set(m.statements.filter((s) => s.kind === 'CreateStmt').map((s) => String(s.ast.relation?.relname ?? '').toLowerCase()));
        const isNew = created.has(fk.table.toLowerCase());
        const cols = fk.columns.map(quoteIdent).join(', ');
        const idx = quoteIdent(`${fk.table}_${fk.columns.join('_')}_idx`);
        const advice =
          m.framework === 'prisma'
            ? `Add \`@@index([${fk.columns.join(', ')}])\` to the model in schema.prisma and regenerate the migration.`
            : `Add \`CREATE INDEX ${isNew ? '' : 'CONCURRENTLY '}${idx} ON ${quoteIdent(fk.table)} (${cols});\`${isNew ? ' in this migration' : ' (in a migration that does not run in a transaction)'}.`;
        ctx.report({
          startLine: fk.line,
          message:
            `No index covers the foreign key \`${fk.table}(${fk.columns.join(', ')})\` → \`${fk.references}\`: every DELETE or key UPDATE on \`${fk.references}\` scans all of \`${fk.table}\` to check for references, and joins from \`${fk.references}\` scan it too. ` +
            advice,
        });
      }
    }
  },
}));
