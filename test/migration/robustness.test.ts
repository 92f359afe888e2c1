import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { review } from '../../src/engine.js';
import { validateConfig } from '../../src/config/load.js';
import type { ChangeSet } from '../../src/model.js';

async function scan(path: string, content: string, config: Record<string, unknown> = {}) {
  const cs: ChangeSet = { mode: 'scan', files: [{ path, status: 'added', content, changedLines: 'all' }] };
  return review(cs, validateConfig(config, 'test'));
}

const ids = (r: Awaited<ReturnType<typeof scan>>) => r.findings.map((f) => `${f.ruleId}:${f.startLine}`);

describe('SQL the analyzer must survive', () => {
  it('PL/pgSQL functions, DO blocks and triggers', async () => {
    const sql = [
      'CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger',
      'LANGUAGE plpgsql AS $fn$',
      'BEGIN',
      '  NEW.updated_at := now(); -- a semicolon; inside the body',
      "  IF NEW.status = 'x;y' THEN RAISE EXCEPTION 'bad; status'; END IF;",
      '  RETURN NEW;',
      'END;',
      '$fn$;',
      'DO $$',
      'DECLARE r record;',
      'BEGIN',
      '  FOR r IN SELECT id FROM users LOOP',
      '    UPDATE users SET flag = true WHERE id = r.id;',
      '  END LOOP;',
      'END $$;',
      'CREATE TRIGGER users_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();',
      'CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE BEGIN ATOMIC SELECT a + b; END;',
      'ALTER TABLE users DROP COLUMN legacy;',
    ].join('\n');
    const r = await scan('db/migrations/0001_fn.sql', sql);
    expect(r.findings.filter((f) => f.ruleId.startsWith('backend-review/'))).toEqual([]);
    expect(ids(r)).toContain('migration/drop-column:18');
    expect(ids(r).filter((i) => i.startsWith('migration/unparseable-sql'))).toEqual([]);
  });

  it('row-level security policies, partitions, views and materialized views', async () => {
    const sql = [
      'ALTER TABLE documents ENABLE ROW LEVEL SECURITY;',
      "CREATE POLICY tenant_isolation ON documents USING (tenant_id = current_setting('app.tenant_id')::bigint);",
      'CREATE TABLE measurements (id bigint GENERATED ALWAYS AS IDENTITY, at timestamptz NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);',
      "CREATE TABLE measurements_2025 PARTITION OF measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');",
      "ALTER TABLE measurements ATTACH PARTITION measurements_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
      'CREATE VIEW active_documents AS SELECT * FROM documents WHERE deleted_at IS NULL;',
      'CREATE MATERIALIZED VIEW doc_counts AS SELECT tenant_id, count(*) FROM documents GROUP BY tenant_id;',
      'REFRESH MATERIALIZED VIEW CONCURRENTLY doc_counts;',
      'CREATE EXTENSION IF NOT EXISTS pgcrypto;',
      "COMMENT ON TABLE documents IS 'Tenant documents; one row per upload';",
      'GRANT SELECT ON active_documents TO reporting;',
    ].join('\n');
    const r = await scan('db/migrations/0002_rls.sql', sql);
    expect(r.findings.filter((f) => f.ruleId.startsWith('backend-review/'))).toEqual([]);
    expect(ids(r).filter((i) => !i.startsWith('migration/missing-lock-timeout'))).toEqual([]);
  });

  it('COPY … FROM stdin data and psql meta-commands', async () => {
    const sql = [
      '\\set ON_ERROR_STOP on',
      '\\connect app',
      'COPY countries (code, name) FROM stdin;',
      'DE\tGermany',
      'FR\tFrance; the republic',
      '\\.',
      'CREATE INDEX countries_name_idx ON countries (name);',
      "COPY (SELECT * FROM countries) TO STDOUT WITH (FORMAT csv);",
    ].join('\n');
    const r = await scan('db/migrations/0003_copy.sql', sql);
    expect(r.findings.filter((f) => f.ruleId.startsWith('backend-review/'))).toEqual([]);
    expect(ids(r)).toEqual(['migration/create-index-non-concurrent:7', 'migration/missing-lock-timeout:7']);
  });

  it('one bad statement does not hide the rest, and lines stay right after multi-byte text', async () => {
    const sql = ["-- Migration für Bestellungen: äöü 😀", "COMMENT ON TABLE orders IS 'Größe';", 'ALTER TABLE orders ADD COLUMN x int NOT NULL', 'SELEC 1;', 'ALTER TABLE orders RENAME COLUMN a TO b;'].join('\n');
    const r = await scan('db/migrations/0004_bad.sql', sql);
    const unparseable = r.findings.filter((f) => f.ruleId === 'migration/unparseable-sql');
    expect(unparseable).toHaveLength(1);
    expect(unparseable[0].message).toMatch(/syntax error/);
    expect(ids(r)).toContain('migration/rename-column:5');
  });

  it('empty files, comment-only files and unterminated strings', async () => {
    for (const sql of ['', '-- nothing here\n/* or here */\n', "INSERT INTO t VALUES ('unterminated);\nALTER TABLE t DROP COLUMN c;\n", '$$ not closed', ';;;']) {
      const r = await scan('db/migrations/0005_x.sql', sql);
      expect(r.findings.filter((f) => f.ruleId.startsWith('backend-review/'))).toEqual([]);
    }
  });
});


const FRAGMENTS = [
  'ALTER TABLE orders ADD COLUMN x int NOT NULL',
  'ALTER TABLE orders ALTER COLUMN x TYPE bigint',
  'CREATE INDEX i ON orders (x)',
  'CREATE INDEX CONCURRENTLY j ON orders (x)',
  'DROP INDEX i',
  'BEGIN',
  'COMMIT',
  "SET lock_timeout = '1s'",
  'UPDATE orders SET x = 1',
  'CREATE TABLE t (id serial PRIMARY KEY, at timestamp, price float8, o bigint REFERENCES orders (id))',
  "CREATE TYPE e AS ENUM ('a')",
  "ALTER TYPE e ADD VALUE 'b'",
  'DO $$ BEGIN PERFORM 1; END $$',
  'CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN RETURN NEW; END $f$',
  'COPY t FROM stdin;\n1\t2\n\\.',
  '\\set x 1',
  "SELECT 'unterminated",
  '$$ dangling',
  'ALTER TABEL broken',
  "COMMENT ON TABLE t IS 'ünïcödé 😀'",
  'TRUNCATE orders CASCADE',
  'ALTER TABLE orders ADD CONSTRAINT c CHECK (x > 0)',
  '/* block comment ; with semicolon */',
  '-- line comment ;',
];

describe('fuzzed migrations', () => {
  it('any mix of statements, broken ones included, never crashes a rule and keeps lines in the file', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 12 }), fc.constantFrom(';\n', ';', ';\n\n', '\n'), async (parts, sep) => {
        const sql = parts.join(sep);
        const r = await scan('db/migrations/0099_fuzz.sql', sql, { migrations: { postgres_version: 11 } });
        expect(r.findings.filter((f) => f.ruleId.startsWith('backend-review/'))).toEqual([]);
        const lines = sql.split('\n').length;
        for (const f of r.findings) {
          expect(f.startLine).toBeGreaterThanOrEqual(1);
          expect(f.endLine).toBeLessThanOrEqual(lines);
          if (f.fix) expect(f.fix.endLine).toBeLessThanOrEqual(lines);
        }
      }),
      { numRuns: 60 },
    );
  });
});
