import { beforeAll, describe, expect, it } from 'vitest';
import { at, runFiles as run, type Files } from '../helpers/migration-run.js';
import { review } from '../../src/engine.js';
import { defaultConfig, validateConfig } from '../../src/config/load.js';
import { applyFix } from '../../src/examples.js';
import { ruleById } from '../../checks/index.js';
import { extractJsMigration } from '../../src/analyzers/sql/js-migration.js';
import { loadSqlParser } from '../../src/analyzers/sql/parse.js';
import type { Finding } from '../../src/model.js';

// The transaction facts checked against Postgres in test/locks.pglite.test.ts, as the rules
// see them: SET LOCAL scope, golang-migrate's one-query files, constraints inside ADD COLUMN,
// and the Kysely / MikroORM runners.


beforeAll(async () => {
  await loadSqlParser();
});

describe('SET LOCAL lasts until the end of its transaction', () => {
  const ids = ['migration/missing-lock-timeout'];

  it('a statement after COMMIT is unprotected, and the message says why', async () => {
    const sql = "BEGIN;\nSET LOCAL lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;\nALTER TABLE orders DROP COLUMN legacy;\n";
    const fs = await run({ 'db/migrations/1.sql': sql }, ids);
    expect(at(fs)).toEqual(['missing-lock-timeout:db/migrations/1.sql:5']);
    expect(fs[0].message).toContain('the `SET LOCAL lock_timeout` on line 2 ended with its transaction at the COMMIT on line 4');
    expect(fs[0].fix?.replacement).toBe("SET lock_timeout = '5s';\nALTER TABLE orders DROP COLUMN legacy;");
    const fixed = applyFix(sql, fs[0]);
    expect(await run({ 'db/migrations/1.sql': fixed }, ids)).toEqual([]);
  });

  it('set_config(…, true) is SET LOCAL; set_config(…, false) is SET', async () => {
    const local = "BEGIN;\nSELECT set_config('lock_timeout', '5s', true);\nALTER TABLE a ADD COLUMN x int;\nEND;\nDROP TABLE b;\n";
    const fs = await run({ 'db/migrations/1.sql': local }, ids);
    expect(at(fs)).toEqual(['missing-lock-timeout:db/migrations/1.sql:5']);
    expect(fs[0].message).toContain("the `set_config('lock_timeout', …, true)` on line 2 ended with its transaction at the COMMIT on line 4");
    const session = local.replace("'5s', true", "'5s', false");
    expect(await run({ 'db/migrations/1.sql': session }, ids)).toEqual([]);
  });

  it('ROLLBACK undoes a plain SET made inside the transaction; COMMIT keeps it', async () => {
    const sql = (end: string) => `BEGIN;\nSET lock_timeout = '5s';\n${end};\nALTER TABLE a DROP COLUMN b;\n`;
    const fs = await run({ 'db/migrations/1.sql': sql('ROLLBACK') }, ids);
    expect(at(fs)).toEqual(['missing-lock-timeout:db/migrations/1.sql:4']);
    expect(fs[0].message).toContain('undone by the ROLLBACK on line 3');
    expect(await run({ 'db/migrations/1.sql': sql('COMMIT') }, ids)).toEqual([]);
  });

  it('SET LOCAL overrides the session value only until COMMIT', async () => {
    const sql = "SET lock_timeout = '5s';\nBEGIN;\nSET LOCAL lock_timeout = 0;\nALTER TABLE a ADD COLUMN x int;\nCOMMIT;\nALTER TABLE a DROP COLUMN y;\n";
    expect(at(await run({ 'db/migrations/1.sql': sql }, ids))).toEqual(['missing-lock-timeout:db/migrations/1.sql:4']);
    const after = "SET lock_timeout = '5s';\nBEGIN;\nSET LOCAL lock_timeout = 0;\nCOMMIT;\nALTER TABLE a DROP COLUMN y;\n";
    expect(await run({ 'db/migrations/1.sql': after }, ids)).toEqual([]);
  });

  it('a runner transaction keeps SET LOCAL in force for the whole file', async () => {
    const sql = "SET LOCAL lock_timeout = '5s';\nALTER TABLE \"User\" ADD COLUMN \"bio\" TEXT;\nALTER TABLE \"User\" DROP COLUMN \"nick\";\n";
    expect(await run({ 'prisma/migrations/20240101_a/migration.sql': sql }, ids)).toEqual([]);
    const knex = "exports.up = async (knex) => {\n  await knex.raw(\"SET LOCAL lock_timeout = '5s'\");\n  await knex.raw('ALTER TABLE orders DROP COLUMN legacy');\n};\nexports.down = async () => {};\n";
    expect(await run({ 'db/migrations/20240101_a.js': knex }, ids)).toEqual([]);
  });

  it('outside a transaction under a runner known not to wrap, SET LOCAL does nothing', async () => {
    const knex =
      "exports.config = { transaction: false };\nexports.up = async (knex) => {\n  await knex.raw(\"SET LOCAL lock_timeout = '5s'\");\n  await knex.raw('ALTER TABLE orders DROP COLUMN legacy');\n};\nexports.down = async () => {};\n";
    const fs = await run({ 'db/migrations/20240101_a.js': knex }, ids);
    expect(at(fs)).toEqual(['missing-lock-timeout:db/migrations/20240101_a.js:4']);
    expect(fs[0].message).toContain('the `SET LOCAL lock_timeout` on line 3 had no effect: it ran outside a transaction block');
    expect(fs[0].message).toContain('`SET LOCAL lock_timeout` on line 3');
    expect(fs[0].message).toContain('run it as a query of its own just before this one');
    // A session-level SET works there.
    expect(await run({ 'db/migrations/20240101_a.js': knex.replace('SET LOCAL', 'SET') }, ids)).toEqual([]);
  });

  it('a plain SQL file of unknown runner gets the benefit of the doubt (the runner may wrap it)', async () => {
    expect(await run({ 'db/migrations/1.sql': "SET LOCAL lock_timeout = '5s';\nALTER TABLE a DROP COLUMN b;\n" }, ids)).toEqual([]);
  });

  it('after the file itself ends a transaction, a SET LOCAL outside BEGIN does nothing', async () => {
    const sql = "BEGIN;\nCREATE TABLE n (id bigint PRIMARY KEY);\nCOMMIT;\nSET LOCAL lock_timeout = '5s';\nALTER TABLE a DROP COLUMN b;\n";
    const fs = await run({ 'db/migrations/1.sql': sql }, ids);
    expect(at(fs)).toEqual(['missing-lock-timeout:db/migrations/1.sql:5']);
    expect(fs[0].message).toContain('the `SET LOCAL lock_timeout` on line 4 had no effect');
  });

  it('TypeORM: after commitTransaction() the SET LOCAL is gone', async () => {
    const code = [
      "import { MigrationInterface, QueryRunner } from 'typeorm';", // 1
      'export class A1 implements MigrationInterface {', // 2
      '  async up(queryRunner: QueryRunner) {', // 3
      "    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);", // 4
      '    await queryRunner.query(`ALTER TABLE orders ADD COLUMN note text`);', // 5
      '    await queryRunner.commitTransaction();', // 6
      '    await queryRunner.query(`ALTER TABLE orders DROP COLUMN legacy`);', // 7
      '    await queryRunner.startTransaction();', // 8
      '  }', // 9
      '  async down() {}', // 10
      '}', // 11
    ].join('\n');
    expect(at(await run({ 'src/migration/1-A.ts': code }, ids))).toEqual(['missing-lock-timeout:src/migration/1-A.ts:7']);
  });
});

