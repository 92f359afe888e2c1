import type { Config } from '../../config/schema.js';
import { classify } from '../../files.js';
import type { ChangeSet, RepoTree } from '../../model.js';
import { finalStateOf, type Migration } from './migration.js';
import { parseSql, type ParsedStatement } from './parse.js';

/** A column type as written, normalised to Postgres' internal names (int4, varchar, timestamptz …). */
export interface TypeInfo {
  name: string;
  /** The type's name as written (original case), for messages. */
  raw?: string;
  /** Type modifiers: varchar(20) → [20], numeric(10,2) → [10, 2]. */
  mods: number[];
  array: boolean;
}

export interface ColumnInfo {
  type: TypeInfo;
  notNull: boolean;
}

export interface TableInfo {
  columns: Map<string, ColumnInfo>;
  /** Column lists of every index, primary key and unique constraint (expressions are left out). */
  indexes: { name?: string; columns: string[] }[];
  /** Columns covered by a validated CHECK (col IS NOT NULL). */
  notNullChecks: Set<string>;
  /** NOT VALID checks of the form CHECK (col IS NOT NULL), by constraint name, waiting for VALIDATE. */
  pendingNotNullChecks: Map<string, string>;
  hasPrimaryKey: boolean;
  /**
   * True when the table's CREATE TABLE was seen, so its columns and indexes are complete.
   * Tables only altered in the visible history are partial: what is listed is true, but
   * more may exist.
   */
  known: boolean;
  /** Declared with PARTITION BY: indexes on it cannot be built CONCURRENTLY. */
  partitioned?: boolean;
}

const ident = (v: unknown): string => String(v ?? '').toLowerCase();

export function typeInfo(typeName: any): TypeInfo | undefined {
  const names: any[] = typeName?.names ?? [];
  const last = names[names.length - 1]?.String?.sval;
  if (!last) return undefined;
  const mods: number[] = [];
  for (const m of typeName.typmods ?? []) {
    const v = m?.A_Const?.ival;
    if (v !== undefined) mods.push(v.ival ?? 0);
  }
  return { name: String(last).toLowerCase(), raw: String(last), mods, array: Array.isArray(typeName.arrayBounds) && typeName.arrayBounds.length > 0 };
}

const DISPLAY: Record<string, string> = {
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  bpchar: 'char',
  bool: 'boolean',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
};

export function typeText(t: TypeInfo): string {
  const raw = t.raw ?? t.name;
  const name = DISPLAY[t.name] ?? (/^[a-z_][a-z0-9_]*$/.test(raw) ? raw : `"${raw.replace(/"/g, '""')}"`);
  return `${name}${t.mods.length ? `(${t.mods.join(',')})` : ''}${t.array ? '[]' : ''}`;
}

const leadingCache = new WeakMap<TableInfo['indexes'], { length: number; keys: Set<string> }>();

/** Every leading column set of the table's indexes, as sorted keys; cached per index list. */
function leadingKeys(t: TableInfo): Set<string> {
  const cached = leadingCache.get(t.indexes);
  if (cached && cached.length === t.indexes.length) return cached.keys;
  const keys = new Set<string>();
  for (const i of t.indexes) {
    for (let n = 1; n <= i.columns.length; n++) keys.add(i.columns.slice(0, n).sort().join('\u0000'));
  }
  leadingCache.set(t.indexes, { length: t.indexes.length, keys });
  return keys;
}

function emptyTable(known: boolean): TableInfo {
  return { columns: new Map(), indexes: [], notNullChecks: new Set(), pendingNotNullChecks: new Map(), hasPrimaryKey: false, known };
}

/**
 * A copy of a table for a new layer. Column and index entries are shared with the original,
 * so they are never changed in place: a change replaces the entry (see setColumn).
 */
function cloneTable(t: TableInfo): TableInfo {
  return {
    columns: new Map(t.columns),
    indexes: t.indexes.slice(),
    notNullChecks: new Set(t.notNullChecks),
    pendingNotNullChecks: new Map(t.pendingNotNullChecks),
    hasPrimaryKey: t.hasPrimaryKey,
    known: t.known,
    partitioned: t.partitioned,
  };
}

