import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { Config } from './config/schema.js';
import { classify } from './files.js';
import { loadSqlParser, parseSql } from './analyzers/sql/parse.js';
import type { SqlStatement } from './analyzers/sql/migration.js';
import { extractJsMigration } from './analyzers/sql/js-migration.js';
import { lockFact, lockName, statementLock, type LockMode } from './analyzers/sql/locks.js';

/**
 * `backend-review trace`: runs a migration in PGlite (Postgres compiled to WASM, in
 * process, no server) and reads from pg_locks the locks each statement really takes.
 * The schema is built from the earlier migrations of the same folder (sorted by name),
 * so ALTERs find their tables. Each statement runs in its own transaction, the locks are
 * read before COMMIT, and the statement's effect is kept for the next one. Opt-in only:
 * reviews never run it.
 */

export class TraceError extends Error {
  override name = 'TraceError';
}

export interface TracedLock {
  relation: string;
  /** 'table', 'index', 'view', 'sequence' … */
  relkind: string;
  mode: string;
}

export interface TracedStatement {
  startLine: number;
  endLine: number;
  text: string;
  /** The builder call a statement was generated from (JS/TS migrations). */
  origin?: string;
  locks: TracedLock[];
  /** What the static lock table says about the statement, when it covers it. */
  expected?: { mode: LockMode; table: string };
  /** Set when the statement could not be observed in a transaction, or failed. */
  note?: string;
  error?: string;
}

export interface TraceResult {
  path: string;
  /** Earlier migrations of the folder that were applied first. */
  setup: { path: string; failed: number; statements: number }[];
  statements: TracedStatement[];
  parseErrors: { line: number; message: string }[];
}

const RELKIND: Record<string, string> = { r: 'table', i: 'index', S: 'sequence', v: 'view', m: 'materialized view', p: 'partitioned table', I: 'partitioned index', t: 'TOAST table', f: 'foreign table', c: 'type' };

// Postgres refuses to run these inside a transaction block.
function outsideTransaction(stmt: SqlStatement): boolean {
  const a = stmt.ast;
  switch (stmt.kind) {
    case 'IndexStmt':
      return Boolean(a.concurrent);
    case 'DropStmt':
      return Boolean(a.concurrent);
    case 'ReindexStmt':
      return (a.params ?? []).some((p: any) => p.DefElem?.defname === 'concurrently');
    case 'VacuumStmt':
    case 'CreatedbStmt':
    case 'DropdbStmt':
    case 'AlterSystemStmt':
    case 'CreateTableSpaceStmt':
    case 'DropTableSpaceStmt':
      return true;
    case 'RefreshMatViewStmt':
      return false;
    default:
      return false;
  }
}

function migrationStatements(path: string, text: string, config: Config): { statements: SqlStatement[]; errors: { line: number; message: string }[] } {
  if (/\.sql$/i.test(path)) {
    const parsed = parseSql(text);
    return { statements: parsed.statements.map((s, index) => ({ ...s, index })), errors: parsed.errors.map((e) => ({ line: e.startLine, message: e.message })) };
  }
  const m = extractJsMigration(path, text, config);
  if (!m) throw new TraceError(`${path}: not a migration this tool understands (SQL, Knex, TypeORM, Sequelize, Kysely or node-pg-migrate)`);
  return { statements: m.statements, errors: m.errors.map((e) => ({ line: e.startLine, message: e.message })) };
}

/** Earlier migrations of the same folder, by name: what the target's schema was built from. */
export function earlierMigrations(abs: string, cwd: string, config: Config): string[] {
  const dir = dirname(abs);
  const name = basename(abs);
  const isMigration = (file: string) => {
    const rel = relative(cwd, file).split(sep).join('/');
    const kinds = classify(rel, config);
    return kinds.has('sql-migration') || kinds.has('js-migration') || /\.(sql|[cm]?[jt]s)$/.test(file);
  };
  const entries: string[] = [];
  // Prisma keeps each migration in its own folder: <dir>/../<timestamp_name>/migration.sql
  if (name === 'migration.sql' && basename(dirname(dir)) === 'migrations') {
    const root = dirname(dir);
    for (const d of readdirSync(root).sort()) {
      const file = join(root, d, 'migration.sql');
      if (d < basename(dir) && safeIsFile(file)) entries.push(file);
    }
    return entries;
  }
  for (const f of readdirSync(dir).sort()) {
    const file = join(dir, f);
    if (f >= name || !safeIsFile(file) || /\.down\.sql$/.test(f) || /\.d\.ts$/.test(f)) continue;
    if (isMigration(file)) entries.push(file);
  }
  return entries;
}

function safeIsFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const LOCKS_SQL = `
SELECT c.relname AS relation, c.relkind AS relkind, l.mode AS mode
  FROM pg_locks l
  JOIN pg_class c ON c.oid = l.relation
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE l.pid = pg_backend_pid()
   AND l.locktype = 'relation'
   AND l.granted
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
 ORDER BY c.relname, l.mode`;

interface Db {
  exec(sql: string): Promise<unknown>;
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  close(): Promise<void>;
}