describe('golang-migrate sends a file as one query: one implicit transaction when it holds several statements', () => {
  it('CONCURRENTLY fires in a multi-statement file, even after an explicit COMMIT, and is quiet alone', async () => {
    const ids = ['migration/concurrent-in-transaction'];
    const multi = "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN note text;\nCREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);\n";
    const fs = await run({ 'db/migrations/000012_note.up.sql': multi }, ids);
    expect(at(fs)).toEqual(['concurrent-in-transaction:db/migrations/000012_note.up.sql:3']);
    expect(fs[0].message).toContain('golang-migrate sends the whole file as one query, which Postgres runs as a single transaction');
    expect(fs[0].message).toContain('Put it in a migration file of its own, with no other statement');
    const afterCommit = 'BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;\nCREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);\n';
    expect(at(await run({ 'db/migrations/000012_note.up.sql': afterCommit }, ids))).toEqual(['concurrent-in-transaction:db/migrations/000012_note.up.sql:4']);
    expect(await run({ 'db/migrations/000013_idx.up.sql': '-- index\nCREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);\n' }, ids)).toEqual([]);
    // Rollback files are sent the same way.
    const down = 'DROP INDEX CONCURRENTLY a_idx;\nDROP INDEX CONCURRENTLY b_idx;\n';
    expect(at(await run({ 'db/migrations/000014_idx.down.sql': down }, ids))).toEqual([
      'concurrent-in-transaction:db/migrations/000014_idx.down.sql:1',
      'concurrent-in-transaction:db/migrations/000014_idx.down.sql:2',
    ]);
    // The same text under an unknown runner runs statement by statement, and so does
    // golang-migrate with x-multi-statement=true, when the config says so.
    expect(await run({ 'db/migrations/0012_note.sql': multi }, ids)).toEqual([]);
    expect(await run({ 'db/migrations/000012_note.up.sql': multi }, ids, { migrations: { golang_multi_statement: true } })).toEqual([]);
  });

  it('CREATE INDEX: CONCURRENTLY is offered as a fix only when the file holds that one statement', async () => {
    const ids = ['migration/create-index-non-concurrent', 'migration/missing-lock-timeout'];
    const alone = await run({ 'db/migrations/000013_idx.up.sql': 'CREATE INDEX orders_note_idx ON orders (note);\n' }, ids);
    const idx = alone.find((f) => f.ruleId === 'migration/create-index-non-concurrent')!;
    expect(idx.fix?.replacement).toBe('CREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);');
    // Adding `SET lock_timeout` would make it a two-statement file, which CONCURRENTLY cannot join.
    expect(alone.find((f) => f.ruleId === 'migration/missing-lock-timeout')!.fix).toBeUndefined();
    const drop = await run({ 'db/migrations/000014_idx.up.sql': 'DROP INDEX orders_old_idx;\n' }, ['migration/drop-index-non-concurrent', 'migration/missing-lock-timeout']);
    expect(drop.map((f) => [f.ruleId, f.fix?.replacement])).toEqual([
      ['migration/drop-index-non-concurrent', 'DROP INDEX CONCURRENTLY orders_old_idx;'],
      ['migration/missing-lock-timeout', undefined],
    ]);
    const multi = await run({ 'db/migrations/000013_idx.up.sql': "SET lock_timeout = '5s';\nCREATE INDEX orders_note_idx ON orders (note);\n" }, ids);
    expect(multi.map((f) => [f.ruleId, f.fix])).toEqual([['migration/create-index-non-concurrent', undefined]]);
    expect(multi[0].message).toContain('put it in a migration file of its own');
  });

  it('SET LOCAL covers the rest of a multi-statement file; NOT VALID + VALIDATE advice points to a later file', async () => {
    expect(await run({ 'db/migrations/000015_a.up.sql': "SET LOCAL lock_timeout = '5s';\nALTER TABLE a DROP COLUMN b;\n" }, ['migration/missing-lock-timeout'])).toEqual([]);
    const fk = await run(
      { 'db/migrations/000016_fk.up.sql': "SET lock_timeout = '5s';\nALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);\n" },
      ['migration/add-foreign-key-validating'],
    );
    expect(fk[0].message).toContain('in a migration file of its own (golang-migrate runs all the statements of one file as one transaction');
    // Inside the implicit transaction the fix only adds NOT VALID.
    expect(fk[0].fix?.replacement).toBe('ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;');
  });
});

