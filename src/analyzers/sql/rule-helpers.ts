import type { Fix } from '../../model.js';
import { finalStateOf, type Migration, type SqlStatement, type StatementState } from './migration.js';

/** Guidance sections the migration rules cite. */
export const GUIDE = {
  onlineDdl: 'Database Schema Design Reference › Online DDL Safety',
  expandContract: 'Database Schema Design Reference › The Expand-Contract Pattern',
  checklist: 'Database Schema Design Reference › Zero-Downtime Migration Checklist',
  backfill: 'Database Schema Design Reference › Backfill Pattern',
  dataTypes: 'Database Schema Design Reference › Data Types',
  indexing: 'Database Schema Design Reference › Indexing Strategies',
  safety: 'Database Schema Design Reference › Migration Safety Patterns',
} as const;

const JS_FRAMEWORKS = new Set(['knex', 'typeorm', 'sequelize', 'kysely', 'node-pg-migrate', 'mikro-orm']);

/** True for migrations written in JS/TS, where a fix must not paste raw SQL lines into code. */
export function isJsMigration(m: Migration): boolean {
  return JS_FRAMEWORKS.has(m.framework);
}

/** ALTER TABLE subcommands of a statement (empty for anything else). */
export function alterCmds(stmt: SqlStatement): any[] {
  if (stmt.kind !== 'AlterTableStmt' || stmt.ast.objtype !== 'OBJECT_TABLE') return [];
  return (stmt.ast.cmds ?? []).map((c: any) => c.AlterTableCmd).filter(Boolean);
}

/** The table's name as written (original case, no schema), for messages. Lookups lower-case it themselves. */
export function tableOf(stmt: SqlStatement): string {
  return String(stmt.ast.relation?.relname ?? '');
}

const RESERVED = new Set(
  'all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create current_catalog current_date current_role current_time current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign from grant group having in initially intersect into lateral leading limit localtime localtimestamp not null offset on only or order placing primary references returning select session_user some symmetric system_user table then to trailing true union unique user using variadic when where window with'.split(' '),
);

/** An identifier as it must be written in SQL: quoted when mixed-case, unusual or reserved. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

export function tableSql(stmt: SqlStatement): string {
  const r = stmt.ast.relation;
  const name = quoteIdent(String(r?.relname ?? ''));
  return r?.schemaname ? `${quoteIdent(String(r.schemaname))}.${name}` : name;
}

/** A table that existed before this migration (so it may hold rows and serve traffic). */
export function isExisting(state: StatementState, relation: any): boolean {
  if (!relation?.relname) return false;
  if (relation.relpersistence === 't') return false; // temporary tables are private to the session
  return !state.isNewTable(relation);
}

/**
 * Whether the statement sits on lines of its own (nothing but whitespace, its `;` and a
 * trailing comment share them), so a whole-line fix cannot clobber a neighbour.
 */
export function ownsLines(m: Migration, stmt: SqlStatement): boolean {
  if (isJsMigration(m) || stmt.origin) return false;
  const first = m.lines[stmt.startLine - 1] ?? '';
  const last = m.lines[stmt.endLine - 1] ?? '';
  const head = stmt.text.split('\n')[0];
  if (!first.trimStart().startsWith(head.trimStart().slice(0, Math.min(20, head.length)))) return false;
  const tailText = stmt.text.split('\n').pop() ?? '';
  const at = last.lastIndexOf(tailText);
  if (at === -1) return false;
  const rest = last.slice(at + tailText.length);
  return /^\s*;?\s*(--.*)?$/.test(rest);
}

/** The statement's lines with `insert` placed just before its terminating semicolon. */
export function appendToStatement(m: Migration, stmt: SqlStatement, insert: string): string | undefined {
  const lines = m.lines.slice(stmt.startLine - 1, stmt.endLine);
  const last = lines.length - 1;
  const tailText = stmt.text.split('\n').pop() ?? '';
  const at = lines[last].lastIndexOf(tailText);
  if (at === -1) return undefined;
  const cut = at + tailText.length;
  lines[last] = lines[last].slice(0, cut) + insert + lines[last].slice(cut);
  return lines.join('\n');
}

