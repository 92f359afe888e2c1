import type { Config } from '../../config/schema.js';
import type { ParsedStatement, SqlParseError } from './parse.js';
import { SchemaModel } from './schema.js';

/** How the migration reaches Postgres, which decides whether the runner wraps it in a transaction. */
export type MigrationFramework =
  | 'sql'
  | 'prisma'
  | 'golang-migrate'
  | 'flyway'
  | 'supabase'
  | 'knex'
  | 'typeorm'
  | 'sequelize'
  | 'kysely'
  | 'node-pg-migrate'
  | 'mikro-orm';

export interface SqlStatement extends ParsedStatement {
  index: number;
  /**
   * For statements generated from a builder call in a JS/TS migration (knex.schema…),
   * the call as written, so messages can show what the user wrote.
   */
  origin?: string;
}

export interface Migration {
  path: string;
  framework: MigrationFramework;
  /** True when the runner wraps the whole file in one transaction. */
  runnerTransaction: boolean;
  statements: SqlStatement[];
  errors: SqlParseError[];
  /** The file's lines, for fixes that rewrite whole lines. */
  lines: string[];
  /** The text of the down migration, when the framework keeps it in the same file. */
  down?: { present: boolean; empty: boolean; line?: number };
  /**
   * What the earlier migrations in the same folder created (tables, column types,
   * indexes, validated NOT NULL checks). Set by attachSchemaModels once per review.
   */
  schema?: SchemaModel;
  /**
   * Tables created by earlier migration files that the pull request adds: still empty when
   * this migration runs, so they count as new (diff mode only).
   */
  tablesNewInChange?: Set<string>;
  /** The schema after every migration of the folder (later ones included). Shared; do not modify. */
  folderSchema?: SchemaModel;
}

/** What was true just before a statement ran. Rules read it; the engine advances it. */
export interface StatementState {
  inTransaction: boolean;
  /** An explicit BEGIN is open (as opposed to the runner's wrapping). */
  explicitTransaction: boolean;
  lockTimeoutSet: boolean;
  statementTimeoutSet: boolean;
  postgresVersion: number;
  /** Tables created earlier in this migration: empty, so locking them blocks nobody. */
  newTables: Set<string>;
  newIndexes: Set<string>;
  /**
   * The schema as of just before this statement: the earlier migrations of the folder
   * plus this migration's statements so far. Unknown tables and columns are absent.
   */
  schema: SchemaModel;
  isNewTable(relation: { relname?: string; schemaname?: string } | string | undefined): boolean;
  /** golang-migrate sends this file as one query, so all of it runs as one implicit transaction (see sentAsOneQuery). */
  oneQuery?: boolean;
  /**
   * When an earlier statement did set lock_timeout but it no longer applies (a SET LOCAL
   * whose transaction ended, or that ran outside any transaction), why, for messages.
   */
  lockTimeoutLapsed?: string;
  /** Internal: counts applied statements so the final state can be recognised. */
  advanced?: () => void;
}

export function relationName(relation: { relname?: string; schemaname?: string } | string | undefined): string {
  if (!relation) return '';
  if (typeof relation === 'string') return relation.toLowerCase();
  return (relation.relname ?? '').toLowerCase();
}

