import { ts, whenTypeScriptLoads } from './ts.js';
import { CodeFile } from './code-file.js';

/**
 * The route model: the HTTP routes a file declares, for Express, Fastify, Koa
 * (@koa/router), Hono and NestJS. One walk over the file collects routers, route
 * registrations, mounts (`app.use('/p', router)`, `app.route()`, `register(plugin,
 * { prefix })`), middleware (`router.use(auth)`) and `listen()` calls; prefixes and
 * inherited middleware are then resolved within the file. `resolveRoutes()` joins the
 * per-file models of several files (mounts across imports).
 *
 * Parse only: nothing is type-checked, executed or resolved from node_modules.
 */

export type Framework = 'express' | 'fastify' | 'koa' | 'hono' | 'nest';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'ALL'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** A middleware, hook or guard attached to a route, by the name it is written with. */
export interface RouteMiddleware {
  /** `requireAuth`, `passport.authenticate`, `rateLimit`, `JwtAuthGuard`, `AuthGuard`. Calls are named by their callee. */
  name: string;
  /** The source text of the argument (`passport.authenticate('jwt', { session: false })`). */
  text: string;
  node: ts.Node;
}

export interface Route {
  framework: Framework;
  method: HttpMethod;
  /** Full path, prefixes joined, always starting with `/` (e.g. `/v1/users/:id`). */
  path: string;
  /** The path literal as written at the registration (`/:id`). */
  localPath: string;
  /** The string literal node of `localPath`, when there is one. */
  pathNode?: ts.Node;
  /** The router variable, plugin function or controller class the route is registered on. */
  owner: string;
  /**
   * Middleware that run before the handler: inherited from `use()` on the router and on
   * every router it is mounted under (in registration order), then the route's own.
   * Fastify hooks (`onRequest`, `preHandler`, `addHook`) are included.
   */
  middleware: RouteMiddleware[];
  /** NestJS guards (`@UseGuards` on the class, then the method). */
  guards: RouteMiddleware[];
  /** NestJS decorators on the controller class and the method (`Public`, `Throttle`, `HttpCode`). */
  decorators: string[];
  /** The handler function (arrow, function expression or declaration, class method) when it is in this file. */
  handler?: ts.FunctionLikeDeclaration;
  /** How the handler is referenced (`listOrders`, `ordersController.list`). */
  handlerName?: string;
  /** The registration call, or the NestJS method declaration. */
  node: ts.Node;
  file: string;
  line: number;
  /** True when the prefix chain reached an application (or a NestJS global prefix was seen): `path` is complete. */
  mounted: boolean;
  /** NestJS controller/method `version`. */
  version?: string;
}

export interface RouterDecl {
  name: string;
  framework: Framework;
  /** app: the root (`express()`, `Fastify()`, `new Koa()`, `new Hono()`, a Nest app); router: mountable. */
  kind: 'app' | 'router' | 'plugin' | 'controller';
  /** Own prefix: Koa `new Router({ prefix })`, Hono `basePath()`, Nest `@Controller('x')`. */
  prefix: string;
  node: ts.Node;
  line: number;
}

export interface RouterUse {
  router: string;
  /** Path scope ('' for all). */
  path: string;
  middleware: RouteMiddleware[];
  pos: number;
  line: number;
}

export interface Mount {
  parent: string;
  prefix: string;
  /** The child as written: a local name, or an import. */
  child: string;
  /** Middleware listed before the child in the same call (`app.use('/admin', requireAdmin, adminRouter)`). */
  middleware: RouteMiddleware[];
  node: ts.Node;
  line: number;
  pos: number;
}

export interface ListenCall {
  /** The app or server variable `listen()` is called on (or `serve()`'s app). */
  app: string;
  node: ts.CallExpression;
  line: number;
}

export interface ImportRef {
  module: string;
  /** Exported name, `default`, or `*` for a namespace or CommonJS require. */
  name: string;
}

export interface FileRoutes {
  file: CodeFile;
  frameworks: Set<Framework>;
  /** Routes declared in this file, resolved with this file's knowledge only. */
  routes: Route[];
  routers: Map<string, RouterDecl>;
  uses: RouterUse[];
  mounts: Mount[];
  listens: ListenCall[];
  /** Local name → import. */
  imports: Map<string, ImportRef>;
  /** Exported name (`default` included) → local name. */
  exports: Map<string, string>;
  /** NestJS `app.setGlobalPrefix('api')`. */
  globalPrefix?: string;
  /** NestJS `setGlobalPrefix('v1', { exclude: ['healthz'] })`, as paths. */
  globalPrefixExclude?: string[];
  /** NestJS `app.enableVersioning()` seen. */
  nestVersioning: boolean;
  /** Unresolved route data, for cross-file resolution. */
  raw: RawRoute[];
  /** Functions declared in the file by name (declarations and `const f = (…) => …`), for following helpers. */
  functions: Map<string, ts.FunctionLikeDeclaration>;
}

/** A route before prefixes and inherited middleware are applied. */
export interface RawRoute extends Omit<Route, 'path' | 'mounted' | 'middleware'> {
  own: RouteMiddleware[];
  pos: number;
}

const METHOD_NAMES = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'options', 'head', 'all']);
const NEST_METHODS: Record<string, HttpMethod> = { Get: 'GET', Post: 'POST', Put: 'PUT', Patch: 'PATCH', Delete: 'DELETE', Options: 'OPTIONS', Head: 'HEAD', All: 'ALL' };
const ROUTERISH = /^(app|api|router|routes|server|fastify|instance|koa|hono|r|v\d+|\w*(Router|Routes|App|Api|Server))$/;
const ROUTER_PARAM = /^(app|api|router|routes|server|fastify|instance|r|\w*(Router|App|Server))$/;

const FRAMEWORK_MODULES: Record<string, Framework> = {
  express: 'express',
  fastify: 'fastify',
  koa: 'koa',
  '@koa/router': 'koa',
  'koa-router': 'koa',
  hono: 'hono',
  '@nestjs/common': 'nest',
  '@nestjs/core': 'nest',
};

const cache = new WeakMap<CodeFile, FileRoutes>();
/** A prefix computed at runtime (`app.use(config.prefix, r)`): routes below it are not `mounted`. */
export const UNKNOWN_PREFIX = '\u0000?';
// The enum itself: `ts.SyntaxKind` is a getter on the compiler's namespace, too slow for a hot loop.
let K: typeof ts.SyntaxKind;
whenTypeScriptLoads((ts) => (K = ts.SyntaxKind));
const HANDLER_FIRST = /^_?(req|request|ctx|c|context|event)$/;
const HANDLER_SECOND = /^_?(res|reply|response|next|h)$/;

