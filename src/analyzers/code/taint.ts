import { ts, whenTypeScriptLoads } from './ts.js';
import type { CodeFile } from './code-file.js';
import { callee, chainText, isFunctionLike, nameOf, unwrap } from './ast.js';

/**
 * Request-input tracking within one file. A value is tainted when it comes from the
 * HTTP request (Express/Fastify `req.body|query|params|headers|cookies`, Koa `ctx.query`,
 * `ctx.request.body`, Hono `c.req.query()`, Nest `@Body()/@Query()/@Param()/@Headers()`
 * parameters) and flows through local variables, destructuring, assignments, template
 * literals, concatenation, string methods, `path.join`, `new URL` and small same-file
 * helpers. One walk per file (repeated only when a same-file function turns out to be
 * called with tainted arguments), cached per CodeFile.
 */
export interface Taint {
  /** Whether the value of the expression can carry request input. */
  isTainted(e: ts.Expression | undefined): boolean;
  /** Whether the expression is a request object (`req`, `request`, a Nest `@Req()` param). */
  isRequest(e: ts.Expression): boolean;
}

const INPUT_PROPS = new Set(['body', 'query', 'params', 'headers', 'cookies', 'signedCookies', 'rawBody']);
// Upload middleware (multer, formidable) stores files under server-chosen paths; only the client's file name is input.
const CLIENT_FILE_NAME = new Set(['originalname', 'originalFilename']);
const REQUEST_NAMES = new Set(['req', 'request']);
const KOA_CTX = new Set(['ctx', 'context']);
const NEST_INPUT = new Set(['Body', 'Query', 'Param', 'Params', 'Headers', 'Cookies', 'UploadedFile', 'UploadedFiles']);
const NEST_REQUEST = new Set(['Req', 'Request']);
// Methods that return (part of) their receiver.
const PASS_THROUGH = new Set([
  'trim', 'trimStart', 'trimEnd', 'toLowerCase', 'toUpperCase', 'toLocaleLowerCase', 'toLocaleUpperCase', 'slice', 'substring', 'substr',
  'replace', 'replaceAll', 'split', 'join', 'concat', 'toString', 'normalize', 'padStart', 'padEnd', 'at', 'valueOf', 'flat', 'get', 'getAll',
]);
const ITERATING = new Set(['map', 'forEach', 'filter', 'flatMap', 'some', 'every', 'find']);
// Functions whose result carries their arguments.
const CARRIERS = /^(?:String|decodeURIComponent|decodeURI|unescape|JSON\.parse|Buffer\.from|path\.join|path\.resolve|path\.normalize|path\.posix\.join|path\.win32\.join|join|resolve|util\.format|format|Object\.assign|structuredClone|Array\.from)$/;

type Scope = ts.FunctionLikeDeclaration | ts.SourceFile;

let FIRST_TYPE: ts.SyntaxKind, LAST_TYPE: ts.SyntaxKind;
whenTypeScriptLoads((ts) => {
  FIRST_TYPE = ts.SyntaxKind.FirstTypeNode;
  LAST_TYPE = ts.SyntaxKind.LastTypeNode;
});
// Without one of these in the text, nothing in the file can be request input.
const SOURCE_HINT = /\b(?:req|request|ctx|context)\b|\bc\.req\b|@(?:Body|Query|Param|Params|Headers|Cookies|Req|Request|UploadedFiles?)\b|originalname|originalFilename/;

const NO_TAINT: Taint = { isTainted: () => false, isRequest: () => false };

/** How a local name gets its value. */
type Binding =
  | { kind: 'value'; expr: ts.Expression }
  | { kind: 'member'; expr: ts.Expression; key: string | undefined }
  | { kind: 'iterated'; expr: ts.Expression }
  | { kind: 'param'; fn: ts.FunctionLikeDeclaration; index: number; input: boolean; request: boolean };

/**
 * Demand-driven: one walk indexes how every local name is bound (declarations,
 * destructuring, assignments, for-of, parameters, same-file call sites); taint is then
 * computed only for the expressions rules ask about, memoised per binding.
 */