/** Changes a column the table has (a new entry: entries may be shared with other layers). */
function setColumn(t: TableInfo, name: string, change: Partial<ColumnInfo>): void {
  const c = t.columns.get(name);
  if (c) t.columns.set(name, { ...c, ...change });
}

function keys(list: any[] | undefined): string[] {
  return (list ?? []).map((k) => ident(k?.String?.sval));
}

/** The column a CHECK (col IS NOT NULL) constraint is about, if it is exactly that. */
export function notNullCheckColumn(constraint: any): string | undefined {
  const test = constraint?.raw_expr?.NullTest;
  if (!test || test.nulltesttype !== 'IS_NOT_NULL') return undefined;
  const fields = test.arg?.ColumnRef?.fields ?? [];
  const name = fields[fields.length - 1]?.String?.sval;
  return name ? ident(name) : undefined;
}

/**
 * What the database looks like, as far as the migrations tell: tables, column types,
 * indexes and validated NOT NULL checks. Built once per review from the earlier
 * migrations in the same folder, then advanced statement by statement. Everything not
 * understood is left unknown, and rules stay quiet on unknowns.
 */
/** Longest chain of frozen layers below a model (see compact). */
const MAX_LAYERS = 16;

export class SchemaModel {
  // Copy-on-write layers: clone() freezes the current layer and both the original and the
  // clone stack a new, empty layer on top of it. A table is copied into a layer only when
  // it changes there, so cloning per migration costs nothing in the size of the schema.
  private own = new Map<string, TableInfo | null>(); // null: dropped in this layer
  private ownIndex = new Map<string, string | null>(); // index name → table
  private parent?: SchemaModel;
  private depth = 0;

  clone(): SchemaModel {
    const frozen = new SchemaModel();
    frozen.own = this.own;
    frozen.ownIndex = this.ownIndex;
    frozen.parent = this.parent;
    frozen.compact();
    this.own = new Map();
    this.ownIndex = new Map();
    this.parent = frozen;
    const copy = new SchemaModel();
    copy.parent = frozen;
    return copy;
  }

  private get size(): number {
    return this.own.size + this.ownIndex.size;
  }

  /**
   * Keeps the chain of frozen layers under a new frozen layer short, so lookups stay fast,
   * without copying the whole schema every few clones: the new layer absorbs the layers
   * below it while they are not much larger than it (layer sizes then grow geometrically
   * down the chain, so an entry is copied a logarithmic number of times), and an empty
   * layer simply takes the maps of the one below. Layers below are shared with other
   * clones and never changed; only this layer, not yet shared, gets new maps.
   */
  private compact(): void {
    for (let below = this.parent; below; below = this.parent) {
      if (this.size === 0) {
        this.own = below.own;
        this.ownIndex = below.ownIndex;
      } else if (below.size <= 2 * this.size || below.depth >= MAX_LAYERS) {
        const tables = new Map(below.own);
        for (const [k, v] of this.own) tables.set(k, v);
        const indexes = new Map(below.ownIndex);
        for (const [k, v] of this.ownIndex) indexes.set(k, v);
        this.own = tables;
        this.ownIndex = indexes;
      } else break;
      this.parent = below.parent;
    }
    this.depth = (this.parent?.depth ?? 0) + 1;
  }

  private lookup(name: string): TableInfo | undefined {
    for (let m: SchemaModel | undefined = this; m; m = m.parent) {
      const t = m.own.get(name);
      if (t !== undefined) return t ?? undefined;
    }
    return undefined;
  }

  private indexOwner(name: string): string | undefined {
    for (let m: SchemaModel | undefined = this; m; m = m.parent) {
      const t = m.ownIndex.get(name);
      if (t !== undefined) return t ?? undefined;
    }
    return undefined;
  }

  /** The table, copied into this layer so it can be changed. */
  private mut(name: string): TableInfo | undefined {
    const t = this.own.get(name);
    if (t !== undefined) return t ?? undefined;
    const base = this.parent?.lookup(name);
    if (!base) return undefined;
    const copy = cloneTable(base);
    this.own.set(name, copy);
    return copy;
  }

