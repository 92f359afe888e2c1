import { ts } from '../code/ts.js';
import { GeneratedSql, type Collector } from './js-migration.js';
import { asObject, asString, asStrings, evaluate, evaluateLoose, ident, isRef, literal, qualified, type JsObject, type JsValue } from './js-values.js';

/**
 * Builder calls of JS/TS migration frameworks, turned into the Postgres SQL each framework
 * generates for them (Knex's Postgres dialect, Sequelize's Postgres query generator, Kysely's
 * Postgres compiler, node-pg-migrate, TypeORM's QueryRunner). Only what is written literally
 * is translated; an argument we cannot read statically means no statement, never a guess
 * that could produce a wrong finding.
 */
export function builderStatements(call: ts.CallExpression, c: Collector): boolean {
  switch (c.framework) {
    case 'knex':
      return knexSchema(call, c);
    case 'kysely':
      return kyselySchema(call, c);
    case 'sequelize':
      return sequelizeCall(call, c);
    case 'node-pg-migrate':
      return pgmCall(call, c);
    case 'typeorm':
      return typeormCall(call, c);
    default:
      return false;
  }
}

interface ChainCall {
  name: string;
  args: ts.NodeArray<ts.Expression>;
  call: ts.CallExpression;
  nameNode: ts.MemberName;
}

/** `a.b(1).c(2).d()` → root `a`, calls [b(1), c(2), d()]. */
export function flattenChain(expr: ts.Expression): { root: ts.Expression; calls: ChainCall[] } {
  const calls: ChainCall[] = [];
  let node: ts.Expression = expr;
  for (;;) {
    while (ts.isAwaitExpression(node) || ts.isParenthesizedExpression(node)) node = node.expression;
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      calls.push({ name: node.expression.name.text, args: node.arguments, call: node, nameNode: node.expression.name });
      node = node.expression.expression;
    } else break;
  }
  return { root: node, calls: calls.reverse() };
}

function isFn(node: ts.Node | undefined): node is ts.ArrowFunction | ts.FunctionExpression {
  return !!node && (ts.isArrowFunction(node) || ts.isFunctionExpression(node));
}

/** Chains in a callback body whose root is the callback's first parameter (`table.string('x')…`). */
function callbackChains(fn: ts.ArrowFunction | ts.FunctionExpression): { calls: ChainCall[]; node: ts.Expression }[] {
  const param = fn.parameters[0]?.name;
  if (!param || !ts.isIdentifier(param)) return [];
  const name = param.text;
  const out: { calls: ChainCall[]; node: ts.Expression }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const chain = flattenChain(node);
      if (ts.isIdentifier(chain.root) && chain.root.text === name && chain.calls.length > 0) {
        out.push({ calls: chain.calls, node });
        return;
      }
    }
    if (isFn(node) && node !== fn) return;
    ts.forEachChild(node, visit);
  };
  visit(fn.body);
  return out;
}