/** `(req, res) => …`, `(ctx) => …`, `async (request, reply) => …`: a request handler or middleware. */
function isRequestHandler(fn: ts.ArrowFunction | ts.FunctionExpression): boolean {
  const ps = fn.parameters;
  if (ps.length === 0) return false;
  const first = ps[0].name;
  if (!ts.isIdentifier(first)) return ps.length >= 2 && ts.isIdentifier(ps[1].name) && HANDLER_SECOND.test(ps[1].name.text);
  if (HANDLER_FIRST.test(first.text)) return true;
  return ps.length >= 2 && ts.isIdentifier(ps[1].name) && HANDLER_SECOND.test(ps[1].name.text);
}

/** The routes of one file, parsed once per CodeFile and shared by every rule. */
export function routesOf(file: CodeFile): FileRoutes {
  let fr = cache.get(file);
  if (!fr) {
    fr = extract(file);
    cache.set(file, fr);
  }
  return fr;
}

/** Extracts routes from source text that is not a review file (base content, neighbours). */
export function routesOfText(path: string, text: string): FileRoutes {
  return routesOf(new CodeFile(path, text));
}

// ---------------------------------------------------------------------------------------
// Helpers

export function stringValue(node: ts.Node | undefined): string | undefined {
  if (!node) return undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  return undefined;
}

export function joinPath(...parts: string[]): string {
  const segs: string[] = [];
  for (const p of parts) for (const s of p.split('/')) if (s) segs.push(s);
  return '/' + segs.join('/');
}

/** The name a middleware or guard expression is known by. */
export function middlewareName(node: ts.Node): string {
  if (ts.isIdentifier(node)) return node.text;
  if (ts.isPropertyAccessExpression(node)) {
    const left = middlewareName(node.expression);
    return left ? `${left}.${node.name.text}` : node.name.text;
  }
  if (ts.isCallExpression(node)) return middlewareName(node.expression);
  if (ts.isNewExpression(node)) return middlewareName(node.expression);
  if (node.kind === ts.SyntaxKind.ThisKeyword) return 'this';
  if (ts.isAsExpression(node) || ts.isParenthesizedExpression(node) || ts.isNonNullExpression(node)) return middlewareName(node.expression);
  return '';
}

function mw(node: ts.Node, sf: ts.SourceFile): RouteMiddleware[] {
  if (ts.isArrayLiteralExpression(node)) return node.elements.flatMap((e) => mw(e, sf));
  if (ts.isSpreadElement(node)) return mw(node.expression, sf);
  const name = middlewareName(node);
  if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) return [{ name: '<inline>', text: node.getText(sf), node }];
  return name ? [{ name, text: node.getText(sf), node }] : [];
}

function isFunctionLike(node: ts.Node | undefined): node is ts.ArrowFunction | ts.FunctionExpression {
  return !!node && (ts.isArrowFunction(node) || ts.isFunctionExpression(node));
}

function unwrap(node: ts.Expression): ts.Expression {
  let n = node;
  while (ts.isParenthesizedExpression(n) || ts.isAsExpression(n) || ts.isNonNullExpression(n) || ts.isAwaitExpression(n) || ts.isSatisfiesExpression(n)) n = n.expression;
  return n;
}

/** Root identifier of a chain `a.b().c().d` (the router a route call is ultimately made on). */
function chainRoot(expr: ts.Expression): { name: string; routeCall?: ts.CallExpression; chainMiddleware: ts.Expression[] } | undefined {
  let e = unwrap(expr);
  let routeCall: ts.CallExpression | undefined;
  const chainMiddleware: ts.Expression[] = [];
  for (let i = 0; i < 20; i++) {
    if (ts.isIdentifier(e)) return { name: e.text, routeCall, chainMiddleware };
    if (ts.isPropertyAccessExpression(e) && e.expression.kind === ts.SyntaxKind.ThisKeyword) return { name: e.name.text, routeCall, chainMiddleware };
    if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression)) {
      const m = e.expression.name.text;
      if (m === 'route' && !routeCall && e.arguments.length === 1) routeCall = e;
      else if (routeCall === undefined && m === 'all' && e.arguments.length >= 1 && stringValue(e.arguments[0]) === undefined) {
        // express router.route('/x').all(mw).get(h)
        chainMiddleware.unshift(...e.arguments);
      } else if (!METHOD_NAMES.has(m) && m !== 'use' && m !== 'basePath') return undefined;
      e = unwrap(e.expression.expression);
      continue;
    }
    return undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Extraction

interface FnInfo {
  node: ts.FunctionLikeDeclaration;
  name: string;
}