  table(name: string): TableInfo | undefined {
    return this.lookup(name.toLowerCase());
  }

  column(table: string, column: string): ColumnInfo | undefined {
    return this.lookup(table.toLowerCase())?.columns.get(column.toLowerCase());
  }

  /** Whether some index, primary key or unique constraint starts with exactly these columns (in any order). */
  hasLeadingIndex(table: string, columns: string[]): boolean {
    const t = this.table(table);
    if (!t) return false;
    return leadingKeys(t).has(columns.map((c) => c.toLowerCase()).sort().join('\u0000'));
  }

  /** The table's entry, created as partial (not known) when only its changes are visible. */
  private ensure(table: string): TableInfo | undefined {
    if (!table) return undefined;
    let t = this.mut(table);
    if (!t) this.own.set(table, (t = emptyTable(false)));
    return t;
  }

  private addIndex(table: string, name: string | undefined, columns: string[]): void {
    const t = this.ensure(table);
    if (!t || columns.length === 0) return;
    t.indexes.push({ name, columns });
    if (name) this.ownIndex.set(name, table);
  }

  private addConstraint(table: string, c: any, column?: string): void {
    const t = this.mut(table);
    if (!t || !c) return;
    switch (c.contype) {
      case 'CONSTR_PRIMARY':
      case 'CONSTR_UNIQUE': {
        if (c.contype === 'CONSTR_PRIMARY') t.hasPrimaryKey = true;
        const cols = column ? [column] : keys(c.keys);
        if (c.indexname) {
          // USING INDEX: the index is already known under its own name.
          const idx = ident(c.indexname);
          const at = t.indexes.findIndex((i) => i.name === idx);
          if (at !== -1 && c.conname) {
            const renamed = { ...t.indexes[at], name: ident(c.conname) };
            t.indexes[at] = renamed;
            this.ownIndex.set(idx, null);
            this.ownIndex.set(renamed.name, table);
          }
        } else this.addIndex(table, c.conname ? ident(c.conname) : undefined, cols);
        if (c.contype === 'CONSTR_PRIMARY') for (const col of cols) setColumn(t, col, { notNull: true });
        break;
      }
      case 'CONSTR_NOTNULL':
        if (column) setColumn(t, column, { notNull: true });
        break;
      case 'CONSTR_CHECK': {
        const col = notNullCheckColumn(c);
        if (!col) break;
        if (c.skip_validation) {
          if (c.conname) t.pendingNotNullChecks.set(ident(c.conname), col);
        } else t.notNullChecks.add(col);
        break;
      }
    }
  }

  private addColumn(table: string, def: any): void {
    const t = this.mut(table);
    const type = typeInfo(def?.typeName);
    if (!t || !def?.colname || !type) return;
    const name = ident(def.colname);
    t.columns.set(name, { type, notNull: false });
    for (const c of def.constraints ?? []) this.addConstraint(table, c.Constraint, name);
  }

