import { ts } from '../code/ts.js';
import type { Config } from '../../config/schema.js';
import type { Fix } from '../../model.js';
import type { Migration, MigrationFramework, SqlStatement } from './migration.js';
import { parseSql } from './parse.js';
import { withLineFeedsOnly } from '../code/code-file.js';
import type { SqlParseError } from './parse.js';
import { Constants, evaluate } from './js-values.js';
import { builderStatements, dataStatement } from './js-builders.js';

/**
 * Reads a JS/TS migration (TypeORM, Knex, Sequelize, Kysely, node-pg-migrate) and turns
 * what its `up` step sends to Postgres into SQL statements with the lines they were
 * written on, so the same migration rules apply as to raw SQL.
 *
 * - SQL in strings (`queryRunner.query`, `knex.raw`, `sequelize.query`, `pgm.sql`, Kysely's
 *   `sql` tag) is parsed as written; each statement keeps the TS line it starts on.
 * - Builder calls (`table.dropColumn('x')`, `queryInterface.addIndex(…)`, `pgm.createIndex(…)`)
 *   become the Postgres SQL the framework generates for them. Those statements carry the call
 *   as `origin`, and their lines are the call's lines.
 * - Transactions opened in the code (`sequelize.transaction(…)`, TypeORM's
 *   `commitTransaction()`/`startTransaction()`) become BEGIN/COMMIT statements, so the
 *   transaction state the rules see is the one Postgres sees.
 */
export function extractJsMigration(path: string, text: string, config: Config): Migration | undefined {
  try {
    return extract(path, text, config);
  } catch (err) {
    // Never let one unusual file take the review down; it is simply not analysed.
    if (process.env.BACKEND_REVIEW_DEBUG) throw err;
    return undefined;
  }
}

