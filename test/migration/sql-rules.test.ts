import { describe, expect, it } from 'vitest';
import { at, runFiles as run, type Files } from '../helpers/migration-run.js';
import type { ChangedFile } from '../../src/model.js';
import { review } from '../../src/engine.js';
import { validateConfig } from '../../src/config/load.js';
import { applyFix } from '../../src/examples.js';
import { ruleById } from '../../checks/index.js';
import { rewriteVerdict } from '../../checks/migration/alter-column-type.js';
import { isMoneyName } from '../../checks/migration/money-as-float.js';


describe('transaction and timeout state', () => {
  it('lock_timeout: SET, SET LOCAL, set_config, and switching it off again', async () => {
    const ids = ['migration/missing-lock-timeout'];
    expect(await run({ 'db/migrations/1.sql': "SET LOCAL lock_timeout TO '2s';\nALTER TABLE a DROP COLUMN b;\n" }, ids)).toEqual([]);
    expect(at(await run({ 'db/migrations/1.sql': "SET lock_timeout = '2s';\nSET lock_timeout = 0;\nALTER TABLE a DROP COLUMN b;\n" }, ids))).toEqual(['missing-lock-timeout:db/migrations/1.sql:3']);
    expect(at(await run({ 'db/migrations/1.sql': "SET lock_timeout = '2s';\nRESET ALL;\nDROP TABLE a;\n" }, ids))).toEqual(['missing-lock-timeout:db/migrations/1.sql:3']);
    expect(await run({ 'db/migrations/1.sql': "SELECT set_config('lock_timeout', '2s', false);\nTRUNCATE a;\n" }, ids)).toEqual([]);
  });

  it('missing-lock-timeout is reported once per migration, at the first strong lock', async () => {
    const fs = await run({ 'db/migrations/1.sql': 'CREATE TABLE n (id bigint PRIMARY KEY);\nALTER TABLE n ADD COLUMN x int;\nALTER TABLE a ADD COLUMN x int;\nALTER TABLE b ADD COLUMN y int;\n' }, ['migration/missing-lock-timeout']);
    expect(at(fs)).toEqual(['missing-lock-timeout:db/migrations/1.sql:3']);
    expect(fs[0].fix?.replacement).toBe("SET lock_timeout = '5s';\nALTER TABLE a ADD COLUMN x int;");
  });

  it('COMMIT ends an explicit transaction; a runner transaction stays', async () => {
    const ids = ['migration/concurrent-in-transaction'];
    expect(await run({ 'db/migrations/1.sql': 'BEGIN;\nALTER TABLE a ADD COLUMN x int;\nCOMMIT;\nCREATE INDEX CONCURRENTLY a_x ON a (x);\n' }, ids)).toEqual([]);
    expect(at(await run({ 'db/migrations/1.sql': 'BEGIN;\nCOMMIT;\nCREATE INDEX CONCURRENTLY a_x ON a (x);\n' }, ids, { migrations: { assume_in_transaction: true } }))).toEqual([
      'concurrent-in-transaction:db/migrations/1.sql:3',
    ]);
    expect(at(await run({ 'db/V3__x.sql': 'BEGIN;\nDROP INDEX CONCURRENTLY a_x;\nCOMMIT;\n' }, ids))).toEqual(['concurrent-in-transaction:db/V3__x.sql:2']);
  });

  it('a table created and then renamed in the same migration stays new', async () => {
    const fs = await run({ 'db/migrations/1.sql': 'CREATE TABLE staging (id bigint PRIMARY KEY, v text);\nALTER TABLE staging RENAME TO imports;\nCREATE INDEX imports_v ON imports (v);\nALTER TABLE imports DROP COLUMN v;\n' }, [
      'migration/create-index-non-concurrent',
      'migration/drop-column',
      'migration/rename-table',
    ]);
    expect(fs).toEqual([]);
  });

  it('dropping an index created in the same migration is quiet', async () => {
    expect(await run({ 'db/migrations/1.sql': 'CREATE INDEX CONCURRENTLY a_tmp ON a (x);\nDROP INDEX a_tmp;\n' }, ['migration/drop-index-non-concurrent'])).toEqual([]);
  });
});

