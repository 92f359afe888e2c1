import { describe, expect, it } from 'vitest';
import { ruleById } from '../../checks/index.js';
import { applyFix, findingsOf, runExample } from '../../src/examples.js';
import type { Rule } from '../../src/rule.js';

// The SQL statement rules run unchanged on what JS/TS migrations send to Postgres.

function rule(id: string): Rule {
  const r = ruleById.get(id);
  if (!r) throw new Error(`no rule ${id}`);
  return r;
}

describe('create-index-non-concurrent on JS/TS migrations', () => {
  const createIndex = rule('migration/create-index-non-concurrent');

  it('fires on a Knex table.index() call at its line, without a fix (the builder cannot say CONCURRENTLY)', async () => {
    const code = "exports.up = function (knex) {\n  return knex.schema.alterTable('orders', (table) => {\n    table.index(['customer_id']);\n  });\n};\n";
    const found = findingsOf(await runExample(createIndex, { path: 'db/migrations/20240301_idx.js', code }), createIndex);
    expect(found.map((f) => [f.startLine, f.endLine, f.fix])).toEqual([[3, 3, undefined]]);
  });

  it('is suppressed by a // backend-review-ignore comment above the builder call', async () => {
    const code =
      "exports.up = function (knex) {\n  return knex.schema.alterTable('countries', (table) => {\n    // backend-review-ignore migration/create-index-non-concurrent: 250 rows\n    table.index(['code']);\n  });\n};\n";
    const result = await runExample(createIndex, { path: 'db/migrations/20240301_idx.js', code });
    expect(result.findings.map((f) => f.ruleId)).toEqual([]);
  });

  it('stays quiet on an index of a table the same Knex migration creates', async () => {
    const code =
      "exports.up = async (knex) => {\n  await knex.schema.createTable('events', (t) => {\n    t.bigIncrements('id');\n    t.bigInteger('account_id').index();\n  });\n  await knex.schema.alterTable('events', (t) => {\n    t.index(['id', 'account_id']);\n  });\n};\n";
    expect(findingsOf(await runExample(createIndex, { path: 'db/migrations/20240301_events.js', code }), createIndex)).toEqual([]);
  });

  it('offers a fix inside a TypeORM template literal, and applying it resolves the finding', async () => {
    const code = [
      "import { MigrationInterface, QueryRunner } from 'typeorm';",
      'export class Idx1700000000000 implements MigrationInterface {',
      '  transaction = false;',
      '  async up(queryRunner: QueryRunner): Promise<void> {',
      '    await queryRunner.query(`CREATE INDEX "IDX_order_status" ON "order" ("status")`);',
      '  }',
      '  async down(queryRunner: QueryRunner): Promise<void> {',
      '    await queryRunner.query(`DROP INDEX "IDX_order_status"`);',
      '  }',
      '}',
      '',
    ].join('\n');
    const example = { path: 'src/migration/1700000000000-Idx.ts', code };
    const [f] = findingsOf(await runExample(createIndex, example), createIndex);
    expect(f.startLine).toBe(5);
    expect(f.fix?.replacement).toBe('    await queryRunner.query(`CREATE INDEX CONCURRENTLY "IDX_order_status" ON "order" ("status")`);');
    const fixed = applyFix(code, f);
    expect(findingsOf(await runExample(createIndex, { ...example, code: fixed }), createIndex)).toEqual([]);
  });

  it('is quiet on Sequelize addIndex with concurrently: true and fires without it', async () => {
    const code = (opts: string) => `module.exports = {\n  async up(queryInterface) {\n    await queryInterface.addIndex('invoices', ['number']${opts});\n  },\n};\n`;
    const path = 'migrations/20240210-idx.js';
    expect(findingsOf(await runExample(createIndex, { path, code: code(', { concurrently: true }') }), createIndex)).toEqual([]);
    expect(findingsOf(await runExample(createIndex, { path, code: code('') }), createIndex).map((f) => f.startLine)).toEqual([3]);
  });
});

