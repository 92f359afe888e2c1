import { beforeAll, describe, expect, it } from 'vitest';
import { extractJsMigration, safeJsFix } from '../../src/analyzers/sql/js-migration.js';
import { loadSqlParser } from '../../src/analyzers/sql/parse.js';
import { defaultConfig } from '../../src/config/load.js';
import type { Migration } from '../../src/analyzers/sql/migration.js';

beforeAll(async () => {
  await loadSqlParser();
});

function extract(path: string, code: string): Migration {
  const m = extractJsMigration(path, code, defaultConfig());
  if (!m) throw new Error(`not a migration: ${path}`);
  return m;
}

/** "line-line kind: sql" for each statement, to compare compactly. */
function summary(m: Migration): string[] {
  return m.statements.map((s) => `${s.startLine}-${s.endLine} ${s.text.replace(/\s+/g, ' ')}`);
}

describe('framework detection and the runner transaction', () => {
  it('Knex wraps unless exports.config or export const config opts out', () => {
    const up = "exports.up = (knex) => knex.raw('SELECT 1');\n";
    expect(extract('migrations/a.js', up)).toMatchObject({ framework: 'knex', runnerTransaction: true });
    expect(extract('migrations/a.js', up + 'exports.config = { transaction: false };\n').runnerTransaction).toBe(false);
    const ts = "import { Knex } from 'knex';\nexport const config = { transaction: false };\nexport async function up(knex: Knex) { await knex.raw('SELECT 1'); }\n";
    expect(extract('migrations/a.ts', ts)).toMatchObject({ framework: 'knex', runnerTransaction: false });
    // `transaction: true` is not an opt-out.
    expect(extract('migrations/a.js', up + 'exports.config = { transaction: true };\n').runnerTransaction).toBe(true);
  });

  it('TypeORM wraps unless the class sets transaction = false', () => {
    const cls = (extra: string) =>
      `import { MigrationInterface, QueryRunner } from 'typeorm';\nexport class A1 implements MigrationInterface {\n${extra}  async up(queryRunner: QueryRunner) { await queryRunner.query('SELECT 1'); }\n  async down() {}\n}\n`;
    expect(extract('src/migration/1-A.ts', cls(''))).toMatchObject({ framework: 'typeorm', runnerTransaction: true });
    expect(extract('src/migration/1-A.ts', cls('  transaction = false;\n')).runnerTransaction).toBe(false);
    expect(extract('src/migration/1-A.ts', cls('  transaction = false as const;\n')).runnerTransaction).toBe(false);
  });

  it('node-pg-migrate wraps unless pgm.noTransaction(); Sequelize and Kysely as their runners do', () => {
    expect(extract('migrations/1_a.js', "exports.up = (pgm) => { pgm.sql('SELECT 1'); };\n")).toMatchObject({ framework: 'node-pg-migrate', runnerTransaction: true });
    expect(extract('migrations/1_a.js', "exports.up = (pgm) => { pgm.noTransaction(); pgm.sql('SELECT 1'); };\n").runnerTransaction).toBe(false);
    expect(extract('migrations/1-a.js', "module.exports = { async up(queryInterface) { await queryInterface.sequelize.query('SELECT 1'); } };\n")).toMatchObject({
      framework: 'sequelize',
      runnerTransaction: false,
    });
    expect(extract('migrations/a.ts', "import { Kysely, sql } from 'kysely';\nexport async function up(db: Kysely<any>) { await sql`SELECT 1`.execute(db); }\n")).toMatchObject({
      framework: 'kysely',
      runnerTransaction: true,
    });
  });

  it('recognises a Knex file whose instance is not called knex', () => {
    expect(extract('migrations/a.js', "exports.up = (db) => db.schema.alterTable('a', (t) => {\n  t.dropColumn('b');\n});\n").framework).toBe('knex');
  });

  it('Kysely: a file that builds an index CONCURRENTLY implies the Migrator runs without transactions', () => {
    const code = (stmt: string) => `import { Kysely, sql } from 'kysely';\nexport async function up(db: Kysely<any>) {\n  await sql\`${stmt}\`.execute(db);\n}\n`;
    expect(extract('migrations/a.ts', code('CREATE INDEX a_idx ON a (b)')).runnerTransaction).toBe(true);
    expect(extract('migrations/a.ts', code('CREATE INDEX CONCURRENTLY a_idx ON a (b)')).runnerTransaction).toBe(false);
  });

  it('prefers the exported up step over a helper object with an up key', () => {
    const code = "const dirs = { up: () => 'north' };\nexports.up = (knex) => knex.raw('DROP INDEX a_idx');\n";
    expect(summary(extract('migrations/a.js', code))).toEqual(['2-2 DROP INDEX a_idx']);
  });

  it('ignores helper files without an up step', () => {
    expect(extractJsMigration('migrations/helpers.ts', "import { Knex } from 'knex';\nexport const ts = (k: Knex) => k.fn.now();\n", defaultConfig())).toBeUndefined();
  });

  it('records the down step and whether it is empty', () => {
    const m = extract('migrations/a.js', "exports.up = (knex) => knex.raw('SELECT 1');\nexports.down = async () => {};\n");
    expect(m.down).toEqual({ present: true, empty: true, line: 2 });
    expect(extract('migrations/a.js', "exports.up = (knex) => knex.raw('SELECT 1');\n").down).toEqual({ present: false, empty: true });
    expect(extract('migrations/a.js', "exports.up = (knex) => knex.raw('SELECT 1');\nexports.down = function () {\n  return Promise.resolve();\n};\n").down?.empty).toBe(true);
    expect(extract('migrations/a.js', "exports.up = (knex) => knex.raw('SELECT 1');\nexports.down = (knex) => knex.raw('SELECT 2');\n").down?.empty).toBe(false);
  });
});

