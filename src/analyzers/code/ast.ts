import { ts, whenTypeScriptLoads } from './ts.js';
import type { CodeFile } from './code-file.js';

/**
 * Small syntax helpers shared by the code rules. Everything here reads the AST of one
 * file; nothing resolves types or other modules.
 */

/** The text of a property name (identifier, string or numeric literal), if static. */
export function nameOf(name: ts.PropertyName | ts.BindingName | ts.MemberName | undefined): string | undefined {
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) return name.text;
  if (ts.isStringLiteralLike(name) || ts.isNumericLiteral(name)) return name.text;
  if (ts.isComputedPropertyName(name) && ts.isStringLiteralLike(name.expression)) return name.expression.text;
  return undefined;
}

let PAREN: ts.SyntaxKind, AS: ts.SyntaxKind, NON_NULL: ts.SyntaxKind, ASSERTION: ts.SyntaxKind, SATISFIES: ts.SyntaxKind, AWAIT: ts.SyntaxKind;
let IDENTIFIER: ts.SyntaxKind, PROPERTY_ACCESS: ts.SyntaxKind;
whenTypeScriptLoads((ts) => {
  PAREN = ts.SyntaxKind.ParenthesizedExpression;
  AS = ts.SyntaxKind.AsExpression;
  NON_NULL = ts.SyntaxKind.NonNullExpression;
  ASSERTION = ts.SyntaxKind.TypeAssertionExpression;
  SATISFIES = ts.SyntaxKind.SatisfiesExpression;
  AWAIT = ts.SyntaxKind.AwaitExpression;
  IDENTIFIER = ts.SyntaxKind.Identifier;
  PROPERTY_ACCESS = ts.SyntaxKind.PropertyAccessExpression;
});

/** Strips parentheses, `as`, `!`, `satisfies`, type assertions and `await`. */
export function unwrap(e: ts.Expression): ts.Expression {
  let k = e.kind;
  while (k === PAREN || k === AS || k === NON_NULL || k === ASSERTION || k === SATISFIES || k === AWAIT) {
    e = (e as ts.ParenthesizedExpression).expression;
    k = e.kind;
  }
  return e;
}

/** `a.b.c` for a chain of identifiers and property accesses (with `this`), else undefined. */
export function chainText(e: ts.Expression): string | undefined {
  e = unwrap(e);
  if (ts.isIdentifier(e)) return e.text;
  if (e.kind === ts.SyntaxKind.ThisKeyword) return 'this';
  if (ts.isPropertyAccessExpression(e)) {
    const left = chainText(e.expression);
    return left === undefined ? undefined : `${left}.${e.name.text}`;
  }
  if (ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression)) {
    const left = chainText(e.expression);
    return left === undefined ? undefined : `${left}.${e.argumentExpression.text}`;
  }
  return undefined;
}

type Callee = { name: string; readonly receiver?: string; receiverNode?: ts.Expression } | undefined;

/**
 * The called function's own name and the receiver: `pool.query` → { name: 'query', receiver: 'pool' }.
 * Cheap: the receiver's dotted text is only built when a rule reads it.
 */
let lastCall: ts.Node | undefined;
let lastCallee: Callee;
export function callee(call: ts.CallExpression | ts.NewExpression): Callee {
  // The engine hands the same node to every interested rule in a row: one entry of memory is enough.
  if (call !== lastCall) {
    lastCall = call;
    lastCallee = computeCallee(call);
  }
  return lastCallee;
}

class CalleeInfo {
  private chain?: string | null;
  constructor(
    readonly name: string,
    readonly receiverNode?: ts.Expression,
  ) {}

  /** The receiver as a dotted chain (`this.pool`), computed on first use. */
  get receiver(): string | undefined {
    if (!this.receiverNode) return undefined;
    if (this.chain === undefined) this.chain = chainText(this.receiverNode) ?? null;
    return this.chain ?? undefined;
  }
}

function computeCallee(call: ts.CallExpression | ts.NewExpression): Callee {
  const e = unwrap(call.expression);
  if (e.kind === IDENTIFIER) return new CalleeInfo((e as ts.Identifier).text);
  if (e.kind === PROPERTY_ACCESS) return new CalleeInfo((e as ts.PropertyAccessExpression).name.text, (e as ts.PropertyAccessExpression).expression);
  if (ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression)) return new CalleeInfo(e.argumentExpression.text, e.expression);
  return undefined;
}

/** The last segment of a receiver chain: `this.pool` → `pool`. */
export function lastSegment(chain: string | undefined): string | undefined {
  return chain?.split('.').pop();
}

/** A property of an object literal, by name: the initializer, or the identifier of a shorthand. */
export function prop(obj: ts.Expression | undefined, name: string): ts.Expression | undefined {
  if (!obj) return undefined;
  obj = unwrap(obj);
  if (!ts.isObjectLiteralExpression(obj)) return undefined;
  for (const p of obj.properties) {
    if (ts.isPropertyAssignment(p) && nameOf(p.name) === name) return p.initializer;
    if (ts.isShorthandPropertyAssignment(p) && p.name.text === name) return p.name;
  }
  return undefined;
}