function extract(path: string, text: string, config: Config): Migration | undefined {
  // Lines as git counts them (a lone \r or U+2028 would shift TypeScript's line numbers).
  const sf = ts.createSourceFile(path, withLineFeedsOnly(text), ts.ScriptTarget.Latest, true, /\.(js|cjs|mjs)$/.test(path) ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const framework = detectFramework(sf, text);
  if (!framework) return undefined;
  const up = findStep(sf, 'up');
  if (!up) return undefined;
  const down = findStep(sf, 'down');
  const collector = new Collector(sf, framework);
  let runner = runnerTransaction(framework, sf, text, config);
  if (framework === 'typeorm' && runner && /\.commitTransaction\s*\(/.test(up.getText(sf))) {
    // The migration commits the runner's transaction itself (to run CONCURRENTLY outside
    // it): model the runner's transaction as an explicit one the code can end.
    runner = false;
    collector.addMarker('BEGIN', up.getStart(sf), 'transaction opened by the TypeORM runner');
  }
  walkUp(up, collector, framework);
  const statements = collector.statements();
  return {
    path,
    framework,
    runnerTransaction: runner,
    statements,
    errors: collector.errors(),
    lines: text.split(/\r?\n/),
    down: down
      ? { present: true, empty: isEmptyBody(down), line: sf.getLineAndCharacterOfPosition(down.getStart(sf)).line + 1 }
      : { present: false, empty: true },
  };
}

const JS_FRAMEWORKS: ReadonlySet<MigrationFramework> = new Set(['knex', 'typeorm', 'sequelize', 'kysely', 'node-pg-migrate', 'mikro-orm']);

export function isJsFramework(framework: MigrationFramework): boolean {
  return JS_FRAMEWORKS.has(framework);
}

/** Module specifiers imported or required by the file. */
function importsOf(sf: ts.SourceFile): Set<string> {
  const out = new Set<string>();
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) out.add(st.moduleSpecifier.text);
  }
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require' && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      out.add(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.add(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

export function detectFramework(sf: ts.SourceFile, text: string): MigrationFramework | undefined {
  const imports = importsOf(sf);
  const has = (m: string) => [...imports].some((i) => i === m || i.startsWith(m + '/'));
  if (has('typeorm')) return 'typeorm';
  // @mikro-orm/migrations-mongodb is MongoDB: no SQL to review.
  if (has('@mikro-orm/migrations')) return 'mikro-orm';
  if (has('node-pg-migrate')) return 'node-pg-migrate';
  if (has('kysely')) return 'kysely';
  if (has('sequelize') || has('sequelize-typescript') || has('@sequelize/core')) return 'sequelize';
  if (has('knex')) return 'knex';
  // JS files without imports: recognise the conventional first parameter and calls.
  if (/\bMigrationInterface\b|\bqueryRunner\s*\.\s*query\s*\(/.test(text)) return 'typeorm';
  if (/\bpgm\s*\.\s*\w+\s*\(/.test(text)) return 'node-pg-migrate';
  if (/\bqueryInterface\s*\.|\bSequelize\s*\.\s*[A-Z]+\b/.test(text)) return 'sequelize';
  if (/\bKysely\s*</.test(text)) return 'kysely';
  if (/\bknex\s*\.\s*(schema|raw)\b|\bKnex\b/.test(text)) return 'knex';
  if (/\.\s*schema\s*\.\s*(createTable|alterTable|table|dropTable|dropTableIfExists|renameTable|raw)\s*\(/.test(text) && /\bexports\.up\b|\bexport\s+(async\s+)?function\s+up\b/.test(text)) return 'knex';
  return undefined;
}

/** Whether the framework runs `up` inside a transaction for this file. */
function runnerTransaction(framework: MigrationFramework, sf: ts.SourceFile, text: string, config: Config): boolean {
  switch (framework) {
    case 'knex':
      // Knex wraps each migration unless the file exports `config = { transaction: false }`.
      return !knexOptsOut(sf);
    case 'typeorm':
      // TypeORM's default migrationsTransactionMode is "all"; a `transaction = false` property opts a migration out.
      return !typeormOptsOut(sf);
    case 'node-pg-migrate':
      return !/\bpgm\s*\.\s*noTransaction\s*\(/.test(text);
    case 'kysely':
      // Kysely's Migrator (0.28) runs every pending migration of a migrate call in ONE transaction on
      // dialects with transactional DDL (Postgres); the only opt-out is the Migrator's
      // `disableTransactions: true` (kysely-ctl: `--no-transaction` or `migrations.disableTransactions`),
      // which a migration file cannot show. A file that runs CONCURRENTLY could not work at all inside
      // that transaction, so it tells us the project runs its migrations with transactions disabled.
      return !/\bconcurrently\b/i.test(text);
    case 'mikro-orm':
      // MikroORM's MigrationRunner wraps each migration in a transaction (nested in one master
      // transaction around the whole run when `allOrNothing`, the default) unless the class's
      // `isTransactional()` returns false or the config sets `migrations.transactional: false`.
      // A non-transactional migration runs on another connection, outside any transaction (with
      // `allOrNothing` still on, the open master transaction makes CONCURRENTLY wait for it: the
      // advice says to turn it off, which the file cannot show).
      return !mikroOrmOptsOut(sf);
    case 'sequelize':
      // The Sequelize CLI (umzug) does not wrap migrations; only explicit sequelize.transaction() does.
      return config.migrations.assume_in_transaction;
    default:
      return config.migrations.assume_in_transaction;
  }
}

function isFalse(node: ts.Node | undefined): boolean {
  while (node && (ts.isAsExpression(node) || ts.isParenthesizedExpression(node) || ts.isSatisfiesExpression(node))) node = node.expression;
  return node?.kind === ts.SyntaxKind.FalseKeyword;
}

function configObjectOptsOut(obj: ts.Expression | undefined): boolean {
  if (!obj || !ts.isObjectLiteralExpression(obj)) return false;
  return obj.properties.some((p) => ts.isPropertyAssignment(p) && p.name.getText() === 'transaction' && isFalse(p.initializer));
}

function knexOptsOut(sf: ts.SourceFile): boolean {
  let out = false;
  const visit = (node: ts.Node): void => {
    // exports.config = { transaction: false } / module.exports.config = …
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(node.left) && node.left.name.text === 'config') {
      if (configObjectOptsOut(node.right)) out = true;
    }
    // export const config = { transaction: false }
    if (ts.isVariableDeclaration(node) && node.name.getText() === 'config' && configObjectOptsOut(node.initializer)) out = true;
    // module.exports = { up, down, config: { transaction: false } }
    if (ts.isPropertyAssignment(node) && node.name.getText() === 'config' && configObjectOptsOut(node.initializer)) out = true;
    if (!out) ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

function typeormOptsOut(sf: ts.SourceFile): boolean {
  let out = false;
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyDeclaration(node) && node.name.getText() === 'transaction' && isFalse(node.initializer)) out = true;
    if (!out) ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** `isTransactional(): boolean { return false; }` (or an arrow/property returning false) in the migration class. */
function mikroOrmOptsOut(sf: ts.SourceFile): boolean {
  let out = false;
  const returnsFalse = (body: ts.Node | undefined): boolean => {
    if (!body) return false;
    if (!ts.isBlock(body)) return isFalse(body as ts.Expression);
    const last = body.statements[body.statements.length - 1];
    return body.statements.length === 1 && !!last && ts.isReturnStatement(last) && isFalse(last.expression);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isMethodDeclaration(node) && node.name.getText(sf) === 'isTransactional' && returnsFalse(node.body)) out = true;
    if (ts.isPropertyDeclaration(node) && node.name.getText(sf) === 'isTransactional' && node.initializer && (ts.isArrowFunction(node.initializer) || ts.isFunctionExpression(node.initializer)) && returnsFalse(node.initializer.body)) out = true;
    if (!out) ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

export type Step = ts.FunctionLikeDeclaration | ts.ArrowFunction | ts.FunctionExpression;

/**
 * Finds `export async function up`, `exports.up = …`, a class method `up`, `up: async () => …`
 * or `export const up = …`. When several match (a helper object with an `up` key), the most
 * migration-like form wins: top-level declarations and exports before nested properties.
 */
export function findStep(sf: ts.SourceFile, name: 'up' | 'down'): Step | undefined {
  let best: { step: Step; rank: number } | undefined;
  const offer = (step: Step, rank: number) => {
    if (!best || rank < best.rank) best = { step, rank };
  };
  const topLevel = (node: ts.Node) => {
    let n: ts.Node | undefined = node.parent;
    while (n && !ts.isSourceFile(n)) {
      if (ts.isFunctionLike(n) && !ts.isMethodDeclaration(n)) return false;
      n = n.parent;
    }
    return true;
  };
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionDeclaration(node) && node.name?.text === name && node.body) offer(node, topLevel(node) ? 0 : 5);
    else if (ts.isMethodDeclaration(node) && node.name.getText(sf) === name && node.body) offer(node, ts.isClassLike(node.parent) ? 1 : topLevel(node) ? 2 : 5);
    else if (ts.isPropertyAssignment(node) && node.name.getText(sf) === name && isFunction(node.initializer)) offer(node.initializer as Step, topLevel(node) ? 2 : 5);
    else if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isPropertyAccessExpression(node.left) &&
      node.left.name.text === name &&
      isFunction(node.right)
    ) {
      offer(node.right as Step, topLevel(node) ? 0 : 5);
    } else if (ts.isVariableDeclaration(node) && node.name.getText(sf) === name && node.initializer && isFunction(node.initializer)) {
      offer(node.initializer as Step, topLevel(node) ? 0 : 5);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return best?.step;
}

function isFunction(node: ts.Node): boolean {
  return ts.isArrowFunction(node) || ts.isFunctionExpression(node);
}

/** A `down` that does nothing: `{}` or only comments, or an arrow returning nothing useful. */
function isEmptyBody(step: Step): boolean {
  const body = step.body;
  if (!body) return true;
  // `{}`, `{ return; }`, `{ return Promise.resolve(); }`, `() => undefined` all do nothing.
  const nothing = (e: ts.Node | undefined) => !e || /^(undefined|null|Promise\.resolve\(\))$/.test(e.getText().replace(/\s+/g, ''));
  if (!ts.isBlock(body)) return nothing(body);
  if (!body.statements.every((s) => ts.isEmptyStatement(s) || (ts.isReturnStatement(s) && nothing(s.expression)))) return false;
  // A comment in an otherwise empty down ("nothing to undo: …") is a decision, not an omission.
  return !/\/\/|\/\*/.test(body.getText());
}

// ---------------------------------------------------------------------------------------------
// Collecting statements

/** Generated SQL built from parts, each part remembering the TS node it came from. */
export class GeneratedSql {
  sql = '';
  readonly spans: { offset: number; node: ts.Node }[] = [];
  add(text: string, node?: ts.Node): this {
    if (node) this.spans.push({ offset: this.sql.length, node });
    this.sql += text;
    return this;
  }
}

interface Item {
  pos: number;
  seq: number;
  stmt?: SqlStatement;
  error?: SqlParseError;
}

export class Collector {
  readonly consts: Constants;
  private readonly items: Item[] = [];
  private seq = 0;
  constructor(
    readonly sf: ts.SourceFile,
    readonly framework: MigrationFramework,
  ) {
    this.consts = new Constants(sf);
  }

  line(pos: number): number {
    return this.sf.getLineAndCharacterOfPosition(pos).line + 1;
  }

  /**
   * Adds SQL generated for a builder call. The statement spans the call's lines and keeps
   * the call as its origin; SQL that does not parse is dropped silently (it is ours, not the user's).
   */
  addGenerated(sql: string | GeneratedSql, node: ts.Node, pos = node.getStart(this.sf), origin?: string, endNode: ts.Node = node): void {
    const text = typeof sql === 'string' ? sql : sql.sql;
    const parsed = parseSql(text);
    if (parsed.errors.length > 0) return;
    const startLine = this.line(pos);
    const endLine = Math.max(startLine, this.line(endNode.getEnd()));
    // A location in generated SQL maps to the line of the part it falls in (a column of
    // createTable), else to the call's first line.
    const spans = typeof sql === 'string' ? [] : sql.spans.map((sp) => ({ byte: Buffer.byteLength(text.slice(0, sp.offset)), line: this.line(sp.node.getStart(this.sf)) }));
    const lineAt = (location: number): number => {
      let line = startLine;
      for (const sp of spans) if (typeof location === 'number' && sp.byte <= location) line = sp.line;
      return Math.min(endLine, Math.max(startLine, line));
    };
    for (const s of parsed.statements) {
      this.items.push({
        pos,
        seq: this.seq++,
        stmt: { ...s, startLine, endLine, lineAt, index: 0, origin: origin ?? node.getText(this.sf) },
      });
    }
  }

  /** A transaction boundary the code opens or closes (BEGIN/COMMIT), on the one line where it happens. */
  addMarker(sql: 'BEGIN' | 'COMMIT' | 'ROLLBACK', pos: number, origin: string): void {
    const parsed = parseSql(sql);
    const line = this.line(pos);
    for (const s of parsed.statements) this.items.push({ pos, seq: this.seq++, stmt: { ...s, startLine: line, endLine: line, lineAt: () => line, index: 0, origin } });
  }

  /** Adds the SQL written in a string, template literal, concatenation or Kysely `sql` tag. */
  addRaw(expr: ts.Expression, call: ts.Node, opts: { kysely?: boolean; bindings?: boolean } = {}): void {
    const mapped = mapSql(expr, this.sf, this.consts, opts.kysely ?? false);
    if (!mapped) return;
    let { sql, positions } = mapped;
    if (opts.bindings) {
      // knex.raw('… ?? … ?', [bindings]) and sequelize.query('… :name …', { replacements }).
      ({ sql, positions } = replaceMapped(sql, positions, /\?\?|\?(?![|&])|(?<![:\w]):[A-Za-z_]\w*/g, (m) => (m === '??' ? '__binding__' : '$1')));
    }
    const parsed = parseSql(sql);
    // AST locations are UTF-8 byte offsets into `sql`; map them to characters, then to TS lines.
    const byteToIndex = byteIndex(sql);
    const lineAtLocation = (location: number, offset: number, startLine: number, endLine: number): number => {
      const i = typeof location === 'number' && location >= 0 ? byteToIndex(offset + location) : -1;
      const pos = i >= 0 ? positions[i] : undefined;
      if (pos === undefined) return startLine;
      return Math.min(endLine, Math.max(startLine, this.line(pos)));
    };
    const callStart = this.line(call.getStart(this.sf));
    const callEnd = this.line(call.getEnd());
    let cursor = 0;
    const locate = (text: string): [number, number, number] => {
      const off = text ? sql.indexOf(text, cursor) : -1;
      if (off < 0 || positions[off] === undefined) return [call.getStart(this.sf), callStart, callEnd];
      cursor = off + text.length;
      const start = positions[off];
      const end = positions[off + text.length - 1] ?? start;
      return [start, this.line(start), this.line(end)];
    };
    // Statements and errors come back in order of their position in the SQL.
    const all = [
      ...parsed.statements.map((s) => ({ s, e: undefined as SqlParseError | undefined, line: s.startLine })),
      ...parsed.errors.map((e) => ({ s: undefined, e, line: e.startLine })),
    ].sort((a, b) => a.line - b.line);
    for (const { s, e } of all) {
      if (s) {
        const [pos, startLine, endLine] = locate(s.text);
        this.items.push({ pos, seq: this.seq++, stmt: { ...s, startLine, endLine, lineAt: (location) => lineAtLocation(location, s.offset, startLine, endLine), index: 0 } });
      } else if (e) {
        // Interpolated values and bindings are unknown to us; a parse error there is our blind spot, not the user's bug.
        if (mapped.opaque || opts.bindings) continue;
        const [pos, startLine, endLine] = locate(e.text);
        const errorLine = e.errorLine !== undefined ? startLine + (e.errorLine - e.startLine) : undefined;
        this.items.push({ pos, seq: this.seq++, error: { ...e, startLine, endLine, errorLine: errorLine !== undefined && errorLine <= endLine ? errorLine : undefined } });
      }
    }
  }

  statements(): SqlStatement[] {
    const out = this.sorted()
      .filter((i) => i.stmt)
      .map((i) => i.stmt!);
    out.forEach((s, i) => (s.index = i));
    return out;
  }

  errors(): SqlParseError[] {
    return this.sorted()
      .filter((i) => i.error)
      .map((i) => i.error!);
  }

  private sorted(): Item[] {
    return [...this.items].sort((a, b) => a.pos - b.pos || a.seq - b.seq);
  }
}

// ---------------------------------------------------------------------------------------------
// SQL in strings, with every character mapped back to its position in the TS file

interface MappedSql {
  sql: string;
  /** Source position of each UTF-16 unit of `sql`. */
  positions: number[];
  /** The SQL contains interpolations we could not resolve. */
  opaque: boolean;
}

/** UTF-8 byte offset → UTF-16 index of `text`. */
function byteIndex(text: string): (byte: number) => number {
  if (!/[^\x00-\x7f]/.test(text)) return (byte) => (byte < text.length ? byte : -1);
  const starts: number[] = [];
  let byte = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i)!;
    const len = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    for (let k = 0; k < len; k++) starts.push(i);
    byte += len;
    if (code >= 0x10000) i++;
  }
  return (b) => (b < starts.length ? starts[b] : -1);
}

function replaceMapped(sql: string, positions: number[], re: RegExp, fn: (m: string) => string): { sql: string; positions: number[] } {
  let out = '';
  const pos: number[] = [];
  let last = 0;
  for (const m of sql.matchAll(re)) {
    const i = m.index!;
    out += sql.slice(last, i);
    pos.push(...positions.slice(last, i));
    const r = fn(m[0]);
    out += r;
    for (let k = 0; k < r.length; k++) pos.push(positions[i]);
    last = i + m[0].length;
  }
  out += sql.slice(last);
  pos.push(...positions.slice(last));
  return { sql: out, positions: pos };
}

/** Decodes the raw text of a string or template literal, recording each character's source position. */
function cook(raw: string, start: number, out: { sql: string[]; positions: number[] }): void {
  const push = (s: string, p: number) => {
    for (const ch of s) {
      out.sql.push(ch);
      for (let k = 0; k < ch.length; k++) out.positions.push(p);
    }
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    const p = start + i;
    if (c === '\r') {
      if (raw[i + 1] !== '\n') push('\n', p);
      continue;
    }
    if (c !== '\\') {
      push(c, p);
      continue;
    }
    const n = raw[i + 1];
    i++;
    switch (n) {
      case 'n':
        push('\n', p);
        break;
      case 't':
        push('\t', p);
        break;
      case 'r':
        push('\r', p);
        break;
      case 'b':
      case 'f':
      case 'v':
        push(' ', p);
        break;
      case '0':
        push(' ', p);
        break;
      case '\r':
        if (raw[i + 1] === '\n') i++;
        break; // line continuation
      case '\n':
      case '\u2028':
      case '\u2029':
        break;
      case 'x': {
        const hex = raw.slice(i + 1, i + 3);
        push(String.fromCharCode(parseInt(hex, 16) || 32), p);
        i += 2;
        break;
      }
      case 'u': {
        if (raw[i + 1] === '{') {
          const close = raw.indexOf('}', i);
          push(String.fromCodePoint(parseInt(raw.slice(i + 2, close), 16) || 32), p);
          i = close;
        } else {
          push(String.fromCharCode(parseInt(raw.slice(i + 1, i + 5), 16) || 32), p);
          i += 4;
        }
        break;
      }
      default:
        if (n !== undefined) push(n, p);
    }
  }
}

function mapSql(expr: ts.Expression, sf: ts.SourceFile, consts: Constants, kysely: boolean): MappedSql | undefined {
  const out = { sql: [] as string[], positions: [] as number[] };
  let opaque = false;
  let anyLiteral = false;
  const placeholders = new Map<string, string>();
  const placeholder = (node: ts.Expression) => {
    // Kysely sends `${value}` as a bind parameter; sql.raw/ref/table/id/lit are spliced in.
    if (kysely && ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.expression.getText(sf) === 'sql') {
      const fn = node.expression.name.text;
      const v = evaluate(node.arguments[0], consts);
      if (typeof v === 'string') {
        if (fn === 'raw') return { text: v, known: true };
        if (fn === 'lit') return { text: `'${v.replace(/'/g, "''")}'`, known: true };
        if (fn === 'ref' || fn === 'table' || fn === 'id') return { text: v.split('.').map((x) => `"${x.replace(/"/g, '""')}"`).join('.'), known: true };
      }
    }
    if (kysely) return { text: '$1', known: false };
    const v = evaluate(node, consts);
    if (typeof v === 'string' || typeof v === 'number') return { text: String(v), known: true };
    const key = node.getText(sf);
    let name = placeholders.get(key);
    if (!name) {
      name = `__expr${placeholders.size + 1}__`;
      placeholders.set(key, name);
    }
    return { text: name, known: false };
  };
  const addText = (text: string, pos: number) => {
    for (const ch of text) {
      out.sql.push(ch);
      for (let k = 0; k < ch.length; k++) out.positions.push(pos);
    }
  };
  const visit = (node: ts.Expression, depth: number): boolean => {
    if (depth > 50) return false;
    if (ts.isParenthesizedExpression(node)) return visit(node.expression, depth + 1);
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      const start = node.getStart(sf) + 1;
      cook(sf.text.slice(start, node.getEnd() - 1), start, out);
      anyLiteral = true;
      return true;
    }
    if (ts.isTemplateExpression(node)) {
      anyLiteral = true;
      const headStart = node.head.getStart(sf) + 1;
      cook(sf.text.slice(headStart, node.head.getEnd() - 2), headStart, out);
      for (const span of node.templateSpans) {
        const p = placeholder(span.expression);
        if (!p.known) opaque = true;
        addText(p.text, span.expression.getStart(sf));
        const lit = span.literal;
        const litStart = lit.getStart(sf) + 1;
        const litEnd = ts.isTemplateTail(lit) ? lit.getEnd() - 1 : lit.getEnd() - 2;
        cook(sf.text.slice(litStart, litEnd), litStart, out);
      }
      return true;
    }
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
      return visit(node.left, depth + 1) && visit(node.right, depth + 1);
    }
    // `const sql = \`…\`; await queryRunner.query(sql)`: read the SQL where it is written.
    if (ts.isIdentifier(node)) {
      const init = consts.get(node.text, node);
      if (init && isSqlText(init)) return visit(init, depth + 1);
    }
    // A constant or any other expression: its value lands at the line it is used on.
    const p = placeholder(node);
    if (!p.known) opaque = true;
    else anyLiteral = true;
    addText(p.text, node.getStart(sf));
    return true;
  };
  if (!visit(expr, 0) || !anyLiteral) return undefined;
  return { sql: out.sql.join(''), positions: out.positions, opaque };
}

// ---------------------------------------------------------------------------------------------
// Walking `up`

const RAW_QUERY_RECEIVER = /(^|\.)(queryRunner|sequelize|queryInterface|manager|connection|dataSource|qr|db|trx|tx|knex|client)$/i;

function walkUp(up: Step, c: Collector, framework: MigrationFramework): void {
  const sf = c.sf;
  const visit = (node: ts.Node): void => {
    if (ts.isTaggedTemplateExpression(node) && ts.isIdentifier(node.tag) && node.tag.text === 'sql') {
      // Only sql`…`.execute(db) is a statement; elsewhere the tag builds a fragment of a query.
      if (executed(node)) c.addRaw(node.template, node, { kysely: true });
      return;
    }
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const method = node.expression.name.text;
      const receiver = node.expression.expression;
      const receiverText = receiver.getText(sf);
      const arg = node.arguments[0];
      // Transactions opened in code: knex.transaction(cb), sequelize.transaction(cb), and
      // Kysely's db.transaction().execute(cb).
      const kyselyTransaction =
        framework === 'kysely' &&
        method === 'execute' &&
        ts.isCallExpression(receiver) &&
        ts.isPropertyAccessExpression(receiver.expression) &&
        receiver.expression.name.text === 'transaction' &&
        receiver.arguments.length === 0;
      if ((method === 'transaction' || kyselyTransaction) && node.arguments.some((a) => isFunction(a))) {
        c.addMarker('BEGIN', node.getStart(sf), node.getText(sf).split('\n')[0]);
        ts.forEachChild(node, visit);
        c.addMarker('COMMIT', node.getEnd() - 1, 'end of the transaction callback');
        return;
      }
      if (framework === 'typeorm' && arg === undefined && /queryRunner$/.test(receiverText)) {
        const marker = { startTransaction: 'BEGIN', commitTransaction: 'COMMIT', rollbackTransaction: 'ROLLBACK' }[method] as 'BEGIN' | 'COMMIT' | 'ROLLBACK' | undefined;
        if (marker) c.addMarker(marker, node.getStart(sf), node.getText(sf));
      }
      if (arg && isSqlArgument(arg)) {
        if (method === 'query' && RAW_QUERY_RECEIVER.test(receiverText)) {
          c.addRaw(arg, node, { bindings: node.arguments.length > 1 && framework === 'sequelize' });
          return;
        }
        if (method === 'raw' && framework !== 'kysely') {
          // knex.raw('total + 1') inside an update() or defaultTo() is a fragment, not a statement.
          if (!isFragment(node)) c.addRaw(arg, node, { bindings: node.arguments.length > 1 });
          return;
        }
        if (method === 'sql' && /(^|\.)pgm$/.test(receiverText)) {
          c.addRaw(arg, node);
          return;
        }
        // MikroORM: this.addSql('…') queues a statement for the runner; this.execute('…') runs it at once.
        if (framework === 'mikro-orm' && (method === 'addSql' || method === 'execute') && receiver.kind === ts.SyntaxKind.ThisKeyword) {
          c.addRaw(arg, node);
          return;
        }
        if (framework === 'kysely' && method === 'raw' && receiverText === 'sql') {
          if (executed(node)) c.addRaw(arg, node);
          return;
        }
      }
      try {
        if (builderStatements(node, c) || dataStatement(node, c)) return;
      } catch (err) {
        // A builder call shaped in a way we did not foresee: skip it, keep reading the file.
        if (process.env.BACKEND_REVIEW_DEBUG) throw err;
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  if (up.body) visit(up.body);
}

function skipWrappers(node: ts.Node): ts.Node {
  let n = node;
  while (n.parent && (ts.isParenthesizedExpression(n.parent) || ts.isAwaitExpression(n.parent) || ts.isAsExpression(n.parent))) n = n.parent;
  return n;
}

/** sql`…`.execute(db) / sql.raw('…').execute(db). */
function executed(node: ts.Node): boolean {
  const p = node.parent;
  return !!p && ts.isPropertyAccessExpression(p) && p.expression === node && p.name.text === 'execute' && !!p.parent && ts.isCallExpression(p.parent);
}

/** A raw SQL value used inside another expression (an argument, a property value, an operand). */
function isFragment(node: ts.Node): boolean {
  const n = skipWrappers(node);
  const p = n.parent;
  if (!p) return false;
  if (ts.isCallExpression(p) && p.arguments.includes(n as ts.Expression)) {
    // Promise.all([...]) and friends run their arguments; anything else takes a value.
    return !(ts.isPropertyAccessExpression(p.expression) && /^(all|allSettled|push)$/.test(p.expression.name.text));
  }
  if (ts.isArrayLiteralExpression(p)) return isFragment(p);
  return ts.isPropertyAssignment(p) || ts.isBinaryExpression(p) || ts.isTemplateSpan(p) || ts.isConditionalExpression(p) || ts.isSpreadElement(p);
}

function isSqlText(node: ts.Expression): boolean {
  let n = node;
  while (ts.isParenthesizedExpression(n)) n = n.expression;
  return ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateExpression(n) || (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.PlusToken);
}

function isSqlArgument(node: ts.Expression): boolean {
  let n = node;
  while (ts.isParenthesizedExpression(n)) n = n.expression;
  return (
    ts.isStringLiteral(n) ||
    ts.isNoSubstitutionTemplateLiteral(n) ||
    ts.isTemplateExpression(n) ||
    (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.PlusToken) ||
    ts.isIdentifier(n)
  );
}

// ---------------------------------------------------------------------------------------------
// Fixes on JS/TS migrations

/**
 * Rules build fixes by rewriting the migration's lines as if they were SQL. In a JS/TS file
 * that is only right when the edit stays inside the SQL string: `CREATE INDEX` →
 * `CREATE INDEX CONCURRENTLY` within a template literal is right; a `SET lock_timeout` line
 * inserted above `await queryRunner.query(…)`, or a regex that happens to match builder code,
 * is not. A fix is kept only when the code outside string literals is token for token the
 * same after applying it, and the edited lines hold no builder-generated statement.
 */
export function safeJsFix(migration: Migration, fix: Fix): Fix | undefined {
  if (!isJsFramework(migration.framework)) return fix;
  const touchesBuilder = migration.statements.some((s) => s.origin !== undefined && s.startLine <= fix.endLine && s.endLine >= fix.startLine && s.kind !== 'TransactionStmt');
  if (touchesBuilder) return undefined;
  const before = migration.lines.join('\n');
  const lines = [...migration.lines];
  lines.splice(fix.startLine - 1, fix.endLine - fix.startLine + 1, ...fix.replacement.split('\n'));
  const after = lines.join('\n');
  const a = codeTokens(before);
  const b = codeTokens(after);
  if (!a || !b || a.length !== b.length) return undefined;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return undefined;
  return fix;
}

/** The file's tokens with the contents of string and template literals blanked out. */
function codeTokens(text: string): string[] | undefined {
  const sf = ts.createSourceFile('fix.ts', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  if ((sf as unknown as { parseDiagnostics?: unknown[] }).parseDiagnostics?.length) return undefined;
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      out.push('<string>');
      return;
    }
    if (ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      out.push('<template-part>');
      return;
    }
    if (node.getChildCount(sf) === 0) {
      if (node.kind !== ts.SyntaxKind.EndOfFileToken) out.push(node.getText(sf));
      return;
    }
    for (const child of node.getChildren(sf)) visit(child);
  };
  visit(sf);
  return out;
}
