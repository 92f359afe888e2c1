import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCKS, LOCK_ORDER, REFERENCED_TABLE_LOCK, addColumnScans, alterTableCmdLock, statementLock, type LockKey, type LockMode } from '../src/analyzers/sql/locks.js';
import { loadSqlParser, parseSql } from '../src/analyzers/sql/parse.js';

// Every entry of the lock table is run in a real Postgres (PGlite, in-process) inside
// BEGIN … ROLLBACK, and the strongest lock this session holds on the target table is
// read from pg_locks. Statements that Postgres refuses to run in a transaction
// (CONCURRENTLY) are observed differently; see below.

const SETUP = `
CREATE TABLE parent (id bigint PRIMARY KEY);
INSERT INTO parent SELECT g FROM generate_series(1, 20) g;
CREATE TABLE t (id bigint PRIMARY KEY, a int, b varchar(10), parent_id bigint, c int, e int NOT NULL DEFAULT 0);
CREATE TABLE nopk (id bigint NOT NULL);
INSERT INTO t SELECT g, g, 'x', g, g FROM generate_series(1, 20) g;
CREATE INDEX t_a_idx ON t (a);
CREATE UNIQUE INDEX t_c_key ON t (c);
ALTER TABLE t ADD CONSTRAINT t_a_positive CHECK (a > 0) NOT VALID;
CREATE MATERIALIZED VIEW t_mv AS SELECT id FROM t;
CREATE UNIQUE INDEX t_mv_id ON t_mv (id);
CREATE FUNCTION t_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
`;

/** One sample statement per lock-table entry, and the relation whose lock is read. */
const SAMPLES: Record<LockKey, { sql: string; table: string } | { concurrently: true }> = {
  createIndex: { sql: 'CREATE INDEX t_b_idx ON t (b)', table: 't' },
  createIndexConcurrently: { concurrently: true },
  dropIndex: { sql: 'DROP INDEX t_a_idx', table: 't' },
  dropIndexConcurrently: { concurrently: true },
  reindex: { sql: 'REINDEX TABLE t', table: 't' },
  dropTable: { sql: 'DROP TABLE t CASCADE', table: 't' },
  truncate: { sql: 'TRUNCATE t', table: 't' },
  renameTable: { sql: 'ALTER TABLE t RENAME TO t2', table: 't' },
  renameColumn: { sql: 'ALTER TABLE t RENAME COLUMN a TO a2', table: 't' },
  addColumn: { sql: 'ALTER TABLE t ADD COLUMN d text', table: 't' },
  addColumnReferences: { sql: 'ALTER TABLE t ADD COLUMN d bigint REFERENCES parent (id)', table: 't' },
  addColumnCheck: { sql: 'ALTER TABLE t ADD COLUMN d int CHECK (d > 0)', table: 't' },
  dropColumn: { sql: 'ALTER TABLE t DROP COLUMN b', table: 't' },
  alterColumnType: { sql: 'ALTER TABLE t ALTER COLUMN a TYPE bigint', table: 't' },
  setDefault: { sql: "ALTER TABLE t ALTER COLUMN b SET DEFAULT 'y'", table: 't' },
  setNotNull: { sql: 'ALTER TABLE t ALTER COLUMN a SET NOT NULL', table: 't' },
  dropNotNull: { sql: 'ALTER TABLE t ALTER COLUMN e DROP NOT NULL', table: 't' },
  addCheck: { sql: 'ALTER TABLE t ADD CONSTRAINT t_c_positive CHECK (c > 0)', table: 't' },
  addCheckNotValid: { sql: 'ALTER TABLE t ADD CONSTRAINT t_c_positive CHECK (c > 0) NOT VALID', table: 't' },
  addForeignKey: { sql: 'ALTER TABLE t ADD CONSTRAINT t_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id)', table: 't' },
  addForeignKeyNotValid: { sql: 'ALTER TABLE t ADD CONSTRAINT t_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id) NOT VALID', table: 't' },
  validateConstraint: { sql: 'ALTER TABLE t VALIDATE CONSTRAINT t_a_positive', table: 't' },
  addUnique: { sql: 'ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE (a)', table: 't' },
  addPrimaryKey: { sql: 'ALTER TABLE nopk ADD PRIMARY KEY (id)', table: 'nopk' },
  addConstraintUsingIndex: { sql: 'ALTER TABLE t ADD CONSTRAINT t_c_key UNIQUE USING INDEX t_c_key', table: 't' },
  dropConstraint: { sql: 'ALTER TABLE t DROP CONSTRAINT t_a_positive', table: 't' },
  createTrigger: { sql: 'CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION t_touch()', table: 't' },
  refreshMaterializedView: { sql: 'REFRESH MATERIALIZED VIEW t_mv', table: 't_mv' },
  refreshMaterializedViewConcurrently: { sql: 'REFRESH MATERIALIZED VIEW CONCURRENTLY t_mv', table: 't_mv' },
  update: { sql: 'UPDATE t SET a = a + 1 WHERE id = 1', table: 't' },
  delete: { sql: 'DELETE FROM t WHERE id = 1', table: 't' },
  insert: { sql: 'INSERT INTO t (id, a) VALUES (100, 1)', table: 't' },
};

