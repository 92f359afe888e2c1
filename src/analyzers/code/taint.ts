import { ts } from 'ts-morph';
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

class TaintAnalysis implements Taint {
  private tainted = new Map<Scope, Set<string>>();
  private requests = new Map<Scope, Set<string>>();
  private paramTaint = new Map<ts.FunctionLikeDeclaration, Set<number>>();
  private functions = new Map<string, ts.FunctionLikeDeclaration | null>();
  private summaries = new Map<ts.FunctionLikeDeclaration, boolean>();
  private changed = false;

  constructor(private readonly file: CodeFile) {
    this.collectFunctions(file.sourceFile);
    for (let round = 0; round < 3; round++) {
      this.changed = false;
      this.tainted.clear();
      this.requests.clear();
      this.walk(file.sourceFile);
      if (!this.changed) break;
    }
  }

  private collectFunctions(node: ts.Node): void {
    const add = (name: string | undefined, fn: ts.FunctionLikeDeclaration) => {
      if (name) this.functions.set(name, this.functions.has(name) ? null : fn);
    };
    if (ts.isFunctionDeclaration(node) && node.name) add(node.name.text, node);
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
      const init = unwrap(node.initializer);
      if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) add(node.name.text, init);
    }
    if (ts.isMethodDeclaration(node) && node.body) add(`this.${nameOf(node.name)}`, node);
    ts.forEachChild(node, (c) => this.collectFunctions(c));
  }

  private scopeOf(node: ts.Node): Scope {
    for (let n = node.parent; n; n = n.parent) if (isFunctionLike(n) || ts.isSourceFile(n)) return n as Scope;
    return this.file.sourceFile;
  }

  private set(map: Map<Scope, Set<string>>, scope: Scope): Set<string> {
    let s = map.get(scope);
    if (!s) map.set(scope, (s = new Set()));
    return s;
  }

  private lookup(map: Map<Scope, Set<string>>, node: ts.Node, name: string): boolean {
    for (let n: ts.Node | undefined = node; n; n = n.parent) {
      if ((isFunctionLike(n) || ts.isSourceFile(n)) && map.get(n as Scope)?.has(name)) return true;
    }
    return false;
  }

  private markBinding(name: ts.BindingName, scope: Scope, fromRequest: boolean): void {
    const names = this.set(this.tainted, scope);
    if (ts.isIdentifier(name)) {
      names.add(name.text);
      return;
    }
    for (const el of name.elements) {
      if (ts.isOmittedExpression(el)) continue;
      if (fromRequest && ts.isObjectBindingPattern(name)) {
        // `const { body, user } = req`: only the input properties are input.
        const key = nameOf(el.propertyName) ?? (ts.isIdentifier(el.name) ? el.name.text : undefined);
        if (!key || !INPUT_PROPS.has(key)) continue;
      }
      this.markBinding(el.name, scope, false);
    }
  }

  private walk(node: ts.Node): void {
    if (isFunctionLike(node)) this.enterFunction(node);
    if (ts.isVariableDeclaration(node) && node.initializer) {
      ts.forEachChild(node, (c) => this.walk(c));
      const init = node.initializer;
      const scope = this.scopeOf(node);
      if (this.isRequest(init)) {
        if (ts.isIdentifier(node.name)) this.set(this.requests, scope).add(node.name.text);
        else this.markBinding(node.name, scope, true);
      } else if (this.isTainted(init)) this.markBinding(node.name, scope, false);
      return;
    }
    if (ts.isBinaryExpression(node) && (node.operatorToken.kind === ts.SyntaxKind.EqualsToken || node.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken)) {
      ts.forEachChild(node, (c) => this.walk(c));
      const target = unwrap(node.left);
      if (ts.isIdentifier(target) && this.isTainted(node.right)) this.set(this.tainted, this.scopeOf(node)).add(target.text);
      return;
    }
    if ((ts.isForOfStatement(node) || ts.isForInStatement(node)) && ts.isVariableDeclarationList(node.initializer)) {
      if (this.isTainted(node.expression)) for (const d of node.initializer.declarations) this.markBinding(d.name, this.scopeOf(node), false);
    }
    if (ts.isCallExpression(node)) {
      const c = callee(node);
      const cb = node.arguments[0] && unwrap(node.arguments[0]);
      if (c && c.receiverNode && ITERATING.has(c.name) && cb && (ts.isArrowFunction(cb) || ts.isFunctionExpression(cb)) && cb.parameters[0] && this.isTainted(c.receiverNode)) {
        this.markBinding(cb.parameters[0].name, cb, false);
      }
      this.noteHelperCall(node);
    }
    ts.forEachChild(node, (c) => this.walk(c));
  }

  private enterFunction(fn: ts.FunctionLikeDeclaration): void {
    const tainted = this.paramTaint.get(fn);
    fn.parameters.forEach((p, i) => {
      const decorators = ts.canHaveDecorators(p) ? (ts.getDecorators(p) ?? []) : [];
      const names = decorators.map((d) => (ts.isCallExpression(d.expression) ? chainText(d.expression.expression) : chainText(d.expression)));
      const type = p.type?.getText(this.file.sourceFile) ?? '';
      if (names.some((n) => n && NEST_INPUT.has(n)) || tainted?.has(i)) this.markBinding(p.name, fn, false);
      else if (ts.isIdentifier(p.name) && (names.some((n) => n && NEST_REQUEST.has(n)) || /^(?:express\.)?Request\b|^FastifyRequest\b|^IncomingMessage\b/.test(type))) {
        this.set(this.requests, fn).add(p.name.text);
      }
    });
  }

  /** A same-file function called with tainted arguments gets those parameters tainted. */
  private noteHelperCall(call: ts.CallExpression): void {
    const key = chainText(call.expression);
    const fn = key ? this.functions.get(key) : undefined;
    if (!fn) return;
    call.arguments.forEach((a, i) => {
      if (i >= fn.parameters.length || !this.isTainted(a)) return;
      let s = this.paramTaint.get(fn);
      if (!s) this.paramTaint.set(fn, (s = new Set()));
      if (!s.has(i)) {
        s.add(i);
        this.changed = true;
      }
    });
  }

  isRequest(e: ts.Expression): boolean {
    e = unwrap(e);
    if (ts.isIdentifier(e)) return REQUEST_NAMES.has(e.text) || this.lookup(this.requests, e, e.text);
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
    if (ts.isIdentifier(x)) return this.lookup(this.tainted, x, x.text);
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
      const key = chainText(x.expression);
      const fn = key ? this.functions.get(key) : undefined;
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
    t = new TaintAnalysis(file);
    cache.set(file, t);
  }
  return t;
}