describe('constraints declared inside ADD COLUMN', () => {
  const ids = ['migration/add-foreign-key-validating', 'migration/add-check-validating'];

  it('REFERENCES without a default is not reported (every row is NULL, Postgres skips the check)', async () => {
    expect(await run({ 'db/migrations/1.sql': 'ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);\n' }, ids)).toEqual([]);
    expect(await run({ 'db/migrations/1.sql': 'ALTER TABLE orders ADD COLUMN coupon_id bigint CONSTRAINT orders_coupon_fk REFERENCES coupons ON DELETE SET NULL;\n' }, ids)).toEqual([]);
  });

  it('REFERENCES with a default is reported with the exact safe sequence', async () => {
    const fs = await run({ 'db/migrations/1.sql': 'ALTER TABLE orders ADD COLUMN region_id bigint NOT NULL DEFAULT 1 REFERENCES regions (id) ON DELETE CASCADE;\n' }, ids);
    expect(at(fs)).toEqual(['add-foreign-key-validating:db/migrations/1.sql:1']);
    expect(fs[0].message).toContain('takes an ACCESS EXCLUSIVE lock on `orders`');
    expect(fs[0].message).toContain('`regions` gets a SHARE ROW EXCLUSIVE lock');
    expect(fs[0].message).toContain(
      '`ALTER TABLE orders ADD CONSTRAINT orders_region_id_fkey FOREIGN KEY (region_id) REFERENCES regions (id) ON DELETE CASCADE NOT VALID;`',
    );
    expect(fs[0].message).toContain('`ALTER TABLE orders VALIDATE CONSTRAINT orders_region_id_fkey;` as the next statement');
  });

  it('DEFAULT NULL: the message says dropping it is enough', async () => {
    const fs = await run({ 'db/migrations/1.sql': 'ALTER TABLE orders ADD COLUMN coupon_id bigint DEFAULT NULL REFERENCES coupons (id);\n' }, ids);
    expect(fs[0].message).toContain('Drop `DEFAULT NULL`');
    expect(fs[0].fix?.replacement).toBe('ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);');
    // Two columns on one line: the line-wide fix is not offered.
    const two = await run({ 'db/migrations/1.sql': 'ALTER TABLE t ADD COLUMN a bigint DEFAULT NULL REFERENCES p (id), ADD COLUMN b bigint DEFAULT NULL REFERENCES q (id);\n' }, ids);
    expect(two.map((f) => f.fix)).toEqual([undefined, undefined]);
  });

  it('CHECK is reported even without a default, with its expression in the safe sequence', async () => {
    const fs = await run({ 'db/migrations/1.sql': "ALTER TABLE orders ADD COLUMN discount_pct int CHECK (discount_pct BETWEEN 0 AND 100 AND note <> ')');\n" }, ids);
    expect(at(fs)).toEqual(['add-check-validating:db/migrations/1.sql:1']);
    expect(fs[0].message).toContain(
      "`ALTER TABLE orders ADD CONSTRAINT orders_discount_pct_check CHECK (discount_pct BETWEEN 0 AND 100 AND note <> ')') NOT VALID;`",
    );
  });

  it('a CHECK written over several lines is quoted on one', async () => {
    const fs = await run({ 'db/migrations/1.sql': 'ALTER TABLE orders\n  ADD COLUMN pct int\n    CHECK (pct > 0\n      AND pct < 100);\n' }, ids);
    expect(fs[0].message).toContain('`ALTER TABLE orders ADD CONSTRAINT orders_pct_check CHECK (pct > 0 AND pct < 100) NOT VALID;`');
  });

  it('is quiet on tables created in the same migration and on NOT ENFORCED checks', async () => {
    expect(await run({ 'db/migrations/1.sql': 'CREATE TABLE t (id bigint PRIMARY KEY);\nALTER TABLE t ADD COLUMN p bigint DEFAULT 1 REFERENCES parent (id), ADD COLUMN q int CHECK (q > 0);\n' }, ids)).toEqual([]);
    expect(await run({ 'db/migrations/1.sql': 'ALTER TABLE t ADD COLUMN q int CHECK (q > 0) NOT ENFORCED;\n' }, ids)).toEqual([]);
  });
});