  /** Advances the model past one statement. */
  apply(kind: string, a: any): void {
    switch (kind) {
      case 'CreateStmt': {
        const name = ident(a.relation?.relname);
        if (!name) return;
        const table = emptyTable(true);
        if (a.partspec) table.partitioned = true;
        this.own.set(name, table);
        for (const e of a.tableElts ?? []) {
          if (e.ColumnDef) this.addColumn(name, e.ColumnDef);
          else if (e.Constraint) this.addConstraint(name, e.Constraint);
        }
        return;
      }
      case 'CreateTableAsStmt': {
        const name = ident(a.into?.rel?.relname);
        if (name) this.own.set(name, emptyTable(true));
        return;
      }
      case 'IndexStmt': {
        const table = ident(a.relation?.relname);
        const cols: string[] = [];
        for (const p of a.indexParams ?? []) {
          const n = p?.IndexElem?.name;
          if (!n) break; // an expression: the leading columns stop here
          cols.push(ident(n));
        }
        if (a.idxname) this.ownIndex.set(ident(a.idxname), table);
        this.addIndex(table, a.idxname ? ident(a.idxname) : undefined, cols);
        return;
      }
      case 'DropStmt': {
        for (const o of a.objects ?? []) {
          const items = o?.List?.items ?? [];
          const name = ident(items[items.length - 1]?.String?.sval);
          if (!name) continue;
          if (a.removeType === 'OBJECT_TABLE') this.own.set(name, null);
          else if (a.removeType === 'OBJECT_INDEX') {
            const table = this.indexOwner(name);
            const t = table ? this.mut(table) : undefined;
            if (t) t.indexes = t.indexes.filter((i) => i.name !== name);
            this.ownIndex.set(name, null);
          }
        }
        return;
      }
      case 'RenameStmt': {
        const table = ident(a.relation?.relname);
        const newName = ident(a.newname);
        if (a.renameType === 'OBJECT_TABLE') {
          const t = this.mut(table);
          if (t && newName) {
            this.own.set(table, null);
            this.own.set(newName, t);
          }
        } else if (a.renameType === 'OBJECT_COLUMN') {
          const t = this.mut(table);
          const old = ident(a.subname);
          const c = t?.columns.get(old);
          if (t && c && newName) {
            t.columns.delete(old);
            t.columns.set(newName, c);
            t.indexes = t.indexes.map((i) => ({ ...i, columns: i.columns.map((x) => (x === old ? newName : x)) }));
            if (t.notNullChecks.delete(old)) t.notNullChecks.add(newName);
          }
        }
        return;
      }
      case 'AlterTableStmt': {
        if (a.objtype !== 'OBJECT_TABLE') return;
        const table = ident(a.relation?.relname);
        const t = this.ensure(table);
        if (!t) return;
        for (const raw of a.cmds ?? []) {
          const cmd = raw.AlterTableCmd;
          if (!cmd) continue;
          const col = ident(cmd.name);
          switch (cmd.subtype) {
            case 'AT_AddColumn':
              this.addColumn(table, cmd.def?.ColumnDef);
              break;
            case 'AT_DropColumn':
              t.columns.delete(col);
              t.indexes = t.indexes.filter((i) => !i.columns.includes(col));
              t.notNullChecks.delete(col);
              break;
            case 'AT_AlterColumnType': {
              const type = typeInfo(cmd.def?.ColumnDef?.typeName);
              if (type) setColumn(t, col, { type });
              break;
            }
            case 'AT_SetNotNull':
              setColumn(t, col, { notNull: true });
              break;
            case 'AT_DropNotNull':
              setColumn(t, col, { notNull: false });
              break;
            case 'AT_AddConstraint':
              this.addConstraint(table, cmd.def?.Constraint);
              break;
            case 'AT_ValidateConstraint': {
              const pending = t.pendingNotNullChecks.get(col);
              if (pending) {
                t.notNullChecks.add(pending);
                t.pendingNotNullChecks.delete(col);
              }
              break;
            }
            case 'AT_DropConstraint':
              t.pendingNotNullChecks.delete(col);
              break;
          }
        }
        return;
      }
    }
  }

  applyAll(statements: ParsedStatement[]): void {
    for (const s of statements) this.apply(s.kind, s.ast);
  }
}

/** The folder a migration belongs to, and the key it sorts by within that folder. */
export function migrationSlot(path: string): { folder: string; key: string } | undefined {
  const prisma = /^(.*\/)?prisma\/migrations\/([^/]+)\/migration\.sql$/.exec(path);
  if (prisma) return { folder: `${prisma[1] ?? ''}prisma/migrations`, key: prisma[2] };
  const slash = path.lastIndexOf('/');
  const name = path.slice(slash + 1);
  // Down migrations and Flyway undo/repeatable scripts do not move the schema forward.
  if (/\.down\.sql$/i.test(name) || /^[UR]\d*__/.test(name) || /^R__/.test(name)) return undefined;
  return { folder: slash === -1 ? '' : path.slice(0, slash), key: name };
}

// The same order as a.localeCompare(b, 'en', { numeric: true }), whose every call builds a collator.
const naturalCompare = new Intl.Collator('en', { numeric: true }).compare;

/**
 * Gives every migration of the review `schema`: the model of what the earlier
 * migrations in its folder (sorted by file name) created. Each folder is read and parsed
 * once per review, however many of its migrations changed.
 */