function extract(file: CodeFile): FileRoutes {
  const sf = file.sourceFile;
  const fr: FileRoutes = {
    file,
    frameworks: new Set(),
    routes: [],
    routers: new Map(),
    uses: [],
    mounts: [],
    listens: [],
    imports: new Map(),
    exports: new Map(),
    nestVersioning: false,
    raw: [],
    functions: new Map(),
  };
  // Cheap bail-out: files that mention no routing vocabulary have no routes.
  if (!/\b(get|post|put|patch|delete|del|all|options|head|route|use|register|listen|Controller|serve)\s*\(|@(Get|Post|Put|Patch|Delete)/.test(file.text)) return fr;

  const functions = new Map<string, FnInfo>();
  const objectMethods = new Map<string, ts.FunctionLikeDeclaration>(); // `ctrl.list` → function
  const calls: ts.CallExpression[] = [];
  const classes: ts.ClassDeclaration[] = [];
  const localDefault: { name?: string } = {};

  const visit = (node: ts.Node): void => {
    const kind = node.kind;
    // Types, and the bodies of request handlers and of decorated class methods, register no routes.
    if ((kind >= K.FirstTypeNode && kind <= K.LastTypeNode) || kind === K.InterfaceDeclaration || kind === K.TypeAliasDeclaration) return;
    if ((kind === K.ArrowFunction || kind === K.FunctionExpression) && isRequestHandler(node as ts.ArrowFunction)) return;
    if (kind === K.MethodDeclaration && node.parent.kind === K.ClassDeclaration && ts.getDecorators(node.parent as ts.ClassDeclaration)?.length) return;
    switch (kind) {
      case K.ImportDeclaration: {
        const d = node as ts.ImportDeclaration;
        const module = stringValue(d.moduleSpecifier);
        if (module) {
          const fw = FRAMEWORK_MODULES[module] ?? (module.startsWith('@nestjs/') ? 'nest' : module.startsWith('hono/') ? 'hono' : undefined);
          if (fw) fr.frameworks.add(fw);
          const clause = d.importClause;
          if (clause?.name) fr.imports.set(clause.name.text, { module, name: 'default' });
          const nb = clause?.namedBindings;
          if (nb && ts.isNamespaceImport(nb)) fr.imports.set(nb.name.text, { module, name: '*' });
          if (nb && ts.isNamedImports(nb)) for (const el of nb.elements) fr.imports.set(el.name.text, { module, name: (el.propertyName ?? el.name).text });
        }
        return;
      }
      case K.ExportAssignment: {
        const d = node as ts.ExportAssignment;
        const e = unwrap(d.expression);
        if (ts.isIdentifier(e)) fr.exports.set('default', e.text);
        else if (isFunctionLike(e)) {
          functions.set('default', { node: e, name: 'default' });
          fr.exports.set('default', 'default');
        }
        break;
      }
      case K.ExportDeclaration: {
        const d = node as ts.ExportDeclaration;
        if (!d.moduleSpecifier && d.exportClause && ts.isNamedExports(d.exportClause)) {
          for (const el of d.exportClause.elements) fr.exports.set(el.name.text, (el.propertyName ?? el.name).text);
        }
        break;
      }
      case K.FunctionDeclaration: {
        const d = node as ts.FunctionDeclaration;
        const exported = d.modifiers?.some((m) => m.kind === K.ExportKeyword);
        const isDefault = d.modifiers?.some((m) => m.kind === K.DefaultKeyword);
        const name = d.name?.text ?? (isDefault ? 'default' : undefined);
        if (name) {
          functions.set(name, { node: d, name });
          if (exported) fr.exports.set(isDefault ? 'default' : name, name);
          if (isDefault) localDefault.name = name;
        }
        break;
      }
      case K.VariableDeclaration: {
        const d = node as ts.VariableDeclaration;
        if (d.initializer) onVariable(d);
        break;
      }
      case K.BinaryExpression: {
        // module.exports = router; exports.x = router
        const b = node as ts.BinaryExpression;
        if (b.operatorToken.kind === K.EqualsToken) {
          const left = b.left.getText(sf);
          const right = unwrap(b.right);
          if (left === 'module.exports' && ts.isIdentifier(right)) fr.exports.set('default', right.text);
          else if (left === 'module.exports' && isFunctionLike(right)) {
            functions.set('default', { node: right, name: 'default' });
            fr.exports.set('default', 'default');
          } else if (/^(module\.)?exports\.\w+$/.test(left) && ts.isIdentifier(right)) fr.exports.set(left.split('.').pop()!, right.text);
        }
        break;
      }
      case K.ClassDeclaration:
        classes.push(node as ts.ClassDeclaration);
        break;
      case K.CallExpression:
        calls.push(node as ts.CallExpression);
        break;
    }
    ts.forEachChild(node, visit);
  };

  const onVariable = (d: ts.VariableDeclaration): void => {
    const init = unwrap(d.initializer!);
    const exported = isExportedDecl(d);
    if (ts.isObjectBindingPattern(d.name)) {
      // const { Router } = require('express'); const { a, b } = require('./x')
      if (ts.isCallExpression(init) && ts.isIdentifier(init.expression) && init.expression.text === 'require') {
        const module = stringValue(init.arguments[0]);
        if (module) {
          const fw = FRAMEWORK_MODULES[module];
          if (fw) fr.frameworks.add(fw);
          for (const el of d.name.elements) {
            if (ts.isIdentifier(el.name)) fr.imports.set(el.name.text, { module, name: el.propertyName && ts.isIdentifier(el.propertyName) ? el.propertyName.text : el.name.text });
          }
        }
      }
      return;
    }
    if (!ts.isIdentifier(d.name)) return;
    const name = d.name.text;
    if (exported) fr.exports.set(name, name);
    // require
    const req = requireOf(init);
    if (req) {
      const fw = FRAMEWORK_MODULES[req.module];
      if (fw) fr.frameworks.add(fw);
      fr.imports.set(name, req);
      return;
    }
    // handlers in variables, possibly wrapped: asyncHandler(async (req, res) => ...)
    const fn = functionOf(init);
    if (fn) functions.set(name, { node: fn, name });
    if (ts.isObjectLiteralExpression(init)) {
      for (const p of init.properties) {
        if (ts.isMethodDeclaration(p) && p.name && ts.isIdentifier(p.name)) objectMethods.set(`${name}.${p.name.text}`, p);
        if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name)) {
          const f = functionOf(unwrap(p.initializer));
          if (f) objectMethods.set(`${name}.${p.name.text}`, f);
        }
      }
    }
    const router = routerCreation(init, fr);
    if (router) fr.routers.set(name, { name, ...router, node: d, line: file.lineOf(d) });
    else if (ts.isCallExpression(init) && ts.isPropertyAccessExpression(init.expression) && init.expression.name.text === 'basePath') {
      // const api = app.basePath('/api'): a sub-app of a Hono app declared earlier
      const parent = unwrap(init.expression.expression);
      if (ts.isIdentifier(parent) && fr.routers.has(parent.text)) {
        fr.routers.set(name, { name, framework: 'hono', kind: 'router', prefix: stringValue(init.arguments[0]) ?? '', node: d, line: file.lineOf(d) });
        fr.mounts.push({ parent: parent.text, prefix: '', child: name, middleware: [], node: init, line: file.lineOf(init), pos: init.getStart(sf) });
      }
    }
  };

  visit(sf);

  // Routers created as parameters of plugin-style functions: (fastify) => { fastify.get(...) }
  const paramOwner = (id: ts.Identifier): { owner: string; fn: ts.Node } | undefined => {
    for (let p: ts.Node | undefined = id.parent; p; p = p.parent) {
      if (ts.isFunctionDeclaration(p) || ts.isArrowFunction(p) || ts.isFunctionExpression(p) || ts.isMethodDeclaration(p)) {
        const param = p.parameters.find((x) => ts.isIdentifier(x.name) && x.name.text === id.text);
        if (param) return { owner: functionName(p), fn: p };
      }
    }
    return undefined;
  };

  const frameworkOfRouter = (name: string): Framework => {
    const decl = fr.routers.get(name);
    if (decl) return decl.framework;
    if (fr.frameworks.has('fastify') || /^(fastify|instance)$/.test(name)) return 'fastify';
    if (fr.frameworks.has('hono')) return 'hono';
    if (fr.frameworks.has('koa')) return 'koa';
    return 'express';
  };

  /** The owner name for a route registered on identifier `name` at `at`, or undefined if not a router. */
  const ownerOf = (name: string, at: ts.Node): string | undefined => {
    if (fr.routers.has(name)) return name;
    const hasFramework = fr.frameworks.size > 0;
    // Parameters of plugin functions: `export default async function users(fastify) { ... }`
    const id = findIdentifierInChain(at, name);
    if (id) {
      const po = paramOwner(id);
      if (po && ROUTER_PARAM.test(name)) {
        if (!fr.routers.has(po.owner)) {
          fr.routers.set(po.owner, { name: po.owner, framework: frameworkOfRouter(name), kind: 'plugin', prefix: '', node: po.fn, line: file.lineOf(po.fn) });
        }
        return po.owner;
      }
    }
    // Imported app/router instances (`import { app } from './app'`) in a routing file.
    if (hasFramework && ROUTERISH.test(name) && (fr.imports.has(name) || /^(app|router|server|fastify)$/.test(name))) return name;
    return undefined;
  };

  const resolveHandler = (expr: ts.Expression): { handler?: ts.FunctionLikeDeclaration; name?: string } => {
    const e = unwrap(expr);
    const fn = functionOf(e);
    if (fn) return { handler: fn };
    if (ts.isIdentifier(e)) return { handler: functions.get(e.text)?.node, name: e.text };
    if (ts.isPropertyAccessExpression(e)) {
      const text = e.getText(sf);
      return { handler: objectMethods.get(text), name: text };
    }
    if (ts.isCallExpression(e)) {
      // wrapper around a named handler: asyncHandler(listOrders), ctrl.list.bind(ctrl)
      const inner = e.arguments.find((a) => ts.isIdentifier(a) || ts.isPropertyAccessExpression(a));
      if (inner) return resolveHandler(inner);
      if (ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === 'bind') return resolveHandler(e.expression.expression);
    }
    return {};
  };

  const addRoute = (r: Omit<RawRoute, 'file' | 'line' | 'pos' | 'guards' | 'decorators'> & Partial<RawRoute>): void => {
    // Chained calls (`route('/x').get(a).post(b)`) share a start: order them by the method name.
    const at = ts.isCallExpression(r.node) && ts.isPropertyAccessExpression(r.node.expression) ? r.node.expression.name : r.node;
    fr.raw.push({ guards: [], decorators: [], file: file.path, line: file.lineOf(at), pos: at.getStart(sf), ...r });
  };

  for (const call of calls) {
    const callee = call.expression;
    // registerUserRoutes(app) / require('./routes')(app)
    if (ts.isIdentifier(callee) && call.arguments.length >= 1) {
      const arg0 = call.arguments[0];
      if (ts.isIdentifier(arg0) && (fr.routers.has(arg0.text) || ROUTER_PARAM.test(arg0.text)) && (functions.has(callee.text) || fr.imports.has(callee.text))) {
        const parent = ownerOf(arg0.text, arg0) ?? undefined;
        if (parent) fr.mounts.push({ parent, prefix: '', child: callee.text, middleware: [], node: call, line: file.lineOf(call), pos: call.getStart(sf) });
      }
      if (callee.text === 'serve' && call.arguments.length >= 1) {
        // @hono/node-server: serve({ fetch: app.fetch, port })
        const opts = unwrap(call.arguments[0]);
        if (ts.isObjectLiteralExpression(opts)) {
          const fetch = propValue(opts, 'fetch');
          if (fetch && ts.isPropertyAccessExpression(fetch) && ts.isIdentifier(fetch.expression)) fr.listens.push({ app: fetch.expression.text, node: call, line: file.lineOf(call) });
        }
      }
      continue;
    }
    if (!ts.isPropertyAccessExpression(callee)) continue;
    const method = callee.name.text;
    const args = call.arguments;

    if (method === 'listen') {
      const recv = unwrap(callee.expression);
      // app.listen(), http.createServer(app).listen(), createApp().listen()
      const name = ts.isIdentifier(recv)
        ? recv.text
        : ts.isCallExpression(recv)
          ? (serverAppOf(recv) ?? (ts.isIdentifier(recv.expression) && recv.arguments.length <= 1 ? `${recv.expression.text}()` : undefined))
          : undefined;
      if (name) fr.listens.push({ app: name, node: call, line: file.lineOf(call) });
      continue;
    }
    if (method === 'setGlobalPrefix') {
      const p = stringValue(args[0]);
      if (p !== undefined) fr.globalPrefix = p;
      else if (args[0]) fr.globalPrefix = UNKNOWN_PREFIX;
      const opts = args[1] && unwrap(args[1]);
      const exclude = opts && ts.isObjectLiteralExpression(opts) ? propValue(opts, 'exclude') : undefined;
      if (exclude && ts.isArrayLiteralExpression(exclude)) {
        fr.globalPrefixExclude = exclude.elements.map((e) => {
          const u = unwrap(e);
          return stringValue(u) ?? (ts.isObjectLiteralExpression(u) ? stringValue(propValue(u, 'path')) : undefined);
        }).filter((x): x is string => x !== undefined).map((x) => joinPath(x));
      }
      continue;
    }
    if (method === 'enableVersioning') {
      fr.nestVersioning = true;
      continue;
    }

    const root = chainRoot(callee.expression);
    if (!root) continue;

    if (METHOD_NAMES.has(method) && root.routeCall) {
      // express: router.route('/x').get(mw, handler)
      const owner = ownerOf(root.name, call);
      const path = stringValue(root.routeCall.arguments[0]);
      if (!owner || path === undefined || args.length === 0) continue;
      // `.all(mw)` followed by more methods is middleware for them (read by chainRoot), not a route.
      if (method === 'all' && ts.isPropertyAccessExpression(call.parent) && call.parent.expression === call) continue;
      const handlerArg = args[args.length - 1];
      const h = resolveHandler(handlerArg);
      addRoute({
        framework: frameworkOfRouter(owner),
        method: toMethod(method),
        localPath: path,
        pathNode: root.routeCall.arguments[0],
        owner,
        own: [...root.chainMiddleware.flatMap((a) => mw(a, sf)), ...args.slice(0, -1).flatMap((a) => mw(a, sf))],
        handler: h.handler,
        handlerName: h.name,
        node: call,
      });
      continue;
    }

    if (METHOD_NAMES.has(method)) {
      if (args.length < 2) continue;
      const path = stringValue(args[0]);
      if (path === undefined || !(path === '' || path.startsWith('/') || path === '*')) continue;
      const owner = ownerOf(root.name, call);
      if (!owner) continue;
      const last = unwrap(args[args.length - 1]);
      if (!isHandlerExpr(last)) continue;
      const framework = frameworkOfRouter(owner);
      let own: RouteMiddleware[] = [];
      let handlerExpr: ts.Expression = last;
      for (const a of args.slice(1, -1)) {
        const u = unwrap(a);
        if (ts.isObjectLiteralExpression(u)) own.push(...hookMiddleware(u, sf));
        else own.push(...mw(a, sf));
      }
      if (ts.isObjectLiteralExpression(last)) {
        // fastify.get('/x', { preHandler, handler })
        const h = propValue(last, 'handler');
        if (!h) continue;
        own = [...own, ...hookMiddleware(last, sf)];
        handlerExpr = h;
      }
      const h = resolveHandler(handlerExpr);
      addRoute({ framework, method: toMethod(method), localPath: path, pathNode: args[0], owner, own, handler: h.handler, handlerName: h.name, node: call });
      continue;
    }

    if (method === 'route' && args.length === 1 && ts.isObjectLiteralExpression(unwrap(args[0]))) {
      // fastify.route({ method, url, preHandler, handler })
      const owner = ownerOf(root.name, call);
      const opts = unwrap(args[0]) as ts.ObjectLiteralExpression;
      const url = propValue(opts, 'url') ?? propValue(opts, 'path');
      const path = stringValue(url);
      const m = propValue(opts, 'method');
      const methods = m && ts.isArrayLiteralExpression(m) ? m.elements.map((x) => stringValue(x)) : [stringValue(m)];
      const handlerExpr = propValue(opts, 'handler');
      if (!owner || path === undefined || !handlerExpr) continue;
      const h = resolveHandler(handlerExpr);
      for (const mm of methods) {
        if (!mm || !METHOD_NAMES.has(mm.toLowerCase())) continue;
        addRoute({ framework: 'fastify', method: toMethod(mm.toLowerCase()), localPath: path, pathNode: url, owner, own: hookMiddleware(opts, sf), handler: h.handler, handlerName: h.name, node: call });
      }
      continue;
    }

    if (method === 'route' && args.length >= 2) {
      // hono: app.route('/prefix', sub)
      const owner = ownerOf(root.name, call);
      const prefix = stringValue(args[0]) ?? UNKNOWN_PREFIX;
      const child = unwrap(args[1]);
      if (owner && ts.isIdentifier(child)) {
        fr.mounts.push({ parent: owner, prefix, child: child.text, middleware: [], node: call, line: file.lineOf(call), pos: call.getStart(sf) });
      }
      continue;
    }

    if (method === 'use' || method === 'register' || method === 'addHook') {
      const owner = ownerOf(root.name, call);
      if (!owner) continue;
      const pos = call.getStart(sf);
      const line = file.lineOf(call);
      if (method === 'addHook') {
        const hook = stringValue(args[0]);
        if (hook && /^(onRequest|preParsing|preValidation|preHandler)$/.test(hook) && args[1]) fr.uses.push({ router: owner, path: '', middleware: mw(args[1], sf), pos, line });
        continue;
      }
      if (method === 'register') {
        // fastify.register(plugin, { prefix: '/v1' })
        if (!args[0]) continue;
        const target = unwrap(args[0]);
        const opts = args[1] && unwrap(args[1]);
        const prefixExpr = opts && ts.isObjectLiteralExpression(opts) ? propValue(opts, 'prefix') : undefined;
        const prefix = prefixExpr ? (stringValue(prefixExpr) ?? UNKNOWN_PREFIX) : '';
        const childName = pluginName(target, fr);
        if (childName) fr.mounts.push({ parent: owner, prefix, child: childName, middleware: [], node: call, line, pos });
        // a registered plugin is also middleware-like for the scope (rate limit, auth)
        if (!isFunctionLike(target)) fr.uses.push({ router: owner, path: '', middleware: mw(target, sf), pos, line });
        continue;
      }
      // use
      let i = 0;
      let path = '';
      const first = stringValue(args[0]);
      if (first !== undefined) {
        path = first;
        i = 1;
      } else if (args.length >= 2 && args[0] && (ts.isTemplateExpression(args[0]) || ts.isPropertyAccessExpression(args[0]) || (ts.isIdentifier(args[0]) && /(prefix|path|base|url|root|mount)$/i.test(args[0].text)))) {
        // app.use(config.apiPrefix, router), app.use(`${BASE}/users`, router): the prefix is not known
        path = UNKNOWN_PREFIX;
        i = 1;
      }
      const before: RouteMiddleware[] = [];
      for (; i < args.length; i++) {
        const a = unwrap(args[i]);
        if (ts.isCallExpression(a) && ts.isPropertyAccessExpression(a.expression) && a.expression.name.text === 'allowedMethods') continue;
        const child = mountedChild(a) ?? requiredModule(a, fr);
        if (child) fr.mounts.push({ parent: owner, prefix: path.replace(/\/\*$/, ''), child, middleware: [...before], node: call, line, pos });
        // An identifier may be a router or a middleware; resolution drops the ones that are routers.
        if (!child || (ts.isIdentifier(a) && !/(Router|Routes|router|routes)$/.test(a.text))) before.push(...mw(a, sf));
      }
      if (before.length && path !== UNKNOWN_PREFIX) fr.uses.push({ router: owner, path: path.replace(/\/?\*$/, ''), middleware: before, pos, line });
      continue;
    }
  }

  // NestJS controllers
  for (const cls of classes) {
    const decos = decoratorsOf(cls);
    const ctrl = decos.find((d) => d.name === 'Controller');
    if (!ctrl) continue;
    fr.frameworks.add('nest');
    const name = cls.name?.text ?? 'default';
    let prefix = '';
    let version: string | undefined;
    const a0 = ctrl.args[0] && unwrap(ctrl.args[0]);
    if (a0) {
      if (ts.isObjectLiteralExpression(a0)) {
        prefix = stringValue(propValue(a0, 'path')) ?? firstString(propValue(a0, 'path')) ?? '';
        version = versionOf(propValue(a0, 'version'));
      } else prefix = stringValue(a0) ?? firstString(a0) ?? '';
    }
    fr.routers.set(name, { name, framework: 'nest', kind: 'controller', prefix, node: cls, line: file.lineOf(cls) });
    const classGuards = decos.filter((d) => d.name === 'UseGuards').flatMap((d) => d.args.flatMap((a) => mw(a, sf)));
    const classDecos = decos.map((d) => d.name);
    if (cls.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) fr.exports.set(cls.modifiers.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword) ? 'default' : name, name);
    for (const member of cls.members) {
      if (!ts.isMethodDeclaration(member)) continue;
      const mdecos = decoratorsOf(member);
      const verb = mdecos.find((d) => NEST_METHODS[d.name]);
      if (!verb) continue;
      const p0 = verb.args[0] && unwrap(verb.args[0]);
      const localPath = (p0 && (stringValue(p0) ?? firstString(p0))) ?? '';
      const methodVersion = versionOf(mdecos.find((d) => d.name === 'Version')?.args[0]) ?? version;
      addRoute({
        framework: 'nest',
        method: NEST_METHODS[verb.name],
        localPath,
        pathNode: p0,
        owner: name,
        own: [],
        guards: [...classGuards, ...mdecos.filter((d) => d.name === 'UseGuards').flatMap((d) => d.args.flatMap((a) => mw(a, sf)))],
        decorators: [...classDecos, ...mdecos.map((d) => d.name)],
        handler: member,
        handlerName: `${name}.${member.name.getText(sf)}`,
        node: member,
        version: methodVersion,
      });
    }
  }

  // Default-exported named functions: `export default function usersRoutes(app) {}` is known as 'default' too.
  if (localDefault.name && fr.routers.has(localDefault.name)) fr.exports.set('default', localDefault.name);

  // What is served is an application, whatever created it (Hono apps are plain `new Hono()`).
  for (const l of fr.listens) {
    const decl = fr.routers.get(l.app);
    if (decl) decl.kind = 'app';
  }
  const defaultExport = fr.exports.get('default');
  const hono = defaultExport ? fr.routers.get(defaultExport) : undefined;
  if (hono?.framework === 'hono' && /(^|\/)(index|app|server|main|worker)\.[cm]?[jt]sx?$/.test(file.path)) hono.kind = 'app';
  fr.raw.sort((a, b) => a.pos - b.pos);
  for (const [name, info] of functions) fr.functions.set(name, info.node);
  fr.routes = resolveRoutes([fr]);
  return fr;

  function isHandlerExpr(e: ts.Expression): boolean {
    return (
      isFunctionLike(e) ||
      ts.isIdentifier(e) ||
      ts.isPropertyAccessExpression(e) ||
      ts.isCallExpression(e) ||
      ts.isArrayLiteralExpression(e) ||
      (ts.isObjectLiteralExpression(e) && !!propValue(e, 'handler'))
    );
  }
}