export function propNode(obj: ts.ObjectLiteralExpression, name: string): ts.ObjectLiteralElementLike | undefined {
  return obj.properties.find((p) => (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p) || ts.isMethodDeclaration(p)) && nameOf(p.name) === name);
}

/** Whether the object literal has a spread, so a missing property may still be set. */
export function hasSpread(obj: ts.ObjectLiteralExpression): boolean {
  return obj.properties.some((p) => ts.isSpreadAssignment(p));
}

export function isFunctionLike(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  );
}

export function enclosingFunction(node: ts.Node): ts.FunctionLikeDeclaration | undefined {
  for (let n = node.parent; n; n = n.parent) if (isFunctionLike(n)) return n;
  return undefined;
}

/** The name a function is known by: its own name, or the variable/property it is assigned to. */
export function functionName(fn: ts.FunctionLikeDeclaration): string | undefined {
  if (fn.name) return nameOf(fn.name as ts.PropertyName);
  const p = fn.parent;
  if (p && ts.isVariableDeclaration(p)) return nameOf(p.name);
  if (p && ts.isPropertyAssignment(p)) return nameOf(p.name);
  return undefined;
}

interface FileFacts {
  imports: Map<string, { module: string; name: string }>;
  consts: Map<string, ts.Expression | null>;
}
const factsCache = new WeakMap<CodeFile, FileFacts>();

function facts(file: CodeFile): FileFacts {
  let f = factsCache.get(file);
  if (f) return f;
  f = { imports: new Map(), consts: new Map() };
  const { imports, consts } = f;
  const requireOf = (e: ts.Expression | undefined): string | undefined => {
    if (!e) return undefined;
    e = unwrap(e);
    if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'require' && e.arguments[0] && ts.isStringLiteralLike(e.arguments[0])) return e.arguments[0].text;
    if (ts.isPropertyAccessExpression(e)) return requireOf(e.expression);
    return undefined;
  };
  // Module level only: imports, requires and constants live there, and a second full walk of every file would cost as much as the rules.
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && node.importClause) {
      const module = node.moduleSpecifier.text;
      const c = node.importClause;
      if (c.name) imports.set(c.name.text, { module, name: 'default' });
      if (c.namedBindings && ts.isNamespaceImport(c.namedBindings)) imports.set(c.namedBindings.name.text, { module, name: '*' });
      if (c.namedBindings && ts.isNamedImports(c.namedBindings)) {
        for (const el of c.namedBindings.elements) imports.set(el.name.text, { module, name: (el.propertyName ?? el.name).text });
      }
      return;
    }
    if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      imports.set(node.name.text, { module: node.moduleReference.expression.text, name: '*' });
      return;
    }
    if (ts.isVariableDeclaration(node)) {
      const module = requireOf(node.initializer);
      if (module) {
        if (ts.isIdentifier(node.name)) imports.set(node.name.text, { module, name: '*' });
        else if (ts.isObjectBindingPattern(node.name)) {
          for (const el of node.name.elements) if (ts.isIdentifier(el.name)) imports.set(el.name.text, { module, name: nameOf(el.propertyName) ?? el.name.text });
        }
      } else if (ts.isIdentifier(node.name) && node.initializer && node.parent && ts.isVariableDeclarationList(node.parent) && node.parent.flags & ts.NodeFlags.Const) {
        // Names bound twice are ambiguous; keep null so nobody resolves them.
        consts.set(node.name.text, consts.has(node.name.text) ? null : node.initializer);
      }
    }
    if (ts.isVariableStatement(node)) for (const d of node.declarationList.declarations) visit(d);
  };
  for (const statement of file.sourceFile.statements) visit(statement);
  factsCache.set(file, f);
  return f;
}

/** Where a local name was imported from (ESM import or CommonJS require). */
export function importOf(file: CodeFile, local: string): { module: string; name: string } | undefined {
  return facts(file).imports.get(local);
}

export function importsModule(file: CodeFile, test: RegExp): boolean {
  for (const v of facts(file).imports.values()) if (test.test(v.module)) return true;
  return false;
}

/** The local names bound to a module (any import form). */
export function localsFrom(file: CodeFile, module: RegExp): { local: string; name: string }[] {
  const out: { local: string; name: string }[] = [];
  for (const [local, v] of facts(file).imports) if (module.test(v.module)) out.push({ local, name: v.name });
  return out;
}

/** The initializer of a `const` with that name in the file, when it is bound exactly once. */
export function constInit(file: CodeFile, name: string): ts.Expression | undefined {
  return facts(file).consts.get(name) ?? undefined;
}

/** A compile-time string: literal, template without substitutions, or a const bound to one. */
export function stringValue(e: ts.Expression | undefined, file?: CodeFile, depth = 0): string | undefined {
  if (!e || depth > 3) return undefined;
  e = unwrap(e);
  if (ts.isStringLiteralLike(e)) return e.text;
  if (ts.isIdentifier(e) && file) return stringValue(constInit(file, e.text), file, depth + 1);
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const l = stringValue(e.left, file, depth + 1);
    const r = stringValue(e.right, file, depth + 1);
    return l !== undefined && r !== undefined ? l + r : undefined;
  }
  return undefined;
}

