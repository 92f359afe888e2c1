import { defineRule } from '../../src/rule.js';
import { classify, isSelected, isTestOrGenerated } from '../../src/files.js';
import { relationName, type SqlStatement } from '../../src/analyzers/sql/migration.js';
import { codeReferences, prismaReferences, sqlFileReferences, type ColumnRef, type Reference } from '../../src/analyzers/sql/js-references.js';

interface Removal extends ColumnRef {
  path: string;
  stmt: SqlStatement;
  renamedTo?: string;
}

const MAX_FILE = 512 * 1024;
/** Code that never serves traffic: seeds, fixtures, factories, stories, examples and docs. */
const NOT_SERVING = /(^|\/)(seeds?|seeders|fixtures|factories|__fixtures__|stories|examples?|docs?)\/|\.(seed|stories|fixture|factory)\.[cm]?[jt]sx?$/i;
/** Bound on files read from a very large tree (on GitHub every read is a network fetch). */
const MAX_FILES = 20_000;

/** Columns dropped or renamed on tables that existed before the migration. */
function removals(migrations: { path: string; statements: SqlStatement[] }[]): Removal[] {
  const out: Removal[] = [];
  for (const m of migrations) {
    const created = new Set<string>();
    for (const stmt of m.statements) {
      const a = stmt.ast;
      if (stmt.kind === 'CreateStmt') created.add(relationName(a.relation));
      else if (stmt.kind === 'AlterTableStmt' && (a.objtype ?? 'OBJECT_TABLE') === 'OBJECT_TABLE') {
        const table = relationName(a.relation);
        if (!table || created.has(table)) continue;
        for (const c of a.cmds ?? []) {
          const cmd = c.AlterTableCmd;
          if (cmd?.subtype === 'AT_DropColumn' && cmd.name) out.push({ path: m.path, stmt, table, column: String(cmd.name) });
        }
      } else if (stmt.kind === 'RenameStmt' && a.renameType === 'OBJECT_COLUMN' && a.subname) {
        const table = relationName(a.relation);
        if (!table || created.has(table)) continue;
        out.push({ path: m.path, stmt, table, column: String(a.subname), renamedTo: a.newname ? String(a.newname) : undefined });
      }
    }
  }
  return out;
}