function isExportedDecl(d: ts.VariableDeclaration): boolean {
  const stmt = d.parent?.parent;
  return !!stmt && ts.isVariableStatement(stmt) && !!stmt.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function requireOf(e: ts.Expression): ImportRef | undefined {
  // require('./x'), require('./x').default, require('./x').usersRouter
  if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'require') {
    const module = stringValue(e.arguments[0]);
    return module ? { module, name: '*' } : undefined;
  }
  if (ts.isPropertyAccessExpression(e)) {
    const inner = requireOf(e.expression);
    if (inner && inner.name === '*') return { module: inner.module, name: e.name.text };
  }
  return undefined;
}

function functionOf(e: ts.Expression): ts.FunctionLikeDeclaration | undefined {
  if (isFunctionLike(e)) return e;
  if (ts.isCallExpression(e)) {
    // asyncHandler(async (req, res) => ...), catchAsync(function (req, res) {...})
    const fn = e.arguments.find((a) => isFunctionLike(unwrap(a)));
    if (fn && e.arguments.length <= 2) return unwrap(fn) as ts.ArrowFunction;
  }
  return undefined;
}

function functionName(fn: ts.Node): string {
  if ((ts.isFunctionDeclaration(fn) || ts.isFunctionExpression(fn) || ts.isMethodDeclaration(fn)) && fn.name) return fn.name.getText();
  if (ts.isFunctionDeclaration(fn)) return 'default';
  let p: ts.Node | undefined = fn.parent;
  while (p && (ts.isCallExpression(p) || ts.isParenthesizedExpression(p) || ts.isAsExpression(p) || ts.isSatisfiesExpression(p))) p = p.parent;
  if (p && ts.isVariableDeclaration(p) && ts.isIdentifier(p.name)) return p.name.text;
  if (p && ts.isPropertyAssignment(p)) return p.name.getText();
  if (p && (ts.isExportAssignment(p) || (ts.isBinaryExpression(p) && p.left.getText() === 'module.exports'))) return 'default';
  return `<fn@${fn.pos}>`;
}

