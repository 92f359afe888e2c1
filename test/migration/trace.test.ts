import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { defaultConfig } from '../../src/config/load.js';
import { earlierMigrations, trace, type TraceResult } from '../../src/trace.js';

// Runs real migrations in PGlite (in-process Postgres). Slow: PGlite starts in seconds.

let dir: string;
let results: TraceResult[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trace-'));
  mkdirSync(join(dir, 'db/migrations'), { recursive: true });
  writeFileSync(join(dir, 'db/migrations/0001_orders.sql'), 'CREATE TABLE orders (id bigint PRIMARY KEY, email text, status text);\nINSERT INTO orders VALUES (1, \'a@b.c\', NULL);\n');
  writeFileSync(
    join(dir, 'db/migrations/0002_risky.sql'),
    [
      'BEGIN;', // 1
      'CREATE INDEX orders_email_idx ON orders (email);', // 2
      "ALTER TABLE orders ADD COLUMN note text DEFAULT 'n';", // 3
      'COMMIT;', // 4
      'CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);', // 5
      'ALTER TABLE missing_table ADD COLUMN x int;', // 6
      '',
    ].join('\n'),
  );
  // A later migration must not be applied before the traced one.
  writeFileSync(join(dir, 'db/migrations/0003_later.sql'), 'DROP TABLE orders;\n');
  mkdirSync(join(dir, 'knex/migrations'), { recursive: true });
  writeFileSync(
    join(dir, 'knex/migrations/001_users.js'),
    "exports.up = (knex) => knex.schema.createTable('users', (t) => {\n  t.bigIncrements('id');\n  t.string('role');\n});\n",
  );
  writeFileSync(
    join(dir, 'knex/migrations/002_roles.js'),
    [
      'exports.up = async (knex) => {', // 1
      "  await knex('users').whereNull('role').update({ role: defaultRole() });", // 2
      "  await knex.schema.alterTable('users', (t) => {", // 3
      "    t.dropNullable('role');", // 4
      '  });', // 5
      '};', // 6
      '',
    ].join('\n'),
  );
  results = await trace(['db/migrations/0002_risky.sql', 'knex/migrations/002_roles.js'], dir, defaultConfig());
}, 120_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('backend-review trace', () => {
  it('builds the schema from the earlier migrations of the folder only', () => {
    expect(results[0].setup).toEqual([{ path: 'db/migrations/0001_orders.sql', failed: 0, statements: 2 }]);
  });

  it('reads the locks each statement really takes', () => {
    const byLine = new Map(results[0].statements.map((s) => [s.startLine, s]));
    expect(byLine.get(2)!.locks).toContainEqual({ relation: 'orders', relkind: 'table', mode: 'ShareLock' });
    expect(byLine.get(3)!.locks).toContainEqual({ relation: 'orders', relkind: 'table', mode: 'AccessExclusiveLock' });
    expect(byLine.get(1)!.note).toMatch(/transaction control/);
    expect(byLine.get(5)!.note).toMatch(/cannot run inside a transaction block/);
    expect(byLine.get(5)!.locks).toEqual([]);
    expect(byLine.get(6)!.error).toMatch(/missing_table/);
  });

  it('runs JS/TS migrations as the SQL they send, with JS values as NULL parameters', () => {
    const knex = results[1];
    expect(knex.setup).toEqual([{ path: 'knex/migrations/001_users.js', failed: 0, statements: 1 }]);
    expect(knex.statements.map((s) => [s.startLine, s.error, s.locks.find((l) => l.relation === 'users')?.mode])).toEqual([
      [2, undefined, 'RowExclusiveLock'],
      [4, undefined, 'AccessExclusiveLock'],
    ]);
  });

  it('prints a readable report through the CLI', async () => {
    let out = '';
    let err = '';
    const code = await runCli(['trace', 'db/migrations/0001_orders.sql'], { cwd: dir, stdout: (s) => (out += s), stderr: (s) => (err += s), isTTY: false });
    expect(code).toBe(0);
    expect(out).toContain('schema: empty');
    expect(out).toMatch(/line 1: CREATE TABLE orders[^\n]*\n\s+ACCESS EXCLUSIVE on orders \(table\)/);
    expect(out).toMatch(/line 2: INSERT INTO orders[^\n]*\n\s+ROW EXCLUSIVE on orders \(table\)/);
    expect(err).toContain('starting PGlite');
  }, 120_000);

  it('finds the earlier migrations of Prisma and golang-migrate folders', () => {
    for (const [file, text] of [
      ['prisma/migrations/20240101000000_init/migration.sql', 'CREATE TABLE "User" (id int);'],
      ['prisma/migrations/20240201000000_email/migration.sql', 'ALTER TABLE "User" ADD COLUMN email text;'],
      ['prisma/migrations/20240301000000_idx/migration.sql', 'CREATE INDEX ON "User" (email);'],
      ['prisma/migrations/migration_lock.toml', 'provider = "postgresql"'],
      ['gm/000001_a.up.sql', 'CREATE TABLE a (id int);'],
      ['gm/000001_a.down.sql', 'DROP TABLE a;'],
      ['gm/000002_b.up.sql', 'ALTER TABLE a ADD COLUMN b int;'],
    ]) {
      mkdirSync(join(dir, file, '..'), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    const rel = (paths: string[]) => paths.map((p) => p.slice(dir.length + 1));
    expect(rel(earlierMigrations(join(dir, 'prisma/migrations/20240301000000_idx/migration.sql'), dir, defaultConfig()))).toEqual([
      'prisma/migrations/20240101000000_init/migration.sql',
      'prisma/migrations/20240201000000_email/migration.sql',
    ]);
    expect(rel(earlierMigrations(join(dir, 'gm/000002_b.up.sql'), dir, defaultConfig()))).toEqual(['gm/000001_a.up.sql']);
  });

  it('refuses a missing file with a usage error', async () => {
    let err = '';
    const code = await runCli(['trace', 'nope.sql'], { cwd: dir, stdout: () => undefined, stderr: (s) => (err += s), isTTY: false });
    expect(code).toBe(2);
    expect(err).toContain('nope.sql: no such file');
  });
});
