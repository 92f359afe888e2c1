/**
 * The lock each kind of statement takes on the table it touches. This is the one place
 * rule messages get their lock facts from, and test/locks.pglite.test.ts checks every
 * entry against what a real Postgres records in pg_locks.
 */
export type LockMode =
  | 'AccessShareLock'
  | 'RowShareLock'
  | 'RowExclusiveLock'
  | 'ShareUpdateExclusiveLock'
  | 'ShareLock'
  | 'ShareRowExclusiveLock'
  | 'ExclusiveLock'
  | 'AccessExclusiveLock';

/** Postgres' lock modes from weakest to strongest. */
export const LOCK_ORDER: LockMode[] = [
  'AccessShareLock',
  'RowShareLock',
  'RowExclusiveLock',
  'ShareUpdateExclusiveLock',
  'ShareLock',
  'ShareRowExclusiveLock',
  'ExclusiveLock',
  'AccessExclusiveLock',
];

export interface LockFact {
  mode: LockMode;
  /** What other sessions can no longer do while the lock is held. */
  blocks: string;
}

const BLOCKS: Record<LockMode, string> = {
  AccessShareLock: 'only ACCESS EXCLUSIVE operations such as DROP and most ALTER TABLE',
  RowShareLock: 'only EXCLUSIVE and ACCESS EXCLUSIVE locks',
  RowExclusiveLock: 'plain CREATE INDEX and other SHARE or stronger locks',
  ShareUpdateExclusiveLock: 'other schema changes and VACUUM, but not reads or writes',
  ShareLock: 'all writes (reads continue)',
  ShareRowExclusiveLock: 'all writes (reads continue)',
  ExclusiveLock: 'all writes and locking reads (plain reads continue)',
  AccessExclusiveLock: 'all reads and writes',
};

export function lockFact(mode: LockMode): LockFact {
  return { mode, blocks: BLOCKS[mode] };
}