function findIdentifierInChain(call: ts.Node, name: string): ts.Identifier | undefined {
  let e: ts.Node = call;
  for (let i = 0; i < 20; i++) {
    if (ts.isIdentifier(e)) return e.text === name ? e : undefined;
    if (ts.isCallExpression(e)) e = e.expression;
    else if (ts.isPropertyAccessExpression(e)) e = e.expression;
    else if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isAwaitExpression(e)) e = e.expression;
    else return undefined;
  }
  return undefined;
}

function routerCreation(init: ts.Expression, fr: FileRoutes): Omit<RouterDecl, 'name' | 'node' | 'line'> | undefined {
  const e = unwrap(init);
  // new Hono().basePath('/api')
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === 'basePath') {
    const base = routerCreation(unwrap(e.expression.expression), fr);
    return base ? { ...base, prefix: joinPath(base.prefix, stringValue(e.arguments[0]) ?? '') } : undefined;
  }
  const isNew = ts.isNewExpression(e);
  if (!ts.isCallExpression(e) && !ts.isNewExpression(e)) return undefined;
  const callee = e.expression;
  const name = callee.getText();
  const args: readonly ts.Expression[] = e.arguments ?? [];
  const imp = ts.isIdentifier(callee) ? fr.imports.get(callee.text) : undefined;
  const mod = imp?.module;
  if (!isNew && (name === 'express' || (mod === 'express' && imp?.name !== 'Router'))) return { framework: 'express', kind: 'app', prefix: '' };
  if (!isNew && /^require\(['"]express['"]\)(\.Router)?$/.test(name)) {
    fr.frameworks.add('express');
    return { framework: 'express', kind: name.endsWith('.Router') ? 'router' : 'app', prefix: '' };
  }
  if (!isNew && (name === 'express.Router' || (name === 'Router' && (mod === 'express' || (!mod && fr.frameworks.has('express')))))) {
    return { framework: 'express', kind: 'router', prefix: '' };
  }
  if (mod === 'fastify' || /^(fastify|Fastify)$/.test(name)) return { framework: 'fastify', kind: 'app', prefix: '' };
  if (isNew && (mod === 'koa' || name === 'Koa')) return { framework: 'koa', kind: 'app', prefix: '' };
  if (isNew && (mod === '@koa/router' || mod === 'koa-router' || (name === 'Router' && fr.frameworks.has('koa')))) {
    const opts = args[0] && unwrap(args[0]);
    const prefix = (opts && ts.isObjectLiteralExpression(opts) && stringValue(propValue(opts, 'prefix'))) || '';
    return { framework: 'koa', kind: 'router', prefix };
  }
  if (isNew && (mod === 'hono' || name === 'Hono')) return { framework: 'hono', kind: 'router', prefix: '' };
  if (/NestFactory\.create/.test(name)) return { framework: 'nest', kind: 'app', prefix: '' };
  return undefined;
}

function serverAppOf(call: ts.CallExpression): string | undefined {
  // http.createServer(app).listen(...), https.createServer(opts, app)
  const name = call.expression.getText();
  if (!/createServer$/.test(name)) return undefined;
  const last = call.arguments[call.arguments.length - 1];
  return last && ts.isIdentifier(last) ? last.text : undefined;
}

function mountedChild(a: ts.Expression): string | undefined {
  // router, usersRouter, router.routes(), router.middleware()
  if (ts.isIdentifier(a)) return a.text;
  if (ts.isCallExpression(a) && ts.isPropertyAccessExpression(a.expression) && /^(routes|middleware)$/.test(a.expression.name.text) && ts.isIdentifier(a.expression.expression)) {
    return a.expression.expression.text;
  }
  if (ts.isCallExpression(a) && ts.isIdentifier(a.expression) && a.expression.text === 'require') return undefined;
  return undefined;
}

/** app.use('/users', require('./routes/users')) */
function requiredModule(a: ts.Expression, fr: FileRoutes): string | undefined {
  const ref = requireOf(a);
  if (!ref || !ref.module.startsWith('.')) return undefined;
  const local = `<import:${ref.module}#${ref.name}>`;
  fr.imports.set(local, ref);
  return local;
}

function pluginName(target: ts.Expression, fr: FileRoutes): string | undefined {
  if (ts.isIdentifier(target)) return target.text;
  // register(async (instance) => { instance.get(...) }, { prefix }): the inline plugin's routes are owned by it
  if (isFunctionLike(target)) return functionName(target);
  // register(import('./routes/users')), register(require('./routes/users'))
  const call = ts.isCallExpression(target) ? target : undefined;
  if (call && (call.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(call.expression) && call.expression.text === 'require'))) {
    const module = stringValue(call.arguments[0]);
    if (module) {
      const local = `<import:${module}>`;
      fr.imports.set(local, { module, name: 'default' });
      return local;
    }
  }
  return undefined;
}