class TaintAnalysis implements Taint {
  private scopes = new Map<Scope, Map<string, Binding[]>>();
  private functions?: Map<string, ts.FunctionLikeDeclaration | null>;
  private callSites?: Map<ts.FunctionLikeDeclaration, ts.CallExpression[]>;
  private indexed = new Set<Scope>();
  private summaries = new Map<ts.FunctionLikeDeclaration, boolean>();
  private memo = new Map<Binding, boolean>();

  constructor(private readonly file: CodeFile) {}

  private bind(scope: Scope, name: string, b: Binding): void {
    let m = this.scopes.get(scope);
    if (!m) this.scopes.set(scope, (m = new Map()));
    const list = m.get(name);
    if (list) list.push(b);
    else m.set(name, [b]);
  }

  private bindPattern(scope: Scope, name: ts.BindingName, make: (key: string | undefined) => Binding, top = true): void {
    if (ts.isIdentifier(name)) {
      this.bind(scope, name.text, make(undefined));
      return;
    }
    for (const el of name.elements) {
      if (ts.isOmittedExpression(el)) continue;
      const key = top && ts.isObjectBindingPattern(name) ? (nameOf(el.propertyName) ?? (ts.isIdentifier(el.name) ? el.name.text : undefined)) : undefined;
      if (ts.isIdentifier(el.name)) this.bind(scope, el.name.text, make(key));
      else this.bindPattern(scope, el.name, (inner) => make(key ?? inner), false);
    }
  }

  /**
   * Scopes are indexed on first use: a query only pays for the functions around it.
   * A function's own declarations bind to it; assignments in closures inside it bind to
   * it as well (they usually update its variables). Module scope skips function bodies.
   */
  private ensure(scope: Scope): void {
    if (this.indexed.has(scope)) return;
    this.indexed.add(scope);
    if (ts.isSourceFile(scope)) {
      for (const statement of scope.statements) this.walkScope(statement, scope, false);
      return;
    }
    scope.parameters.forEach((p, i) => {
      let input = false;
      let request = false;
      const decorators = p.modifiers ? ts.getDecorators(p) : undefined;
      if (decorators) {
        for (const d of decorators) {
          const n = ts.isCallExpression(d.expression) ? chainText(d.expression.expression) : chainText(d.expression);
          if (n && NEST_INPUT.has(n)) input = true;
          if (n && NEST_REQUEST.has(n)) request = true;
        }
      }
      if (!request && p.type && ts.isTypeReferenceNode(p.type) && /^(?:express\.)?Request$|^FastifyRequest$|^IncomingMessage$/.test(p.type.typeName.getText(this.file.sourceFile))) request = true;
      this.bindPattern(scope, p.name, () => ({ kind: 'param', fn: scope, index: i, input, request }));
    });
    if (scope.body) this.walkScope(scope.body, scope, true);
  }

