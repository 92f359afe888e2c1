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
  | 'node-pg-migrate';

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

/** Runners that execute each SQL file inside one transaction unless told otherwise. */
export function runnerWrapsSql(framework: MigrationFramework, config: Config): boolean {
  if (config.migrations.assume_in_transaction) return true;
  // Prisma Migrate and Flyway (on Postgres) wrap every migration file in a transaction.
  return framework === 'prisma' || framework === 'flyway';
}

const states = new WeakMap<Migration, { state: StatementState; applied: number }>();

/**
 * The state after the migration's last statement, once the engine has walked all of them
 * (so migration-level rules can read the final schema without replaying the file).
 */
export function finalStateOf(migration: Migration): StatementState | undefined {
  const entry = states.get(migration);
  return entry && entry.applied === migration.statements.length ? entry.state : undefined;
}

export function createState(migration: Migration, config: Config): StatementState {
  const state: StatementState = {
    inTransaction: migration.runnerTransaction,
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

/** Advances the state past a statement. */
export function applyStatement(state: StatementState, stmt: SqlStatement, runnerTransaction: boolean): void {
  const a = stmt.ast;
  state.schema.apply(stmt.kind, a);
  state.advanced?.();
  switch (stmt.kind) {
    case 'TransactionStmt': {
      const kind: string = a.kind;
      if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') {
        state.inTransaction = true;
        state.explicitTransaction = true;
      } else if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK') {
        state.explicitTransaction = false;
        state.inTransaction = runnerTransaction;
      }
      break;
    }
    case 'VariableSetStmt': {
      const name: string | undefined = a.name;
      if (a.kind === 'VAR_RESET_ALL') {
        state.lockTimeoutSet = false;
        state.statementTimeoutSet = false;
      } else if (name === 'lock_timeout') state.lockTimeoutSet = a.kind === 'VAR_RESET' ? false : settingIsOn(a);
      else if (name === 'statement_timeout') state.statementTimeoutSet = a.kind === 'VAR_RESET' ? false : settingIsOn(a);
      break;
    }
    case 'SelectStmt': {
      // SELECT set_config('lock_timeout', '5s', false) sets it as well as SET does.
      for (const t of a.targetList ?? []) {
        const f = t?.ResTarget?.val?.FuncCall;
        const fname = f?.funcname?.[f.funcname.length - 1]?.String?.sval;
        if (fname !== 'set_config') continue;
        const setting = f.args?.[0]?.A_Const?.sval?.sval;
        const value = f.args?.[1]?.A_Const?.sval?.sval;
        if (typeof value !== 'string') continue;
        const on = !/^\s*0+\s*(ms|s|min)?\s*$/.test(value);
        if (setting === 'lock_timeout') state.lockTimeoutSet = on;
        else if (setting === 'statement_timeout') state.statementTimeoutSet = on;
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