export function propValue(obj: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const p of obj.properties) {
    if (ts.isPropertyAssignment(p) && p.name.getText().replace(/^['"]|['"]$/g, '') === name) return p.initializer;
    if (ts.isShorthandPropertyAssignment(p) && p.name.text === name) return p.name;
    if (ts.isMethodDeclaration(p) && p.name.getText() === name) return p as unknown as ts.Expression;
  }
  return undefined;
}

function hookMiddleware(opts: ts.ObjectLiteralExpression, sf: ts.SourceFile): RouteMiddleware[] {
  const out: RouteMiddleware[] = [];
  for (const hook of ['onRequest', 'preParsing', 'preValidation', 'preHandler']) {
    const v = propValue(opts, hook);
    if (v) out.push(...mw(v, sf));
  }
  // route-level @fastify/rate-limit config: { config: { rateLimit: {...} } }
  const config = propValue(opts, 'config');
  if (config && ts.isObjectLiteralExpression(config)) {
    const rl = propValue(config, 'rateLimit');
    if (rl) out.push({ name: 'rateLimit', text: rl.getText(sf), node: rl });
  }
  return out;
}

function toMethod(m: string): HttpMethod {
  if (m === 'del') return 'DELETE';
  return m.toUpperCase() as HttpMethod;
}

function firstString(e: ts.Node | undefined): string | undefined {
  if (e && ts.isArrayLiteralExpression(e)) return stringValue(e.elements[0]);
  return undefined;
}

function versionOf(e: ts.Node | undefined): string | undefined {
  if (!e) return undefined;
  const s = stringValue(e) ?? firstString(e);
  if (s !== undefined) return s;
  return undefined;
}

interface Decorator {
  name: string;
  args: readonly ts.Expression[];
  node: ts.Decorator;
}

export function decoratorsOf(node: ts.Node): Decorator[] {
  const decos = ts.canHaveDecorators(node) ? (ts.getDecorators(node) ?? []) : [];
  return decos.map((d) => {
    const e = d.expression;
    if (ts.isCallExpression(e)) return { name: middlewareName(e.expression).split('.').pop() ?? '', args: e.arguments, node: d };
    return { name: middlewareName(e).split('.').pop() ?? '', args: [], node: d };
  });
}

// ---------------------------------------------------------------------------------------
// Resolution (within one file or across several)

/** Resolves a relative import of `from` to one of `paths`, trying TS/JS extensions and index files. */
export function resolveImport(from: string, module: string, has: (path: string) => boolean): string | undefined {
  if (!module.startsWith('.')) return undefined;
  const dir = from.includes('/') ? from.slice(0, from.lastIndexOf('/')) : '';
  const parts = (dir ? dir.split('/') : []).concat(module.split('/'));
  const out: string[] = [];
  for (const p of parts) {
    if (p === '.' || p === '') continue;
    if (p === '..') out.pop();
    else out.push(p);
  }
  const base = out.join('/');
  const stem = base.replace(/\.(js|mjs|cjs|jsx)$/, '');
  const candidates = [base, ...['.ts', '.tsx', '.mts', '.js', '.mjs', '.cjs', '.jsx'].map((x) => stem + x), ...['/index.ts', '/index.js', '/index.mjs', '/index.tsx'].map((x) => base + x)];
  return candidates.find(has);
}

interface NodeKey {
  file: FileRoutes;
  name: string;
}

/**
 * Joins the route models of several files: prefixes and middleware of mounts
 * (`app.use('/v1', usersRouter)` with `usersRouter` imported) and NestJS global prefixes
 * are applied. Returns the routes of every given file.
 */
export function resolveRoutes(files: FileRoutes[]): Route[] {
  const byPath = new Map(files.map((f) => [f.file.path, f]));
  const has = (p: string) => byPath.has(p);
  // parent edges: child key → mounts
  const parents = new Map<string, { mount: Mount; parentFile: FileRoutes }[]>();
  const keyOf = (f: FileRoutes, name: string) => `${f.file.path}#${name}`;

  const resolveLocal = (f: FileRoutes, name: string, depth = 0): NodeKey | undefined => {
    if (depth > 5) return undefined;
    if (f.routers.has(name)) return { file: f, name };
    const imp = f.imports.get(name);
    if (imp) {
      const target = resolveImport(f.file.path, imp.module, has);
      if (!target) return undefined;
      const tf = byPath.get(target)!;
      const exported = imp.name === '*' ? (tf.exports.get('default') ?? tf.exports.get('router')) : tf.exports.get(imp.name);
      if (!exported) return undefined;
      return resolveLocal(tf, exported, depth + 1);
    }
    return undefined;
  };

  const isRouter = (f: FileRoutes, name: string) => resolveLocal(f, name) !== undefined;
  for (const f of files) {
    for (const m of f.mounts) {
      const child = resolveLocal(f, m.child);
      if (!child) continue;
      const k = keyOf(child.file, child.name);
      const list = parents.get(k) ?? [];
      list.push({ mount: m, parentFile: f });
      parents.set(k, list);
    }
  }
  const nestMainFile = files.find((f) => f.globalPrefix !== undefined);
  const nestPrefix = nestMainFile?.globalPrefix === UNKNOWN_PREFIX ? '' : nestMainFile?.globalPrefix;
  const nestExclude = new Set(nestMainFile?.globalPrefixExclude ?? []);
  const nestMain =
    nestMainFile?.globalPrefix !== UNKNOWN_PREFIX &&
    !files.some((f) => /\bRouterModule\b/.test(f.file.text)) && // module-level prefixes are not read
    files.some((f) => f.globalPrefix !== undefined || (f.routers.size > 0 && [...f.routers.values()].some((r) => r.framework === 'nest' && r.kind === 'app')));

  interface Chain {
    prefix: string;
    mounted: boolean;
    middleware: RouteMiddleware[];
  }
  const memo = new Map<string, Chain>();
  const chainOf = (f: FileRoutes, name: string, seen: Set<string>): Chain => {
    const k = keyOf(f, name);
    const cached = memo.get(k);
    if (cached) return cached;
    const decl = f.routers.get(name);
    const own = decl?.kind === 'controller' ? '' : (decl?.prefix ?? '');
    let result: Chain = { prefix: own, mounted: decl?.kind === 'app', middleware: [] };
    const ps = parents.get(k);
    if (ps && !seen.has(k) && decl?.kind !== 'app') {
      seen.add(k);
      const { mount, parentFile } = ps[0];
      const up = chainOf(parentFile, mount.parent, seen);
      const unknown = mount.prefix === UNKNOWN_PREFIX;
      const inherited = usesBefore(parentFile, mount.parent, mount.pos, unknown ? '' : mount.prefix, isRouter);
      result = {
        prefix: joinPath(up.prefix, unknown ? '' : mount.prefix, own),
        mounted: up.mounted && !unknown,
        middleware: [...up.middleware, ...inherited, ...mount.middleware],
      };
    }
    memo.set(k, result);
    return result;
  };

  const out: Route[] = [];
  for (const f of files) {
    for (const r of f.raw) {
      if (r.framework === 'nest') {
        const ctrl = f.routers.get(r.owner);
        const version = r.version !== undefined ? `v${r.version.replace(/^v/i, '')}` : '';
        const own = joinPath(ctrl?.prefix ?? '', r.localPath);
        out.push({
          ...stripRaw(r),
          path: joinPath(nestExclude.has(own) ? '' : (nestPrefix ?? ''), version, own),
          mounted: nestMain,
          middleware: [],
        });
        continue;
      }
      const chain = chainOf(f, r.owner, new Set());
      const full = joinPath(chain.prefix, r.localPath);
      const uses = usesBefore(f, r.owner, r.framework === 'express' || r.framework === 'hono' ? r.pos : Infinity, r.localPath, isRouter);
      out.push({ ...stripRaw(r), path: full, mounted: chain.mounted, middleware: [...chain.middleware, ...uses, ...r.own] });
    }
  }
  return out;
}

function usesBefore(f: FileRoutes, router: string, pos: number, path: string, isRouter: (f: FileRoutes, name: string) => boolean): RouteMiddleware[] {
  const out: RouteMiddleware[] = [];
  for (const u of f.uses) {
    if (u.router !== router || u.pos >= pos) continue; // a mount's own middleware is on the mount
    if (u.path && u.path !== '/' && !joinPath(path).startsWith(joinPath(u.path)) && !joinPath(u.path).startsWith(joinPath(path))) continue;
    out.push(...u.middleware.filter((m) => !isRouter(f, m.name)));
  }
  return out;
}

function stripRaw(r: RawRoute): Omit<Route, 'path' | 'mounted' | 'middleware'> {
  const { own: _own, pos: _pos, ...rest } = r;
  return rest;
}

// ---------------------------------------------------------------------------------------
// Path helpers shared by the rules

/** Path segments without parameters' syntax: `/v1/users/:id` → ['v1', 'users', ':id']. */
export function segments(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

export function isParam(segment: string): boolean {
  return segment.startsWith(':') || segment.startsWith('{') || segment.startsWith('[') || segment === '*' || segment.startsWith('*');
}

/** Every middleware and guard name of a route. */
export function protections(route: Route): RouteMiddleware[] {
  return [...route.middleware, ...route.guards];
}