function strongest(modes: string[]): LockMode | undefined {
  let best = -1;
  for (const m of modes) best = Math.max(best, LOCK_ORDER.indexOf(m as LockMode));
  return best < 0 ? undefined : LOCK_ORDER[best];
}

let db: PGlite;

beforeAll(async () => {
  await loadSqlParser();
  db = await PGlite.create();
  await db.exec(SETUP);
}, 60_000);

afterAll(async () => {
  await db?.close();
});

describe('lock table matches Postgres', () => {
  it('has a sample for every entry', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(Object.keys(LOCKS).sort());
  });

  const inTx = Object.entries(SAMPLES).filter((e): e is [LockKey, { sql: string; table: string }] => 'sql' in e[1]);

  it.each(inTx)('%s', async (key, { sql, table }) => {
    // The sample is classified under this very key by the analyzer.
    const parsed = parseSql(sql);
    expect(parsed.errors).toEqual([]);
    const s = parsed.statements[0];
    expect(statementLock(s.kind, s.ast)?.key).toBe(key);

    const oid = (await db.query<{ oid: number }>(`SELECT '${table}'::regclass::oid AS oid`)).rows[0].oid;
    await db.exec('BEGIN');
    try {
      await db.exec(sql);
      const rows = (
        await db.query<{ mode: string }>('SELECT mode FROM pg_locks WHERE relation = $1 AND pid = pg_backend_pid() AND granted', [oid])
      ).rows;
      expect(strongest(rows.map((r) => r.mode))).toBe(LOCKS[key]);
    } finally {
      await db.exec('ROLLBACK');
    }
  });

  it('foreign keys lock the referenced table with the same mode', async () => {
    const oid = (await db.query<{ oid: number }>(`SELECT 'parent'::regclass::oid AS oid`)).rows[0].oid;
    for (const key of ['addForeignKey', 'addForeignKeyNotValid', 'addColumnReferences'] as const) {
      await db.exec('BEGIN');
      try {
        await db.exec((SAMPLES[key] as { sql: string }).sql);
        const rows = (await db.query<{ mode: string }>('SELECT mode FROM pg_locks WHERE relation = $1 AND pid = pg_backend_pid()', [oid])).rows;
        expect(strongest(rows.map((r) => r.mode))).toBe(REFERENCED_TABLE_LOCK);
      } finally {
        await db.exec('ROLLBACK');
      }
    }
  });

  // Whether an ADD COLUMN with a constraint reads the existing rows (under its ACCESS
  // EXCLUSIVE lock) is read from the number of scans this transaction started on `t`;
  // addColumnScans must predict it for every sample.
  it.each([
    ['ALTER TABLE t ADD COLUMN d bigint REFERENCES parent (id)', false],
    ['ALTER TABLE t ADD COLUMN d bigint CONSTRAINT t_d_fk REFERENCES parent (id) ON DELETE CASCADE', false],
    ['ALTER TABLE t ADD COLUMN d bigint DEFAULT 1 REFERENCES parent (id)', true],
    ['ALTER TABLE t ADD COLUMN d bigint DEFAULT NULL REFERENCES parent (id)', true],
    ['ALTER TABLE t ADD COLUMN d bigint GENERATED ALWAYS AS IDENTITY REFERENCES parent (id)', true],
    ['ALTER TABLE t ADD COLUMN d bigint GENERATED ALWAYS AS (parent_id) STORED REFERENCES parent (id)', true],
    ['ALTER TABLE t ADD COLUMN z int DEFAULT 0, ADD COLUMN d bigint REFERENCES parent (id)', false],
    ['ALTER TABLE t ADD COLUMN d int CHECK (d > 0)', true],
    ['ALTER TABLE t ADD COLUMN d int DEFAULT 1 CONSTRAINT t_d_positive CHECK (d > 0)', true],
    ['ALTER TABLE t ADD COLUMN d int CHECK (d > 0) NOT ENFORCED', false],
    ['ALTER TABLE t ADD COLUMN d int NOT NULL DEFAULT 0', false],
  ] as const)('ADD COLUMN scan: %s → %s', async (sql, scans) => {
    const s = parseSql(sql).statements[0];
    const cmds = (s.ast.cmds ?? []).map((c: any) => c.AlterTableCmd);
    expect(cmds.some((c: any) => addColumnScans(c).length > 0)).toBe(scans);
    const count = async () => (await db.query<{ n: number }>(`SELECT pg_stat_get_xact_numscans('t'::regclass) AS n`)).rows[0].n;
    await db.exec('BEGIN');
    try {
      const before = await count();
      await db.exec(sql);
      expect((await count()) > before).toBe(scans);
    } finally {
      await db.exec('ROLLBACK');
    }
  });

  it('ADD COLUMN with a default makes a REFERENCES check existing rows (a bad default fails)', async () => {
    await expect(db.exec('ALTER TABLE t ADD COLUMN d bigint DEFAULT 999 REFERENCES parent (id)')).rejects.toThrow(/violates foreign key constraint/);
    const cmd = parseSql('ALTER TABLE t ADD COLUMN d bigint DEFAULT 999 REFERENCES parent (id)').statements[0].ast.cmds[0].AlterTableCmd;
    expect(alterTableCmdLock(cmd)).toBe('addColumnReferences');
  });

  // CREATE INDEX CONCURRENTLY cannot run in a transaction block, so pg_locks cannot be
  // read after it inside BEGIN. Instead the index expression calls a function that reads
  // pg_locks while the build runs, and reports what it saw as a NOTICE.
  it('createIndexConcurrently (observed from inside the index build)', async () => {
    await db.exec(`CREATE FUNCTION lock_probe(x int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
      DECLARE m text;
      BEGIN
        SELECT string_agg(mode, ',') INTO m FROM pg_locks WHERE relation = 'public.t'::regclass AND pid = pg_backend_pid();
        RAISE NOTICE 'locks:%', m;
        RETURN x;
      END $$`);
    for (const [sql, key] of [
      ['CREATE INDEX CONCURRENTLY t_probe_c ON t ((lock_probe(a)))', 'createIndexConcurrently'],
      ['CREATE INDEX t_probe_p ON t ((lock_probe(a)))', 'createIndex'],
    ] as const) {
      const seen: string[] = [];
      await db.query(sql, [], { onNotice: (n) => seen.push(n.message ?? '') });
      const modes = seen.flatMap((m) => m.replace(/^locks:/, '').split(','));
      expect(seen.length).toBeGreaterThan(0);
      expect(strongest(modes)).toBe(LOCKS[key]);
      const s = parseSql(sql).statements[0];
      expect(statementLock(s.kind, s.ast)?.key).toBe(key);
    }
    await db.exec('DROP INDEX t_probe_c; DROP INDEX t_probe_p; DROP FUNCTION lock_probe(int)');
  });

  // DROP INDEX CONCURRENTLY runs no user code while it holds its lock, and PGlite has a
  // single session, so its lock cannot be observed here. The entry follows the Postgres
  // documentation (SHARE UPDATE EXCLUSIVE); what this test does check is the fact the
  // concurrent-in-transaction rule relies on: Postgres refuses it inside a transaction.
  it('dropIndexConcurrently refuses a transaction block (lock mode not observable in one session)', async () => {
    const s = parseSql('DROP INDEX CONCURRENTLY t_a_idx').statements[0];
    expect(statementLock(s.kind, s.ast)?.key).toBe('dropIndexConcurrently');
    await db.exec('BEGIN');
    await expect(db.exec('DROP INDEX CONCURRENTLY t_a_idx')).rejects.toThrow(/cannot run inside a transaction block/);
    await db.exec('ROLLBACK');
    await expect(db.exec('BEGIN; CREATE INDEX CONCURRENTLY t_x ON t (b)')).rejects.toThrow(/cannot run inside a transaction block/);
    await db.exec('ROLLBACK');
    await db.exec('DROP INDEX CONCURRENTLY t_a_idx');
    const left = await db.query(`SELECT 1 FROM pg_class WHERE relname = 't_a_idx'`);
    expect(left.rows).toEqual([]);
    await db.exec('CREATE INDEX t_a_idx ON t (a)');
  });
});