describe('transaction state of JS/TS runners', () => {
  const concurrentInTx = ruleById.get('migration/concurrent-in-transaction');
  it.skipIf(!concurrentInTx)('CONCURRENTLY in a Knex migration needs config.transaction = false', async () => {
    const up = "exports.up = (knex) => knex.raw('CREATE INDEX CONCURRENTLY orders_a_idx ON orders (a)');\n";
    const path = 'db/migrations/20240402_idx.js';
    expect(findingsOf(await runExample(concurrentInTx!, { path, code: up }), concurrentInTx!).map((f) => f.startLine)).toEqual([1]);
    expect(findingsOf(await runExample(concurrentInTx!, { path, code: up + 'exports.config = { transaction: false };\n' }), concurrentInTx!)).toEqual([]);
  });

  it.skipIf(!concurrentInTx)('TypeORM: committing the runner transaction before CONCURRENTLY is understood', async () => {
    const code = [
      "import { MigrationInterface, QueryRunner } from 'typeorm';",
      'export class Idx1 implements MigrationInterface {',
      '  async up(queryRunner: QueryRunner): Promise<void> {',
      '    await queryRunner.commitTransaction();',
      '    await queryRunner.query(`CREATE INDEX CONCURRENTLY "IDX_a" ON "order" ("a")`);',
      '    await queryRunner.startTransaction();',
      '  }',
      '  async down(): Promise<void> {}',
      '}',
      '',
    ].join('\n');
    expect(findingsOf(await runExample(concurrentInTx!, { path: 'src/migration/1-Idx.ts', code }), concurrentInTx!)).toEqual([]);
    const without = code.replace('    await queryRunner.commitTransaction();\n', '').replace('    await queryRunner.startTransaction();\n', '');
    expect(findingsOf(await runExample(concurrentInTx!, { path: 'src/migration/1-Idx.ts', code: without }), concurrentInTx!).map((f) => f.startLine)).toEqual([4]);
  });

  it.skipIf(!concurrentInTx)('node-pg-migrate: pgm.noTransaction() lets createIndex run concurrently', async () => {
    const path = 'migrations/1710000100000_idx.js';
    const code = (extra: string) => `exports.up = (pgm) => {\n${extra}  pgm.createIndex('products', 'sku', { concurrently: true });\n};\n`;
    expect(findingsOf(await runExample(concurrentInTx!, { path, code: code('  pgm.noTransaction();\n') }), concurrentInTx!)).toEqual([]);
    expect(findingsOf(await runExample(concurrentInTx!, { path, code: code('') }), concurrentInTx!).map((f) => f.startLine)).toEqual([2]);
  });
});

describe('missing-down-migration', () => {
  const missingDown = rule('migration/missing-down-migration');
  const run = async (path: string, code: string, files?: Record<string, string>) =>
    findingsOf(await runExample(missingDown, { path, code, files }), missingDown).map((f) => `${f.path}:${f.startLine}`);

  it('flags an empty down in Kysely and node-pg-migrate, but not an absent node-pg-migrate down', async () => {
    expect(await run('migrations/2024_a.ts', "import { Kysely } from 'kysely';\nexport async function up(db: Kysely<any>) {\n  await db.schema.alterTable('a').dropColumn('b').execute();\n}\nexport async function down(_db: Kysely<any>) {\n}\n")).toEqual(['migrations/2024_a.ts:5']);
    expect(await run('migrations/1_a.js', "exports.up = (pgm) => { pgm.dropColumns('a', ['b']); };\nexports.down = () => {};\n")).toEqual(['migrations/1_a.js:2']);
    expect(await run('migrations/1_a.js', "exports.up = (pgm) => { pgm.dropColumns('a', ['b']); };\n")).toEqual([]);
  });

  it('respects a down that explains itself in a comment', async () => {
    expect(await run('migrations/1_a.js', "exports.up = (knex) => knex.raw('UPDATE a SET b = 1 WHERE id = 1');\nexports.down = async () => {\n  // data fix: nothing to undo\n};\n")).toEqual([]);
  });

  it('respects down = false (declared irreversible) and a golang-migrate down already in the tree', async () => {
    expect(await run('migrations/1_a.js', "exports.up = (knex) => knex.raw('SELECT 1');\nexports.down = false;\n")).toEqual([]);
    expect(await run('db/000003_x.up.sql', 'SELECT 1;\n', { 'db/000003_x.down.sql': 'SELECT 1;\n' })).toEqual([]);
    expect(await run('db/000003_x.up.sql', 'SELECT 1;\n', { 'db/000004_x.down.sql': 'SELECT 1;\n' })).toEqual(['db/000003_x.up.sql:1']);
  });

  it('is quiet for Flyway and plain SQL folders', async () => {
    expect(await run('db/migration/V3__add.sql', 'ALTER TABLE a ADD COLUMN b text;\n')).toEqual([]);
    expect(await run('db/migrations/0003_add.sql', 'ALTER TABLE a ADD COLUMN b text;\n')).toEqual([]);
  });
});