/** The property `key` of an object literal argument, for the line a column is written on. */
function propertyNode(obj: ts.Expression | undefined, key: string): ts.Node | undefined {
  if (!obj || !ts.isObjectLiteralExpression(obj)) return undefined;
  return obj.properties.find((p) => p.name && p.name.getText().replace(/^['"]|['"]$/g, '') === key);
}

function names(cols: string[]): string {
  return cols.map(ident).join(', ');
}

function indexNameFrom(...parts: string[]): string {
  return parts
    .join('_')
    .toLowerCase()
    .replace(/[-.]/g, '_');
}

function bareTable(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot >= 0 ? name.slice(dot + 1) : name;
}


// =============================================================================================
// Knex (Postgres dialect)

const KNEX_SCHEMA_METHODS = new Set([
  'createTable',
  'createTableIfNotExists',
  'createTableLike',
  'alterTable',
  'table',
  'dropTable',
  'dropTableIfExists',
  'renameTable',
  'raw',
  'withSchema',
  'hasTable',
  'hasColumn',
  'createSchema',
  'createSchemaIfNotExists',
  'dropSchema',
  'dropSchemaIfExists',
  'createView',
  'dropView',
  'dropViewIfExists',
]);

interface KnexColumn {
  name: string;
  type?: string;
  notNull?: boolean;
  nullableSet?: boolean;
  default?: string;
  defaultSet?: boolean;
  primary?: boolean;
  unique?: boolean;
  index?: { name?: string; type?: string };
  references?: { table?: string; column?: string; onDelete?: string; onUpdate?: string };
  alter?: { type: boolean; nullable: boolean };
  /** The chain has a method we do not know: leave the column alone. */
  unknown?: boolean;
  node: ts.Node;
  nameNode: ts.Node;
}

function knexDefault(arg: ts.Expression | undefined, c: Collector): string | undefined {
  if (!arg) return undefined;
  const v = evaluate(arg, c.consts);
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return literal(v);
  const text = arg.getText(c.sf).replace(/\s+/g, '');
  if (/\.fn\.now\(\)$/.test(text)) return 'CURRENT_TIMESTAMP';
  if (/\.fn\.uuid(?:ToBin)?\(\)$/.test(text)) return 'gen_random_uuid()';
  if (ts.isCallExpression(arg) && ts.isPropertyAccessExpression(arg.expression) && arg.expression.name.text === 'raw') {
    const raw = evaluate(arg.arguments[0], c.consts);
    if (typeof raw === 'string') return raw;
  }
  // A JS value we cannot see: assume a constant (what defaultTo() is almost always given).
  return literal(arg.getText(c.sf));
}

function knexType(method: string, args: ts.NodeArray<ts.Expression>, c: Collector, col: string): string | undefined {
  const num = (i: number) => {
    const v = evaluate(args[i], c.consts);
    return typeof v === 'number' ? v : undefined;
  };
  switch (method) {
    case 'increments':
      return 'serial PRIMARY KEY';
    case 'bigIncrements':
      return 'bigserial PRIMARY KEY';
    case 'integer':
    case 'mediumint':
      return 'integer';
    case 'bigInteger':
    case 'bigint':
      return 'bigint';
    case 'tinyint':
    case 'smallint':
      return 'smallint';
    case 'string':
      return `varchar(${num(1) ?? 255})`;
    case 'text':
      return 'text';
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'date';
    case 'time':
      return 'time';
    case 'datetime':
    case 'timestamp': {
      const opt = evaluate(args[1], c.consts);
      const withoutTz = opt === true || asObject(opt)?.useTz === false;
      const precision = asObject(opt)?.precision;
      return (withoutTz ? 'timestamp' : 'timestamptz') + (typeof precision === 'number' ? `(${precision})` : '');
    }
    case 'uuid':
      return 'uuid';
    case 'json':
      return 'json';
    case 'jsonb':
      return 'jsonb';
    case 'decimal': {
      const p = evaluate(args[1], c.consts);
      if (p === null) return 'decimal';
      return `decimal(${num(1) ?? 8}, ${num(2) ?? 2})`;
    }
    case 'float':
      return 'real';
    case 'double':
      return 'double precision';
    case 'binary':
      return 'bytea';
    case 'specificType':
      return asString(evaluate(args[1], c.consts));
    case 'enu':
    case 'enum': {
      const opts = asObject(evaluate(args[2], c.consts));
      if (opts?.useNative === true && typeof opts.enumName === 'string') return ident(opts.enumName);
      const values = asStrings(evaluate(args[1], c.consts));
      if (!values) return undefined;
      return `text CHECK (${ident(col)} IN (${values.map((v) => literal(v)).join(', ')}))`;
    }
    default:
      return undefined;
  }
}

const KNEX_COLUMN_TYPES = new Set([
  'increments',
  'bigIncrements',
  'integer',
  'mediumint',
  'bigInteger',
  'bigint',
  'tinyint',
  'smallint',
  'string',
  'text',
  'boolean',
  'date',
  'time',
  'datetime',
  'timestamp',
  'uuid',
  'json',
  'jsonb',
  'decimal',
  'float',
  'double',
  'binary',
  'specificType',
  'enu',
  'enum',
]);

const KNEX_IGNORED_MODIFIERS = new Set(['unsigned', 'comment', 'collate', 'after', 'first', 'checkPositive', 'checkNegative', 'deferrable', 'withKeyName', 'primaryKey']);

function knexColumn(chain: ChainCall[], c: Collector, table: string, node: ts.Node): KnexColumn | undefined {
  const head = chain[0];
  if (!KNEX_COLUMN_TYPES.has(head.name)) return undefined;
  const colName = asString(evaluate(head.args[0], c.consts)) ?? (head.name === 'increments' || head.name === 'bigIncrements' ? 'id' : undefined);
  if (!colName) return { name: '', unknown: true, node, nameNode: head.nameNode };
  const col: KnexColumn = { name: colName, type: knexType(head.name, head.args, c, colName), node, nameNode: head.nameNode };
  if (!col.type) col.unknown = true;
  if ((head.name === 'increments' || head.name === 'bigIncrements') && asObject(evaluate(head.args[1], c.consts))?.primaryKey === false) {
    col.type = head.name === 'increments' ? 'serial' : 'bigserial';
  }
  for (const m of chain.slice(1)) {
    switch (m.name) {
      case 'notNullable':
        col.notNull = true;
        col.nullableSet = true;
        break;
      case 'nullable':
        col.notNull = false;
        col.nullableSet = true;
        break;
      case 'defaultTo':
        col.default = knexDefault(m.args[0], c);
        col.defaultSet = true;
        break;
      case 'primary':
        col.primary = true;
        break;
      case 'unique':
        col.unique = true;
        break;
      case 'index': {
        const name = asString(evaluate(m.args[0], c.consts));
        const opt = evaluate(m.args[1], c.consts);
        col.index = { name, type: typeof opt === 'string' ? opt : asString(asObject(opt)?.indexType) };
        break;
      }
      case 'references': {
        const ref = asString(evaluate(m.args[0], c.consts));
        if (!ref) return { ...col, unknown: true };
        const dot = ref.lastIndexOf('.');
        col.references = dot > 0 ? { ...col.references, table: ref.slice(0, dot), column: ref.slice(dot + 1) } : { ...col.references, column: ref };
        break;
      }
      case 'inTable':
        col.references = { ...col.references, table: asString(evaluate(m.args[0], c.consts)) };
        break;
      case 'onDelete':
        col.references = { ...col.references, onDelete: asString(evaluate(m.args[0], c.consts)) };
        break;
      case 'onUpdate':
        col.references = { ...col.references, onUpdate: asString(evaluate(m.args[0], c.consts)) };
        break;
      case 'alter': {
        const opt = asObject(evaluate(m.args[0], c.consts));
        col.alter = { type: opt?.alterType !== false, nullable: opt?.alterNullable !== false };
        break;
      }
      default:
        if (!KNEX_IGNORED_MODIFIERS.has(m.name)) col.unknown = true;
    }
  }
  return col;
}

function fkClause(ref: { table?: string; column?: string; onDelete?: string; onUpdate?: string }): string | undefined {
  if (!ref.table || !ref.column) return undefined;
  let s = `REFERENCES ${qualified(ref.table)} (${ident(ref.column)})`;
  if (ref.onDelete && /^[a-z ]+$/i.test(ref.onDelete)) s += ` ON DELETE ${ref.onDelete.toUpperCase()}`;
  if (ref.onUpdate && /^[a-z ]+$/i.test(ref.onUpdate)) s += ` ON UPDATE ${ref.onUpdate.toUpperCase()}`;
  return s;
}

function knexColumnDef(col: KnexColumn): string {
  let s = `${ident(col.name)} ${col.type}`;
  if (col.notNull) s += ' NOT NULL';
  if (col.defaultSet && col.default !== undefined) s += ` DEFAULT ${col.default}`;
  return s;
}

/** Knex emits keys, indexes and foreign keys of a column as statements after the column itself. */
function knexColumnExtras(col: KnexColumn, table: string, schema: string | undefined, c: Collector): void {
  const t = qualified(table, schema);
  const bare = bareTable(table);
  if (col.primary) c.addGenerated(`ALTER TABLE ${t} ADD CONSTRAINT ${ident(indexNameFrom(bare, 'pkey'))} PRIMARY KEY (${ident(col.name)})`, col.node, col.nameNode.getStart(c.sf) + 1);
  if (col.unique) c.addGenerated(`ALTER TABLE ${t} ADD CONSTRAINT ${ident(indexNameFrom(bare, col.name, 'unique'))} UNIQUE (${ident(col.name)})`, col.node, col.nameNode.getStart(c.sf) + 1);
  if (col.index) {
    const using = col.index.type && /^\w+$/.test(col.index.type) ? ` USING ${col.index.type}` : '';
    c.addGenerated(`CREATE INDEX ${ident(col.index.name ?? indexNameFrom(bare, col.name, 'index'))} ON ${t}${using} (${ident(col.name)})`, col.node, col.nameNode.getStart(c.sf) + 1);
  }
  if (col.references) {
    const fk = fkClause(col.references);
    if (fk) c.addGenerated(`ALTER TABLE ${t} ADD CONSTRAINT ${ident(indexNameFrom(bare, col.name, 'foreign'))} FOREIGN KEY (${ident(col.name)}) ${fk}`, col.node, col.nameNode.getStart(c.sf) + 1);
  }
}

function knexSchema(call: ts.CallExpression, c: Collector): boolean {
  const { root, calls } = flattenChain(call);
  if (!(ts.isPropertyAccessExpression(root) && root.name.text === 'schema') || calls.length === 0) return false;
  if (!calls.every((x) => KNEX_SCHEMA_METHODS.has(x.name) || x.name === 'then' || x.name === 'catch')) return false;
  let schema: string | undefined;
  for (const step of calls) {
    const arg0 = asString(evaluate(step.args[0], c.consts));
    const pos = step.nameNode.getStart(c.sf);
    switch (step.name) {
      case 'withSchema':
        schema = arg0;
        break;
      case 'raw':
        if (step.args[0]) c.addRaw(step.args[0], step.call, { bindings: step.args.length > 1 });
        break;
      case 'dropTable':
      case 'dropTableIfExists':
        if (arg0) c.addGenerated(`DROP TABLE ${step.name === 'dropTableIfExists' ? 'IF EXISTS ' : ''}${qualified(arg0, schema)}`, step.call, pos);
        break;
      case 'renameTable': {
        const to = asString(evaluate(step.args[1], c.consts));
        if (arg0 && to) c.addGenerated(`ALTER TABLE ${qualified(arg0, schema)} RENAME TO ${ident(to)}`, step.call, pos);
        break;
      }
      case 'createTable':
      case 'createTableIfNotExists': {
        if (!arg0) break;
        const fn = step.args[1];
        const cols: KnexColumn[] = [];
        const later: (() => void)[] = [];
        if (isFn(fn)) {
          for (const { calls: chain, node } of callbackChains(fn)) {
            const col = knexColumn(chain, c, arg0, node);
            if (col) {
              if (!col.unknown) cols.push(col);
              continue;
            }
            later.push(() => knexTableCommand(chain, node, arg0, schema, c, true));
          }
        }
        // Columns, timestamps() and a table-level primary([...]) are part of CREATE TABLE itself.
        const sql = new GeneratedSql().add(`CREATE TABLE ${step.name === 'createTableIfNotExists' ? 'IF NOT EXISTS ' : ''}${qualified(arg0, schema)} (`);
        let first = true;
        const part = (text: string, node: ts.Node) => {
          sql.add(first ? '' : ', ').add(text, node);
          first = false;
        };
        for (const col of cols) part(knexColumnDef(col) + (col.primary ? ' PRIMARY KEY' : ''), col.node);
        if (isFn(fn)) {
          for (const { calls: chain, node } of callbackChains(fn)) {
            if (chain[0].name === 'timestamps') for (const def of knexTimestamps(chain[0], c)) part(def, node);
            if (chain[0].name === 'primary') {
              const pk = asStrings(evaluate(chain[0].args[0], c.consts));
              if (pk) part(`PRIMARY KEY (${names(pk)})`, node);
            }
          }
        }
        sql.add(')');
        c.addGenerated(sql, step.call, pos);
        for (const col of cols) knexColumnExtras({ ...col, primary: false }, arg0, schema, c);
        for (const f of later) f();
        break;
      }
      case 'alterTable':
      case 'table': {
        const fn = step.args[1];
        if (!arg0 || !isFn(fn)) break;
        for (const { calls: chain, node } of callbackChains(fn)) {
          const col = knexColumn(chain, c, arg0, node);
          if (col) {
            if (col.unknown) continue;
            knexAlterColumn(col, arg0, schema, c);
            continue;
          }
          knexTableCommand(chain, node, arg0, schema, c, false);
        }
        break;
      }
      default:
        break;
    }
  }
  return true;
}

function knexTimestamps(step: ChainCall, c: Collector): string[] {
  const useTimestampType = evaluate(step.args[0], c.consts) === true;
  const defaultToNow = evaluate(step.args[1], c.consts) === true;
  const type = useTimestampType ? 'timestamptz' : 'timestamptz';
  const tail = defaultToNow ? ' NOT NULL DEFAULT CURRENT_TIMESTAMP' : '';
  return [`created_at ${type}${tail}`, `updated_at ${type}${tail}`];
}

function knexAlterColumn(col: KnexColumn, table: string, schema: string | undefined, c: Collector): void {
  const t = qualified(table, schema);
  const pos = col.nameNode.getStart(c.sf);
  const name = ident(col.name);
  if (!col.alter) {
    c.addGenerated(`ALTER TABLE ${t} ADD COLUMN ${knexColumnDef(col)}`, col.node, pos);
    knexColumnExtras(col, table, schema, c);
    return;
  }
  // What Knex's Postgres dialect sends for .alter(): the whole column definition is re-applied.
  if (col.alter.type) {
    const type = col.type!.replace(/ CHECK .*$/, '');
    c.addGenerated(`ALTER TABLE ${t} ALTER COLUMN ${name} TYPE ${type} USING (${name}::${type})`, col.node, pos);
  }
  c.addGenerated(
    col.defaultSet && col.default !== undefined ? `ALTER TABLE ${t} ALTER COLUMN ${name} SET DEFAULT ${col.default}` : `ALTER TABLE ${t} ALTER COLUMN ${name} DROP DEFAULT`,
    col.node,
    pos,
  );
  if (col.alter.nullable) {
    c.addGenerated(`ALTER TABLE ${t} ALTER COLUMN ${name} ${col.notNull ? 'SET' : 'DROP'} NOT NULL`, col.node, pos);
  }
  knexColumnExtras({ ...col, alter: undefined }, table, schema, c);
}

/** Table-level commands inside createTable/alterTable callbacks. */
function knexTableCommand(chain: ChainCall[], node: ts.Node, table: string, schema: string | undefined, c: Collector, inCreate: boolean): void {
  const head = chain[0];
  const t = qualified(table, schema);
  const bare = bareTable(table);
  const pos = head.nameNode.getStart(c.sf) + (inCreate ? 1 : 0);
  const arg = (i: number) => evaluate(head.args[i], c.consts);
  const add = (sql: string) => c.addGenerated(sql, node, pos);
  switch (head.name) {
    case 'dropColumn':
    case 'dropColumns': {
      const cols = head.args.flatMap((a) => asStrings(evaluate(a, c.consts)) ?? []);
      for (const col of cols) add(`ALTER TABLE ${t} DROP COLUMN ${ident(col)}`);
      break;
    }
    case 'renameColumn': {
      const from = asString(arg(0));
      const to = asString(arg(1));
      if (from && to) add(`ALTER TABLE ${t} RENAME COLUMN ${ident(from)} TO ${ident(to)}`);
      break;
    }
    case 'index': {
      const cols = asStrings(arg(0));
      if (!cols) break;
      const second = arg(1);
      const third = arg(2);
      const opts = asObject(second) ?? asObject(third);
      const name = asString(second) ?? asString(opts?.indexName) ?? indexNameFrom(bare, ...cols, 'index');
      const type = typeof third === 'string' ? third : asString(opts?.indexType);
      const using = type && /^\w+$/.test(type) ? ` USING ${type}` : '';
      add(`CREATE INDEX ${ident(name)} ON ${t}${using} (${names(cols)})`);
      break;
    }
    case 'unique': {
      const cols = asStrings(arg(0));
      if (!cols) break;
      const second = arg(1);
      const opts = asObject(second);
      const name = asString(second) ?? asString(opts?.indexName) ?? indexNameFrom(bare, ...cols, 'unique');
      if (opts?.useConstraint === false || opts?.predicate !== undefined) add(`CREATE UNIQUE INDEX ${ident(name)} ON ${t} (${names(cols)})`);
      else add(`ALTER TABLE ${t} ADD CONSTRAINT ${ident(name)} UNIQUE (${names(cols)})`);
      break;
    }
    case 'primary': {
      const cols = asStrings(arg(0));
      if (!cols || inCreate) break;
      const second = arg(1);
      const name = asString(second) ?? asString(asObject(second)?.constraintName) ?? indexNameFrom(bare, 'pkey');
      add(`ALTER TABLE ${t} ADD CONSTRAINT ${ident(name)} PRIMARY KEY (${names(cols)})`);
      break;
    }
    case 'foreign': {
      const cols = asStrings(arg(0));
      if (!cols) break;
      const ref: { table?: string; column?: string; onDelete?: string; onUpdate?: string } = {};
      for (const m of chain.slice(1)) {
        const v = asString(evaluate(m.args[0], c.consts));
        if (m.name === 'references' && v) {
          const dot = v.lastIndexOf('.');
          if (dot > 0) Object.assign(ref, { table: v.slice(0, dot), column: v.slice(dot + 1) });
          else ref.column = v;
        } else if (m.name === 'inTable') ref.table = v;
        else if (m.name === 'onDelete') ref.onDelete = v;
        else if (m.name === 'onUpdate') ref.onUpdate = v;
      }
      const fk = fkClause(ref);
      const name = asString(arg(1)) ?? indexNameFrom(bare, ...cols, 'foreign');
      if (fk && cols.length === 1) add(`ALTER TABLE ${t} ADD CONSTRAINT ${ident(name)} FOREIGN KEY (${names(cols)}) ${fk}`);
      break;
    }
    case 'dropIndex':
    case 'dropUnique':
    case 'dropForeign':
    case 'dropPrimary': {
      const cols = asStrings(arg(0));
      const explicit = head.name === 'dropPrimary' ? asString(arg(0)) : asString(arg(1));
      const suffix = { dropIndex: 'index', dropUnique: 'unique', dropForeign: 'foreign', dropPrimary: 'pkey' }[head.name];
      const name = explicit ?? (head.name === 'dropPrimary' ? indexNameFrom(bare, 'pkey') : cols ? indexNameFrom(bare, ...cols, suffix) : undefined);
      if (!name) break;
      if (head.name === 'dropIndex') add(`DROP INDEX ${schema ? ident(schema) + '.' : ''}${ident(name)}`);
      else add(`ALTER TABLE ${t} DROP CONSTRAINT ${ident(name)}`);
      break;
    }
    case 'setNullable':
    case 'dropNullable': {
      const col = asString(arg(0));
      if (col) add(`ALTER TABLE ${t} ALTER COLUMN ${ident(col)} ${head.name === 'setNullable' ? 'DROP' : 'SET'} NOT NULL`);
      break;
    }
    case 'dropTimestamps':
      add(`ALTER TABLE ${t} DROP COLUMN created_at`);
      add(`ALTER TABLE ${t} DROP COLUMN updated_at`);
      break;
    case 'timestamps':
      if (!inCreate) for (const def of knexTimestamps(head, c)) add(`ALTER TABLE ${t} ADD COLUMN ${def}`);
      break;
    case 'check': {
      const expr = asString(arg(0));
      const name = asString(arg(2));
      if (expr && !head.args[1]) add(`ALTER TABLE ${t} ADD ${name ? `CONSTRAINT ${ident(name)} ` : ''}CHECK (${expr})`);
      break;
    }
    default:
      break;
  }
}

// =============================================================================================
// Kysely (Postgres compiler)

function kyselyType(arg: ts.Expression | undefined, c: Collector): string | undefined {
  if (!arg) return undefined;
  const v = evaluate(arg, c.consts);
  if (typeof v === 'string') return v;
  if (ts.isTaggedTemplateExpression(arg) && ts.isNoSubstitutionTemplateLiteral(arg.template)) return arg.template.text;
  if (ts.isCallExpression(arg) && arg.expression.getText(c.sf) === 'sql.raw') return asString(evaluate(arg.arguments[0], c.consts));
  return undefined;
}

function kyselyExpr(arg: ts.Expression | undefined, c: Collector): string | undefined {
  if (!arg) return undefined;
  const v = evaluate(arg, c.consts);
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return literal(v);
  if (ts.isTaggedTemplateExpression(arg) && ts.isNoSubstitutionTemplateLiteral(arg.template)) return arg.template.text;
  if (ts.isCallExpression(arg) && /^sql\.(raw|lit)$/.test(arg.expression.getText(c.sf))) {
    const s = asString(evaluate(arg.arguments[0], c.consts));
    if (s === undefined) return undefined;
    return arg.expression.getText(c.sf) === 'sql.raw' ? s : literal(s);
  }
  return undefined;
}

/** The column definition of addColumn(name, type, (col) => col.notNull()…). */
function kyselyColumn(step: ChainCall, c: Collector): { name: string; def: string } | undefined {
  const name = asString(evaluate(step.args[0], c.consts));
  const type = kyselyType(step.args[1], c);
  if (!name || !type) return undefined;
  let def = `${ident(name)} ${type}`;
  const fn = step.args[2];
  if (isFn(fn)) {
    const chains = callbackChains(fn);
    for (const { calls } of chains) {
      for (const m of calls) {
        switch (m.name) {
          case 'notNull':
            def += ' NOT NULL';
            break;
          case 'primaryKey':
            def += ' PRIMARY KEY';
            break;
          case 'unique':
            def += ' UNIQUE';
            break;
          case 'defaultTo': {
            const d = kyselyExpr(m.args[0], c);
            if (d === undefined) return undefined;
            def += ` DEFAULT ${d}`;
            break;
          }
          case 'references': {
            const ref = asString(evaluate(m.args[0], c.consts));
            const dot = ref?.lastIndexOf('.') ?? -1;
            if (!ref || dot <= 0) return undefined;
            def += ` REFERENCES ${qualified(ref.slice(0, dot))} (${ident(ref.slice(dot + 1))})`;
            break;
          }
          case 'onDelete':
          case 'onUpdate': {
            const v = asString(evaluate(m.args[0], c.consts));
            if (v && /^[a-z ]+$/i.test(v)) def += ` ${m.name === 'onDelete' ? 'ON DELETE' : 'ON UPDATE'} ${v.toUpperCase()}`;
            break;
          }
          case 'generatedAlwaysAsIdentity':
            def += ' GENERATED ALWAYS AS IDENTITY';
            break;
          case 'generatedByDefaultAsIdentity':
            def += ' GENERATED BY DEFAULT AS IDENTITY';
            break;
          case 'check': {
            const e = kyselyExpr(m.args[0], c);
            if (e) def += ` CHECK (${e})`;
            break;
          }
          case 'unsigned':
          case 'modifyEnd':
          case 'modifyFront':
            break;
          default:
            return undefined;
        }
      }
    }
  }
  return { name, def };
}

function kyselySchema(call: ts.CallExpression, c: Collector): boolean {
  const { root, calls: all } = flattenChain(call);
  if (!(ts.isPropertyAccessExpression(root) && root.name.text === 'schema') || all.length === 0) return false;
  // db.schema.withSchema('billing').createTable(…)
  const schema = all[0].name === 'withSchema' ? asString(evaluate(all[0].args[0], c.consts)) : undefined;
  const calls = all[0].name === 'withSchema' ? all.slice(1) : all;
  if (calls.length === 0) return true;
  const [head, ...rest] = calls;
  const arg0 = asString(evaluate(head.args[0], c.consts));
  if (!arg0) return true;
  const has = (n: string) => rest.some((r) => r.name === n);
  const pos = head.nameNode.getStart(c.sf);
  switch (head.name) {
    case 'createTable': {
      const defs: { text: string; node: ts.Node }[] = [];
      for (const step of rest) {
        if (step.name === 'addColumn') {
          const col = kyselyColumn(step, c);
          if (col) defs.push({ text: col.def, node: step.nameNode });
        } else if (step.name === 'addPrimaryKeyConstraint' || step.name === 'addUniqueConstraint') {
          const name = asString(evaluate(step.args[0], c.consts));
          const cols = asStrings(evaluate(step.args[1], c.consts));
          if (name && cols) defs.push({ text: `CONSTRAINT ${ident(name)} ${step.name === 'addUniqueConstraint' ? 'UNIQUE' : 'PRIMARY KEY'} (${names(cols)})`, node: step.nameNode });
        } else if (step.name === 'addForeignKeyConstraint') {
          const name = asString(evaluate(step.args[0], c.consts));
          const cols = asStrings(evaluate(step.args[1], c.consts));
          const target = asString(evaluate(step.args[2], c.consts));
          const refCols = asStrings(evaluate(step.args[3], c.consts));
          if (name && cols && target && refCols) defs.push({ text: `CONSTRAINT ${ident(name)} FOREIGN KEY (${names(cols)}) REFERENCES ${qualified(target)} (${names(refCols)})`, node: step.nameNode });
        }
      }
      const sql = new GeneratedSql().add(`CREATE TABLE ${has('ifNotExists') ? 'IF NOT EXISTS ' : ''}${qualified(arg0, schema)} (`);
      defs.forEach((d, i) => sql.add(i ? ', ' : '').add(d.text, d.node));
      c.addGenerated(sql.add(')'), call, pos);
      break;
    }
    case 'dropTable':
      c.addGenerated(`DROP TABLE ${has('ifExists') ? 'IF EXISTS ' : ''}${qualified(arg0, schema)}${has('cascade') ? ' CASCADE' : ''}`, call, pos);
      break;
    case 'createIndex': {
      const on = rest.find((r) => r.name === 'on');
      const table = on && asString(evaluate(on.args[0], c.consts));
      const cols: string[] = [];
      for (const r of rest) {
        if (r.name === 'column') {
          const col = asString(evaluate(r.args[0], c.consts));
          if (!col) return true;
          cols.push(col);
        } else if (r.name === 'columns') {
          const list = asStrings(evaluate(r.args[0], c.consts));
          if (!list) return true;
          cols.push(...list);
        }
      }
      const expression = rest.find((r) => r.name === 'expression');
      const exprText = expression ? kyselyExpr(expression.args[0], c) : undefined;
      if (!table || (cols.length === 0 && !exprText)) break;
      const using = rest.find((r) => r.name === 'using');
      const method = using && asString(evaluate(using.args[0], c.consts));
      const parts = cols.map((col) => {
        const m = /^(\S+)\s+(asc|desc)$/i.exec(col);
        return m ? `${ident(m[1])} ${m[2].toUpperCase()}` : ident(col);
      });
      const cols2 = exprText ? `(${exprText})` : parts.join(', ');
      c.addGenerated(
        `CREATE ${has('unique') ? 'UNIQUE ' : ''}INDEX ${has('concurrently') ? 'CONCURRENTLY ' : ''}${has('ifNotExists') ? 'IF NOT EXISTS ' : ''}${ident(arg0)} ON ${qualified(table, schema)}${method && /^\w+$/.test(method) ? ` USING ${method}` : ''} (${cols2})`,
        call,
        pos,
      );
      break;
    }
    case 'dropIndex':
      c.addGenerated(`DROP INDEX ${has('concurrently') ? 'CONCURRENTLY ' : ''}${has('ifExists') ? 'IF EXISTS ' : ''}${qualified(arg0, schema)}${has('cascade') ? ' CASCADE' : ''}`, call, pos);
      break;
    case 'alterTable': {
      const t = qualified(arg0, schema);
      for (const step of rest) {
        const p = step.nameNode.getStart(c.sf);
        const a0 = asString(evaluate(step.args[0], c.consts));
        const stepNode = step.call;
        const add = (sql: string) => c.addGenerated(sql, step.nameNode, p, stepNode.getText(c.sf), stepNode);
        switch (step.name) {
          case 'addColumn': {
            const col = kyselyColumn(step, c);
            if (col) add(`ALTER TABLE ${t} ADD COLUMN ${col.def}`);
            break;
          }
          case 'dropColumn':
            if (a0) add(`ALTER TABLE ${t} DROP COLUMN ${ident(a0)}`);
            break;
          case 'renameColumn': {
            const to = asString(evaluate(step.args[1], c.consts));
            if (a0 && to) add(`ALTER TABLE ${t} RENAME COLUMN ${ident(a0)} TO ${ident(to)}`);
            break;
          }
          case 'renameTo':
            if (a0) add(`ALTER TABLE ${t} RENAME TO ${ident(a0)}`);
            break;
          case 'alterColumn': {
            const fn = step.args[1];
            if (!a0 || !isFn(fn)) break;
            const col = ident(a0);
            for (const { calls: chain } of callbackChains(fn)) {
              const m = chain[0];
              if (m.name === 'setDataType') {
                const type = kyselyType(m.args[0], c);
                if (type) add(`ALTER TABLE ${t} ALTER COLUMN ${col} TYPE ${type}`);
              } else if (m.name === 'setDefault') {
                const d = kyselyExpr(m.args[0], c);
                if (d) add(`ALTER TABLE ${t} ALTER COLUMN ${col} SET DEFAULT ${d}`);
              } else if (m.name === 'dropDefault') add(`ALTER TABLE ${t} ALTER COLUMN ${col} DROP DEFAULT`);
              else if (m.name === 'setNotNull') add(`ALTER TABLE ${t} ALTER COLUMN ${col} SET NOT NULL`);
              else if (m.name === 'dropNotNull') add(`ALTER TABLE ${t} ALTER COLUMN ${col} DROP NOT NULL`);
            }
            break;
          }
          case 'addUniqueConstraint':
          case 'addPrimaryKeyConstraint': {
            const cols = asStrings(evaluate(step.args[1], c.consts));
            if (a0 && cols) add(`ALTER TABLE ${t} ADD CONSTRAINT ${ident(a0)} ${step.name === 'addUniqueConstraint' ? 'UNIQUE' : 'PRIMARY KEY'} (${names(cols)})`);
            break;
          }
          case 'addForeignKeyConstraint': {
            const cols = asStrings(evaluate(step.args[1], c.consts));
            const target = asString(evaluate(step.args[2], c.consts));
            const refCols = asStrings(evaluate(step.args[3], c.consts));
            if (a0 && cols && target && refCols) add(`ALTER TABLE ${t} ADD CONSTRAINT ${ident(a0)} FOREIGN KEY (${names(cols)}) REFERENCES ${qualified(target)} (${names(refCols)})`);
            break;
          }
          case 'addCheckConstraint': {
            const e = kyselyExpr(step.args[1], c);
            if (a0 && e) add(`ALTER TABLE ${t} ADD CONSTRAINT ${ident(a0)} CHECK (${e})`);
            break;
          }
          case 'dropConstraint':
            if (a0) add(`ALTER TABLE ${t} DROP CONSTRAINT ${ident(a0)}`);
            break;
          default:
            break;
        }
      }
      break;
    }
    default:
      break;
  }
  return true;
}

// =============================================================================================
// Sequelize (Postgres query generator)

const SEQUELIZE_METHODS = new Set([
  'addColumn',
  'removeColumn',
  'renameColumn',
  'changeColumn',
  'addIndex',
  'removeIndex',
  'addConstraint',
  'removeConstraint',
  'createTable',
  'dropTable',
  'renameTable',
]);

function sequelizeTable(v: JsValue | undefined): string | undefined {
  if (typeof v === 'string') return qualified(v);
  const o = asObject(v);
  if (o && typeof o.tableName === 'string') return qualified(o.tableName, typeof o.schema === 'string' ? o.schema : undefined);
  return undefined;
}

function sequelizeBareTable(v: JsValue | undefined): string | undefined {
  if (typeof v === 'string') return bareTable(v);
  const o = asObject(v);
  return o && typeof o.tableName === 'string' ? o.tableName : undefined;
}

/** `Sequelize.STRING(100)`, `DataTypes.BIGINT`, `'TIMESTAMP'` → a Postgres type. */
function sequelizeType(v: JsValue | undefined, table: string, column: string): string | undefined {
  if (typeof v === 'string') return v;
  if (!isRef(v)) return undefined;
  const m = /(?:^|\.)([A-Z][A-Z0-9]*)\s*(?:\(([^)]*)\))?(?:\.(?:UNSIGNED|ZEROFILL|BINARY))*\s*$/.exec(v.ref.replace(/\s+/g, ' '));
  if (!m) return undefined;
  const args = m[2]?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
  const num = (i: number) => (args[i] !== undefined && /^\d+$/.test(args[i]) ? args[i] : undefined);
  switch (m[1]) {
    case 'STRING':
      return `varchar(${num(0) ?? 255})`;
    case 'CHAR':
      return `char(${num(0) ?? 255})`;
    case 'TEXT':
      return 'text';
    case 'CITEXT':
      return 'citext';
    case 'INTEGER':
    case 'MEDIUMINT':
      return 'integer';
    case 'BIGINT':
      return 'bigint';
    case 'SMALLINT':
    case 'TINYINT':
      return 'smallint';
    case 'FLOAT':
      return 'float';
    case 'REAL':
      return 'real';
    case 'DOUBLE':
      return 'double precision';
    case 'DECIMAL':
      return num(0) ? `decimal(${num(0)}${num(1) ? `, ${num(1)}` : ''})` : 'decimal';
    case 'BOOLEAN':
      return 'boolean';
    case 'DATE':
      return 'timestamptz';
    case 'DATEONLY':
      return 'date';
    case 'TIME':
      return 'time';
    case 'UUID':
      return 'uuid';
    case 'JSON':
      return 'json';
    case 'JSONB':
      return 'jsonb';
    case 'BLOB':
      return 'bytea';
    case 'INET':
      return 'inet';
    case 'CIDR':
      return 'cidr';
    case 'ENUM':
      return ident(`enum_${table}_${column}`);
    default:
      return undefined;
  }
}

/** The DEFAULT Sequelize puts in the schema; NOW, UUIDV4 and functions stay in JS and give none. */
function sequelizeDefault(v: JsValue | undefined): string | undefined | null {
  if (v === undefined) return undefined;
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return literal(v);
  if (isRef(v)) {
    const text = v.ref.replace(/\s+/g, '');
    if (/(?:^|\.)(NOW|UUIDV1|UUIDV4)$/.test(text)) return null;
    const fn = /(?:^|\.)fn\((['"])(\w+)\1\)$/.exec(text);
    if (fn) return `${fn[2]}()`;
    const lit = /(?:^|\.)literal\((['"])(.*)\1\)$/.exec(v.ref.trim());
    if (lit) return lit[2];
    if (/^(\(\)|function)/.test(text) || /=>/.test(text)) return null;
    return literal(v.ref);
  }
  return undefined;
}

function sequelizeColumn(table: string, column: string, spec: JsValue | undefined): string | undefined {
  const o = asObject(spec);
  const type = sequelizeType(o ? o.type : spec, table, column);
  if (!type) return undefined;
  let def = `${ident(column)} `;
  if (o?.autoIncrement === true && /^(integer|bigint)$/.test(type)) def += type === 'bigint' ? 'bigserial' : 'serial';
  else def += type;
  if (o?.allowNull === false || o?.primaryKey === true) def += ' NOT NULL';
  const d = sequelizeDefault(o?.defaultValue);
  if (typeof d === 'string') def += ` DEFAULT ${d}`;
  if (o?.unique === true) def += ' UNIQUE';
  if (o?.primaryKey === true) def += ' PRIMARY KEY';
  const ref = asObject(o?.references);
  if (ref) {
    const model = asString(ref.model) ?? asString(asObject(ref.model)?.tableName);
    if (model) def += ` REFERENCES ${qualified(model)} (${ident(asString(ref.key) ?? 'id')})`;
    const onDelete = asString(o?.onDelete);
    const onUpdate = asString(o?.onUpdate);
    if (model && onDelete && /^[a-z ]+$/i.test(onDelete)) def += ` ON DELETE ${onDelete.toUpperCase()}`;
    if (model && onUpdate && /^[a-z ]+$/i.test(onUpdate)) def += ` ON UPDATE ${onUpdate.toUpperCase()}`;
  }
  return def;
}

function sequelizeFields(v: JsValue | undefined): string[] | undefined {
  if (!Array.isArray(v)) return asStrings(v);
  const out: string[] = [];
  for (const f of v) {
    if (typeof f === 'string') out.push(ident(f));
    else {
      const o = asObject(f);
      const name = asString(o?.name) ?? asString(o?.attribute);
      if (!name) return undefined;
      const order = asString(o?.order);
      out.push(ident(name) + (order && /^(asc|desc)$/i.test(order) ? ` ${order.toUpperCase()}` : ''));
    }
  }
  return out;
}

function sequelizeCall(call: ts.CallExpression, c: Collector): boolean {
  if (!ts.isPropertyAccessExpression(call.expression)) return false;
  const method = call.expression.name.text;
  if (!SEQUELIZE_METHODS.has(method)) return false;
  const receiver = call.expression.expression.getText(c.sf);
  if (!/(queryInterface|^qi|QueryInterface|context)$/i.test(receiver)) return false;
  const args = call.arguments.map((a) => evaluateLoose(a, c.consts));
  const t = sequelizeTable(args[0]);
  const bare = sequelizeBareTable(args[0]);
  if (!t || !bare) return true;
  const add = (sql: string) => c.addGenerated(sql, call);
  const s1 = asString(args[1]);
  const s2 = asString(args[2]);
  switch (method) {
    case 'addColumn': {
      const def = s1 ? sequelizeColumn(bare, s1, args[2]) : undefined;
      if (def) add(`ALTER TABLE ${t} ADD COLUMN ${def}`);
      break;
    }
    case 'removeColumn':
      if (s1) add(`ALTER TABLE ${t} DROP COLUMN ${ident(s1)}`);
      break;
    case 'renameColumn':
      if (s1 && s2) add(`ALTER TABLE ${t} RENAME COLUMN ${ident(s1)} TO ${ident(s2)}`);
      break;
    case 'changeColumn': {
      if (!s1) break;
      const o = asObject(args[2]);
      const col = ident(s1);
      const type = sequelizeType(o ? o.type : args[2], bare, s1);
      if (!type) break;
      // Sequelize re-applies nullability and default along with the type.
      add(`ALTER TABLE ${t} ALTER COLUMN ${col} ${o?.allowNull === false ? 'SET' : 'DROP'} NOT NULL`);
      const d = sequelizeDefault(o?.defaultValue);
      add(typeof d === 'string' ? `ALTER TABLE ${t} ALTER COLUMN ${col} SET DEFAULT ${d}` : `ALTER TABLE ${t} ALTER COLUMN ${col} DROP DEFAULT`);
      add(`ALTER TABLE ${t} ALTER COLUMN ${col} TYPE ${type}`);
      break;
    }
    case 'addIndex': {
      let fields: string[] | undefined;
      let opts: JsObject | undefined;
      if (Array.isArray(args[1]) || typeof args[1] === 'string') {
        fields = sequelizeFields(args[1]);
        opts = asObject(args[2]);
      } else {
        opts = asObject(args[1]);
        fields = sequelizeFields(opts?.fields);
      }
      if (!fields) break;
      const rawFields = fields.map((f) => f.replace(/"/g, '').split(' ')[0]);
      const name = asString(opts?.name) ?? indexNameFrom(bare, ...rawFields);
      const unique = opts?.unique === true || asString(opts?.type)?.toUpperCase() === 'UNIQUE';
      const using = asString(opts?.using) ?? asString(opts?.method);
      add(
        `CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${opts?.concurrently === true ? 'CONCURRENTLY ' : ''}${ident(name)} ON ${t}${using && /^\w+$/.test(using) ? ` USING ${using}` : ''} (${fields.join(', ')})`,
      );
      break;
    }
    case 'removeIndex': {
      const opts = asObject(args[2]);
      const name = s1 ?? (asStrings(args[1]) ? indexNameFrom(bare, ...asStrings(args[1])!) : undefined);
      if (name) add(`DROP INDEX ${opts?.concurrently === true ? 'CONCURRENTLY ' : ''}${ident(name)}`);
      break;
    }
    case 'addConstraint': {
      // v5+: addConstraint(table, { type, fields, … }); v4: addConstraint(table, fields, { type, … }).
      const opts = asObject(args[1]) ?? asObject(args[2]);
      const fields = asStrings(opts?.fields) ?? asStrings(args[1]);
      const type = asString(opts?.type)?.toLowerCase();
      if (!opts || !fields || !type) break;
      const cols = names(fields);
      if (type === 'unique') add(`ALTER TABLE ${t} ADD CONSTRAINT ${ident(asString(opts.name) ?? indexNameFrom(bare, ...fields, 'uk'))} UNIQUE (${cols})`);
      else if (type === 'primary key') add(`ALTER TABLE ${t} ADD CONSTRAINT ${ident(asString(opts.name) ?? indexNameFrom(bare, ...fields, 'pk'))} PRIMARY KEY (${cols})`);
      else if (type === 'check') add(`ALTER TABLE ${t} ADD CONSTRAINT ${ident(asString(opts.name) ?? indexNameFrom(bare, ...fields, 'ck'))} CHECK (true)`);
      else if (type === 'foreign key') {
        const ref = asObject(opts.references);
        const refTable = asString(ref?.table) ?? asString(asObject(ref?.table)?.tableName);
        const refField = asString(ref?.field) ?? 'id';
        if (!refTable) break;
        let sql = `ALTER TABLE ${t} ADD CONSTRAINT ${ident(asString(opts.name) ?? indexNameFrom(bare, ...fields, bareTable(refTable), 'fk'))} FOREIGN KEY (${cols}) REFERENCES ${qualified(refTable)} (${ident(refField)})`;
        const onDelete = asString(opts.onDelete);
        if (onDelete && /^[a-z ]+$/i.test(onDelete)) sql += ` ON DELETE ${onDelete.toUpperCase()}`;
        add(sql);
      }
      break;
    }
    case 'removeConstraint':
      if (s1) add(`ALTER TABLE ${t} DROP CONSTRAINT ${ident(s1)}`);
      break;
    case 'createTable': {
      const attrs = asObject(args[1]);
      if (!attrs) break;
      const sql = new GeneratedSql().add(`CREATE TABLE IF NOT EXISTS ${t} (`);
      let n = 0;
      for (const [col, spec] of Object.entries(attrs)) {
        const def = sequelizeColumn(bare, col, spec);
        if (def) sql.add(n++ ? ', ' : '').add(def, propertyNode(call.arguments[1], col));
      }
      c.addGenerated(sql.add(')'), call);
      break;
    }
    case 'dropTable':
      add(`DROP TABLE IF EXISTS ${t}`);
      break;
    case 'renameTable': {
      const to = sequelizeBareTable(args[1]);
      if (to) add(`ALTER TABLE ${t} RENAME TO ${ident(to)}`);
      break;
    }
  }
  return true;
}

// =============================================================================================
// node-pg-migrate

function pgmTable(v: JsValue | undefined): { sql: string; bare: string } | undefined {
  if (typeof v === 'string') return { sql: ident(v), bare: v };
  const o = asObject(v);
  if (o && typeof o.name === 'string') return { sql: qualified(o.name, typeof o.schema === 'string' ? o.schema : undefined), bare: o.name };
  return undefined;
}

function pgmDefault(v: JsValue | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return literal(v);
  if (isRef(v)) {
    const m = /(?:^|\.)func\(\s*(['"`])([\s\S]*)\1\s*\)$/.exec(v.ref.trim());
    if (m) return m[2];
    return literal(v.ref);
  }
  return undefined;
}

function pgmColumn(name: string, spec: JsValue | undefined): string | undefined {
  if (spec === 'id') return `${ident(name)} serial PRIMARY KEY`;
  if (typeof spec === 'string') return `${ident(name)} ${spec}`;
  const o = asObject(spec);
  const type = asString(o?.type);
  if (!o || !type) return undefined;
  let def = `${ident(name)} ${type}`;
  if (o.notNull === true) def += ' NOT NULL';
  if (o.default !== undefined) {
    const d = pgmDefault(o.default);
    if (d === undefined) return undefined;
    def += ` DEFAULT ${d}`;
  }
  if (o.primaryKey === true) def += ' PRIMARY KEY';
  if (o.unique === true) def += ' UNIQUE';
  const refTable = pgmTable(o.references);
  if (o.references !== undefined) {
    if (!refTable) return undefined;
    // `references: 'users'` or `references: 'users(id)'` are written as given.
    def += typeof o.references === 'string' && o.references.includes('(') ? ` REFERENCES ${o.references}` : ` REFERENCES ${refTable.sql}`;
    const onDelete = asString(o.onDelete);
    if (onDelete && /^[a-z ]+$/i.test(onDelete)) def += ` ON DELETE ${onDelete.toUpperCase()}`;
  }
  if (typeof o.check === 'string') def += ` CHECK (${o.check})`;
  return def;
}

function pgmCall(call: ts.CallExpression, c: Collector): boolean {
  if (!ts.isPropertyAccessExpression(call.expression)) return false;
  if (!/(^|\.)pgm$/.test(call.expression.expression.getText(c.sf))) return false;
  const method = call.expression.name.text;
  const args = call.arguments.map((a) => evaluateLoose(a, c.consts));
  const add = (sql: string) => c.addGenerated(sql, call);
  const table = pgmTable(args[0]);
  const s1 = asString(args[1]);
  const s2 = asString(args[2]);
  switch (method) {
    case 'createTable': {
      const cols = asObject(args[1]);
      if (!table || !cols) break;
      const sql = new GeneratedSql().add(`CREATE TABLE ${asObject(args[2])?.ifNotExists === true ? 'IF NOT EXISTS ' : ''}${table.sql} (`);
      let n = 0;
      for (const [name, spec] of Object.entries(cols)) {
        const def = pgmColumn(name, spec);
        if (def) sql.add(n++ ? ', ' : '').add(def, propertyNode(call.arguments[1], name));
      }
      c.addGenerated(sql.add(')'), call);
      break;
    }
    case 'dropTable':
      if (table) add(`DROP TABLE ${asObject(args[1])?.ifExists === true ? 'IF EXISTS ' : ''}${table.sql}${asObject(args[1])?.cascade === true ? ' CASCADE' : ''}`);
      break;
    case 'renameTable':
      if (table && s1) add(`ALTER TABLE ${table.sql} RENAME TO ${ident(s1)}`);
      break;
    case 'addColumns':
    case 'addColumn': {
      const cols = asObject(args[1]);
      if (!table || !cols) break;
      for (const [name, spec] of Object.entries(cols)) {
        const def = pgmColumn(name, spec);
        const prop = propertyNode(call.arguments[1], name);
        if (def) c.addGenerated(`ALTER TABLE ${table.sql} ADD ${def}`, call, prop?.getStart(c.sf), undefined, prop ?? call);
      }
      break;
    }
    case 'dropColumns':
    case 'dropColumn': {
      const cols = asStrings(args[1]) ?? (asObject(args[1]) ? Object.keys(asObject(args[1])!) : undefined);
      if (!table || !cols) break;
      for (const col of cols) add(`ALTER TABLE ${table.sql} DROP COLUMN ${ident(col)}`);
      break;
    }
    case 'renameColumn':
      if (table && s1 && s2) add(`ALTER TABLE ${table.sql} RENAME COLUMN ${ident(s1)} TO ${ident(s2)}`);
      break;
    case 'alterColumn': {
      const o = asObject(args[2]);
      if (!table || !s1 || !o) break;
      const col = ident(s1);
      if (o.default !== undefined) {
        const d = o.default === null ? undefined : pgmDefault(o.default);
        add(d === undefined ? `ALTER TABLE ${table.sql} ALTER COLUMN ${col} DROP DEFAULT` : `ALTER TABLE ${table.sql} ALTER COLUMN ${col} SET DEFAULT ${d}`);
      }
      const type = asString(o.type);
      if (type) add(`ALTER TABLE ${table.sql} ALTER COLUMN ${col} SET DATA TYPE ${type}${typeof o.using === 'string' ? ` USING ${o.using}` : ''}`);
      const notNull = o.notNull === true || o.allowNull === false ? true : o.notNull === false || o.allowNull === true ? false : undefined;
      if (notNull !== undefined) add(`ALTER TABLE ${table.sql} ALTER COLUMN ${col} ${notNull ? 'SET' : 'DROP'} NOT NULL`);
      break;
    }
    case 'createIndex':
    case 'addIndex': {
      const cols = asStrings(args[1]);
      const o = asObject(args[2]);
      if (!table || !cols) break;
      const unique = o?.unique === true;
      const name = asString(o?.name) ?? indexNameFrom(table.bare, ...cols, unique ? 'unique_index' : 'index');
      const method = asString(o?.method);
      const where = asString(o?.where);
      add(
        `CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${o?.concurrently === true ? 'CONCURRENTLY ' : ''}${o?.ifNotExists === true ? 'IF NOT EXISTS ' : ''}${ident(name)} ON ${table.sql}${method && /^\w+$/.test(method) ? ` USING ${method}` : ''} (${cols.map((x) => (/^[\w]+$/.test(x) ? ident(x) : x)).join(', ')})${where ? ` WHERE ${where}` : ''}`,
      );
      break;
    }
    case 'dropIndex': {
      const cols = asStrings(args[1]);
      const o = asObject(args[2]);
      if (!table) break;
      const name = asString(o?.name) ?? (cols ? indexNameFrom(table.bare, ...cols, o?.unique === true ? 'unique_index' : 'index') : undefined);
      if (name) add(`DROP INDEX ${o?.concurrently === true ? 'CONCURRENTLY ' : ''}${o?.ifExists === true ? 'IF EXISTS ' : ''}${ident(name)}`);
      break;
    }
    case 'addConstraint':
    case 'createConstraint': {
      if (!table) break;
      const name = s1 ? `CONSTRAINT ${ident(s1)} ` : '';
      if (s2) {
        add(`ALTER TABLE ${table.sql} ADD ${name}${s2}`);
        break;
      }
      const o = asObject(args[2]);
      if (!o) break;
      if (typeof o.check === 'string') add(`ALTER TABLE ${table.sql} ADD ${name}CHECK (${o.check})`);
      const unique = asStrings(o.unique);
      if (unique) add(`ALTER TABLE ${table.sql} ADD ${name}UNIQUE (${names(unique)})`);
      const pk = asStrings(o.primaryKey);
      if (pk) add(`ALTER TABLE ${table.sql} ADD ${name}PRIMARY KEY (${names(pk)})`);
      const fks = o.foreignKeys === undefined ? [] : Array.isArray(o.foreignKeys) ? o.foreignKeys : [o.foreignKeys];
      for (const fkv of fks) {
        const fk = asObject(fkv);
        const cols = asStrings(fk?.columns);
        const ref = asString(fk?.references);
        if (!fk || !cols || !ref) continue;
        let sql = `ALTER TABLE ${table.sql} ADD ${name}FOREIGN KEY (${names(cols)}) REFERENCES ${ref.includes('(') ? ref : ident(ref)}`;
        const onDelete = asString(fk.onDelete);
        if (onDelete && /^[a-z ]+$/i.test(onDelete)) sql += ` ON DELETE ${onDelete.toUpperCase()}`;
        add(sql);
      }
      break;
    }
    case 'dropConstraint':
      if (table && s1) add(`ALTER TABLE ${table.sql} DROP CONSTRAINT ${ident(s1)}`);
      break;
    default:
      return false;
  }
  return true;
}

// =============================================================================================
// TypeORM QueryRunner schema methods

/** The options object of `new TableIndex({ … })` / `new TableColumn({ … })`. */
function newArgument(node: ts.Expression | undefined, cls: string, c: Collector): ts.Expression | undefined {
  if (!node || !ts.isNewExpression(node) || node.expression.getText(c.sf) !== cls) return undefined;
  return node.arguments?.[0];
}

function typeormCall(call: ts.CallExpression, c: Collector): boolean {
  if (!ts.isPropertyAccessExpression(call.expression)) return false;
  if (!/queryRunner$/.test(call.expression.expression.getText(c.sf))) return false;
  const method = call.expression.name.text;
  const args = call.arguments.map((a) => evaluate(a, c.consts));
  const t = asString(args[0]);
  const add = (sql: string) => c.addGenerated(sql, call);
  const s1 = asString(args[1]);
  const s2 = asString(args[2]);
  switch (method) {
    case 'dropColumn':
      if (t && s1) add(`ALTER TABLE ${qualified(t)} DROP COLUMN ${ident(s1)}`);
      else return false;
      return true;
    case 'renameColumn':
      if (t && s1 && s2) add(`ALTER TABLE ${qualified(t)} RENAME COLUMN ${ident(s1)} TO ${ident(s2)}`);
      else return false;
      return true;
    case 'dropTable':
      if (t) add(`DROP TABLE ${qualified(t)}`);
      else return false;
      return true;
    case 'renameTable':
      if (t && s1) add(`ALTER TABLE ${qualified(t)} RENAME TO ${ident(s1)}`);
      else return false;
      return true;
    case 'dropIndex': {
      const name = s1 ?? asString(asObject(evaluate(newArgument(call.arguments[1], 'TableIndex', c), c.consts))?.name);
      if (!t || !name) return false;
      add(`DROP INDEX ${ident(name)}`);
      return true;
    }
    case 'addColumn': {
      // new TableColumn({ name, type, isNullable, default }): TypeORM columns are NOT NULL unless isNullable.
      const o = asObject(evaluate(newArgument(call.arguments[1], 'TableColumn', c), c.consts));
      const name = asString(o?.name);
      let type = asString(o?.type);
      if (!t || !o || !name || !type) return false;
      if (typeof o.length === 'number' || typeof o.length === 'string') type += `(${o.length})`;
      let def = `${ident(name)} ${type}`;
      if (o.isNullable !== true) def += ' NOT NULL';
      if (typeof o.default === 'string' || typeof o.default === 'number') def += ` DEFAULT ${o.default}`;
      else if (o.default !== undefined) return false;
      if (o.isUnique === true) def += ' UNIQUE';
      add(`ALTER TABLE ${qualified(t)} ADD COLUMN ${def}`);
      return true;
    }
    case 'createIndex': {
      const idx = call.arguments[1];
      if (!t || !idx || !ts.isNewExpression(idx) || idx.expression.getText(c.sf) !== 'TableIndex') return false;
      const o = asObject(evaluate(idx.arguments?.[0], c.consts));
      const cols = asStrings(o?.columnNames);
      if (!o || !cols) return false;
      const name = asString(o.name) ?? indexNameFrom('IDX', bareTable(t), ...cols);
      add(`CREATE ${o.isUnique === true ? 'UNIQUE ' : ''}INDEX ${o.isConcurrent === true ? 'CONCURRENTLY ' : ''}${ident(name)} ON ${qualified(t)} (${names(cols)})${typeof o.where === 'string' ? ` WHERE ${o.where}` : ''}`);
      return true;
    }
    default:
      return false;
  }
}

// =============================================================================================
// Data changes written with query builders: knex('t').update(…), db.updateTable('t')…,
// queryInterface.bulkUpdate(…). They become UPDATE/DELETE statements so the backfill rules
// see them. A WHERE we cannot render, or a statement inside a loop (batching), gives no statement.

function insideLoop(node: ts.Node): boolean {
  for (let n = node.parent; n; n = n.parent) {
    if (ts.isForStatement(n) || ts.isForOfStatement(n) || ts.isForInStatement(n) || ts.isWhileStatement(n) || ts.isDoStatement(n)) return true;
    if (ts.isFunctionLike(n) && !(ts.isArrowFunction(n) || ts.isFunctionExpression(n))) return false;
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && /^(forEach|map|reduce)$/.test(n.expression.name.text)) return true;
  }
  return false;
}

/** A value as SQL: literals as written, anything else a bind parameter. */
function sqlValue(node: ts.Expression | undefined, c: Collector, raw: (n: ts.Expression) => string | undefined): string | undefined {
  if (!node) return undefined;
  const v = evaluate(node, c.consts);
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return literal(v);
  if (Array.isArray(v) || asObject(v)) return undefined;
  return raw(node) ?? '$1';
}

function knexRaw(node: ts.Expression, c: Collector): string | undefined {
  const text = node.getText(c.sf).replace(/\s+/g, '');
  if (/\.fn\.now\(\)$/.test(text)) return 'CURRENT_TIMESTAMP';
  if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'raw' && node.arguments.length === 1) {
    return asString(evaluate(node.arguments[0], c.consts));
  }
  return undefined;
}

function kyselyRaw(node: ts.Expression, c: Collector): string | undefined {
  if (ts.isTaggedTemplateExpression(node) && ts.isNoSubstitutionTemplateLiteral(node.template) && node.tag.getText(c.sf) === 'sql') return node.template.text;
  return undefined;
}

function setList(obj: ts.Expression | undefined, c: Collector, raw: (n: ts.Expression) => string | undefined): string | undefined {
  if (!obj || !ts.isObjectLiteralExpression(obj) || obj.properties.length === 0) return undefined;
  const parts: string[] = [];
  for (const p of obj.properties) {
    if (ts.isPropertyAssignment(p)) {
      const key = p.name.getText(c.sf).replace(/^['"]|['"]$/g, '');
      const v = sqlValue(p.initializer, c, raw);
      if (!v) return undefined;
      parts.push(`${ident(key)} = ${v}`);
    } else if (ts.isShorthandPropertyAssignment(p)) parts.push(`${ident(p.name.text)} = $1`);
    else return undefined;
  }
  return parts.join(', ');
}

function whereObject(obj: ts.Expression, c: Collector, raw: (n: ts.Expression) => string | undefined): string[] | undefined {
  if (!ts.isObjectLiteralExpression(obj)) return undefined;
  const conds: string[] = [];
  for (const p of obj.properties) {
    if (!ts.isPropertyAssignment(p)) return undefined;
    const key = p.name.getText(c.sf).replace(/^['"]|['"]$/g, '');
    const v = evaluate(p.initializer, c.consts);
    if (v === null) conds.push(`${ident(key)} IS NULL`);
    else {
      const s = sqlValue(p.initializer, c, raw);
      if (!s) return undefined;
      conds.push(`${ident(key)} = ${s}`);
    }
  }
  return conds;
}

const KNEX_DATA_ROOTS = /^(knex|trx|tx|db|k|transaction)$/;

export function dataStatement(call: ts.CallExpression, c: Collector): boolean {
  if (!ts.isPropertyAccessExpression(call.expression)) return false;
  const method = call.expression.name.text;
  if (c.framework === 'knex' && /^(update|del|delete)$/.test(method)) return knexData(call, c);
  if (c.framework === 'kysely' && method === 'execute') return kyselyData(call, c);
  if (c.framework === 'sequelize' && /^(bulkUpdate|bulkDelete)$/.test(method)) return sequelizeData(call, c);
  return false;
}

function knexData(call: ts.CallExpression, c: Collector): boolean {
  const { root, calls } = flattenChain(call);
  // knex('orders')….update(…): the root is a call of the knex instance with the table name.
  if (!ts.isCallExpression(root) || !ts.isIdentifier(root.expression) || !KNEX_DATA_ROOTS.test(root.expression.text)) return false;
  const table = asString(evaluate(root.arguments[0], c.consts));
  if (!table || root.arguments.length !== 1) return true;
  if (insideLoop(call)) return true;
  const raw = (n: ts.Expression) => knexRaw(n, c);
  const conds: string[] = [];
  let verb: 'UPDATE' | 'DELETE' | undefined;
  let set: string | undefined;
  for (const step of calls) {
    const a = step.args;
    const col = asString(evaluate(a[0], c.consts));
    switch (step.name) {
      case 'where':
      case 'andWhere': {
        if (a.length === 1) {
          const obj = whereObject(a[0], c, raw);
          if (!obj) return true;
          conds.push(...obj);
        } else if (a.length === 2 && col) {
          const v = evaluate(a[1], c.consts);
          if (v === null) conds.push(`${ident(col)} IS NULL`);
          else {
            const s = sqlValue(a[1], c, raw);
            if (!s) return true;
            conds.push(`${ident(col)} = ${s}`);
          }
        } else if (a.length === 3 && col) {
          const op = asString(evaluate(a[1], c.consts));
          const s = sqlValue(a[2], c, raw);
          if (!op || !/^(=|<>|!=|<|<=|>|>=|like|ilike)$/i.test(op) || !s) return true;
          conds.push(`${ident(col)} ${op} ${s}`);
        } else return true;
        break;
      }
      case 'whereNull':
      case 'whereNotNull':
        if (!col) return true;
        conds.push(`${ident(col)} IS ${step.name === 'whereNull' ? '' : 'NOT '}NULL`);
        break;
      case 'whereIn': {
        const list = evaluate(a[1], c.consts);
        if (!col || !Array.isArray(list) || list.length === 0 || !list.every((x) => typeof x === 'string' || typeof x === 'number')) return true;
        conds.push(`${ident(col)} IN (${(list as (string | number)[]).map((x) => literal(x)).join(', ')})`);
        break;
      }
      case 'whereBetween': {
        const range = evaluate(a[1], c.consts);
        if (!col || !Array.isArray(range) || range.length !== 2) return true;
        conds.push(`${ident(col)} BETWEEN ${literal(range[0] as string | number)} AND ${literal(range[1] as string | number)}`);
        break;
      }
      case 'update':
        verb = 'UPDATE';
        if (a.length === 1) set = setList(a[0], c, raw);
        else if (a.length === 2 && col) {
          const s = sqlValue(a[1], c, raw);
          set = s ? `${ident(col)} = ${s}` : undefined;
        }
        if (!set) return true;
        break;
      case 'del':
      case 'delete':
        verb = 'DELETE';
        break;
      case 'returning':
      case 'transacting':
      case 'timeout':
        break;
      default:
        return true; // joins, subqueries, limits…: not rendered, stay quiet
    }
  }
  if (!verb) return true;
  const where = conds.length ? ` WHERE ${conds.join(' AND ')}` : '';
  c.addGenerated(verb === 'UPDATE' ? `UPDATE ${qualified(table)} SET ${set}${where}` : `DELETE FROM ${qualified(table)}${where}`, call, root.getStart(c.sf));
  return true;
}

function kyselyData(call: ts.CallExpression, c: Collector): boolean {
  const { calls } = flattenChain(call);
  const head = calls[0];
  if (!head || !/^(updateTable|deleteFrom)$/.test(head.name)) return false;
  const table = asString(evaluate(head.args[0], c.consts));
  if (!table || insideLoop(call)) return true;
  const raw = (n: ts.Expression) => kyselyRaw(n, c);
  const conds: string[] = [];
  let set: string | undefined;
  for (const step of calls.slice(1)) {
    const a = step.args;
    if (step.name === 'set') {
      set = setList(a[0], c, raw);
      if (!set) return true;
    } else if (step.name === 'where' && a.length === 3) {
      const col = asString(evaluate(a[0], c.consts));
      const op = asString(evaluate(a[1], c.consts));
      const value = evaluate(a[2], c.consts);
      if (!col || !op) return true;
      if (/^is( not)?$/i.test(op) && value === null) conds.push(`${ident(col)} ${op.toUpperCase()} NULL`);
      else if (/^(=|<>|!=|<|<=|>|>=|like|ilike)$/i.test(op)) {
        const s = sqlValue(a[2], c, raw);
        if (!s) return true;
        conds.push(`${ident(col)} ${op} ${s}`);
      } else return true;
    } else if (step.name === 'where' && a.length === 1) {
      const s = raw(a[0]);
      if (!s) return true;
      conds.push(`(${s})`);
    } else if (step.name !== 'execute' && step.name !== 'returning' && step.name !== 'returningAll') return true;
  }
  const where = conds.length ? ` WHERE ${conds.join(' AND ')}` : '';
  if (head.name === 'updateTable') {
    if (!set) return true;
    c.addGenerated(`UPDATE ${qualified(table)} SET ${set}${where}`, call, head.nameNode.getStart(c.sf));
  } else c.addGenerated(`DELETE FROM ${qualified(table)}${where}`, call, head.nameNode.getStart(c.sf));
  return true;
}

function sequelizeData(call: ts.CallExpression, c: Collector): boolean {
  if (!/(queryInterface|^qi|context)$/i.test((call.expression as ts.PropertyAccessExpression).expression.getText(c.sf))) return false;
  if (insideLoop(call)) return true;
  const method = (call.expression as ts.PropertyAccessExpression).name.text;
  const table = sequelizeTable(evaluate(call.arguments[0], c.consts));
  if (!table) return true;
  const raw = () => undefined;
  const whereArg = call.arguments[method === 'bulkUpdate' ? 2 : 1];
  let where = '';
  if (whereArg && whereArg.kind !== ts.SyntaxKind.NullKeyword) {
    const conds = whereObject(whereArg, c, raw);
    if (!conds) return true;
    if (conds.length) where = ` WHERE ${conds.join(' AND ')}`;
  }
  if (method === 'bulkUpdate') {
    const set = setList(call.arguments[1], c, raw);
    if (!set) return true;
    c.addGenerated(`UPDATE ${table} SET ${set}${where}`, call);
  } else c.addGenerated(`DELETE FROM ${table}${where}`, call);
  return true;
}