// The transaction facts src/analyzers/sql/migration.ts models. PGlite's `exec` sends its
// text as one simple-protocol Query message (as golang-migrate's postgres driver sends a
// migration file), so a string of several statements runs the way such a file does.
describe('transaction facts the migration state follows', () => {
  const show = async (name: string) => (await db.query<Record<string, string>>(`SHOW ${name}`)).rows[0][name];

  it('SET LOCAL outside a transaction block only warns and changes nothing', async () => {
    const notices: string[] = [];
    await db.exec("SET LOCAL lock_timeout = '5s'", { onNotice: (n) => notices.push(n.message ?? '') });
    expect(notices.join('\n')).toMatch(/SET LOCAL can only be used in transaction blocks/);
    expect(await show('lock_timeout')).toBe('0');
    await db.exec("SELECT set_config('lock_timeout', '5s', true)");
    expect(await show('lock_timeout')).toBe('0');
  });

  it('SET LOCAL and set_config(…, true) end at COMMIT; a plain SET survives COMMIT but not ROLLBACK', async () => {
    await db.exec("BEGIN; SET LOCAL lock_timeout = '5s'; SELECT set_config('statement_timeout', '7s', true)");
    expect(await show('lock_timeout')).toBe('5s');
    expect(await show('statement_timeout')).toBe('7s');
    await db.exec('COMMIT');
    expect(await show('lock_timeout')).toBe('0');
    expect(await show('statement_timeout')).toBe('0');
    await db.exec("BEGIN; SET lock_timeout = '6s'; ROLLBACK");
    expect(await show('lock_timeout')).toBe('0');
    await db.exec("BEGIN; SET lock_timeout = '6s'; COMMIT");
    expect(await show('lock_timeout')).toBe('6s');
    await db.exec('RESET lock_timeout');
  });

  it('a query string of several statements is one transaction: SET LOCAL holds to its end, CONCURRENTLY is refused', async () => {
    const r = await db.exec("SET LOCAL lock_timeout = '5s'; SHOW lock_timeout");
    expect(r[1].rows).toEqual([{ lock_timeout: '5s' }]);
    expect(await show('lock_timeout')).toBe('0');
    // The first statement's lock is still held by the second one.
    const held = await db.exec("ALTER TABLE t ADD COLUMN tx_probe int; SELECT mode FROM pg_locks WHERE relation = 't'::regclass AND pid = pg_backend_pid()");
    expect(held[1].rows).toContainEqual({ mode: 'AccessExclusiveLock' });
    await db.exec('ALTER TABLE t DROP COLUMN tx_probe');
    await expect(db.exec('ALTER TABLE t ADD COLUMN cic_probe int; CREATE INDEX CONCURRENTLY t_cic_probe ON t (cic_probe)')).rejects.toThrow(/cannot run inside a transaction block/);
    // The failed string rolled back as a whole: the column is not there.
    expect((await db.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'cic_probe'`)).rows).toEqual([]);
    // Even after an explicit COMMIT the rest of the string is again one implicit transaction.
    await expect(db.exec('BEGIN; SELECT 1; COMMIT; CREATE INDEX CONCURRENTLY t_cic_probe ON t (b)')).rejects.toThrow(/cannot run inside a transaction block/);
    // A string holding only the CONCURRENTLY statement (and comments) runs outside a transaction.
    await db.exec('-- built outside a transaction\nCREATE INDEX CONCURRENTLY t_cic_probe ON t (b);\n');
    await db.exec('DROP INDEX t_cic_probe');
  });
});

describe('transaction facts: layering', () => {
  it('SET LOCAL overrides the session value until COMMIT, then the session value is back', async () => {
    await db.exec("SET lock_timeout = '5s'; BEGIN; SET LOCAL lock_timeout = 0");
    expect((await db.query<{ lock_timeout: string }>('SHOW lock_timeout')).rows[0].lock_timeout).toBe('0');
    await db.exec('COMMIT');
    expect((await db.query<{ lock_timeout: string }>('SHOW lock_timeout')).rows[0].lock_timeout).toBe('5s');
    await db.exec('RESET lock_timeout');
  });
});
