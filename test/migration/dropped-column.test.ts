import { describe, expect, it } from 'vitest';
import { ruleById } from '../../checks/index.js';
import { review } from '../../src/engine.js';
import { defaultConfig } from '../../src/config/load.js';
import { findingsOf, runExample } from '../../src/examples.js';
import type { ChangeSet } from '../../src/model.js';

const rule = ruleById.get('migration/dropped-column-still-referenced')!;

async function refs(path: string, code: string, files: Record<string, string>): Promise<string[]> {
  const found = findingsOf(await runExample(rule, { path, code, files }), rule);
  return found.map((f) => `${f.path}:${f.startLine} ${(f.message.match(/`[^`]+:\d+`/g) ?? []).join(' ')}`);
}

const knexDrop = "exports.up = (knex) => knex.schema.alterTable('orders', (t) => {\n  t.dropColumn('state');\n});\nexports.down = (knex) => knex.schema.alterTable('orders', (t) => {\n  t.string('state');\n});\n";

describe('dropped-column-still-referenced', () => {
  it('finds a Knex query-builder read of the dropped column, at the builder line of the migration', async () => {
    expect(
      await refs('db/migrations/20240501_drop_state.js', knexDrop, {
        'src/orders.ts': "export const open = (db) =>\n  db('orders')\n    .where({ customer_id: 1 })\n    .select('id', 'state');\n",
      }),
    ).toEqual(['db/migrations/20240501_drop_state.js:2 `src/orders.ts:4`']);
  });

  it('finds Kysely selects, where objects and qualified names', async () => {
    const files = {
      'src/a.ts': "export const a = (db) => db.selectFrom('orders').select(['id', 'orders.state']).execute();\n",
      'src/b.ts': "export const b = (db) => db('orders as o').update({ state: 'x' });\n",
    };
    expect(await refs('db/migrations/20240501_drop_state.js', knexDrop, files)).toEqual(['db/migrations/20240501_drop_state.js:2 `src/a.ts:1` `src/b.ts:1`']);
  });

  it('needs the table: the same column name on another table, in tests, seeds, generated code or node_modules is ignored', async () => {
    const files = {
      'src/invoices.ts': "export const q = (db) => db('invoices').select('state');\n",
      'src/raw.ts': "export const sql = 'SELECT state FROM invoices';\n",
      'src/orders.test.ts': "const q = (db) => db('orders').select('state');\n",
      'src/generated/orders.ts': "const q = (db) => db('orders').select('state');\n",
      'node_modules/lib/index.js': "const q = (db) => db('orders').select('state');\n",
      'db/migrations/20240101_create.js': "exports.up = (knex) => knex.raw('CREATE TABLE orders (id int, state text)');\n",
      'src/labels.ts': "export const labels = { state: 'State' };\n",
      'src/errors.ts': "export const msg = 'Could not update orders: the state is invalid';\n",
      'db/seeds/01_orders.js': "exports.seed = (knex) => knex('orders').insert({ id: 1, state: 'open' });\n",
      'src/cache.ts': "export const remember = (cache, email) => cache.set('orders', { state: email });\n",
      'src/nav.ts': "export const go = (navigate) => navigate('orders', { state: { from: 'home' } });\n",
      'web/OrderList.tsx': "export const OrderList = () => <Link to={'orders'} state={{ state: 1 }} />;\n",
    };
    expect(await refs('db/migrations/20240501_drop_state.js', knexDrop, files)).toEqual([]);
  });

  it('reads TypeORM entities: @Column name option, or the property name', async () => {
    const entity = (prop: string) => `import { Column, Entity } from 'typeorm';\n\n@Entity('orders')\nexport class Order {\n  ${prop}\n  state!: string;\n}\n`;
    expect(await refs('db/migrations/20240501_drop_state.js', knexDrop, { 'src/order.entity.ts': entity('@Column()') })).toEqual(['db/migrations/20240501_drop_state.js:2 `src/order.entity.ts:6`']);
    // The property maps to another column: not a reference.
    expect(await refs('db/migrations/20240501_drop_state.js', knexDrop, { 'src/order.entity.ts': entity("@Column({ name: 'status' })") })).toEqual([]);
  });

  it('reads Prisma fields through @map and @@map', async () => {
    const sql = 'ALTER TABLE "users" RENAME COLUMN "nick_name" TO "display_name";\n';
    const schema = (field: string) => `model User {\n  id Int @id\n  ${field}\n\n  @@map("users")\n}\n`;
    expect(await refs('prisma/migrations/20240501_rename/migration.sql', sql, { 'prisma/schema.prisma': schema('nickName String? @map("nick_name")') })).toEqual([
      'prisma/migrations/20240501_rename/migration.sql:1 `prisma/schema.prisma:3`',
    ]);
    expect(await refs('prisma/migrations/20240501_rename/migration.sql', sql, { 'prisma/schema.prisma': schema('nickName String? @map("display_name")') })).toEqual([]);
  });

  it('reads Sequelize models with underscored attributes', async () => {
    const drop = "module.exports = {\n  async up(queryInterface) {\n    await queryInterface.removeColumn('invoices', 'legacy_ref');\n  },\n  async down() { throw new Error('irreversible'); },\n};\n";
    const model = "module.exports = (sequelize, DataTypes) =>\n  sequelize.define('Invoice', {\n    legacyRef: DataTypes.STRING,\n  }, { tableName: 'invoices', underscored: true });\n";
    expect(await refs('migrations/20240301-remove.js', drop, { 'models/invoice.js': model })).toEqual(['migrations/20240301-remove.js:3 `models/invoice.js:3`']);
  });

  it('reads Drizzle table definitions by column name, not by TS key', async () => {
    const schema = (col: string) => `import { pgTable, text, bigserial } from 'drizzle-orm/pg-core';\n\nexport const orders = pgTable('orders', {\n  id: bigserial('id', { mode: 'number' }).primaryKey(),\n  state: text('${col}'),\n});\n`;
    expect(await refs('db/migrations/20240501_drop_state.js', knexDrop, { 'src/db/schema.ts': schema('state') })).toEqual(['db/migrations/20240501_drop_state.js:2 `src/db/schema.ts:5`']);
    expect(await refs('db/migrations/20240501_drop_state.js', knexDrop, { 'src/db/schema.ts': schema('status') })).toEqual([]);
  });

  it('reads SQL split over a string concatenation, at the piece that names the column', async () => {
    const code = "export const q = (pool) =>\n  pool.query(\n    'SELECT id, ' +\n      'state ' +\n      'FROM orders WHERE id = $1',\n    [1],\n  );\n";
    expect(await refs('db/migrations/20240501_drop_state.js', knexDrop, { 'src/q.ts': code })).toEqual(['db/migrations/20240501_drop_state.js:2 `src/q.ts:4`']);
  });

  it('reads query files (sqlc, pgtyped) that are not migrations', async () => {
    const queries = '-- name: ListOrders :many\nSELECT id, total_cents\nFROM orders;\n\n-- name: OrderState :one\nSELECT state\n  FROM orders\n WHERE id = $1;\n';
    expect(await refs('db/migrations/20240501_drop_state.js', knexDrop, { 'db/queries/orders.sql': queries })).toEqual(['db/migrations/20240501_drop_state.js:2 `db/queries/orders.sql:6`']);
    expect(await refs('db/migrations/20240501_drop_state.js', knexDrop, { 'db/queries/orders.sql': queries.replace('SELECT state', 'SELECT status') })).toEqual([]);
  });

  it('reads Sequelize models named by define() without tableName', async () => {
    const drop = "module.exports = {\n  async up(queryInterface) {\n    await queryInterface.removeColumn('Invoices', 'legacyRef');\n  },\n  async down() { throw new Error('irreversible'); },\n};\n";
    const model = "module.exports = (sequelize, DataTypes) =>\n  sequelize.define('Invoice', {\n    legacyRef: DataTypes.STRING,\n  });\n";
    expect(await refs('migrations/20240301-remove.js', drop, { 'models/invoice.js': model })).toEqual(['migrations/20240301-remove.js:3 `models/invoice.js:3`']);
  });

  it('respects the config: excluded files are not readers', async () => {
    const files = { 'legacy/orders.ts': "export const q = (db) => db('orders').select('state');\n" };
    const found = findingsOf(await runExample(rule, { path: 'db/migrations/20240501_drop_state.js', code: knexDrop, files, config: { exclude: ['legacy/**'] } }), rule);
    expect(found).toEqual([]);
  });

  it('reports at the statement in diff mode even when only the migration changed', async () => {
    const changeSet: ChangeSet = {
      mode: 'diff',
      files: [{ path: 'db/migrations/0042.sql', status: 'added', content: 'ALTER TABLE orders DROP COLUMN state;\n', changedLines: 'all' }],
      tree: {
        paths: async () => ['db/migrations/0042.sql', 'src/q.ts'],
        read: async (p) => (p === 'src/q.ts' ? "export const q = 'UPDATE orders SET state = $1 WHERE id = $2';\n" : undefined),
      },
    };
    const result = await review(changeSet, defaultConfig(), { rules: [rule] });
    expect(result.findings.map((f) => `${f.path}:${f.startLine} ${f.severity}`)).toEqual(['db/migrations/0042.sql:1 error']);
    expect(result.findings[0].message).toContain('`src/q.ts:1` (a SQL query)');
  });

  it('stays fast on a large tree: files without the column name are never parsed', async () => {
    const paths: string[] = ['db/migrations/0042.sql'];
    const contents = new Map<string, string>();
    for (let i = 0; i < 5000; i++) {
      const p = `src/module${i}/service.ts`;
      paths.push(p);
      contents.set(p, `import { db } from '../db.js';\nexport async function get${i}(id: number) {\n  return db('items').where({ id }).first('id', 'name', 'price');\n}\n`.repeat(20));
    }
    contents.set('src/module42/service.ts', "export const q = (db) => db('orders').first('state');\n");
    const changeSet: ChangeSet = {
      mode: 'scan',
      files: [{ path: 'db/migrations/0042.sql', status: 'added', content: 'ALTER TABLE orders DROP COLUMN state;\n', changedLines: 'all' }],
      tree: { paths: async () => paths, read: async (p) => contents.get(p) },
    };
    const started = performance.now();
    const result = await review(changeSet, defaultConfig(), { rules: [rule] });
    const ms = performance.now() - started;
    expect(result.findings.map((f) => f.message.match(/`src\/[^`]+`/)?.[0])).toEqual(['`src/module42/service.ts:1`']);
    expect(ms).toBeLessThan(3000);
  });
});
