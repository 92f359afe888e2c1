import { ts } from '../code/ts.js';
import { withLineFeedsOnly } from '../code/code-file.js';

/**
 * Finds where application code still reads a column: SQL in strings, query-builder calls
 * (Knex, Kysely), TypeORM entities, Sequelize models and Prisma schema fields. Every hit
 * requires the table too (the query or model names it), so a column name that happens to
 * be common ("status") only counts where it belongs to the dropped column's table.
 */
export interface ColumnRef {
  table: string;
  column: string;
}

export interface Reference {
  path: string;
  line: number;
  how: string;
}

const SQL_WORDS = /\b(select|insert|update|delete|from|join|returning|where|set)\b/i;

function word(name: string): RegExp {
  return new RegExp(`(^|[^\\w$])"?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?(?![\\w$])`, 'i');
}

function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** A table named in a builder string: 'orders', 'orders as o', 'public.orders'. */
function namesTable(value: string, table: string): boolean {
  const first = value.trim().split(/\s+/)[0] ?? '';
  const bare = first.includes('.') ? first.slice(first.lastIndexOf('.') + 1) : first;
  return eq(bare, table);
}

/** A column named in a builder string: 'state', 'orders.state', 'o.state', 'state as s'. */
function namesColumn(value: string, column: string): boolean {
  const first = value.trim().split(/\s+/)[0] ?? '';
  const bare = first.includes('.') ? first.slice(first.lastIndexOf('.') + 1) : first;
  return eq(bare, column);
}

const TABLE_METHODS = /^(from|into|table|selectFrom|updateTable|insertInto|deleteFrom|mergeInto|join|innerJoin|leftJoin|rightJoin|fullOuterJoin|crossJoin|leftOuterJoin|rightOuterJoin|knex|db|trx|tx|pgTable|mysqlTable|sqliteTable)$/;

/**
 * Strings that name a table in a query: the first argument of `knex('orders')`, `db('orders')`,
 * `.from('orders')`, `.selectFrom('orders')`, `.join('orders', …)`, `pgTable('orders', …)`.
 * Other strings ('orders' as a cache key, a route or a label) do not count.
 */