/** Leading whitespace of the statement's first line, to indent added lines alike. */
export function indentOf(m: Migration, stmt: SqlStatement): string {
  return /^\s*/.exec(m.lines[stmt.startLine - 1] ?? '')![0];
}

/**
 * The NOT VALID + VALIDATE rewrite of an ALTER TABLE … ADD CONSTRAINT. Outside a
 * transaction both steps go in the fix; inside one, VALIDATE in the same transaction
 * would keep the first lock, so the fix only adds NOT VALID and the message says where
 * VALIDATE goes.
 */
export function notValidFix(m: Migration, stmt: SqlStatement, state: StatementState, conname: string | undefined): Fix | undefined {
  if (!ownsLines(m, stmt) || alterCmds(stmt).length !== 1) return undefined;
  if (/\bNOT\s+VALID\b/i.test(stmt.text)) return undefined;
  let added = ' NOT VALID';
  if (!state.inTransaction) {
    if (!conname) return undefined;
    added += `;\n${indentOf(m, stmt)}ALTER TABLE ${tableSql(stmt)} VALIDATE CONSTRAINT ${quoteIdent(conname)}`;
  }
  const replacement = appendToStatement(m, stmt, added);
  return replacement === undefined ? undefined : { startLine: stmt.startLine, endLine: stmt.endLine, replacement };
}

/**
 * For `ALTER TABLE t VALIDATE CONSTRAINT c`: the earlier `ALTER TABLE t ADD CONSTRAINT c …
 * NOT VALID` of this migration when both run in the same transaction (no BEGIN, COMMIT or
 * ROLLBACK between them, and a transaction open at the VALIDATE). The ADD's lock is then
 * still held while VALIDATE scans the table, which undoes the point of NOT VALID.
 */
export function notValidAddInSameTransaction(m: Migration, stmt: SqlStatement, state: StatementState, conname: string): { stmt: SqlStatement; constraint: any } | undefined {
  if (!state.inTransaction) return undefined;
  const table = String(stmt.ast.relation?.relname ?? '').toLowerCase();
  const name = conname.toLowerCase();
  for (let i = stmt.index - 1; i >= 0; i--) {
    const prev = m.statements[i];
    if (!prev || prev.kind === 'TransactionStmt') return undefined;
    if (String(prev.ast.relation?.relname ?? '').toLowerCase() !== table) continue;
    for (const cmd of alterCmds(prev)) {
      const c = cmd.subtype === 'AT_AddConstraint' ? cmd.def?.Constraint : undefined;
      if (c?.skip_validation && String(c.conname ?? '').toLowerCase() === name) return { stmt: prev, constraint: c };
    }
  }
  return undefined;
}

/**
 * Runners whose default is one transaction around every migration a run applies (so a
 * "later migration" deployed together with this one still runs in the same transaction).
 */
export function batchTransactionRunner(m: Migration): string | undefined {
  if (!m.runnerTransaction) return undefined;
  switch (m.framework) {
    case 'kysely':
      return "Kysely's Migrator";
    case 'typeorm':
      return "TypeORM (migrationsTransactionMode 'all', the default)";
    case 'mikro-orm':
      return 'MikroORM (allOrNothing, the default)';
    default:
      return undefined;
  }
}

/**
 * Where the second step (VALIDATE) goes when this statement runs in a transaction: phrased
 * as " in a later migration (…)" to follow a statement, or " as the next statement" outside one.
 */
export function laterStep(m: Migration, state: StatementState): string {
  if (!state.inTransaction) return ' as the next statement';
  if (state.oneQuery) return ' in a migration file of its own (golang-migrate runs all the statements of one file as one transaction, which would keep the first lock)';
  const batch = batchTransactionRunner(m);
  if (batch && !state.explicitTransaction) return ` in a migration applied by a later deploy (${batch} runs all pending migrations in one transaction, so a later migration of the same deploy would still hold the first lock)`;
  return ' in a later migration (in the same transaction the first lock would still be held)';
}

/** Where VALIDATE has to go so that it runs after the ADD … NOT VALID has committed. */
export function laterTransactionAdvice(m: Migration, state: StatementState): string {
  if (state.oneQuery) return 'Put the VALIDATE in a migration file of its own (golang-migrate runs all the statements of one file as a single transaction)';
  if (state.explicitTransaction) return 'Move the VALIDATE after the COMMIT (or into a later migration)';
  const batch = batchTransactionRunner(m);
  if (batch) return `Move the VALIDATE to a migration applied by a later deploy (${batch} runs all pending migrations in one transaction)`;
  return `Move the VALIDATE to a later migration (${transactionCause(m, state)})`;
}