/** A compile-time number: literal, simple arithmetic, or a const bound to one. */
export function numberValue(e: ts.Expression | undefined, file?: CodeFile, depth = 0): number | undefined {
  if (!e || depth > 4) return undefined;
  e = unwrap(e);
  if (ts.isNumericLiteral(e)) return Number(e.text.replace(/_/g, ''));
  if (ts.isIdentifier(e) && file) return numberValue(constInit(file, e.text), file, depth + 1);
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken) {
    const v = numberValue(e.operand, file, depth + 1);
    return v === undefined ? undefined : -v;
  }
  if (ts.isBinaryExpression(e)) {
    const l = numberValue(e.left, file, depth + 1);
    const r = numberValue(e.right, file, depth + 1);
    if (l === undefined || r === undefined) return undefined;
    switch (e.operatorToken.kind) {
      case ts.SyntaxKind.AsteriskToken: return l * r;
      case ts.SyntaxKind.PlusToken: return l + r;
      case ts.SyntaxKind.MinusToken: return l - r;
      case ts.SyntaxKind.SlashToken: return l / r;
      case ts.SyntaxKind.AsteriskAsteriskToken: return l ** r;
      default: return undefined;
    }
  }
  return undefined;
}

/** Whether the expression is a literal or a const bound to one (nothing from outside the code). */
export function isConstant(e: ts.Expression, file: CodeFile): boolean {
  e = unwrap(e);
  return (
    stringValue(e, file) !== undefined ||
    numberValue(e, file) !== undefined ||
    e.kind === ts.SyntaxKind.TrueKeyword ||
    e.kind === ts.SyntaxKind.FalseKeyword ||
    e.kind === ts.SyntaxKind.NullKeyword ||
    (ts.isIdentifier(e) && e.text === 'undefined')
  );
}

/** Byte sizes such as '50mb', '1gb', 10485760 or 50 * 1024 * 1024. */
export function byteSize(e: ts.Expression | undefined, file: CodeFile): number | undefined {
  const n = numberValue(e, file);
  if (n !== undefined) return n;
  const s = stringValue(e, file);
  if (s === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb)?\s*$/i.exec(s);
  if (!m) return undefined;
  const unit = (m[2] ?? 'b').toLowerCase();
  const factor = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 }[unit as 'b'];
  return Number(m[1]) * factor;
}

/** Logger receivers: `logger`, `log`, `this.logger`, `req.log`, `fastify.log`, `app.log`… (not console). */
export const LOG_METHODS = new Set(['info', 'warn', 'error', 'debug', 'trace', 'fatal', 'log', 'verbose', 'warning', 'notice', 'critical']);
export function isLoggerCall(call: ts.CallExpression): { receiver: string; method: string; console: boolean } | undefined {
  const c = callee(call);
  if (!c || !c.receiver || !LOG_METHODS.has(c.name)) return undefined;
  const last = lastSegment(c.receiver)!;
  if (last === 'console') return { receiver: c.receiver, method: c.name, console: true };
  if (/^(?:_?logger|log|_log|pino|winston|bunyan|childLogger|requestLogger|reqLogger|baseLogger|appLogger|\w+Logger|\w+Log)$/.test(last) && !/^(?:changeLog|auditLog|eventLog|blog|catalog|dialog|backlog)$/i.test(last)) {
    return { receiver: c.receiver, method: c.name, console: false };
  }
  return undefined;
}

/** Paths that are not server code even when the engine classifies them as code. */
export const NOT_SERVER_PATH = /(^|\/)(scripts?|bin|tools|public|static|client|frontend|web|examples?|seeds?|stories|storybook)\/|\.(tsx|jsx)$|\.(stories|config)\.[cm]?[jt]s$/;

/** Text of the given line range, for fixes that rewrite whole lines. */
export function replaceInLine(file: CodeFile, node: ts.Node, replacement: string): { startLine: number; endLine: number; replacement: string } | undefined {
  const start = file.lineOf(node);
  const end = file.endLineOf(node);
  if (start !== end) return undefined;
  const starts = file.sourceFile.getLineStarts();
  const lineStart = starts[start - 1];
  const text = file.lineText(start);
  const from = node.getStart(file.sourceFile) - lineStart;
  const to = node.getEnd() - lineStart;
  return { startLine: start, endLine: start, replacement: text.slice(0, from) + replacement + text.slice(to) };
}

/** Inserts text just before the closing parenthesis of a one-line call. */
export function appendToCall(file: CodeFile, call: ts.CallExpression, text: string): { startLine: number; endLine: number; replacement: string } | undefined {
  const line = file.lineOf(call);
  if (file.endLineOf(call) !== line) return undefined;
  const lineStart = file.sourceFile.getLineStarts()[line - 1];
  const closeParen = call.getEnd() - 1 - lineStart;
  const src = file.lineText(line);
  if (src[closeParen] !== ')') return undefined;
  return { startLine: line, endLine: line, replacement: src.slice(0, closeParen) + text + src.slice(closeParen) };
}