function tableStringsIn(node: ts.Node): string[] {
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if ((ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) && ts.isCallExpression(n.parent) && n.parent.arguments[0] === n) {
      const callee = n.parent.expression;
      if ((ts.isIdentifier(callee) && /^(knex|db|trx|tx|k|qb|sql|pgTable|mysqlTable|sqliteTable)$/.test(callee.text)) || (ts.isPropertyAccessExpression(callee) && TABLE_METHODS.test(callee.name.text))) {
        out.push(n.text);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return out;
}

/** The whole statement or class member an expression belongs to: the extent of "one query". */
function enclosingStatement(node: ts.Node): ts.Node {
  let n: ts.Node = node;
  while (n.parent && !ts.isSourceFile(n.parent) && !ts.isBlock(n.parent) && !ts.isClassDeclaration(n.parent) && !ts.isModuleBlock(n.parent)) n = n.parent;
  return n;
}

function decoratorName(d: ts.Decorator): string | undefined {
  const e = d.expression;
  if (ts.isCallExpression(e)) return e.expression.getText();
  return e.getText();
}

function decoratorArg(d: ts.Decorator): ts.Expression | undefined {
  return ts.isCallExpression(d.expression) ? d.expression.arguments[0] : undefined;
}

function objectProp(obj: ts.Expression | undefined, key: string): ts.Expression | undefined {
  if (!obj || !ts.isObjectLiteralExpression(obj)) return undefined;
  for (const p of obj.properties) if (ts.isPropertyAssignment(p) && p.name.getText().replace(/['"]/g, '') === key) return p.initializer;
  return undefined;
}

function stringOf(e: ts.Expression | undefined): string | undefined {
  return e && (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) ? e.text : undefined;
}

const COLUMN_DECORATORS = /^(Column|PrimaryColumn|PrimaryGeneratedColumn|CreateDateColumn|UpdateDateColumn|DeleteDateColumn|VersionColumn|Index|JoinColumn)$/;

/** A query-builder call in the statement: the table and column strings around it belong to a query. */
const BUILDER_CALL = /\.(where\w*|orWhere\w*|andWhere\w*|select\w*|update\w*|insert\w*|upsert|first|pluck|returning\w*|del|delete\w*|from|into|increment|decrement|set|values|orderBy|groupBy|having|\w*[jJ]oin|column\w*|distinct\w*|onConflict|merge)\s*\(/;

/** A statement, not prose: it starts with a SQL verb (after any comment or parenthesis). */
function looksLikeSql(text: string): boolean {
  const body = text.replace(/^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/|\()*/, '');
  return /^(select|insert|update|delete|with|merge|copy)\b/i.test(body) && SQL_WORDS.test(body);
}

type Literal = ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.TemplateExpression;

function literalText(node: Literal): string {
  return ts.isTemplateExpression(node) ? node.head.text + node.templateSpans.map((s) => ' x ' + s.literal.text).join('') : node.text;
}

function isConcatenation(node: ts.Node | undefined): boolean {
  let n = node;
  while (n && ts.isParenthesizedExpression(n)) n = n.parent;
  return !!n && ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.PlusToken;
}

/** The literal pieces of 'a' + b + `c`, with undefined for the non-literal parts. */
function concatenationPieces(node: ts.Expression): (Literal | undefined)[] {
  let n = node;
  while (ts.isParenthesizedExpression(n)) n = n.expression;
  if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.PlusToken) return [...concatenationPieces(n.left), ...concatenationPieces(n.right)];
  if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateExpression(n)) return [n];
  return [undefined];
}

/** Drizzle schema: pgTable('orders', { state: text('state') }); the column is the string, not the key. */
const DRIZZLE_TABLE = /\b(pgTable|mysqlTable|sqliteTable)\s*\(/;

/** References to any of `refs` in one JS/TS file. */
export function codeReferences(path: string, text: string, refs: ColumnRef[]): Map<ColumnRef, Reference[]> {
  const out = new Map<ColumnRef, Reference[]>();
  const live = refs.filter((r) => word(r.column).test(text) || text.toLowerCase().includes(r.column.replace(/_/g, '').toLowerCase()));
  if (live.length === 0) return out;
  const sf = ts.createSourceFile(path, withLineFeedsOnly(text), ts.ScriptTarget.Latest, true, /\.(js|cjs|mjs|jsx)$/.test(path) ? ts.ScriptKind.JS : /\.tsx$/.test(path) ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const lineOf = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const add = (ref: ColumnRef, node: ts.Node, how: string) => {
    const list = out.get(ref) ?? [];
    const line = lineOf(node);
    if (!list.some((r) => r.line === line)) list.push({ path, line, how });
    out.set(ref, list);
  };

  // UI code (JSX) uses words like `state` for other things; only SQL strings count there.
  const builders = !/\.(tsx|jsx)$/.test(path);
  const isQuery = (stmt: ts.Node) => BUILDER_CALL.test(stmt.getText(sf)) || DRIZZLE_TABLE.test(stmt.getText(sf));
  const visit = (node: ts.Node): void => {
    // SQL written in a string (or a concatenation of strings) that names both the table and the column.
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken && !isConcatenation(node.parent)) {
      const pieces = concatenationPieces(node);
      const sql = pieces.map((p) => (p ? literalText(p) : ' x ')).join('');
      if (looksLikeSql(sql)) {
        for (const ref of live) {
          if (!word(ref.table).test(sql) || !word(ref.column).test(sql)) continue;
          const at = pieces.find((p) => p && word(ref.column).test(literalText(p)));
          add(ref, at ?? node, 'a SQL query');
        }
      }
    }
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) && !isConcatenation(node.parent)) {
      const sql = literalText(node);
      if (looksLikeSql(sql)) {
        for (const ref of live) if (word(ref.column).test(sql) && word(ref.table).test(sql)) add(ref, node, 'a SQL query');
      }
    }
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) {
      if (!ts.isTemplateExpression(node) && builders) {
        // A query-builder argument ('state', 'orders.state', ['id', 'state']) in a statement that names the table.
        for (const ref of live) {
          if (namesColumn(node.text, ref.column) && !/\s/.test(node.text.trim().replace(/\s+as\s+\S+$/i, ''))) {
            const stmt = enclosingStatement(node);
            if (ts.isClassDeclaration(stmt) || ts.isPropertyDeclaration(stmt)) continue;
            if (tableStringsIn(stmt).some((s) => namesTable(s, ref.table)) && isQuery(stmt)) add(ref, node, 'a query-builder call');
          }
        }
      }
    }
    // { state: … } in a where/insert/update object of a builder statement naming the table.
    if (builders && (ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node))) {
      const key = node.name.getText(sf).replace(/['"]/g, '');
      for (const ref of live) {
        if (!eq(key, ref.column)) continue;
        const stmt = enclosingStatement(node);
        if (!ts.isExpressionStatement(stmt) && !ts.isReturnStatement(stmt) && !ts.isVariableStatement(stmt)) continue;
        if (/\b(define|init)\s*\(/.test(stmt.getText(sf))) continue; // a Sequelize model: handled below
        if (DRIZZLE_TABLE.test(stmt.getText(sf))) continue; // Drizzle keys are TS names; the column is the string
        if (tableStringsIn(stmt).some((s) => namesTable(s, ref.table)) && isQuery(stmt)) add(ref, node, 'a query-builder call');
      }
    }
    // TypeORM entity: @Entity('orders') class … { @Column({ name: 'state' }) … }
    if (ts.isClassDeclaration(node)) {
      const decorators = ts.getDecorators(node) ?? [];
      const entity = decorators.find((d) => decoratorName(d) === 'Entity' || decoratorName(d) === 'Table');
      if (entity) {
        const arg = decoratorArg(entity);
        const table = stringOf(arg) ?? stringOf(objectProp(arg, 'name')) ?? stringOf(objectProp(arg, 'tableName')) ?? (node.name ? snake(node.name.text) : undefined);
        for (const member of node.members) {
          if (!ts.isPropertyDeclaration(member) || !member.name) continue;
          const colDecorator = (ts.getDecorators(member) ?? []).find((d) => COLUMN_DECORATORS.test(decoratorName(d) ?? ''));
          if (!colDecorator) continue;
          const opts = decoratorArg(colDecorator);
          const optsObj = opts && ts.isObjectLiteralExpression(opts) ? opts : (ts.isCallExpression(colDecorator.expression) ? colDecorator.expression.arguments[1] : undefined);
          const column = stringOf(objectProp(optsObj, 'name')) ?? stringOf(objectProp(optsObj, 'field')) ?? member.name.getText(sf);
          for (const ref of live) {
            if (table && eq(table, ref.table) && (eq(column, ref.column) || eq(snake(column), ref.column))) add(ref, member.name, `the entity field \`${member.name.getText(sf)}\``);
          }
        }
      }
    }
    // Sequelize model: sequelize.define('Invoice', { … }, { tableName: 'invoices' }) / Model.init({ … }, { tableName })
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && /^(define|init)$/.test(node.expression.name.text)) {
      const isDefine = node.expression.name.text === 'define';
      const attrs = node.arguments[isDefine ? 1 : 0];
      const opts = node.arguments[isDefine ? 2 : 1];
      // Without tableName, Sequelize pluralises the model name (or keeps it with freezeTableName).
      const modelName = isDefine ? stringOf(node.arguments[0]) : undefined;
      const frozen = objectProp(opts, 'freezeTableName')?.kind === ts.SyntaxKind.TrueKeyword;
      const table = stringOf(objectProp(opts, 'tableName')) ?? (modelName ? (frozen ? modelName : `${modelName}s`) : undefined);
      const underscored = objectProp(opts, 'underscored')?.kind === ts.SyntaxKind.TrueKeyword;
      if (table && attrs && ts.isObjectLiteralExpression(attrs)) {
        for (const p of attrs.properties) {
          if (!ts.isPropertyAssignment(p)) continue;
          const key = p.name.getText(sf).replace(/['"]/g, '');
          const column = stringOf(objectProp(p.initializer, 'field')) ?? (underscored ? snake(key) : key);
          for (const ref of live) if (eq(table, ref.table) && eq(column, ref.column)) add(ref, p, `the model attribute \`${key}\``);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Fields of Prisma models that map to a dropped column (field name, or @map). */
export function prismaReferences(path: string, text: string, refs: ColumnRef[]): Map<ColumnRef, Reference[]> {
  const out = new Map<ColumnRef, Reference[]>();
  const lines = text.split(/\r?\n/);
  let model: { name: string; table: string; fields: { name: string; column: string; line: number }[] } | undefined;
  const flush = () => {
    if (!model) return;
    for (const f of model.fields) {
      for (const ref of refs) {
        if (eq(model.table, ref.table) && eq(f.column, ref.column)) out.set(ref, [...(out.get(ref) ?? []), { path, line: f.line, how: `the Prisma field \`${model.name}.${f.name}\`` }]);
      }
    }
    model = undefined;
  };
  lines.forEach((raw, i) => {
    const line = raw.replace(/\/\/.*$/, '').trim();
    const start = /^model\s+(\w+)\s*\{/.exec(line);
    if (start) {
      flush();
      model = { name: start[1], table: start[1], fields: [] };
      return;
    }
    if (!model) return;
    if (line.startsWith('}')) {
      flush();
      return;
    }
    const map = /^@@map\(\s*(?:name:\s*)?"([^"]+)"\s*\)/.exec(line);
    if (map) {
      model.table = map[1];
      return;
    }
    const field = /^(\w+)\s+(\w+)(\[\])?(\?)?(.*)$/.exec(line);
    if (!field || line.startsWith('@@')) return;
    const attrs = field[5];
    if (/@relation\b/.test(attrs) || field[3]) return; // relation and list fields are not columns
    const mapped = /@map\(\s*(?:name:\s*)?"([^"]+)"\s*\)/.exec(attrs);
    model.fields.push({ name: field[1], column: mapped ? mapped[1] : field[1], line: i + 1 });
  });
  flush();
  return out;
}

/** Queries in .sql files that are not migrations (sqlc, pgtyped, hand-kept query files). */
export function sqlFileReferences(path: string, text: string, refs: ColumnRef[]): Map<ColumnRef, Reference[]> {
  const out = new Map<ColumnRef, Reference[]>();
  let offset = 0;
  for (const chunk of text.split(';')) {
    const body = chunk.replace(/--[^\n]*/g, (m) => ' '.repeat(m.length));
    if (SQL_WORDS.test(body)) {
      for (const ref of refs) {
        const col = word(ref.column).exec(body);
        if (!col || !word(ref.table).test(body)) continue;
        const at = offset + col.index + col[1].length;
        const line = text.slice(0, at).split('\n').length;
        out.set(ref, [...(out.get(ref) ?? []), { path, line, how: 'a SQL query' }]);
      }
    }
    offset += chunk.length + 1;
  }
  return out;
}
