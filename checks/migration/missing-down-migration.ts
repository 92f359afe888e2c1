import { defineRule } from '../../src/rule.js';
import type { Migration } from '../../src/analyzers/sql/migration.js';

const RUNNER: Partial<Record<Migration['framework'], string>> = {
  knex: 'knex migrate:down',
  typeorm: 'typeorm migration:revert',
  sequelize: 'sequelize db:migrate:undo',
  kysely: "Kysely's migrateDown()",
  'node-pg-migrate': 'node-pg-migrate down',
  'golang-migrate': 'migrate down 1',
  'mikro-orm': 'mikro-orm migration:down',
};

/** `exports.down = false` / `down: false`: the author declared the migration irreversible. */
function declaredIrreversible(lines: string[]): boolean {
  return lines.some((l) => /\bdown\s*[:=]\s*false\b/.test(l));
}

// Severity: notice. A missing rollback breaks nothing when the migration runs; it only
// matters on the bad day a deploy must be reverted, and some teams deliberately roll
// forward only. It is worth a line in the review, not a blocking warning.
export default defineRule({
  meta: {
    id: 'migration/missing-down-migration',
    area: 'migration',
    severity: 'notice',
    title: 'Migration without a down step',
    guidance: 'Database Schema Design Reference › Zero-Downtime Migration Checklist',
    checklist: ['migration.rollback'],
    description:
      'When a deploy has to be reverted, the framework runs the down step of each migration; if it is missing or empty, the schema stays ahead of the old code and the rollback is improvised under pressure. Write the reverse, or make the down step fail loudly (or say in a comment) why the change cannot be undone, so the rollback plan is explicit. Only frameworks that have down migrations are checked: golang-migrate (.up.sql needs a .down.sql), Knex, TypeORM, Sequelize and Kysely; node-pg-migrate only when `down` is present but empty (it infers the reverse otherwise), and MikroORM likewise (its default `down` throws, which is an explicit refusal).',
    examples: {
      bad: [
        {
          path: 'db/migrations/20240410_orders_status.ts',
          code: "import { Knex } from 'knex';\n\nexport async function up(knex: Knex): Promise<void> {\n  await knex.schema.alterTable('orders', (t) => {\n    t.string('status', 32);\n  });\n}\n\nexport async function down(): Promise<void> {}\n",
        },
        { path: 'db/migrations/000012_add_invoices_due_on.up.sql', code: 'ALTER TABLE invoices ADD COLUMN due_on date;\n' },
        {
          path: 'src/migration/1700000200000-AddOrderNote.ts',
          code: "import { MigrationInterface, QueryRunner } from 'typeorm';\n\nexport class AddOrderNote1700000200000 implements MigrationInterface {\n  public async up(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query(`ALTER TABLE \"order\" ADD \"note\" text`);\n  }\n\n  public async down(): Promise<void> {}\n}\n",
        },
        {
          path: 'migrations/20240220-add-invoice-note.js',
          code: "module.exports = {\n  async up(queryInterface, Sequelize) {\n    await queryInterface.addColumn('invoices', 'note', { type: Sequelize.TEXT });\n  },\n};\n",
        },
      ],
      good: [
        {
          path: 'db/migrations/20240410_orders_status.ts',
          code: "import { Knex } from 'knex';\n\nexport async function up(knex: Knex): Promise<void> {\n  await knex.schema.alterTable('orders', (t) => {\n    t.string('status', 32);\n  });\n}\n\nexport async function down(knex: Knex): Promise<void> {\n  await knex.schema.alterTable('orders', (t) => {\n    t.dropColumn('status');\n  });\n}\n",
        },
        {
          path: 'db/migrations/000012_add_invoices_due_on.up.sql',
          code: 'ALTER TABLE invoices ADD COLUMN due_on date;\n',
          files: { 'db/migrations/000012_add_invoices_due_on.down.sql': 'ALTER TABLE invoices DROP COLUMN due_on;\n' },
        },
        {
          path: 'migrations/1710000100000_drop-legacy.js',
          code: "exports.up = (pgm) => {\n  pgm.dropColumns('products', ['legacy_code']);\n};\n\nexports.down = () => {\n  throw new Error('irreversible: legacy_code data is gone');\n};\n",
          note: 'A down step that refuses on purpose is an explicit rollback plan.',
        },
        {
          path: 'prisma/migrations/20240101000000_init/migration.sql',
          code: 'CREATE TABLE "User" ("id" BIGSERIAL PRIMARY KEY);\n',
          note: 'Prisma Migrate has no down migrations.',
        },
        {
          path: 'migrations/1710000000000_create-products.js',
          code: "exports.up = (pgm) => {\n  pgm.createTable('products', { id: 'id' });\n};\n",
          note: 'node-pg-migrate infers the down step of reversible operations.',
        },
      ],
    },
  },
  async change(ctx) {
    const added = new Map(ctx.files.filter((f) => f.file.status !== 'removed').map((f) => [f.file.path, f.file.status]));
    let treePaths: Set<string> | undefined;
    const exists = async (path: string): Promise<boolean> => {
      if (added.has(path)) return true;
      if (!ctx.tree) return false;
      treePaths ??= new Set(await ctx.tree.paths());
      return treePaths.has(path);
    };
    for (const m of ctx.migrations) {
      const runner = RUNNER[m.framework];
      if (!runner) continue;
      const isNew = added.get(m.path) === 'added';
      if (m.framework === 'golang-migrate') {
        if (!isNew || !/\.up\.sql$/.test(m.path)) continue;
        const sibling = m.path.replace(/\.up\.sql$/, '.down.sql');
        if (await exists(sibling)) continue;
        ctx.report({
          path: m.path,
          startLine: 1,
          message: `No \`${sibling.split('/').pop()}\` next to this migration: \`${runner}\` has nothing to run if this deploy is reverted, so the schema stays ahead of the old code. Add the down file with the reverse statements (or one that fails with a note if the change cannot be undone).`,
        });
        continue;
      }
      const down = m.down;
      if (!down || declaredIrreversible(m.lines)) continue;
      if (!down.present) {
        // node-pg-migrate infers the reverse of reversible operations when `down` is left out;
        // MikroORM's base Migration.down() throws ("This migration cannot be reverted"), a loud refusal.
        if (!isNew || m.framework === 'node-pg-migrate' || m.framework === 'mikro-orm') continue;
        ctx.report({
          path: m.path,
          startLine: m.statements[0]?.startLine ?? 1,
          endLine: m.statements[0]?.startLine ?? 1,
          message: `This migration has no \`down\` step, so \`${runner}\` cannot revert it and a rolled-back deploy leaves the schema ahead of the old code. Add a \`down\` that undoes \`up\` (or one that throws with a note when the change cannot be undone).`,
        });
      } else if (down.empty) {
        ctx.report({
          path: m.path,
          startLine: down.line ?? 1,
          message: `The \`down\` step is empty: \`${runner}\` will report success without undoing anything, leaving the schema ahead of the code it rolls back to. Write the reverse of \`up\`, or throw (or leave a comment) saying why the change cannot be undone.`,
        });
      }
    }
  },
});