  private walkScope(root: ts.Node, scope: Scope, intoClosures: boolean): void {
    const K = ts.SyntaxKind;
    let nested = 0;
    const visit = (node: ts.Node): void => {
      const kind = node.kind;
      // Types, imports and type declarations bind no values.
      if ((kind >= FIRST_TYPE && kind <= LAST_TYPE) || kind === K.ImportDeclaration || kind === K.InterfaceDeclaration || kind === K.TypeAliasDeclaration) return;
      if (isFunctionLike(node)) {
        if (!intoClosures) return;
        nested++;
        ts.forEachChild(node, visit);
        nested--;
        return;
      }
      if (kind === K.VariableDeclaration) {
        const decl = node as ts.VariableDeclaration;
        const init = decl.initializer;
        if (init && nested === 0) this.bindPattern(scope, decl.name, (key) => (key === undefined && ts.isIdentifier(decl.name) ? { kind: 'value', expr: init } : { kind: 'member', expr: init, key }));
      } else if (kind === K.BinaryExpression) {
        const b = node as ts.BinaryExpression;
        const op = b.operatorToken.kind;
        if (op === K.EqualsToken || op === K.PlusEqualsToken) {
          const target = unwrap(b.left);
          if (ts.isIdentifier(target)) this.bind(scope, target.text, { kind: 'value', expr: b.right });
        }
      } else if ((kind === K.ForOfStatement || kind === K.ForInStatement) && nested === 0) {
        const f = node as ts.ForOfStatement;
        if (ts.isVariableDeclarationList(f.initializer)) {
          const iterable = f.expression;
          for (const d of f.initializer.declarations) this.bindPattern(scope, d.name, () => ({ kind: 'iterated', expr: iterable }));
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(root);
  }

  /** Same-file functions by the name they are called with: `helper`, `this.method`. */
  private fn(name: string | undefined): ts.FunctionLikeDeclaration | undefined {
    if (!this.functions) {
      const functions = new Map<string, ts.FunctionLikeDeclaration | null>();
      const add = (n: string | undefined, f: ts.FunctionLikeDeclaration) => {
        if (n) functions.set(n, functions.has(n) ? null : f);
      };
      const visit = (node: ts.Node): void => {
        if (ts.isFunctionDeclaration(node) && node.name) add(node.name.text, node);
        else if (ts.isVariableStatement(node)) {
          for (const d of node.declarationList.declarations) {
            const init = d.initializer && unwrap(d.initializer);
            if (init && ts.isIdentifier(d.name) && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) add(d.name.text, init);
          }
        } else if (ts.isClassDeclaration(node)) {
          for (const m of node.members) if (ts.isMethodDeclaration(m) && m.body) add(`this.${nameOf(m.name)}`, m);
        } else if (ts.isExportAssignment(node) || ts.isModuleDeclaration(node)) return;
      };
      for (const statement of this.file.sourceFile.statements) visit(statement);
      this.functions = functions;
    }
    return name ? (this.functions.get(name) ?? undefined) : undefined;
  }

  /** For `items.map((item) => …)`: the iterated expression. */
  private callbackReceiver(fn: ts.FunctionLikeDeclaration): ts.Expression | undefined {
    const call = fn.parent;
    if (!call || !ts.isCallExpression(call) || call.arguments[0] !== fn || !ts.isPropertyAccessExpression(call.expression)) return undefined;
    return ITERATING.has(call.expression.name.text) ? call.expression.expression : undefined;
  }

  private bindings(id: ts.Identifier): Binding[] | undefined {
    for (let n: ts.Node | undefined = id.parent; n; n = n.parent) {
      if (isFunctionLike(n) || ts.isSourceFile(n)) {
        this.ensure(n as Scope);
        const b = this.scopes.get(n as Scope)?.get(id.text);
        if (b) return b;
      }
    }
    return undefined;
  }

  private sitesOf(fn: ts.FunctionLikeDeclaration): ts.CallExpression[] {
    // Only functions callable by name have call sites to look at (not handlers passed inline).
    this.fn(undefined);
    if (![...this.functions!.values()].includes(fn)) return [];
    if (!this.callSites) {
      const sites = new Map<ts.FunctionLikeDeclaration, ts.CallExpression[]>();
      const functions = this.functions!;
      const visit = (node: ts.Node): void => {
        if (node.kind >= FIRST_TYPE && node.kind <= LAST_TYPE) return;
        if (node.kind === ts.SyntaxKind.CallExpression) {
          const e = (node as ts.CallExpression).expression;
          const name =
            e.kind === ts.SyntaxKind.Identifier
              ? (e as ts.Identifier).text
              : ts.isPropertyAccessExpression(e) && e.expression.kind === ts.SyntaxKind.ThisKeyword
                ? `this.${e.name.text}`
                : undefined;
          const target = name !== undefined ? functions.get(name) : undefined;
          if (target) {
            const list = sites.get(target);
            if (list) list.push(node as ts.CallExpression);
            else sites.set(target, [node as ts.CallExpression]);
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(this.file.sourceFile);
      this.callSites = sites;
    }
    return this.callSites.get(fn) ?? [];
  }

  private bindingTainted(b: Binding, depth: number): boolean {
    const known = this.memo.get(b);
    if (known !== undefined) return known;
    this.memo.set(b, false); // cycles (x = x + 1) resolve to untainted
    let result = false;
    switch (b.kind) {
      case 'value':
        result = this.isTainted(b.expr, depth);
        break;
      case 'member':
        // `const { body, user } = req`: only the input properties are input.
        result = this.isRequest(b.expr) ? b.key !== undefined && INPUT_PROPS.has(b.key) : this.isTainted(b.expr, depth);
        break;
      case 'iterated':
        result = this.isTainted(b.expr, depth);
        break;
      case 'param': {
        if (b.input) result = true;
        else if (b.request) result = false;
        else {
          const receiver = b.index === 0 ? this.callbackReceiver(b.fn) : undefined;
          result = (!!receiver && this.isTainted(receiver, depth)) || this.sitesOf(b.fn).some((call) => !!call.arguments[b.index] && this.isTainted(call.arguments[b.index], depth));
        }
        break;
      }
    }
    this.memo.set(b, result);
    return result;
  }

  isRequest(e: ts.Expression): boolean {
    e = unwrap(e);
    if (ts.isIdentifier(e)) {
      if (REQUEST_NAMES.has(e.text)) return true;
      const bs = this.bindings(e);
      return !!bs && bs.some((b) => (b.kind === 'param' && b.request) || (b.kind === 'value' && ts.isIdentifier(unwrap(b.expr)) && unwrap(b.expr) !== e && REQUEST_NAMES.has((unwrap(b.expr) as ts.Identifier).text)));
    }
    // Koa's ctx.request, Hono's c.req
    if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression)) {
      if (e.name.text === 'request' && KOA_CTX.has(e.expression.text)) return true;
      if (e.name.text === 'req' && e.expression.text === 'c') return true;
    }
    return false;
  }

  private isSource(e: ts.Expression): boolean {
    if (ts.isPropertyAccessExpression(e) || (ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression))) {
      const name = ts.isPropertyAccessExpression(e) ? e.name.text : (e.argumentExpression as ts.StringLiteral).text;
      if (INPUT_PROPS.has(name) && this.isRequest(e.expression)) return true;
      if (CLIENT_FILE_NAME.has(name)) return true;
      // Koa: ctx.query, ctx.params, ctx.headers
      const obj = unwrap(e.expression);
      if (ts.isIdentifier(obj) && KOA_CTX.has(obj.text) && (name === 'query' || name === 'params' || name === 'headers')) return true;
    }
    if (ts.isCallExpression(e)) {
      const c = callee(e);
      if (c?.receiverNode && this.isRequest(c.receiverNode)) {
        // req.get('x'), req.header('x'), c.req.query('q'), c.req.param('id'), c.req.json()
        if (['get', 'header', 'query', 'param', 'queries', 'json', 'text', 'formData', 'parseBody', 'cookies'].includes(c.name)) return true;
      }
      if (c?.receiverNode && ts.isIdentifier(unwrap(c.receiverNode)) && KOA_CTX.has((unwrap(c.receiverNode) as ts.Identifier).text) && c.name === 'get') return true;
    }
    return false;
  }

  isTainted(e: ts.Expression | undefined, depth = 0): boolean {
    if (!e || depth > 20) return false;
    const x = unwrap(e);
    if (this.isSource(x)) return true;
    const d = depth + 1;
    if (ts.isIdentifier(x)) {
      const bs = this.bindings(x);
      return !!bs && bs.some((b) => this.bindingTainted(b, d));
    }
    if (ts.isPropertyAccessExpression(x)) {
      if (x.name.text === 'length') return false;
      return this.isTainted(x.expression, d);
    }
    if (ts.isElementAccessExpression(x)) return this.isTainted(x.expression, d);
    if (ts.isTemplateExpression(x)) return x.templateSpans.some((s) => this.isTainted(s.expression, d));
    if (ts.isBinaryExpression(x)) {
      const op = x.operatorToken.kind;
      if (op === ts.SyntaxKind.PlusToken || op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.PlusEqualsToken) {
        return this.isTainted(x.left, d) || this.isTainted(x.right, d);
      }
      if (op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.CommaToken || op === ts.SyntaxKind.EqualsToken) return this.isTainted(x.right, d);
      return false;
    }
    if (ts.isConditionalExpression(x)) return this.isTainted(x.whenTrue, d) || this.isTainted(x.whenFalse, d);
    if (ts.isArrayLiteralExpression(x)) return x.elements.some((el) => this.isTainted(ts.isSpreadElement(el) ? el.expression : el, d));
    if (ts.isObjectLiteralExpression(x)) return x.properties.some((p) => ts.isSpreadAssignment(p) && this.isTainted(p.expression, d));
    if (ts.isSpreadElement(x)) return this.isTainted(x.expression, d);
    if (ts.isNewExpression(x)) {
      const name = chainText(x.expression);
      return (name === 'URL' || name === 'url.URL') && !!x.arguments?.[0] && this.isTainted(x.arguments[0], d);
    }
    if (ts.isCallExpression(x)) {
      const c = callee(x);
      if (!c) return false;
      const full = c.receiver ? `${c.receiver}.${c.name}` : c.name;
      if (c.receiverNode && PASS_THROUGH.has(c.name) && this.isTainted(c.receiverNode, d)) return true;
      if (CARRIERS.test(full)) return x.arguments.some((a) => this.isTainted(a, d));
      const fn = this.fn(chainText(x.expression));
      if (fn && x.arguments.some((a) => this.isTainted(a, d))) return this.returnsParams(fn);
      return false;
    }
    return false;
  }

  /** Whether a same-file helper returns something built from its parameters. */
  private returnsParams(fn: ts.FunctionLikeDeclaration): boolean {
    const cached = this.summaries.get(fn);
    if (cached !== undefined) return cached;
    this.summaries.set(fn, false);
    const params = new Set<string>();
    const addNames = (n: ts.BindingName): void => {
      if (ts.isIdentifier(n)) params.add(n.text);
      else for (const el of n.elements) if (!ts.isOmittedExpression(el)) addNames(el.name);
    };
    fn.parameters.forEach((p) => addNames(p.name));
    const flows = (e: ts.Expression | undefined): boolean => {
      if (!e) return false;
      let hit = false;
      const visit = (n: ts.Node): void => {
        if (hit) return;
        if (ts.isIdentifier(n) && params.has(n.text)) {
          // Arguments to other calls (validators, Number()) do not count; receivers and operands do.
          const p = n.parent;
          if (p && ts.isCallExpression(p) && p.arguments.includes(n as ts.Expression) && !CARRIERS.test(chainText(p.expression) ?? '')) return;
          hit = true;
          return;
        }
        if (isFunctionLike(n)) return;
        ts.forEachChild(n, visit);
      };
      visit(e);
      return hit;
    };
    let result = false;
    const body = fn.body;
    if (body && !ts.isBlock(body)) result = flows(body);
    else if (body) {
      const visit = (n: ts.Node): void => {
        if (result || isFunctionLike(n)) return;
        if (ts.isVariableDeclaration(n) && n.initializer && flows(n.initializer)) addNames(n.name);
        if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken && ts.isIdentifier(n.left) && flows(n.right)) params.add(n.left.text);
        if (ts.isReturnStatement(n) && flows(n.expression)) result = true;
        ts.forEachChild(n, visit);
      };
      ts.forEachChild(body, visit);
    }
    this.summaries.set(fn, result);
    return result;
  }
}

const cache = new WeakMap<CodeFile, Taint>();

export function taintOf(file: CodeFile): Taint {
  let t = cache.get(file);
  if (!t) {
    t = SOURCE_HINT.test(file.text) ? new TaintAnalysis(file) : NO_TAINT;
    cache.set(file, t);
  }
  return t;
}