/** Names of columns a ColumnRef list mentions. */
export function names(list: any[] | undefined): string[] {
  return (list ?? []).map((x) => String(x?.String?.sval ?? '').toLowerCase()).filter(Boolean);
}

/** Function name of a FuncCall node, lower-cased, without schema. */
export function funcName(node: any): string | undefined {
  const f = node?.FuncCall;
  if (!f) return undefined;
  const parts = names(f.funcname);
  return parts[parts.length - 1];
}

/** Walks every object in an AST subtree (for…in, so no arrays of entries are allocated). */
export function walk(node: any, visit: (key: string, value: any) => void): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) walk(node[i], visit);
    return;
  }
  for (const k in node) {
    const v = node[k];
    if (v && typeof v === 'object') {
      visit(k, v);
      walk(v, visit);
    }
  }
}

/** Appends the guidance section a finding follows, so every comment cites it. */
export function cite(message: string, guidance: string): string {
  return `${message} (Guidance: ${guidance})`;
}

const CITED = Symbol('cited context');

/**
 * Wraps a migration rule: every message it reports ends with its guidance section, and
 * it skips rollback scripts (golang-migrate `.down.sql`, Flyway `U…__` undo files), which
 * exist to reverse a change, so dropping what the up step created is their job, and they
 * only run in an emergency. Pass `{ rollbackScripts: true }` for rules that apply there too.
 */
export function forwardOnly<R extends import('../../rule.js').Rule>(rule: R, opts: { rollbackScripts?: boolean } = {}): R {
  const sql = rule.sql;
  const migration = rule.migration;
  const guidance = rule.meta.guidance;
  // The citing context is made once per context and kept on it. The engine passes one
  // context object for all statements of a migration, so this is one property read per
  // statement and rule, under one key for all rules (one object shape for the read).
  // It is a copy rather than Object.create(ctx), so the contexts the rules read all
  // share one shape too.
  const withCitation = <C extends { report: (r: import('../../rule.js').Report) => void }>(ctx: C): C => {
    const own = ctx as C & { [CITED]?: { of: C; guidance: string; ctx: C } };
    const prev = own[CITED];
    if (prev !== undefined && prev.of === ctx && prev.guidance === guidance) return prev.ctx;
    const c: C = { ...ctx, report: (r: import('../../rule.js').Report) => ctx.report({ ...r, message: cite(r.message, guidance) }) };
    if (Object.isExtensible(ctx)) own[CITED] = { of: ctx, guidance, ctx: c };
    return c;
  };
  const skip = (m: Migration) => !opts.rollbackScripts && isRollback(m);
  return {
    ...rule,
    sql: sql && { ...sql, check: (stmt, ctx) => (skip(ctx.migration) ? undefined : sql.check(stmt, withCitation(ctx))) },
    migration: migration && ((m, ctx) => (skip(m) ? undefined : migration(m, withCitation(ctx)))),
  };
}

// Rules ask once per statement; the answer depends on the path alone.
let lastPath: string | undefined;
let lastIsRollback = false;
function isRollback(m: Migration): boolean {
  if (m.path !== lastPath) {
    lastIsRollback = isRollbackScript(m.path);
    lastPath = m.path;
  }
  return lastIsRollback;
}

export function isRollbackScript(path: string): boolean {
  return /\.down\.sql$/i.test(path) || /(^|\/)U\d[^/]*__[^/]*\.sql$/.test(path);
}