describe('schema model from earlier migrations', () => {
  const ids = ['migration/alter-column-type'];
  it('knows the old type from an earlier file of the same folder, not from another folder', async () => {
    const files = {
      'svc/a/migrations/001_init.sql': 'CREATE TABLE t (id bigint PRIMARY KEY, name varchar(40));\n',
      'svc/a/migrations/002_widen.sql': 'ALTER TABLE t ALTER COLUMN name TYPE varchar(80);\n',
      'svc/b/migrations/001_init.sql': 'CREATE TABLE t (id bigint PRIMARY KEY, name varchar(100));\n',
      'svc/b/migrations/002_shrink.sql': 'ALTER TABLE t ALTER COLUMN name TYPE varchar(80);\n',
    };
    expect(at(await run(files, ids))).toEqual(['alter-column-type:svc/b/migrations/002_shrink.sql:1']);
  });

  it('follows renames, later type changes and sorts Flyway versions numerically', async () => {
    const files = {
      'db/V1__init.sql': 'CREATE TABLE t (id bigint PRIMARY KEY, code char(3));\n',
      'db/V2__rename.sql': 'ALTER TABLE t RENAME COLUMN code TO label;\n',
      'db/V10__text.sql': 'ALTER TABLE t ALTER COLUMN label TYPE text;\n',
      'db/V9__varchar.sql': 'ALTER TABLE t ALTER COLUMN label TYPE varchar(10);\n',
    };
    // V9 (char → varchar) rewrites; V10 then sees varchar(10) → text, which does not.
    expect(at(await run(files, ids))).toEqual(['alter-column-type:db/V9__varchar.sql:1']);
  });

  it('ignores down migrations when building the model', async () => {
    const files = {
      'db/migrations/001_a.up.sql': 'CREATE TABLE t (id bigint PRIMARY KEY, v varchar(10));\n',
      'db/migrations/001_a.down.sql': 'DROP TABLE t;\n',
      'db/migrations/002_b.up.sql': 'ALTER TABLE t ALTER COLUMN v TYPE text;\n',
    };
    expect(await run(files, ids)).toEqual([]);
  });

  it('set-not-null accepts a check validated in an earlier migration only from Postgres 12', async () => {
    const files = {
      'db/migrations/001.sql': 'ALTER TABLE t ADD CONSTRAINT t_v_nn CHECK (v IS NOT NULL) NOT VALID;\n',
      'db/migrations/002.sql': 'ALTER TABLE t VALIDATE CONSTRAINT t_v_nn;\n',
      'db/migrations/003.sql': 'ALTER TABLE t ALTER COLUMN v SET NOT NULL;\n',
    };
    expect(await run(files, ['migration/set-not-null'])).toEqual([]);
    expect(at(await run(files, ['migration/set-not-null'], { migrations: { postgres_version: 11 } }))).toEqual(['set-not-null:db/migrations/003.sql:1']);
    const unvalidated = { ...files, 'db/migrations/002.sql': 'SELECT 1;\n' };
    expect(at(await run(unvalidated, ['migration/set-not-null']))).toEqual(['set-not-null:db/migrations/003.sql:1']);
  });
});