/** Runs one statement; bind parameters left by JS migrations ($1 for a JS value) are sent as NULL. */
async function run(db: Db, sql: string): Promise<void> {
  const params = [...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
  if (params.length === 0) {
    await db.exec(sql);
    return;
  }
  try {
    await db.query(sql, new Array(Math.max(...params)).fill(null));
  } catch (err) {
    // A $n inside a string or dollar-quoted body is not a parameter: run it as written.
    if (/bind message supplies|could not determine data type/i.test((err as Error).message)) await db.exec(sql);
    else throw err;
  }
}

export async function trace(files: string[], cwd: string, config: Config, onProgress?: (msg: string) => void): Promise<TraceResult[]> {
  if (files.length === 0) throw new TraceError('give the migration files to trace');
  const targets = files.map((f) => resolve(cwd, f));
  for (const t of targets) if (!safeIsFile(t)) throw new TraceError(`${relative(cwd, t) || t}: no such file`);
  await loadSqlParser();
  const { PGlite } = await import('@electric-sql/pglite');
  const results: TraceResult[] = [];
  for (const abs of targets) {
    const path = relative(cwd, abs).split(sep).join('/');
    const target = migrationStatements(path, readFileSync(abs, 'utf8'), config);
    onProgress?.(`starting PGlite for ${path}`);
    const db = (await PGlite.create()) as unknown as Db;
    try {
      const setup: TraceResult['setup'] = [];
      for (const earlier of earlierMigrations(abs, cwd, config)) {
        const rel = relative(cwd, earlier).split(sep).join('/');
        let statements: SqlStatement[];
        try {
          statements = migrationStatements(rel, readFileSync(earlier, 'utf8'), config).statements;
        } catch {
          continue;
        }
        let failed = 0;
        for (const s of statements) {
          if (s.kind === 'TransactionStmt') continue;
          try {
            await run(db, s.text);
          } catch {
            failed++;
            await db.exec('ROLLBACK').catch(() => undefined);
          }
        }
        setup.push({ path: rel, failed, statements: statements.length });
      }
      const traced: TracedStatement[] = [];
      for (const s of target.statements) {
        const entry: TracedStatement = { startLine: s.startLine, endLine: s.endLine, text: s.text, origin: s.origin, locks: [] };
        const expected = statementLock(s.kind, s.ast);
        if (expected) entry.expected = { mode: expected.mode, table: expected.table };
        if (s.kind === 'TransactionStmt') {
          entry.note = 'transaction control: not run (each statement is traced in a transaction of its own)';
        } else if (outsideTransaction(s)) {
          // It cannot run inside BEGIN, so its locks cannot be held still and read; run it for its effect.
          try {
            await run(db, s.text);
            entry.note =
              'cannot run inside a transaction block, so it ran outside one and its locks could not be sampled' +
              (expected?.table ? ` (the lock table says ${lockName(expected.mode)} on ${expected.table}, which blocks ${lockFact(expected.mode).blocks})` : '');
          } catch (err) {
            entry.error = (err as Error).message;
          }
        } else {
          try {
            await db.exec('BEGIN');
            await run(db, s.text);
            const { rows } = await db.query<{ relation: string; relkind: string; mode: string }>(LOCKS_SQL);
            entry.locks = rows.map((r) => ({ relation: r.relation, relkind: RELKIND[r.relkind] ?? r.relkind, mode: r.mode }));
            await db.exec('COMMIT');
          } catch (err) {
            entry.error = (err as Error).message;
            await db.exec('ROLLBACK').catch(() => undefined);
          }
        }
        traced.push(entry);
      }
      results.push({ path, setup, statements: traced, parseErrors: target.errors });
    } finally {
      await db.close();
    }
  }
  return results;
}

const STRENGTH = ['AccessShareLock', 'RowShareLock', 'RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'];

export function formatTrace(results: TraceResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    out.push(`${r.path}`);
    if (r.setup.length > 0) {
      const failed = r.setup.reduce((n, s) => n + s.failed, 0);
      out.push(`  schema from ${r.setup.length} earlier migration${r.setup.length === 1 ? '' : 's'} in the folder${failed ? ` (${failed} statement${failed === 1 ? '' : 's'} of them failed and were skipped)` : ''}`);
    } else out.push('  schema: empty (no earlier migrations in the folder)');
    for (const e of r.parseErrors) out.push(`  line ${e.line}: does not parse, not run: ${e.message}`);
    for (const s of r.statements) {
      const text = (s.origin ?? s.text).replace(/\s+/g, ' ').trim();
      out.push('');
      out.push(`  line ${s.startLine}${s.endLine !== s.startLine ? `-${s.endLine}` : ''}: ${text.length > 110 ? text.slice(0, 107) + '...' : text}`);
      if (s.origin) out.push(`    runs: ${s.text.replace(/\s+/g, ' ').slice(0, 140)}`);
      if (s.error) out.push(`    failed: ${s.error}`);
      else if (s.note) out.push(`    ${s.note}`);
      else if (s.locks.length === 0) out.push('    no locks on tables or indexes');
      const sorted = [...s.locks].sort((a, b) => STRENGTH.indexOf(b.mode) - STRENGTH.indexOf(a.mode) || a.relation.localeCompare(b.relation));
      for (const l of sorted) {
        const known = STRENGTH.includes(l.mode);
        const blocks = known && /table/.test(l.relkind) ? `: blocks ${lockFact(l.mode as LockMode).blocks}` : '';
        out.push(`    ${known ? lockName(l.mode as LockMode) : l.mode} on ${l.relation} (${l.relkind})${blocks}`);
      }
      if (s.expected && s.locks.length > 0 && s.expected.table) {
        const onTable = s.locks.filter((l) => l.relation.toLowerCase() === s.expected!.table).map((l) => l.mode);
        const strongest = onTable.sort((a, b) => STRENGTH.indexOf(b) - STRENGTH.indexOf(a))[0];
        if (strongest && strongest !== s.expected.mode) out.push(`    note: the static lock table says ${lockName(s.expected.mode)} on ${s.expected.table}; Postgres took ${lockName(strongest as LockMode)}`);
      }
    }
    out.push('');
  }
  return out.join('\n');
}