describe('SQL in strings keeps its TS lines', () => {
  it('maps statements of a multi-line template literal to their own lines', () => {
    const code = [
      "import { MigrationInterface, QueryRunner } from 'typeorm';", // 1
      'export class A1 implements MigrationInterface {', // 2
      '  async up(queryRunner: QueryRunner) {', // 3
      '    await queryRunner.query(`', // 4
      "      SET lock_timeout = '2s';", // 5
      '      CREATE INDEX a_idx', // 6
      '        ON orders (a);', // 7
      '    `);', // 8
      '  }', // 9
      '}', // 10
    ].join('\n');
    expect(summary(extract('src/migration/1-A.ts', code))).toEqual(["5-5 SET lock_timeout = '2s'", '6-7 CREATE INDEX a_idx ON orders (a)']);
  });

  it('maps a concatenation across lines to the line each piece starts on', () => {
    const code = [
      "exports.up = async (knex) => {", // 1
      '  await knex.raw(', // 2
      "    'ALTER TABLE orders ' +", // 3
      "      'ADD COLUMN note text; ' +", // 4
      "      'CREATE INDEX orders_note_idx ON orders (note)'", // 5
      '  );', // 6
      '};', // 7
    ].join('\n');
    expect(summary(extract('migrations/a.js', code))).toEqual(['3-4 ALTER TABLE orders ADD COLUMN note text', '5-5 CREATE INDEX orders_note_idx ON orders (note)']);
  });

  it('maps AST locations (lineAt) to TS lines, and generated statements to their call line', () => {
    const code = [
      'exports.up = async (knex) => {', // 1
      '  await knex.raw(', // 2
      "    'ALTER TABLE orders ' +", // 3
      "      'ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) ' +", // 4
      "      'REFERENCES customers (id)'", // 5
      '  );', // 6
      "  await knex.schema.alterTable('orders', (t) => {", // 7
      "    t.dropColumn('é_legacy');", // 8
      '  });', // 9
      '};', // 10
    ].join('\n');
    const [raw, generated] = extract('migrations/a.js', code).statements;
    const constraint = raw.ast.cmds[0].AlterTableCmd.def.Constraint;
    expect(raw.lineAt(constraint.location)).toBe(4);
    expect(raw.lineAt(constraint.pktable.location)).toBe(5);
    expect(generated.lineAt(0)).toBe(8);
    expect(generated.lineAt(25)).toBe(8);
  });

  it('does not shift lines for escape sequences, CRLF files or multi-byte text', () => {
    const code = "exports.up = async (knex) => {\r\n  await knex.raw('-- résumé ✓\\nUPDATE orders SET note = \\'é\\' WHERE id = 1');\r\n  await knex.raw(\"DROP INDEX a_idx\");\r\n};\r\n";
    expect(summary(extract('migrations/a.js', code))).toEqual(["2-2 UPDATE orders SET note = 'é' WHERE id = 1", '3-3 DROP INDEX a_idx']);
  });

  it('survives interpolations: constants are resolved, unknown values do not break parsing', () => {
    const code = [
      "import { Knex } from 'knex';", // 1
      "const TABLE = 'orders';", // 2
      'export async function up(knex: Knex) {', // 3
      '  await knex.raw(`CREATE INDEX ${TABLE}_a_idx ON ${TABLE} (a)`);', // 4
      '  await knex.raw(`ALTER TABLE ${tableName()} ADD COLUMN b text`);', // 5
      '  await knex.raw(`${dynamicStatement}`);', // 6
      '}', // 7
    ].join('\n');
    const m = extract('migrations/a.ts', code);
    expect(summary(m)).toEqual(['4-4 CREATE INDEX orders_a_idx ON orders (a)', '5-5 ALTER TABLE __expr1__ ADD COLUMN b text']);
    expect(m.errors).toEqual([]);
  });

  it('reads SQL kept in a const of the same method, at the lines it is written on', () => {
    const code = [
      "import { MigrationInterface, QueryRunner } from 'typeorm';", // 1
      'export class A1 implements MigrationInterface {', // 2
      '  async up(queryRunner: QueryRunner) {', // 3
      '    const sql = `', // 4
      '      CREATE INDEX a_idx ON orders (a)', // 5
      '    `;', // 6
      '    await queryRunner.query(sql);', // 7
      '  }', // 8
      '  async down(queryRunner: QueryRunner) {', // 9
      "    const sql = 'DROP INDEX a_idx';", // 10
      '    await queryRunner.query(sql);', // 11
      '  }', // 12
      '}', // 13
    ].join('\n');
    expect(summary(extract('src/migration/1-A.ts', code))).toEqual(['5-5 CREATE INDEX a_idx ON orders (a)']);
  });

  it('reports a real syntax error at its line', () => {
    const code = "exports.up = async (knex) => {\n  await knex.raw('SELECT 1');\n  await knex.raw(`ALTER TABLE orders ADD COLUMN`);\n};\n";
    const m = extract('migrations/a.js', code);
    expect(m.errors.map((e) => e.startLine)).toEqual([3]);
  });

  it('reads Kysely sql tags with parameters and sql.raw/sql.table', () => {
    const code = [
      "import { Kysely, sql } from 'kysely';", // 1
      'export async function up(db: Kysely<any>) {', // 2
      "  await sql`UPDATE ${sql.table('orders')} SET note = ${'x'} WHERE id < 100`.execute(db);", // 3
      "  await sql.raw('DROP INDEX IF EXISTS old_idx').execute(db);", // 4
      '}', // 5
    ].join('\n');
    expect(summary(extract('migrations/a.ts', code))).toEqual(['3-3 UPDATE "orders" SET note = $1 WHERE id < 100', '4-4 DROP INDEX IF EXISTS old_idx']);
  });

  it('treats raw SQL used as a value (knex.raw in update(), sql`` in where()) as a fragment, not a statement', () => {
    const knex = [
      'exports.up = async (knex) => {', // 1
      "  await knex('orders').where('id', '<', 100).update({ total: knex.raw('total + 1') });", // 2
      "  await Promise.all([knex.raw('ANALYZE orders'), knex.raw('ANALYZE users')]);", // 3
      '};', // 4
    ].join('\n');
    const m = extract('migrations/a.js', knex);
    expect(m.errors).toEqual([]);
    expect(summary(m).filter((x) => x.includes('ANALYZE'))).toEqual(['3-3 ANALYZE orders', '3-3 ANALYZE users']);
    const kysely = [
      "import { Kysely, sql } from 'kysely';", // 1
      'export async function up(db: Kysely<any>) {', // 2
      "  await db.updateTable('orders').set({ total: sql`total + 1` }).where(sql`id < 100`).execute();", // 3
      '}', // 4
    ].join('\n');
    expect(extract('migrations/a.ts', kysely).errors).toEqual([]);
  });

  it('turns sequelize.query replacements into parameters, leaving ::casts alone', () => {
    const code = "module.exports = {\n  async up(queryInterface) {\n    await queryInterface.sequelize.query('UPDATE invoices SET status = :status WHERE total::numeric > 0', { replacements: { status: 'x' } });\n  },\n};\n";
    expect(summary(extract('migrations/1-a.js', code))).toEqual(['3-3 UPDATE invoices SET status = $1 WHERE total::numeric > 0']);
  });

  it('turns knex.raw bindings into parameters', () => {
    const m = extract('migrations/a.js', "exports.up = (knex) => knex.raw('UPDATE ?? SET a = ? WHERE id = ?', ['orders', 1, 2]);\n");
    expect(m.statements.map((s) => s.kind)).toEqual(['UpdateStmt']);
    expect(m.errors).toEqual([]);
  });
});