describe('Kysely and MikroORM runners', () => {
  const extract = (path: string, code: string) => extractJsMigration(path, code, defaultConfig())!;

  it("Kysely: db.transaction().execute(cb) is an explicit transaction; advice names the Migrator's disableTransactions", async () => {
    const code = [
      "import { Kysely, sql } from 'kysely';", // 1
      'export async function up(db: Kysely<any>) {', // 2
      '  await db.transaction().execute(async (trx) => {', // 3
      '    await sql`DROP INDEX accounts_email_idx`.execute(trx);', // 4
      '  });', // 5
      '}', // 6
    ].join('\n');
    expect(extract('migrations/2024_a.ts', code).statements.map((s) => s.kind)).toEqual(['TransactionStmt', 'DropStmt', 'TransactionStmt']);
    const fs = await run({ 'migrations/2024_a.ts': code }, ['migration/drop-index-non-concurrent']);
    expect(fs).toHaveLength(1);
    const wrapped = "import { Kysely, sql } from 'kysely';\nexport async function up(db: Kysely<any>) {\n  await sql`DROP INDEX accounts_email_idx`.execute(db);\n}\n";
    const [f] = await run({ 'migrations/2024_b.ts': wrapped }, ['migration/drop-index-non-concurrent']);
    expect(f.message).toContain("Kysely's Migrator runs all pending migrations in one transaction");
    expect(f.message).toContain('run it with a Migrator created with `disableTransactions: true` (kysely-ctl: `--no-transaction`)');
  });

  const mikro = (extra: string, up: string) =>
    [
      "import { Migration } from '@mikro-orm/migrations';", // 1
      '', // 2
      'export class Migration20240501120000 extends Migration {', // 3
      extra, // 4
      '  override async up(): Promise<void> {', // 5
      up, // 6
      '  }', // 7
      '', // 8
      '  override async down(): Promise<void> {', // 9
      "    this.addSql('drop index \"orders_note_idx\";');", // 10
      '  }', // 11
      '}', // 12
      '',
    ].join('\n');

  it('MikroORM: this.addSql / this.execute are read, and the runner wraps unless isTransactional() returns false', () => {
    const m = extract('migrations/Migration20240501120000.ts', mikro('', "    this.addSql('create index \"orders_note_idx\" on \"orders\" (\"note\");');"));
    expect(m).toMatchObject({ framework: 'mikro-orm', runnerTransaction: true });
    expect(m.statements.map((s) => `${s.startLine} ${s.text}`)).toEqual(['6 create index "orders_note_idx" on "orders" ("note")']);
    expect(m.down).toMatchObject({ present: true, empty: false });
    const optOut = extract('migrations/Migration20240501120000.ts', mikro('  override isTransactional(): boolean {\n    return false;\n  }\n', "    await this.execute('select 1');"));
    expect(optOut.runnerTransaction).toBe(false);
    expect(optOut.statements.map((s) => s.kind)).toEqual(['SelectStmt']);
    // The MongoDB flavour has no SQL.
    expect(extractJsMigration('migrations/Migration1.ts', "import { Migration } from '@mikro-orm/migrations-mongodb';\nexport class M extends Migration { async up() {} }\n", defaultConfig())).toBeUndefined();
  });

  it('MikroORM: CONCURRENTLY inside the wrapped migration fails; with isTransactional() false it is fine', async () => {
    const up = '    this.addSql(\'create index concurrently "orders_note_idx" on "orders" ("note");\');';
    const ids = ['migration/concurrent-in-transaction'];
    const fs = await run({ 'migrations/Migration20240501120000.ts': mikro('', up) }, ids);
    expect(at(fs)).toEqual(['concurrent-in-transaction:migrations/Migration20240501120000.ts:6']);
    expect(fs[0].message).toContain("unless the class's `isTransactional()` returns false");
    expect(fs[0].message).toContain('Move it to a migration class of its own whose `isTransactional()` returns false, and set `migrations: { allOrNothing: false }`');
    const off = mikro('  isTransactional(): boolean {\n    return false;\n  }\n', up);
    expect(await run({ 'migrations/Migration20240501120000.ts': off }, ids)).toEqual([]);
  });

  it('MikroORM: a missing down is not reported (the base class refuses loudly), an empty one is', async () => {
    const ids = ['migration/missing-down-migration'];
    const noDown = "import { Migration } from '@mikro-orm/migrations';\nexport class Migration1 extends Migration {\n  async up(): Promise<void> {\n    this.addSql('alter table \"orders\" drop column \"legacy\";');\n  }\n}\n";
    expect(await run({ 'migrations/Migration1.ts': noDown }, ids)).toEqual([]);
    const empty = noDown.replace('  }\n}\n', '  }\n  async down(): Promise<void> {}\n}\n');
    expect(at(await run({ 'migrations/Migration1.ts': empty }, ids))).toEqual(['missing-down-migration:migrations/Migration1.ts:6']);
  });
});