describe('tables created earlier in the same pull request', () => {
  const files: Files = {
    'db/migrations/0001_invoices.sql': 'CREATE TABLE invoices (id bigint PRIMARY KEY, order_id bigint);\n',
    'db/migrations/0002_invoices_idx.sql': 'CREATE INDEX invoices_order_idx ON invoices (order_id);\n',
  };
  const ids = ['migration/create-index-non-concurrent'];
  const diff = async (added: string[]) => {
    const list: ChangedFile[] = added.map((path) => ({ path, status: 'added', content: files[path], changedLines: 'all' }));
    const r = await review(
      { mode: 'diff', files: list, tree: { paths: async () => Object.keys(files), read: async (p) => files[p] } },
      validateConfig({}, 'test'),
      { rules: ids.map((id) => ruleById.get(id)!) },
    );
    return at(r.findings);
  };
  it('count as new in diff mode when the PR adds the creating file', async () => {
    expect(await diff(['db/migrations/0001_invoices.sql', 'db/migrations/0002_invoices_idx.sql'])).toEqual([]);
  });
  it('are existing when the creating migration is already merged, or in scan mode', async () => {
    expect(await diff(['db/migrations/0002_invoices_idx.sql'])).toEqual(['create-index-non-concurrent:db/migrations/0002_invoices_idx.sql:1']);
    expect(at(await run(files, ids))).toEqual(['create-index-non-concurrent:db/migrations/0002_invoices_idx.sql:1']);
  });
});

describe('schema model cost', () => {
  it('lists the tree once and reads each unchanged migration of the folder once per review', async () => {
    const unchanged: Files = {};
    for (let i = 1; i <= 5; i++) unchanged[`db/migrations/00${i}_t${i}.sql`] = `CREATE TABLE t${i} (id bigint PRIMARY KEY, v varchar(10));\n`;
    const changed: Files = {
      'db/migrations/006_a.sql': 'ALTER TABLE t1 ALTER COLUMN v TYPE text;\n',
      'db/migrations/007_b.sql': 'ALTER TABLE t2 ALTER COLUMN v TYPE text;\n',
      'db/migrations/008_c.sql': 'ALTER TABLE t3 ALTER COLUMN v TYPE int USING v::int;\n',
    };
    const all: Files = { ...unchanged, ...changed, 'src/app.ts': 'export {};\n' };
    let lists = 0;
    const reads: string[] = [];
    const result = await review(
      {
        mode: 'scan',
        files: Object.entries(changed).map(([path, content]) => ({ path, status: 'added' as const, content, changedLines: 'all' as const })),
        tree: { paths: async () => (lists++, Object.keys(all)), read: async (p) => (reads.push(p), all[p]) },
      },
      validateConfig({}, 'test'),
      { rules: [ruleById.get('migration/alter-column-type')!, ruleById.get('migration/foreign-key-without-index')!, ruleById.get('migration/set-not-null')!] },
    );
    expect(lists).toBe(1);
    expect(reads.sort()).toEqual(Object.keys(unchanged).sort());
    // The model came from the unchanged files: only the int change is a rewrite.
    expect(result.findings.map((f) => `${f.ruleId}:${f.path}`)).toEqual(['migration/alter-column-type:db/migrations/008_c.sql']);
  });
});

describe('type changes', () => {
  const T = (name: string, mods: number[] = [], array = false) => ({ name, mods, array });
  it('knows the casts that skip the rewrite', () => {
    expect(rewriteVerdict(T('varchar', [20]), T('text'))).toBe('no-rewrite');
    expect(rewriteVerdict(T('varchar', [20]), T('varchar', [40]))).toBe('no-rewrite');
    expect(rewriteVerdict(T('varchar', [40]), T('varchar', [20]))).toBe('rewrite');
    expect(rewriteVerdict(T('numeric', [10, 2]), T('numeric', [12, 2]))).toBe('no-rewrite');
    expect(rewriteVerdict(T('numeric', [10, 2]), T('numeric', [12, 4]))).toBe('rewrite');
    expect(rewriteVerdict(T('numeric', [10, 2]), T('numeric'))).toBe('no-rewrite');
    expect(rewriteVerdict(T('int4'), T('int8'))).toBe('rewrite');
    expect(rewriteVerdict(T('cidr'), T('inet'))).toBe('no-rewrite');
    expect(rewriteVerdict(T('int8'), T('int8'))).toBe('no-rewrite');
  });
  it('with an unknown old type: quiet for targets a cast could reach, a rewrite otherwise', () => {
    expect(rewriteVerdict(undefined, T('text'))).toBe('unknown');
    expect(rewriteVerdict(undefined, T('timestamptz'))).toBe('unknown');
    expect(rewriteVerdict(undefined, T('int8'))).toBe('rewrite');
    expect(rewriteVerdict(undefined, T('jsonb'))).toBe('rewrite');
  });
  it('a USING that only casts the column is not a rewrite by itself', async () => {
    const files = { 'db/migrations/001.sql': 'CREATE TABLE t (id bigint PRIMARY KEY, v varchar(5));\n', 'db/migrations/002.sql': 'ALTER TABLE t ALTER COLUMN v TYPE text USING v::text;\n' };
    expect(await run(files, ['migration/alter-column-type'])).toEqual([]);
    const other = { ...files, 'db/migrations/002.sql': "ALTER TABLE t ALTER COLUMN v TYPE text USING coalesce(v, '');\n" };
    expect(at(await run(other, ['migration/alter-column-type']))).toEqual(['alter-column-type:db/migrations/002.sql:1']);
  });
});