/** Phrase for what the runner does, to explain why a statement runs inside a transaction. */
export function transactionCause(m: Migration, state: StatementState): string {
  if (state.oneQuery) {
    return 'golang-migrate sends the whole file as one query, which Postgres runs as a single transaction (if your database URL sets `x-multi-statement=true`, set `migrations.golang_multi_statement: true` in the config instead)';
  }
  if (state.explicitTransaction) return 'it runs between BEGIN and COMMIT';
  switch (m.framework) {
    case 'prisma':
      return 'Prisma Migrate runs each migration file in a transaction';
    case 'flyway':
      return 'Flyway runs each migration in a transaction';
    case 'knex':
      return 'Knex runs each migration in a transaction unless it exports `config = { transaction: false }`';
    case 'typeorm':
      return 'TypeORM runs migrations in a transaction (by default one transaction for all pending migrations) unless the class sets `transaction = false`';
    case 'node-pg-migrate':
      return 'node-pg-migrate runs each migration in a transaction unless it calls `pgm.noTransaction()`';
    case 'kysely':
      return "Kysely's Migrator runs all pending migrations in one transaction";
    case 'mikro-orm':
      return "MikroORM runs each migration in a transaction (by default inside one master transaction around the whole run, `allOrNothing`) unless the class's `isTransactional()` returns false";
    default:
      return 'the configuration says migrations run in a transaction (`migrations.assume_in_transaction`)';
  }
}

/** How to take this statement out of the runner's transaction. */
export function noTransactionAdvice(m: Migration, state: StatementState): string {
  if (state.oneQuery) return 'Put it in a migration file of its own, with no other statement: golang-migrate runs a one-statement file outside any transaction';
  if (state.explicitTransaction) return 'Move it after COMMIT (or drop the BEGIN/COMMIT around it)';
  switch (m.framework) {
    case 'prisma':
      return 'Apply this statement yourself (for example with `prisma db execute`) and mark the migration applied, because Prisma cannot run a migration outside a transaction';
    case 'flyway':
      return 'Put it in a migration of its own: Flyway runs a file that holds only non-transactional statements outside a transaction';
    case 'knex':
      return 'Move it to a migration of its own that exports `config = { transaction: false }`';
    case 'typeorm':
      return "Move it to a migration class of its own with `transaction = false` (TypeORM honours that only with `migrationsTransactionMode: 'each'` in the DataSource options; under the default 'all' it refuses to run any migration that sets it)";
    case 'node-pg-migrate':
      return 'Move it to a migration of its own that calls `pgm.noTransaction()`';
    case 'kysely':
      return 'A Kysely migration cannot opt out on its own: run it with a Migrator created with `disableTransactions: true` (kysely-ctl: `--no-transaction`), which drops the transaction for every migration of that run, or run this statement outside the Migrator';
    case 'mikro-orm':
      return 'Move it to a migration class of its own whose `isTransactional()` returns false, and set `migrations: { allOrNothing: false }` in the MikroORM config: otherwise the master transaction around the run stays open on another connection and a concurrent build waits for it forever';
    default:
      return 'Move it to a migration that the runner does not wrap in a transaction';
  }
}

const finalSchemas = new WeakMap<Migration, import('./schema.js').SchemaModel>();

/**
 * The schema after the whole migration ran (earlier migrations of the folder plus every
 * statement of this one), computed once per migration for the rules that need to look
 * past the statement at hand (an index created after the foreign key, a primary key
 * added after CREATE TABLE).
 */
export function finalSchema(m: Migration, make: () => import('./schema.js').SchemaModel): import('./schema.js').SchemaModel {
  let model = finalSchemas.get(m) ?? finalStateOf(m)?.schema;
  if (!model) {
    model = m.schema ? m.schema.clone() : make();
    model.applyAll(m.statements);
    finalSchemas.set(m, model);
  }
  return model;
}

/** Replaces the one match of `pattern` on a single line, keeping the case style of the match. */
export function lineFix(m: Migration, line: number, pattern: RegExp, replace: (match: string, ...groups: string[]) => string): Fix | undefined {
  if (isJsMigration(m)) return undefined;
  const text = m.lines[line - 1];
  if (text === undefined) return undefined;
  const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g');
  const matches = [...text.matchAll(global)];
  if (matches.length !== 1) return undefined;
  const mt = matches[0];
  const replaced = replace(mt[0], ...mt.slice(1).map((g) => g ?? ''));
  const next = text.slice(0, mt.index) + replaced + text.slice(mt.index! + mt[0].length);
  return next === text ? undefined : { startLine: line, endLine: line, replacement: next };
}

/** `word` in the case style of `like` (all caps stays all caps). */
export function sameCase(like: string, word: string): string {
  return like === like.toUpperCase() && like !== like.toLowerCase() ? word.toUpperCase() : word.toLowerCase();
}