describe('VALIDATE in the same transaction as its ADD … NOT VALID', () => {
  const ids = ['migration/add-foreign-key-validating', 'migration/add-check-validating'];
  const fk = 'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;';
  const validate = 'ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;';

  it('fires in a golang-migrate file, between BEGIN and COMMIT, and under a wrapping runner', async () => {
    const golang = await run({ 'db/migrations/000021_fk.up.sql': `${fk}\n${validate}\n` }, ids);
    expect(at(golang)).toEqual(['add-foreign-key-validating:db/migrations/000021_fk.up.sql:2']);
    expect(golang[0].message).toContain('same transaction as the `ADD CONSTRAINT orders_customer_fk … NOT VALID` on line 1');
    expect(golang[0].message).toContain('SHARE ROW EXCLUSIVE locks on `orders` and `customers`');
    expect(golang[0].message).toContain('Put the VALIDATE in a migration file of its own');
    const explicit = await run({ 'db/migrations/21.sql': `BEGIN;\n${fk}\n${validate}\nCOMMIT;\n` }, ids);
    expect(at(explicit)).toEqual(['add-foreign-key-validating:db/migrations/21.sql:3']);
    expect(explicit[0].message).toContain('Move the VALIDATE after the COMMIT');
    const prisma = await run({ 'prisma/migrations/20240101_fk/migration.sql': 'ALTER TABLE "A" ADD CONSTRAINT "A_b_check" CHECK ("b" > 0) NOT VALID;\nALTER TABLE "A" VALIDATE CONSTRAINT "A_b_check";\n' }, ids);
    expect(at(prisma)).toEqual(['add-check-validating:prisma/migrations/20240101_fk/migration.sql:2']);
    expect(prisma[0].message).toContain('Move the VALIDATE to a later migration (Prisma Migrate runs each migration file in a transaction)');
  });

  it('runners that apply all pending migrations in one transaction: VALIDATE goes to a later deploy', async () => {
    const code = [
      "import { MigrationInterface, QueryRunner } from 'typeorm';", // 1
      'export class OrdersFk1 implements MigrationInterface {', // 2
      '  async up(queryRunner: QueryRunner) {', // 3
      `    await queryRunner.query(\`${fk.replace(' NOT VALID', '')}\`);`, // 4
      '  }', // 5
      '  async down() {}', // 6
      '}', // 7
    ].join('\n');
    const [f] = await run({ 'src/migration/1-OrdersFk.ts': code }, ids);
    expect(f.message).toContain("in a migration applied by a later deploy (TypeORM (migrationsTransactionMode 'all', the default) runs all pending migrations in one transaction");
    const knex = `exports.up = (knex) => knex.raw('${fk.replace(' NOT VALID', '')}');\nexports.down = () => {};\n`;
    const [k] = await run({ 'db/migrations/20240101_fk.js': knex }, ids);
    expect(k.message).toContain('in a later migration (in the same transaction the first lock would still be held)');
  });

  it('is quiet when a COMMIT separates them, or when nothing wraps the file', async () => {
    expect(await run({ 'db/migrations/21.sql': `BEGIN;\n${fk}\nCOMMIT;\n${validate}\n` }, ids)).toEqual([]);
    expect(await run({ 'db/migrations/21.sql': `${fk}\n${validate}\n` }, ids)).toEqual([]);
    expect(await run({ 'db/migrations/000022_fk.up.sql': `${validate}\n` }, ids)).toEqual([]);
  });

  it('set-not-null says the steps need separate migrations inside a transaction', async () => {
    const [f] = await run({ 'db/migrations/000023_nn.up.sql': "SET lock_timeout = '5s';\nALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;\n" }, ['migration/set-not-null']);
    expect(f.message).toContain('put the VALIDATE in a migration file of its own');
    const [g] = await run({ 'db/migrations/23.sql': 'ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;\n' }, ['migration/set-not-null']);
    expect(g.message).not.toContain('put the VALIDATE');
  });
});
