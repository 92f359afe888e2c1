import { ts } from '../code/ts.js';

/**
 * Static evaluation of the literal arguments JS/TS migrations pass to their builders
 * (`'users'`, `['a', 'b']`, `{ allowNull: false }`). Nothing is executed: a value that
 * is not written out literally (or as a `const` with a literal initializer in the same
 * file) is `undefined`, and callers stay quiet about what they cannot see.
 */
export type JsValue = string | number | boolean | null | JsValue[] | JsObject | JsRef;
export interface JsObject {
  [key: string]: JsValue | undefined;
}
/** An expression that is not a literal, kept as written (e.g. `Sequelize.STRING(100)`, `knex.fn.now()`). */
export interface JsRef {
  ref: string;
  node: ts.Node;
}

export function isRef(v: unknown): v is JsRef {
  return typeof v === 'object' && v !== null && 'ref' in v && 'node' in v;
}

/** `const NAME = 'literal'` declarations of the file, for resolving table names and SQL written as constants. */
export class Constants {
  private readonly values = new Map<string, { init: ts.Expression; scope: ts.Node }[]>();
  constructor(sf: ts.SourceFile) {
    const visit = (node: ts.Node): void => {
      if (
        ts.isVariableDeclaration(node) &&
        ts.isIdentifier(node.name) &&
        node.initializer &&
        ts.isVariableDeclarationList(node.parent) &&
        (node.parent.flags & ts.NodeFlags.Const) !== 0
      ) {
        const list = this.values.get(node.name.text) ?? [];
        list.push({ init: node.initializer, scope: scopeOf(node) });
        this.values.set(node.name.text, list);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }

  /** The initializer `name` has where `at` uses it: the innermost enclosing scope that declares it once. */
  get(name: string, at?: ts.Node): ts.Expression | undefined {
    const list = this.values.get(name);
    if (!list) return undefined;
    if (!at) return list.length === 1 ? list[0].init : undefined;
    for (let scope: ts.Node | undefined = scopeOf(at); scope; scope = scope.parent ? scopeOf(scope.parent) : undefined) {
      const here = list.filter((d) => d.scope === scope);
      if (here.length === 1) return here[0].init;
      if (here.length > 1) return undefined;
      if (ts.isSourceFile(scope)) break;
    }
    return undefined;
  }
}

/** The function (or file) a node belongs to. */
function scopeOf(node: ts.Node): ts.Node {
  let n: ts.Node | undefined = node.parent;
  while (n && !ts.isFunctionLike(n) && !ts.isSourceFile(n)) n = n.parent;
  return n ?? node.getSourceFile();
}

function unwrap(node: ts.Expression): ts.Expression {
  let n = node;
  while (ts.isParenthesizedExpression(n) || ts.isAsExpression(n) || ts.isSatisfiesExpression(n) || ts.isNonNullExpression(n) || ts.isTypeAssertionExpression(n)) {
    n = n.expression;
  }
  return n;
}

export function evaluate(node: ts.Expression | undefined, consts: Constants, depth = 0): JsValue | undefined {
  if (!node || depth > 8) return undefined;
  const n = unwrap(node);
  if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) return n.text;
  if (ts.isNumericLiteral(n)) return Number(n.text);
  if (n.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (n.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (n.kind === ts.SyntaxKind.NullKeyword) return null;
  if (ts.isPrefixUnaryExpression(n) && n.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(n.operand)) return -Number(n.operand.text);
  if (ts.isArrayLiteralExpression(n)) {
    const out: JsValue[] = [];
    for (const el of n.elements) {
      const v = evaluate(el, consts, depth + 1);
      if (v === undefined) return undefined;
      out.push(v);
    }
    return out;
  }
  if (ts.isObjectLiteralExpression(n)) {
    const out: JsObject = {};
    for (const p of n.properties) {
      if (ts.isPropertyAssignment(p)) {
        const key = propertyName(p.name);
        if (key === undefined) continue;
        const v = evaluate(p.initializer, consts, depth + 1);
        out[key] = v === undefined ? { ref: p.initializer.getText(), node: p.initializer } : v;
      } else if (ts.isShorthandPropertyAssignment(p)) {
        const v = evaluate(p.name, consts, depth + 1);
        out[p.name.text] = v === undefined ? { ref: p.name.text, node: p.name } : v;
      }
    }
    return out;
  }
  if (ts.isIdentifier(n)) {
    if (n.text === 'undefined') return undefined;
    const init = consts.get(n.text, n);
    return init ? evaluate(init, consts, depth + 1) : undefined;
  }
  if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const l = evaluate(n.left, consts, depth + 1);
    const r = evaluate(n.right, consts, depth + 1);
    if (typeof l === 'string' && (typeof r === 'string' || typeof r === 'number')) return l + r;
    return undefined;
  }
  if (ts.isTemplateExpression(n)) {
    let s = n.head.text;
    for (const span of n.templateSpans) {
      const v = evaluate(span.expression, consts, depth + 1);
      if (typeof v !== 'string' && typeof v !== 'number') return undefined;
      s += String(v) + span.literal.text;
    }
    return s;
  }
  return undefined;
}

/** Evaluates, keeping non-literal expressions as references instead of failing. */
export function evaluateLoose(node: ts.Expression | undefined, consts: Constants): JsValue | undefined {
  if (!node) return undefined;
  const v = evaluate(node, consts);
  return v === undefined ? { ref: unwrap(node).getText(), node: unwrap(node) } : v;
}

export function propertyName(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) || ts.isPrivateIdentifier(name)) return name.text;
  return undefined;
}

export function asString(v: JsValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function asStrings(v: JsValue | undefined): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return undefined;
}

export function asObject(v: JsValue | undefined): JsObject | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isRef(v) ? (v as JsObject) : undefined;
}

// Words Postgres reserves (or that would read as syntax) where a bare identifier fails to parse.
const RESERVED = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation column concurrently constraint create cross ' +
    'current_catalog current_date current_role current_schema current_time current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign freeze from full grant group having ilike in initially inner intersect into is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references returning right select session_user similar some symmetric system_user table tablesample then to trailing true union unique user using variadic verbose when where window with'
  ).split(' '),
);

/** A Postgres identifier: bare when that reads the same, double-quoted otherwise. */
export function ident(name: string): string {
  if (/^[a-z_][a-z0-9_]*$/.test(name) && !RESERVED.has(name)) return name;
  return `"${name.replace(/"/g, '""')}"`;
}

/** A possibly schema-qualified table name as the frameworks write it ('public.users'). */
export function qualified(name: string, schema?: string): string {
  if (schema) return `${ident(schema)}.${ident(name)}`;
  const dot = name.indexOf('.');
  if (dot > 0 && name.indexOf('.', dot + 1) === -1) return `${ident(name.slice(0, dot))}.${ident(name.slice(dot + 1))}`;
  return ident(name);
}

export function literal(v: string | number | boolean | null): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return `'${v.replace(/'/g, "''")}'`;
}