describe('builder calls become the SQL the framework sends', () => {
  it('Knex alterTable commands', () => {
    const code = [
      'exports.up = async (knex) => {', // 1
      "  await knex.schema.alterTable('orders', (table) => {", // 2
      "    table.dropColumn('legacy');", // 3
      "    table.renameColumn('state', 'status');", // 4
      "    table.index(['customer_id', 'created_at']);", // 5
      "    table.unique(['number'], { indexName: 'orders_number_key' });", // 6
      "    table.foreign('customer_id').references('customers.id').onDelete('CASCADE');", // 7
      "    table.dropNullable('email');", // 8
      "    table.setNullable('phone');", // 9
      "    table.text('note').notNullable().defaultTo('');", // 10
      "    table.bigInteger('total').alter();", // 11
      '  });', // 12
      "  await knex.schema.renameTable('orders', 'purchases');", // 13
      "  await knex.schema.dropTableIfExists('tmp');", // 14
      '};', // 15
    ].join('\n');
    expect(summary(extract('migrations/a.js', code))).toEqual([
      '3-3 ALTER TABLE orders DROP COLUMN legacy',
      '4-4 ALTER TABLE orders RENAME COLUMN state TO status',
      '5-5 CREATE INDEX orders_customer_id_created_at_index ON orders (customer_id, created_at)',
      '6-6 ALTER TABLE orders ADD CONSTRAINT orders_number_key UNIQUE (number)',
      '7-7 ALTER TABLE orders ADD CONSTRAINT orders_customer_id_foreign FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE',
      '8-8 ALTER TABLE orders ALTER COLUMN email SET NOT NULL',
      '9-9 ALTER TABLE orders ALTER COLUMN phone DROP NOT NULL',
      "10-10 ALTER TABLE orders ADD COLUMN note text NOT NULL DEFAULT ''",
      '11-11 ALTER TABLE orders ALTER COLUMN total TYPE bigint USING (total::bigint)',
      '11-11 ALTER TABLE orders ALTER COLUMN total DROP DEFAULT',
      '11-11 ALTER TABLE orders ALTER COLUMN total DROP NOT NULL',
      '13-13 ALTER TABLE orders RENAME TO purchases',
      '14-14 DROP TABLE IF EXISTS tmp',
    ]);
    const m = extract('migrations/a.js', code);
    expect(m.statements.every((s) => s.origin)).toBe(true);
    expect(m.statements[0].origin).toBe("table.dropColumn('legacy')");
  });

  it('Knex createTable marks the table new and keeps the statements in source order', () => {
    const code = [
      'exports.up = async (knex) => {', // 1
      "  await knex.schema.createTable('events', (t) => {", // 2
      "    t.bigIncrements('id');", // 3
      "    t.uuid('account_id').notNullable().references('id').inTable('accounts').index();", // 4
      "    t.timestamp('at', { useTz: false });", // 5
      '  }).alterTable(\'accounts\', (t) => {', // 6
      "    t.integer('events_count').notNullable().defaultTo(0);", // 7
      '  });', // 8
      '};', // 9
    ].join('\n');
    expect(summary(extract('migrations/a.js', code))).toEqual([
      '2-6 CREATE TABLE events (id bigserial PRIMARY KEY, account_id uuid NOT NULL, at timestamp)',
      '4-4 CREATE INDEX events_account_id_index ON events (account_id)',
      '4-4 ALTER TABLE events ADD CONSTRAINT events_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id)',
      '7-7 ALTER TABLE accounts ADD COLUMN events_count integer NOT NULL DEFAULT 0',
    ]);
  });

  it('a location in a generated CREATE TABLE maps to the line of its column', () => {
    const knex = [
      'exports.up = (knex) =>', // 1
      "  knex.schema.createTable('a', (t) => {", // 2
      "    t.bigIncrements('id');", // 3
      "    t.timestamp('at', { useTz: false });", // 4
      '  });', // 5
    ].join('\n');
    const [create] = extract('migrations/a.js', knex).statements;
    const cols = create.ast.tableElts.map((e: any) => create.lineAt(e.ColumnDef.location));
    expect(cols).toEqual([3, 4]);
    const pgm = ['exports.up = (pgm) => {', "  pgm.createTable('a', {", "    id: 'id',", "    at: { type: 'timestamp' },", '  });', '};'].join('\n');
    const [p] = extract('migrations/1_a.js', pgm).statements;
    expect(p.ast.tableElts.map((e: any) => p.lineAt(e.ColumnDef.location))).toEqual([3, 4]);
  });

  it('Sequelize queryInterface calls, with Sequelize-side defaults left out of the schema', () => {
    const code = [
      'module.exports = {', // 1
      '  async up(queryInterface, Sequelize) {', // 2
      "    await queryInterface.addColumn('invoices', 'paid_at', { type: Sequelize.DATE, allowNull: false, defaultValue: Sequelize.NOW });", // 3
      "    await queryInterface.addColumn('invoices', 'kind', { type: Sequelize.STRING(20), allowNull: false, defaultValue: 'standard' });", // 4
      "    await queryInterface.addIndex('invoices', ['customer_id'], { concurrently: true });", // 5
      "    await queryInterface.addIndex('invoices', { fields: ['number'], unique: true });", // 6
      "    await queryInterface.removeIndex('invoices', 'invoices_old_idx');", // 7
      "    await queryInterface.changeColumn('invoices', 'total', { type: Sequelize.BIGINT, allowNull: false });", // 8
      "    await queryInterface.addConstraint('invoices', { type: 'foreign key', fields: ['customer_id'], references: { table: 'customers', field: 'id' } });", // 9
      "    await queryInterface.removeColumn('invoices', 'legacy');", // 10
      "    await queryInterface.renameColumn('invoices', 'num', 'number');", // 11
      '  },', // 12
      '};', // 13
    ].join('\n');
    expect(summary(extract('migrations/1-a.js', code))).toEqual([
      '3-3 ALTER TABLE invoices ADD COLUMN paid_at timestamptz NOT NULL',
      "4-4 ALTER TABLE invoices ADD COLUMN kind varchar(20) NOT NULL DEFAULT 'standard'",
      '5-5 CREATE INDEX CONCURRENTLY invoices_customer_id ON invoices (customer_id)',
      '6-6 CREATE UNIQUE INDEX invoices_number ON invoices (number)',
      '7-7 DROP INDEX invoices_old_idx',
      '8-8 ALTER TABLE invoices ALTER COLUMN total SET NOT NULL',
      '8-8 ALTER TABLE invoices ALTER COLUMN total DROP DEFAULT',
      '8-8 ALTER TABLE invoices ALTER COLUMN total TYPE bigint',
      '9-9 ALTER TABLE invoices ADD CONSTRAINT invoices_customer_id_customers_fk FOREIGN KEY (customer_id) REFERENCES customers (id)',
      '10-10 ALTER TABLE invoices DROP COLUMN legacy',
      '11-11 ALTER TABLE invoices RENAME COLUMN num TO number',
    ]);
  });

  it('Sequelize transactions become BEGIN/COMMIT on the callback lines', () => {
    const code = [
      'module.exports = {', // 1
      '  async up(queryInterface) {', // 2
      '    await queryInterface.sequelize.transaction(async (transaction) => {', // 3
      "      await queryInterface.removeColumn('a', 'b', { transaction });", // 4
      '    });', // 5
      '  },', // 6
      '};', // 7
    ].join('\n');
    expect(summary(extract('migrations/1-a.js', code))).toEqual(['3-3 BEGIN', '4-4 ALTER TABLE a DROP COLUMN b', '5-5 COMMIT']);
  });

  it('Kysely schema builder', () => {
    const code = [
      "import { Kysely, sql } from 'kysely';", // 1
      'export async function up(db: Kysely<any>) {', // 2
      "  await db.schema.createIndex('orders_a_idx').on('orders').columns(['a', 'b desc']).execute();", // 3
      "  await db.schema.createIndex('orders_c_idx').on('orders').column('c').unique().using('btree').execute();", // 4
      '  await db.schema', // 5
      "    .alterTable('orders')", // 6
      "    .addColumn('note', 'text', (col) => col.notNull().defaultTo(sql`''`))", // 7
      "    .dropColumn('legacy')", // 8
      "    .renameColumn('state', 'status')", // 9
      "    .alterColumn('total', (col) => col.setDataType('bigint'))", // 10
      "    .alterColumn('email', (col) => col.setNotNull())", // 11
      '    .execute();', // 12
      "  await db.schema.dropTable('tmp').ifExists().execute();", // 13
      "  await db.schema.withSchema('billing').alterTable('invoices').dropColumn('legacy').execute();", // 14
      '}', // 15
    ].join('\n');
    expect(summary(extract('migrations/a.ts', code))).toEqual([
      '3-3 CREATE INDEX orders_a_idx ON orders (a, b DESC)',
      '4-4 CREATE UNIQUE INDEX orders_c_idx ON orders USING btree (c)',
      "7-7 ALTER TABLE orders ADD COLUMN note text NOT NULL DEFAULT ''",
      '8-8 ALTER TABLE orders DROP COLUMN legacy',
      '9-9 ALTER TABLE orders RENAME COLUMN state TO status',
      '10-10 ALTER TABLE orders ALTER COLUMN total TYPE bigint',
      '11-11 ALTER TABLE orders ALTER COLUMN email SET NOT NULL',
      '13-13 DROP TABLE IF EXISTS tmp',
      '14-14 ALTER TABLE billing.invoices DROP COLUMN legacy',
    ]);
  });

  it('node-pg-migrate pgm calls', () => {
    const code = [
      'exports.up = (pgm) => {', // 1
      "  pgm.createIndex('orders', ['customer_id'], { concurrently: true });", // 2
      "  pgm.createIndex('orders', 'email', { unique: true });", // 3
      "  pgm.dropColumns('orders', ['a', 'b']);", // 4
      "  pgm.alterColumn('orders', 'total', { type: 'bigint', notNull: true });", // 5
      "  pgm.addConstraint('orders', 'orders_total_positive', { check: 'total >= 0' });", // 6
      "  pgm.addColumns('orders', { note: { type: 'text', notNull: true, default: '' } });", // 7
      '};', // 8
    ].join('\n');
    expect(summary(extract('migrations/1_a.js', code))).toEqual([
      '2-2 CREATE INDEX CONCURRENTLY orders_customer_id_index ON orders (customer_id)',
      '3-3 CREATE UNIQUE INDEX orders_email_unique_index ON orders (email)',
      '4-4 ALTER TABLE orders DROP COLUMN a',
      '4-4 ALTER TABLE orders DROP COLUMN b',
      '5-5 ALTER TABLE orders ALTER COLUMN total SET DATA TYPE bigint',
      '5-5 ALTER TABLE orders ALTER COLUMN total SET NOT NULL',
      '6-6 ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0)',
      "7-7 ALTER TABLE orders ADD note text NOT NULL DEFAULT ''",
    ]);
  });

  it('TypeORM QueryRunner schema methods and commitTransaction()', () => {
    const code = [
      "import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';", // 1
      'export class A1 implements MigrationInterface {', // 2
      '  async up(queryRunner: QueryRunner) {', // 3
      "    await queryRunner.dropColumn('order', 'legacy');", // 4
      '    await queryRunner.commitTransaction();', // 5
      "    await queryRunner.createIndex('order', new TableIndex({ name: 'IDX_a', columnNames: ['a'] }));", // 6
      '    await queryRunner.startTransaction();', // 7
      '  }', // 8
      '}', // 9
    ].join('\n');
    const m = extract('src/migration/1-A.ts', code);
    const more = [
      "import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';", // 1
      'export class B1 implements MigrationInterface {', // 2
      '  async up(queryRunner: QueryRunner) {', // 3
      "    await queryRunner.addColumn('order', new TableColumn({ name: 'note', type: 'varchar', length: '200' }));", // 4
      "    await queryRunner.addColumn('order', new TableColumn({ name: 'flag', type: 'boolean', isNullable: false, default: 'false' }));", // 5
      "    await queryRunner.dropIndex('order', 'IDX_old');", // 6
      '  }', // 7
      '}', // 8
    ].join('\n');
    expect(summary(extract('src/migration/2-B.ts', more))).toEqual([
      '4-4 ALTER TABLE "order" ADD COLUMN note varchar(200) NOT NULL',
      '5-5 ALTER TABLE "order" ADD COLUMN flag boolean NOT NULL DEFAULT false',
      '6-6 DROP INDEX "IDX_old"',
    ]);
    expect(m.runnerTransaction).toBe(false);
    expect(summary(m)).toEqual(['3-3 BEGIN', '4-4 ALTER TABLE "order" DROP COLUMN legacy', '5-5 COMMIT', '6-6 CREATE INDEX "IDX_a" ON "order" (a)', '7-7 BEGIN']);
  });
});