export function frameworkOf(path: string): MigrationFramework {
  if (/(^|\/)prisma\/migrations\/[^/]+\/migration\.sql$/.test(path)) return 'prisma';
  if (/\.(up|down)\.sql$/.test(path)) return 'golang-migrate';
  if (/(^|\/)[VR]\d*[^/]*__[^/]*\.sql$/.test(path)) return 'flyway';
  if (/(^|\/)supabase\/migrations\//.test(path)) return 'supabase';
  return 'sql';
}

/**
 * golang-migrate's postgres drivers send the whole file to Postgres as one query (unless the
 * database URL enables `x-multi-statement`), and Postgres runs a query string holding several
 * statements as one implicit transaction: every statement runs inside it, CONCURRENTLY is
 * refused, and locks are held until the end of the file (or an explicit COMMIT in it, after
 * which the rest of the string is again one implicit transaction). A file holding a single
 * statement runs on its own, outside any transaction.
 */
export function sentAsOneQuery(m: Pick<Migration, 'framework' | 'statements' | 'errors'>, config: Config): boolean {
  return m.framework === 'golang-migrate' && !config.migrations.golang_multi_statement && m.statements.length + m.errors.length > 1;
}

/** Runners that execute each SQL file inside one transaction unless told otherwise. */
export function runnerWrapsSql(framework: MigrationFramework, config: Config): boolean {
  if (config.migrations.assume_in_transaction) return true;
  // Prisma Migrate and Flyway (on Postgres) wrap every migration file in a transaction.
  return framework === 'prisma' || framework === 'flyway';
}

const states = new WeakMap<Migration, { state: StatementState; applied: number }>();

/** One SET of a timeout: on or off, where it was written and how (for messages). */
interface Setting {
  on: boolean;
  line: number;
  /** `SET LOCAL lock_timeout`, `set_config('lock_timeout', …, true)`, … */
  via: string;
}

/**
 * A timeout as Postgres keeps it: the session value, and a transaction-local value (SET LOCAL,
 * set_config(…, true)) that overrides it until COMMIT or ROLLBACK. A plain SET replaces both.
 */
interface Layers {
  session?: Setting;
  local?: Setting;
}

interface Tracking {
  /** The runner (or golang-migrate's one-query file) keeps a transaction open around every statement. */
  wrapped: boolean;
  /**
   * SET LOCAL outside a transaction block is known to do nothing: the runner is known not to
   * wrap, or the file already ended a transaction with COMMIT/ROLLBACK (whatever wrapped it
   * before, the statements after that run in autocommit).
   */
  knownAutocommit: boolean;
  lock: Layers;
  statement: Layers;
  /** The session values when the explicit transaction began: ROLLBACK restores them. */
  atBegin?: { lock?: Setting; statement?: Setting };
}

const effective = (l: Layers): boolean => (l.local ?? l.session)?.on ?? false;

const tracking = new WeakMap<StatementState, Tracking>();

/** Frameworks whose runner is known to send statements in autocommit mode when it does not wrap them. */
const KNOWN_RUNNERS: ReadonlySet<MigrationFramework> = new Set(['golang-migrate', 'knex', 'typeorm', 'sequelize', 'kysely', 'node-pg-migrate', 'mikro-orm']);

/**
 * The state after the migration's last statement, once the engine has walked all of them
 * (so migration-level rules can read the final schema without replaying the file).
 */
export function finalStateOf(migration: Migration): StatementState | undefined {
  const entry = states.get(migration);
  return entry && entry.applied === migration.statements.length ? entry.state : undefined;
}

export function createState(migration: Migration, config: Config): StatementState {
  const oneQuery = sentAsOneQuery(migration, config);
  const wrapped = migration.runnerTransaction || oneQuery;
  const state: StatementState = {
    oneQuery,
    inTransaction: wrapped,
    explicitTransaction: false,
    lockTimeoutSet: false,
    statementTimeoutSet: false,
    postgresVersion: config.migrations.postgres_version,
    newTables: new Set(migration.tablesNewInChange ?? []),
    newIndexes: new Set(),
    schema: migration.schema ? migration.schema.clone() : new SchemaModel(),
    isNewTable(relation) {
      const name = relationName(relation);
      return name !== '' && state.newTables.has(name);
    },
  };
  states.set(migration, { state, applied: 0 });
  tracking.set(state, { wrapped, knownAutocommit: KNOWN_RUNNERS.has(migration.framework), lock: {}, statement: {} });
  state.advanced = () => {
    const entry = states.get(migration);
    if (entry?.state === state) entry.applied++;
  };
  return state;
}

function settingIsOn(ast: any): boolean {
  // SET lock_timeout = 0 (or '0') disables the timeout again.
  const arg = ast.args?.[0]?.A_Const;
  if (!arg) return ast.kind === 'VAR_SET_VALUE';
  const v = arg.ival?.ival ?? arg.sval?.sval ?? arg.fval?.fval;
  return !(v === undefined || v === 0 || v === '0' || v === '0ms' || v === '0s');
}

/** set_config's third argument: true makes the setting last only until the end of the transaction. */
function isLocalArg(arg: any): boolean | undefined {
  const c = arg?.A_Const;
  if (!c) return arg === undefined ? false : undefined;
  if (c.boolval) return c.boolval.boolval === true;
  const s = c.sval?.sval;
  if (typeof s === 'string') return /^\s*(t|true|on|yes|y|1)\s*$/i.test(s) ? true : /^\s*(f|false|off|no|n|0)\s*$/i.test(s) ? false : undefined;
  return undefined;
}

/** Records a SET / set_config of one of the two timeouts. */
function recordTimeout(state: StatementState, t: Tracking, which: 'lock' | 'statement', on: boolean, local: boolean, line: number, via: string): void {
  if (local && !state.inTransaction && t.knownAutocommit) {
    // Postgres only warns ("SET LOCAL can only be used in transaction blocks") and changes nothing.
    if (which === 'lock' && on && !state.lockTimeoutSet) {
      state.lockTimeoutLapsed = `the \`${via}\` on line ${line} had no effect: it ran outside a transaction block, where a transaction-local setting does nothing`;
    }
    return;
  }
  const layers = t[which];
  if (local) layers.local = { on, line, via };
  else {
    layers.session = { on, line, via };
    layers.local = undefined;
  }
  sync(state, t);
  if (which === 'lock') state.lockTimeoutLapsed = undefined;
}

function sync(state: StatementState, t: Tracking): void {
  state.lockTimeoutSet = effective(t.lock);
  state.statementTimeoutSet = effective(t.statement);
}

/** The transaction ended: settings made with SET LOCAL end with it; ROLLBACK also undoes plain SETs made inside it. */
function endTransaction(state: StatementState, t: Tracking, rollback: boolean, line: number): void {
  const word = rollback ? 'ROLLBACK' : 'COMMIT';
  const wasOn = state.lockTimeoutSet;
  const local = t.lock.local;
  if (rollback && t.atBegin) {
    t.lock.session = t.atBegin.lock;
    t.statement.session = t.atBegin.statement;
  }
  t.atBegin = undefined;
  t.lock.local = t.statement.local = undefined;
  if (!t.wrapped) t.knownAutocommit = true;
  sync(state, t);
  if (wasOn && !state.lockTimeoutSet) {
    state.lockTimeoutLapsed = local?.on
      ? `the \`${local.via}\` on line ${local.line} ended with its transaction at the ${word} on line ${line}`
      : `the lock_timeout set inside the transaction was undone by the ${word} on line ${line}`;
  }
}

/** Advances the state past a statement. */
export function applyStatement(state: StatementState, stmt: SqlStatement, runnerTransaction: boolean): void {
  const a = stmt.ast;
  state.schema.apply(stmt.kind, a);
  state.advanced?.();
  let t = tracking.get(state);
  if (!t) tracking.set(state, (t = { wrapped: runnerTransaction, knownAutocommit: false, lock: {}, statement: {} }));
  switch (stmt.kind) {
    case 'TransactionStmt': {
      const kind: string = a.kind;
      if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') {
        state.inTransaction = true;
        state.explicitTransaction = true;
        t.atBegin = { lock: t.lock.session, statement: t.statement.session };
      } else if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK') {
        state.explicitTransaction = false;
        // After COMMIT a runner-wrapped or one-query file is again inside a transaction.
        state.inTransaction = runnerTransaction || t.wrapped;
        endTransaction(state, t, kind === 'TRANS_STMT_ROLLBACK', stmt.startLine);
      }
      break;
    }
    case 'VariableSetStmt': {
      const name: string | undefined = a.name;
      if (a.kind === 'VAR_RESET_ALL') {
        t.lock = {};
        t.statement = {};
        sync(state, t);
        state.lockTimeoutLapsed = undefined;
      } else if (name === 'lock_timeout' || name === 'statement_timeout') {
        const on = a.kind === 'VAR_RESET' ? false : settingIsOn(a);
        recordTimeout(state, t, name === 'lock_timeout' ? 'lock' : 'statement', on, a.is_local === true, stmt.startLine, `${a.is_local ? 'SET LOCAL' : 'SET'} ${name}`);
      }
      break;
    }
    case 'SelectStmt': {
      // SELECT set_config('lock_timeout', '5s', false) sets it as well as SET does; with true, as SET LOCAL does.
      for (const tl of a.targetList ?? []) {
        const f = tl?.ResTarget?.val?.FuncCall;
        const fname = f?.funcname?.[f.funcname.length - 1]?.String?.sval;
        if (fname !== 'set_config') continue;
        const setting = f.args?.[0]?.A_Const?.sval?.sval;
        const value = f.args?.[1]?.A_Const?.sval?.sval;
        // A third argument we cannot read (a parameter, an expression) gets the benefit of the doubt.
        const local = isLocalArg(f.args?.[2]) ?? false;
        if (typeof value !== 'string') continue;
        const on = !/^\s*0+\s*(ms|s|min)?\s*$/.test(value);
        const via = `set_config('${setting}', …, ${local})`;
        if (setting === 'lock_timeout') recordTimeout(state, t, 'lock', on, local, stmt.startLine, via);
        else if (setting === 'statement_timeout') recordTimeout(state, t, 'statement', on, local, stmt.startLine, via);
      }
      break;
    }
    case 'CreateStmt':
      state.newTables.add(relationName(a.relation));
      break;
    case 'CreateTableAsStmt':
      state.newTables.add(relationName(a.into?.rel));
      break;
    case 'IndexStmt':
      if (a.idxname) state.newIndexes.add(String(a.idxname).toLowerCase());
      break;
    case 'DropStmt':
      if (a.removeType === 'OBJECT_TABLE') {
        for (const o of a.objects ?? []) {
          const items = o?.List?.items ?? [];
          state.newTables.delete(String(items[items.length - 1]?.String?.sval ?? '').toLowerCase());
        }
      }
      break;
    case 'RenameStmt':
      if (a.renameType === 'OBJECT_TABLE' && state.newTables.has(relationName(a.relation)) && a.newname) {
        state.newTables.add(String(a.newname).toLowerCase());
      }
      break;
  }
}