describe('rule details', () => {
  it('never comments on rollback scripts', async () => {
    const fs = await run({ 'db/migrations/0003_x.down.sql': 'DROP TABLE invoices;\nALTER TABLE orders DROP COLUMN note;\n' }, [
      'migration/drop-table',
      'migration/drop-column',
      'migration/missing-lock-timeout',
    ]);
    expect(fs).toEqual([]);
  });

  it('foreign key fix: NOT VALID + VALIDATE outside a transaction, NOT VALID only inside one', async () => {
    const sql = 'ALTER TABLE a ADD CONSTRAINT a_b_fk FOREIGN KEY (b_id) REFERENCES b (id);\n';
    const [out] = await run({ 'db/migrations/1.sql': sql }, ['migration/add-foreign-key-validating']);
    expect(applyFix(sql, out)).toBe('ALTER TABLE a ADD CONSTRAINT a_b_fk FOREIGN KEY (b_id) REFERENCES b (id) NOT VALID;\nALTER TABLE a VALIDATE CONSTRAINT a_b_fk;\n');
    const [inTx] = await run({ 'db/migrations/1.sql': sql }, ['migration/add-foreign-key-validating'], { migrations: { assume_in_transaction: true } });
    expect(applyFix(sql, inTx)).toBe('ALTER TABLE a ADD CONSTRAINT a_b_fk FOREIGN KEY (b_id) REFERENCES b (id) NOT VALID;\n');
    expect(inTx.message).toMatch(/later migration/);
    // Two statements on one line: no whole-line fix.
    const [shared] = await run({ 'db/migrations/1.sql': 'SELECT 1; ' + sql }, ['migration/add-foreign-key-validating']);
    expect(shared.fix).toBeUndefined();
  });

  it('timestamp and int key fixes keep precision and case', async () => {
    const sql = 'CREATE TABLE t (\n  id SERIAL PRIMARY KEY,\n  at TIMESTAMP(6) WITHOUT TIME ZONE NOT NULL\n);\n';
    const fs = await run({ 'db/migrations/1.sql': sql }, ['migration/timestamp-without-time-zone', 'migration/int-primary-key']);
    expect(fs.map((f) => f.fix?.replacement)).toEqual(['  id BIGSERIAL PRIMARY KEY,', '  at TIMESTAMPTZ(6) NOT NULL']);
  });

  it('backfills: a LIMIT in a CTE or subquery, BETWEEN and constant keys count as batched', async () => {
    const ids = ['migration/unbatched-backfill'];
    const quiet = [
      'WITH batch AS (SELECT id FROM t WHERE v IS NULL ORDER BY id LIMIT 1000) UPDATE t SET v = 1 FROM batch WHERE t.id = batch.id;',
      'UPDATE t SET v = 1 WHERE id BETWEEN 1 AND 10000;',
      "DELETE FROM t WHERE id IN (1, 2, 3);",
      "UPDATE t SET v = 1 WHERE tenant_id = $1;",
      'UPDATE t SET v = 1 WHERE id = ANY(ARRAY[1, 2, 3]);',
      'DELETE FROM t WHERE id = (SELECT max(id) FROM t);',
    ];
    for (const q of quiet) expect(await run({ 'db/migrations/1.sql': q + '\n' }, ids), q).toEqual([]);
    const loud = ['UPDATE t SET v = u.v FROM u WHERE u.id = t.u_id;', 'DELETE FROM t;', 'UPDATE t SET v = 1 WHERE id > 100;'];
    for (const q of loud) expect(at(await run({ 'db/migrations/1.sql': q + '\n' }, ids)), q).toEqual(['unbatched-backfill:db/migrations/1.sql:1']);
  });

  it('volatile defaults: NULL default and PG 11 constants are fine, PG 10 constants are not', async () => {
    const ids = ['migration/add-column-volatile-default'];
    expect(await run({ 'db/migrations/1.sql': 'ALTER TABLE t ADD COLUMN v text DEFAULT NULL;\n' }, ids, { migrations: { postgres_version: 10 } })).toEqual([]);
    expect(await run({ 'db/migrations/1.sql': "ALTER TABLE t ADD COLUMN v text DEFAULT 'x';\n" }, ids, { migrations: { postgres_version: 11 } })).toEqual([]);
    expect(at(await run({ 'db/migrations/1.sql': "ALTER TABLE t ADD COLUMN v text DEFAULT 'x';\n" }, ids, { migrations: { postgres_version: 10 } }))).toEqual(['add-column-volatile-default:db/migrations/1.sql:1']);
    expect(at(await run({ 'db/migrations/1.sql': "ALTER TABLE t ADD COLUMN v timestamptz DEFAULT clock_timestamp();\n" }, ids))).toEqual(['add-column-volatile-default:db/migrations/1.sql:1']);
  });

  it('enum ADD VALUE: quiet on PG 12+ unless the new value is used in the same transaction', async () => {
    const ids = ['migration/enum-type'];
    const path = 'prisma/migrations/20240101_x/migration.sql';
    expect(await run({ [path]: "ALTER TYPE \"Status\" ADD VALUE 'ARCHIVED';\n" }, ids)).toEqual([]);
    const fs = await run({ [path]: "ALTER TYPE \"Status\" ADD VALUE 'ARCHIVED';\nUPDATE \"Post\" SET status = 'ARCHIVED' WHERE id = 1;\n" }, ids);
    expect(fs.map((f) => f.severity)).toEqual(['error']);
  });

  it('an index on a partitioned table gets the per-partition sequence, not a CONCURRENTLY fix', async () => {
    const files = {
      'db/migrations/001.sql': 'CREATE TABLE ev (id bigint, at timestamptz NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);\n',
      'db/migrations/002.sql': 'CREATE INDEX ev_at ON ev (at);\n',
    };
    const [f] = await run(files, ['migration/create-index-non-concurrent']);
    expect(f.fix).toBeUndefined();
    expect(f.message).toMatch(/partitioned table/);
    expect(f.message).toMatch(/ON ONLY ev/);
  });

  it('truncate is an error with CASCADE', async () => {
    const fs = await run({ 'db/migrations/1.sql': 'TRUNCATE a;\nTRUNCATE b CASCADE;\n' }, ['migration/truncate']);
    expect(fs.map((f) => f.severity)).toEqual(['warning', 'error']);
  });

  it('unparseable SQL names the parser message and the line', async () => {
    const [f] = await run({ 'db/migrations/1.sql': 'ALTER TABLE a ADD COLUMN b int;\n\nALTER TABEL a ADD COLUMN c int;\n' }, ['migration/unparseable-sql']);
    expect(f.startLine).toBe(3);
    expect(f.message).toMatch(/syntax error at or near "TABEL"/);
  });

  it('money names', () => {
    for (const n of ['price', 'unit_price', 'totalAmount', 'balance', 'shipping_fee']) expect(isMoneyName(n), n).toBe(true);
    for (const n of ['price_cents', 'tax_rate', 'discount_percent', 'weight', 'item_count', 'latitude']) expect(isMoneyName(n), n).toBe(false);
  });
});