describe('data changes written with query builders', () => {
  it('Knex update/del chains become UPDATE/DELETE; unrenderable or looped ones are left out', () => {
    const code = [
      'exports.up = async (knex) => {', // 1
      "  await knex('users').update({ role: 'member', updated_at: knex.fn.now() });", // 2
      "  await knex('users').whereNull('locale').update('locale', 'en');", // 3
      "  await knex('sessions').where('expires_at', '<', knex.raw('now()')).del();", // 4
      "  await knex('users').whereIn('id', [1, 2, 3]).update({ flagged: true }).returning('id');", // 5
      "  await knex('users').whereExists(function () { this.select(1); }).del();", // 6
      '  for (const batch of batches) {', // 7
      "    await knex('users').whereIn('id', batch).update({ migrated: true });", // 8
      '  }', // 9
      '};', // 10
    ].join('\n');
    expect(summary(extract('migrations/a.js', code))).toEqual([
      "2-2 UPDATE users SET role = 'member', updated_at = CURRENT_TIMESTAMP",
      "3-3 UPDATE users SET locale = 'en' WHERE locale IS NULL",
      '4-4 DELETE FROM sessions WHERE expires_at < now()',
      '5-5 UPDATE users SET flagged = true WHERE id IN (1, 2, 3)',
    ]);
  });

  it('Kysely updateTable/deleteFrom and Sequelize bulkUpdate/bulkDelete', () => {
    const kysely = [
      "import { Kysely, sql } from 'kysely';", // 1
      'export async function up(db: Kysely<any>) {', // 2
      "  await db.updateTable('accounts').set({ plan: 'free' }).where('plan', 'is', null).execute();", // 3
      "  await db.deleteFrom('events').execute();", // 4
      "  await db.updateTable('accounts').set({ n: 1 }).where((eb) => eb('id', '<', 5)).execute();", // 5
      '}', // 6
    ].join('\n');
    expect(summary(extract('migrations/a.ts', kysely))).toEqual(["3-3 UPDATE accounts SET plan = 'free' WHERE plan IS NULL", '4-4 DELETE FROM events']);
    const sequelize = [
      'module.exports = {', // 1
      '  async up(queryInterface) {', // 2
      "    await queryInterface.bulkUpdate('invoices', { status: 'open' }, { status: null });", // 3
      "    await queryInterface.bulkDelete('audit_logs', null, {});", // 4
      '  },', // 5
      '};', // 6
    ].join('\n');
    expect(summary(extract('migrations/1-a.js', sequelize))).toEqual(["3-3 UPDATE invoices SET status = 'open' WHERE status IS NULL", '4-4 DELETE FROM audit_logs']);
  });
});