export async function attachSchemaModels(
  migrations: Migration[],
  tree: RepoTree | undefined,
  config: Config,
  changeSet?: Pick<ChangeSet, 'mode' | 'files'>,
): Promise<void> {
  // In a pull request, a table created by a migration file the PR adds is empty when the
  // later migrations of the same PR run, so they may index or constrain it freely.
  const addedInDiff = new Set(changeSet?.mode === 'diff' ? changeSet.files.filter((f) => f.status === 'added').map((f) => f.path) : []);
  const byFolder = new Map<string, Map<string, Migration>>();
  for (const m of migrations) {
    const slot = migrationSlot(m.path);
    if (!slot) continue;
    let map = byFolder.get(slot.folder);
    if (!map) byFolder.set(slot.folder, (map = new Map()));
    map.set(m.path, m);
  }
  if (byFolder.size === 0) return;
  let allPaths: string[] = [];
  if (tree) {
    try {
      allPaths = await tree.paths();
    } catch {
      allPaths = [];
    }
  }
  // One pass over the tree: the migration files of each folder that has a changed migration.
  const inFolder = new Map<string, Map<string, string>>(); // folder → path → sort key
  for (const folder of byFolder.keys()) inFolder.set(folder, new Map());
  for (const p of allPaths) {
    if (!p.toLowerCase().endsWith('.sql')) continue;
    const slot = migrationSlot(p);
    const entries = slot && inFolder.get(slot.folder);
    if (!entries || !classify(p, config).has('sql-migration')) continue;
    entries.set(p, slot.key);
  }
  for (const [folder, changed] of byFolder) {
    const entries = inFolder.get(folder)!;
    for (const m of changed.values()) entries.set(m.path, migrationSlot(m.path)!.key);
    const ordered = [...entries].sort((a, b) => naturalCompare(a[1], b[1])).map(([p]) => p);
    // Read the unchanged files up front, a few at a time (on GitHub each read is a request).
    const texts = new Map<string, string | undefined>();
    const toRead = tree ? ordered.filter((p) => !changed.has(p)) : [];
    for (let i = 0; i < toRead.length; i += 8) {
      const batch = toRead.slice(i, i + 8);
      const read = await Promise.all(batch.map((p) => tree!.read(p).catch(() => undefined)));
      batch.forEach((p, j) => texts.set(p, read[j]));
    }
    const model = new SchemaModel();
    const newInChange = new Set<string>();
    // When the folder's last migration is one under review, the folder's final schema is
    // the one the engine's walk of that migration ends with: it is not applied here too.
    const last = changed.get(ordered[ordered.length - 1]);
    for (const path of ordered) {
      const m = changed.get(path);
      if (m) {
        m.schema = model.clone();
        if (newInChange.size > 0) m.tablesNewInChange = new Set(newInChange);
        if (m !== last) model.applyAll(m.statements);
        if (addedInDiff.has(path)) {
          for (const st of m.statements) {
            if (st.kind === 'CreateStmt') newInChange.add(ident(st.ast.relation?.relname));
            else if (st.kind === 'CreateTableAsStmt') newInChange.add(ident(st.ast.into?.rel?.relname));
          }
        }
        continue;
      }
      const text = texts.get(path);
      if (text === undefined) continue;
      try {
        model.applyAll(parseSql(text).statements);
      } catch {
        // An earlier migration we cannot read only makes the model less complete.
      }
    }
    // What the folder adds up to, later migrations included: an index created by the next
    // migration still covers a foreign key added in this one.
    let folderSchema: SchemaModel | undefined = last ? undefined : model;
    const resolve = (): SchemaModel => {
      if (!folderSchema) {
        const walked = finalStateOf(last!)?.schema;
        if (walked) folderSchema = walked;
        else {
          model.applyAll(last!.statements);
          folderSchema = model;
        }
      }
      return folderSchema;
    };
    for (const m of changed.values()) {
      Object.defineProperty(m, 'folderSchema', {
        configurable: true,
        enumerable: true,
        get: resolve,
        set(value: SchemaModel | undefined) {
          Object.defineProperty(m, 'folderSchema', { configurable: true, enumerable: true, writable: true, value });
        },
      });
    }
  }
}