export default defineRule({
  meta: {
    id: 'migration/dropped-column-still-referenced',
    area: 'migration',
    severity: 'error',
    title: 'Column dropped or renamed while code still reads it',
    guidance: 'Database Schema Design Reference › The Expand-Contract Pattern',
    checklist: ['migration.code-compatible'],
    // Names the code that breaks, so the general drop/rename warning on the same statement adds nothing.
    supersedes: ['migration/drop-column', 'migration/rename-column'],
    description:
      'Dropping or renaming a column that application code still selects, writes or maps (a SQL string or query file, a query-builder call, a TypeORM entity field, a Sequelize model attribute, a Drizzle table, a Prisma field) makes those queries fail with "column does not exist" the moment the migration runs, on every instance still serving traffic. Contract in two deploys: ship code that no longer uses the column, then drop it. For a rename, add the new column, write to both, backfill, switch reads, and drop the old one last. Only references that also name the table count; tests, seeds, fixtures, generated code and other migrations are ignored.',
    examples: {
      bad: [
        {
          path: 'db/migrations/0042_drop_orders_state.sql',
          code: 'ALTER TABLE orders DROP COLUMN state;\n',
          files: {
            'src/orders/repository.ts':
              "import { pool } from '../db.js';\n\nexport async function openOrders() {\n  const { rows } = await pool.query('SELECT id, state FROM orders WHERE customer_id = $1', [1]);\n  return rows;\n}\n",
          },
        },
        {
          path: 'prisma/migrations/20240501000000_drop_nickname/migration.sql',
          code: 'ALTER TABLE "User" DROP COLUMN "nickname";\n',
          files: { 'prisma/schema.prisma': 'model User {\n  id       Int     @id @default(autoincrement())\n  email    String  @unique\n  nickname String?\n}\n' },
        },
        {
          path: 'migrations/20240301-remove-invoice-ref.js',
          code: "module.exports = {\n  async up(queryInterface) {\n    await queryInterface.removeColumn('invoices', 'legacy_ref');\n  },\n  async down(queryInterface, Sequelize) {\n    await queryInterface.addColumn('invoices', 'legacy_ref', { type: Sequelize.STRING });\n  },\n};\n",
          files: {
            'src/models/invoice.js':
              "module.exports = (sequelize, DataTypes) =>\n  sequelize.define('Invoice', {\n    number: DataTypes.STRING,\n    legacyRef: { type: DataTypes.STRING, field: 'legacy_ref' },\n  }, { tableName: 'invoices' });\n",
          },
        },
        {
          path: 'src/migration/1700000400000-RenameOrderState.ts',
          code: "import { MigrationInterface, QueryRunner } from 'typeorm';\n\nexport class RenameOrderState1700000400000 implements MigrationInterface {\n  public async up(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query(`ALTER TABLE \"order\" RENAME COLUMN \"state\" TO \"status\"`);\n  }\n\n  public async down(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query(`ALTER TABLE \"order\" RENAME COLUMN \"status\" TO \"state\"`);\n  }\n}\n",
          files: {
            'src/entities/order.entity.ts':
              "import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';\n\n@Entity({ name: 'order' })\nexport class Order {\n  @PrimaryGeneratedColumn()\n  id!: number;\n\n  @Column()\n  state!: string;\n}\n",
          },
        },
      ],
      good: [
        {
          path: 'db/migrations/0042_drop_orders_state.sql',
          code: 'ALTER TABLE orders DROP COLUMN state;\n',
          files: {
            'src/orders/repository.ts':
              "import { pool } from '../db.js';\n\nexport async function openOrders() {\n  const { rows } = await pool.query('SELECT id, status FROM orders WHERE customer_id = $1', [1]);\n  return rows;\n}\n",
            'src/invoices/repository.ts':
              "import { pool } from '../db.js';\n\nexport const byState = (s: string) => pool.query('SELECT id FROM invoices WHERE state = $1', [s]);\n",
            'src/orders/repository.test.ts': "it('reads', () => query('SELECT state FROM orders'));\n",
          },
          note: 'Only the other table (invoices) and a test still mention a `state` column.',
        },
        {
          path: 'prisma/migrations/20240501000000_drop_nickname/migration.sql',
          code: 'ALTER TABLE "User" DROP COLUMN "nickname";\n',
          files: { 'prisma/schema.prisma': 'model User {\n  id    Int    @id @default(autoincrement())\n  email String @unique\n}\n' },
        },
        {
          path: 'db/migrations/0043_staging.sql',
          code: 'CREATE TABLE import_rows (id bigint PRIMARY KEY, tmp text);\nALTER TABLE import_rows DROP COLUMN tmp;\n',
          files: { 'src/import.ts': "export const q = 'SELECT tmp FROM import_rows';\n" },
          note: 'The table is created in the same migration: the drop is part of building it.',
        },
      ],
    },
  },
  async change(ctx) {
    const removed = removals(ctx.migrations);
    if (removed.length === 0) return;
    const changed = new Map(ctx.files.map((f) => [f.file.path, f.file]));
    const paths = ctx.tree ? await ctx.tree.paths() : [...changed.keys()];
    const refs: ColumnRef[] = removed;
    const lowerColumns = [...new Set(removed.map((r) => r.column.toLowerCase()))];
    const found = new Map<ColumnRef, Reference[]>();
    let read = 0;
    for (const path of paths) {
      if (!isSelected(path, ctx.config)) continue; // the config's include/exclude apply to readers too
      const kinds = classify(path, ctx.config);
      const prisma = kinds.has('prisma-schema');
      const sqlFile = kinds.has('sql') && !isTestOrGenerated(path);
      if (!kinds.has('code') && !prisma && !sqlFile) continue;
      if (NOT_SERVING.test(path)) continue;
      const file = changed.get(path);
      if (file?.status === 'removed') continue;
      if (!file && ++read > MAX_FILES) break;
      const text = file?.content ?? (ctx.tree ? await ctx.tree.read(path) : undefined);
      if (!text || text.length > MAX_FILE) continue;
      // Cheap pre-filter before any parsing: the column name (or its camelCase form) must occur.
      const lower = text.toLowerCase();
      if (!lowerColumns.some((c) => lower.includes(c) || lower.includes(c.replace(/_/g, '')))) continue;
      const hits = prisma ? prismaReferences(path, text, refs) : sqlFile ? sqlFileReferences(path, text, refs) : codeReferences(path, text, refs);
      for (const [ref, list] of hits) found.set(ref, [...(found.get(ref) ?? []), ...list]);
    }
    for (const r of removed) {
      const list = found.get(r);
      if (!list?.length) continue;
      const shown = list
        .slice(0, 3)
        .map((x) => `\`${x.path}:${x.line}\` (${x.how})`)
        .join(', ');
      const more = list.length > 3 ? ` and ${list.length - 3} more` : '';
      const what = r.renamedTo ? `renames \`${r.table}.${r.column}\` to \`${r.renamedTo}\`` : `drops \`${r.table}.${r.column}\``;
      const fix = r.renamedTo
        ? `Keep \`${r.column}\` for now: add \`${r.renamedTo}\`, write both, backfill, move the reads, and drop \`${r.column}\` in a later deploy.`
        : `Ship the code change that stops using \`${r.column}\` first (for an ORM, remove or ignore the field), and drop the column in a later migration.`;
      ctx.report({
        path: r.path,
        startLine: r.stmt.startLine,
        endLine: r.stmt.endLine,
        message: `This ${what}, but code at the head still reads it: ${shown}${more}. Those queries fail with "column does not exist" as soon as the migration runs, on every instance still serving traffic. ${fix}`,
      });
    }
  },
});