/** Human name as Postgres documents it, e.g. "SHARE ROW EXCLUSIVE". */
export function lockName(mode: LockMode): string {
  return mode
    .replace(/Lock$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}

/** "takes an ACCESS EXCLUSIVE lock on `t`, blocking every read and write …" */
export function describeLock(key: LockKey, table: string): string {
  const fact = lockOf(key);
  const name = lockName(fact.mode);
  const article = /^[AEIOU]/.test(name) ? 'an' : 'a';
  return `takes ${article} ${name} lock on \`${table}\`, blocking ${fact.blocks}`;
}

/**
 * Statement kind → lock taken on the target table (for foreign keys: on both tables).
 * Keys are stable ids used by rules and by the PGlite test, which runs a sample of each.
 */
export const LOCKS = {
  createIndex: 'ShareLock',
  createIndexConcurrently: 'ShareUpdateExclusiveLock',
  dropIndex: 'AccessExclusiveLock',
  dropIndexConcurrently: 'ShareUpdateExclusiveLock',
  reindex: 'ShareLock',
  dropTable: 'AccessExclusiveLock',
  truncate: 'AccessExclusiveLock',
  renameTable: 'AccessExclusiveLock',
  renameColumn: 'AccessExclusiveLock',
  addColumn: 'AccessExclusiveLock',
  addColumnReferences: 'AccessExclusiveLock',
  addColumnCheck: 'AccessExclusiveLock',
  dropColumn: 'AccessExclusiveLock',
  alterColumnType: 'AccessExclusiveLock',
  setDefault: 'AccessExclusiveLock',
  setNotNull: 'AccessExclusiveLock',
  dropNotNull: 'AccessExclusiveLock',
  addCheck: 'AccessExclusiveLock',
  addCheckNotValid: 'AccessExclusiveLock',
  addForeignKey: 'ShareRowExclusiveLock',
  addForeignKeyNotValid: 'ShareRowExclusiveLock',
  validateConstraint: 'ShareUpdateExclusiveLock',
  addUnique: 'AccessExclusiveLock',
  addPrimaryKey: 'AccessExclusiveLock',
  addConstraintUsingIndex: 'AccessExclusiveLock',
  dropConstraint: 'AccessExclusiveLock',
  createTrigger: 'ShareRowExclusiveLock',
  refreshMaterializedView: 'AccessExclusiveLock',
  refreshMaterializedViewConcurrently: 'ExclusiveLock',
  update: 'RowExclusiveLock',
  delete: 'RowExclusiveLock',
  insert: 'RowExclusiveLock',
} satisfies Record<string, LockMode>;

export type LockKey = keyof typeof LOCKS;

/**
 * The lock every way of adding a foreign key (ADD CONSTRAINT … FOREIGN KEY, with or without
 * NOT VALID, and ADD COLUMN … REFERENCES) takes on the referenced table.
 */
export const REFERENCED_TABLE_LOCK: LockMode = 'ShareRowExclusiveLock';

const SERIAL_TYPES = new Set(['smallserial', 'serial', 'bigserial', 'serial2', 'serial4', 'serial8']);

/** The added column gets a value other than NULL in existing rows: a default (even DEFAULT NULL), identity, generated or serial. */
export function addedColumnHasDefault(def: any): boolean {
  const type = def?.typeName?.names;
  const typeName = String(type?.[type.length - 1]?.String?.sval ?? '').toLowerCase();
  if (SERIAL_TYPES.has(typeName)) return true;
  return (def?.constraints ?? []).some((c: any) => ['CONSTR_DEFAULT', 'CONSTR_IDENTITY', 'CONSTR_GENERATED'].includes(c?.Constraint?.contype));
}

/**
 * Constraints declared inside an ADD COLUMN that make Postgres read every existing row while
 * the ALTER TABLE holds its ACCESS EXCLUSIVE lock (checked against Postgres in
 * test/locks.pglite.test.ts). A CHECK always does. A REFERENCES does only when the column
 * gets a default (even DEFAULT NULL), identity, generated or serial value: otherwise every
 * existing row holds NULL and Postgres marks the foreign key valid without a scan.
 * Constraints declared NOT ENFORCED (Postgres 18) are not checked at all.
 */
export function addColumnScans(cmd: any): { def: any; constraint: any; kind: 'foreign' | 'check' }[] {
  if (cmd?.subtype !== 'AT_AddColumn') return [];
  const def = cmd.def?.ColumnDef;
  const out: { def: any; constraint: any; kind: 'foreign' | 'check' }[] = [];
  const list: any[] = def?.constraints ?? [];
  for (let i = 0; i < list.length; i++) {
    const c = list[i]?.Constraint;
    // Column constraint attributes follow the constraint they qualify: `CHECK (…) NOT ENFORCED`.
    if (!c || c.is_enforced === false || list[i + 1]?.Constraint?.contype === 'CONSTR_ATTR_NOT_ENFORCED') continue;
    if (c.contype === 'CONSTR_CHECK') out.push({ def, constraint: c, kind: 'check' });
    else if (c.contype === 'CONSTR_FOREIGN' && addedColumnHasDefault(def)) out.push({ def, constraint: c, kind: 'foreign' });
  }
  return out;
}

export function lockOf(key: LockKey): LockFact {
  return lockFact(LOCKS[key]);
}

export function stronger(a: LockMode, b: LockMode): LockMode {
  return LOCK_ORDER.indexOf(a) >= LOCK_ORDER.indexOf(b) ? a : b;
}

export interface StatementLock {
  key: LockKey;
  mode: LockMode;
  /** Lower-cased table name the lock is taken on, '' when the statement does not name it (DROP INDEX). */
  table: string;
  /** The same table as written (original case), for messages. */
  name: string;
}

function rel(r: any): string {
  return String(r?.relname ?? '');
}

/** Which LOCKS entry one ALTER TABLE subcommand falls under; undefined for subcommands the table does not cover. */
export function alterTableCmdLock(cmd: any): LockKey | undefined {
  switch (cmd?.subtype) {
    case 'AT_AddColumn': {
      const constraints: any[] = cmd.def?.ColumnDef?.constraints ?? [];
      if (constraints.some((c) => c?.Constraint?.contype === 'CONSTR_FOREIGN')) return 'addColumnReferences';
      if (constraints.some((c) => c?.Constraint?.contype === 'CONSTR_CHECK')) return 'addColumnCheck';
      return 'addColumn';
    }
    case 'AT_DropColumn':
      return 'dropColumn';
    case 'AT_AlterColumnType':
      return 'alterColumnType';
    case 'AT_ColumnDefault':
      return 'setDefault';
    case 'AT_SetNotNull':
      return 'setNotNull';
    case 'AT_DropNotNull':
      return 'dropNotNull';
    case 'AT_ValidateConstraint':
      return 'validateConstraint';
    case 'AT_DropConstraint':
      return 'dropConstraint';
    case 'AT_AddConstraint': {
      const c = cmd.def?.Constraint;
      if (!c) return undefined;
      if (c.indexname) return 'addConstraintUsingIndex';
      switch (c.contype) {
        case 'CONSTR_FOREIGN':
          return c.skip_validation ? 'addForeignKeyNotValid' : 'addForeignKey';
        case 'CONSTR_CHECK':
          return c.skip_validation ? 'addCheckNotValid' : 'addCheck';
        case 'CONSTR_UNIQUE':
          return 'addUnique';
        case 'CONSTR_PRIMARY':
          return 'addPrimaryKey';
        default:
          return undefined;
      }
    }
    default:
      return undefined;
  }
}

/**
 * The strongest lock a statement takes on a table, looked up in LOCKS. Undefined for
 * statements the table does not cover, so callers stay quiet instead of guessing.
 */
export function statementLock(kind: string, a: any): StatementLock | undefined {
  const make = (key: LockKey, table: string): StatementLock => ({ key, mode: LOCKS[key], table: table.toLowerCase(), name: table });
  switch (kind) {
    case 'IndexStmt':
      return make(a.concurrent ? 'createIndexConcurrently' : 'createIndex', rel(a.relation));
    case 'DropStmt':
      if (a.removeType === 'OBJECT_INDEX') return make(a.concurrent ? 'dropIndexConcurrently' : 'dropIndex', '');
      if (a.removeType === 'OBJECT_TABLE') {
        const items = a.objects?.[0]?.List?.items ?? [];
        return make('dropTable', String(items[items.length - 1]?.String?.sval ?? ''));
      }
      return undefined;
    case 'TruncateStmt':
      return make('truncate', rel(a.relations?.[0]?.RangeVar));
    case 'RenameStmt':
      if (a.renameType === 'OBJECT_TABLE') return make('renameTable', rel(a.relation));
      if (a.renameType === 'OBJECT_COLUMN' && a.relationType === 'OBJECT_TABLE') return make('renameColumn', rel(a.relation));
      return undefined;
    case 'AlterTableStmt': {
      if (a.objtype !== 'OBJECT_TABLE') return undefined;
      let best: LockKey | undefined;
      for (const c of a.cmds ?? []) {
        const key = alterTableCmdLock(c.AlterTableCmd);
        if (key && (!best || LOCK_ORDER.indexOf(LOCKS[key]) > LOCK_ORDER.indexOf(LOCKS[best]))) best = key;
      }
      return best ? make(best, rel(a.relation)) : undefined;
    }
    case 'ReindexStmt':
      if (a.params?.some((p: any) => p.DefElem?.defname === 'concurrently')) return undefined;
      return a.kind === 'REINDEX_OBJECT_TABLE' ? make('reindex', rel(a.relation)) : undefined;
    case 'CreateTrigStmt':
      return make('createTrigger', rel(a.relation));
    case 'RefreshMatViewStmt':
      return make(a.concurrent ? 'refreshMaterializedViewConcurrently' : 'refreshMaterializedView', rel(a.relation));
    case 'UpdateStmt':
      return make('update', rel(a.relation));
    case 'DeleteStmt':
      return make('delete', rel(a.relation));
    case 'InsertStmt':
      return make('insert', rel(a.relation));
    default:
      return undefined;
  }
}