describe('fixes on JS/TS migrations', () => {
  const typeorm = [
    "import { MigrationInterface, QueryRunner } from 'typeorm';", // 1
    'export class A1 implements MigrationInterface {', // 2
    '  async up(queryRunner: QueryRunner) {', // 3
    '    await queryRunner.query(`CREATE INDEX a_idx ON orders (a)`);', // 4
    '    await queryRunner.query(`', // 5
    '      CREATE INDEX b_idx ON orders (b)', // 6
    '    `);', // 7
    '  }', // 8
    '}', // 9
  ].join('\n');

  it('keeps a rewrite inside the SQL string', () => {
    const m = extract('src/migration/1-A.ts', typeorm);
    const fix = { startLine: 4, endLine: 4, replacement: '    await queryRunner.query(`CREATE INDEX CONCURRENTLY a_idx ON orders (a)`);' };
    expect(safeJsFix(m, fix)).toEqual(fix);
  });

  it('drops a line inserted into code, but keeps one inserted inside a template literal', () => {
    const m = extract('src/migration/1-A.ts', typeorm);
    expect(safeJsFix(m, { startLine: 4, endLine: 4, replacement: "SET lock_timeout = '5s';\n" + m.lines[3] })).toBeUndefined();
    const inside = { startLine: 6, endLine: 6, replacement: "      SET lock_timeout = '5s';\n" + m.lines[5] };
    expect(safeJsFix(m, inside)).toEqual(inside);
  });

  it('drops any fix on a builder call, even one that would still compile', () => {
    const m = extract('migrations/a.js', "exports.up = (knex) => knex.schema.alterTable('t', (table) => {\n  table.timestamp('at');\n});\n");
    expect(safeJsFix(m, { startLine: 2, endLine: 2, replacement: "  table.timestamptz('at');" })).toBeUndefined();
  });
});
