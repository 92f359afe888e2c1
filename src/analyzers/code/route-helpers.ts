import { ts } from './ts.js';
import type { CodeFile } from './code-file.js';
import { decoratorsOf, isParam, propValue, segments, type FileRoutes, type Route } from './routes.js';

/** Pre-order walk; return false from `fn` to skip a node's children. */
export function walk(node: ts.Node, fn: (n: ts.Node) => boolean | void): void {
  const visit = (n: ts.Node): void => {
    if (fn(n) === false) return;
    ts.forEachChild(n, visit);
  };
  visit(node);
}

export function unwrapExpr(node: ts.Expression): ts.Expression {
  let n = node;
  while (ts.isParenthesizedExpression(n) || ts.isAsExpression(n) || ts.isNonNullExpression(n) || ts.isAwaitExpression(n) || ts.isSatisfiesExpression(n)) n = n.expression;
  return n;
}

/** Parameter names of a handler (`req`, `res`; `request`, `reply`; `ctx`; `c`). */
export function paramNames(fn: ts.FunctionLikeDeclaration): string[] {
  return fn.parameters.map((p) => (ts.isIdentifier(p.name) ? p.name.text : ''));
}

/** The names of the method calls in a chain `a.b(x).c(y)`, outermost last. */
export function chainMethods(expr: ts.Expression): { names: string[]; calls: ts.CallExpression[]; root: ts.Expression } {
  const names: string[] = [];
  const calls: ts.CallExpression[] = [];
  let e = unwrapExpr(expr);
  for (let i = 0; i < 30; i++) {
    if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression)) {
      names.unshift(e.expression.name.text);
      calls.unshift(e);
      e = unwrapExpr(e.expression.expression);
    } else if (ts.isPropertyAccessExpression(e)) {
      e = unwrapExpr(e.expression);
    } else break;
  }
  return { names, calls, root: e };
}

/** The outermost expression of the chain `node` is part of (`x.find()` → `x.find().limit(10).lean()`). */
export function outerChain(node: ts.Node): ts.Expression {
  let n = node as ts.Expression;
  for (;;) {
    const p = n.parent;
    if (p && ts.isPropertyAccessExpression(p) && p.expression === n && p.parent && ts.isCallExpression(p.parent) && p.parent.expression === p) {
      n = p.parent;
      continue;
    }
    if (p && (ts.isParenthesizedExpression(p) || ts.isAwaitExpression(p) || ts.isNonNullExpression(p))) {
      n = p as ts.Expression;
      continue;
    }
    return n;
  }
}

/** Literal numeric value of an expression (`201`, `HttpStatus.CREATED`), if known. */
export function statusValue(node: ts.Node | undefined): number | undefined {
  if (!node) return undefined;
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (ts.isPropertyAccessExpression(node)) return STATUS_NAMES[node.name.text];
  if (ts.isParenthesizedExpression(node)) return statusValue(node.expression);
  return undefined;
}

const STATUS_NAMES: Record<string, number> = {
  OK: 200,
  CREATED: 201,
  ACCEPTED: 202,
  NO_CONTENT: 204,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
  BAD_GATEWAY: 502,
  SERVICE_UNAVAILABLE: 503,
  GATEWAY_TIMEOUT: 504,
};

/** A path that ends with a collection (a static segment) rather than an item (`/:id`). */
export function isCollectionPath(path: string): boolean {
  const segs = segments(path);
  const last = segs[segs.length - 1];
  return !!last && !isParam(last) && /^[a-z][a-z0-9-]*$/i.test(last);
}

export function lastStatic(path: string): string | undefined {
  const segs = segments(path);
  const last = segs[segs.length - 1];
  return last && !isParam(last) ? last.toLowerCase() : undefined;
}

/** Paths that are public by nature: probes, docs, authentication entry points, webhooks. */
export const PUBLIC_PATH =
  /(^|\/)(health|healthz|healthcheck|health-check|ready|readyz|readiness|live|livez|liveness|ping|status|metrics|version|docs|api-docs|swagger|openapi|openapi\.json|\.well-known|robots\.txt|favicon\.ico|login|signin|sign-in|log-in|logout|signout|sign-out|signup|sign-up|register|registration|forgot-password|reset-password|password-reset|forgot|reset|verify-email|confirm|callback|oauth|sso|token|refresh|webhooks?|hooks|public|graphql|csrf|captcha)(\/|$)/i;

export function isPublicPath(path: string): boolean {
  return PUBLIC_PATH.test(path);
}

/** Decorators that mark a NestJS route public on purpose. */
export const PUBLIC_DECORATOR = /^(Public|AllowAnonymous|SkipAuth|NoAuth|Anonymous|IsPublic|Unprotected|PublicRoute)$/;

/** Text of the handler, or '' when it lives in another file. */
export function handlerText(route: Route, file: CodeFile): string {
  return route.handler ? route.handler.getText(file.sourceFile) : '';
}

export function lineOf(file: CodeFile, node: ts.Node): number {
  return file.lineOf(node);
}

/** Plural of a regular English noun, or undefined when the word is irregular. */
export function pluralOf(word: string): string | undefined {
  if (/(f|fe|o|man|person|child|is|us|ix|ex)$/.test(word)) return undefined;
  if (/[^aeiou]y$/.test(word)) return word.slice(0, -1) + 'ies';
  if (/(s|x|z|ch|sh)$/.test(word)) return word + 'es';
  return word + 's';
}

/** The line of `text` with `from` replaced by `to`, when `from` occurs exactly once on it. */
export function replaceOnce(line: string, from: string, to: string): string | undefined {
  const i = line.indexOf(from);
  if (i < 0 || line.indexOf(from, i + 1) >= 0) return undefined;
  return line.slice(0, i) + to + line.slice(i + from.length);
}

/** The whole-line `fix` that replaces `from` with `to` on the line of `node`, when it is exact. */
export function lineFix(file: CodeFile, node: ts.Node, from: string, to: string): { startLine: number; endLine: number; replacement: string } | undefined {
  const line = file.lineOf(node);
  if (file.endLineOf(node) !== line) return undefined;
  const replacement = replaceOnce(file.lineText(line), from, to);
  return replacement === undefined ? undefined : { startLine: line, endLine: line, replacement };
}

/** The route as Markdown: the method and path in code, then the unmounted router it is on (`GET /` on `usersRouter`). */
export function quoteRoute(route: Route): string {
  const where = !route.mounted && route.framework !== 'nest' && !route.owner.startsWith('<') ? ` on \`${route.owner}\`` : '';
  return `\`${route.method === 'ALL' ? '' : route.method + ' '}${route.path}\`${where}`;
}

export function ownerLabel(route: Route): string {
  if (route.framework === 'nest') return `\`${route.owner}\``;
  return route.owner.startsWith('<') ? 'this router' : `\`${route.owner}\``;
}

export interface PathSite {
  /** The literal as written (`/orders/:id`). */
  literal: string;
  /** The literal node (a string literal). */
  node: ts.Node;
  line: number;
  /** The route the literal belongs to, for route paths. */
  route?: Route;
}

/**
 * Every path literal the file writes: route paths, mount prefixes (`use('/v1', r)`,
 * `register(p, { prefix })`, `app.route('/x', sub)`) and NestJS controller prefixes.
 * Each literal is checked once, where it is written.
 */
export function pathSites(fr: FileRoutes): PathSite[] {
  const out: PathSite[] = [];
  const seen = new Set<ts.Node>();
  const add = (node: ts.Node | undefined, route?: Route) => {
    if (!node || seen.has(node) || !(ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))) return;
    seen.add(node);
    out.push({ literal: node.text, node, line: fr.file.lineOf(node), route });
  };
  for (const r of fr.routes) add(r.pathNode, r);
  for (const m of fr.mounts) {
    if (!m.prefix || !ts.isCallExpression(m.node)) continue;
    for (const a of m.node.arguments) {
      if ((ts.isStringLiteral(a) || ts.isNoSubstitutionTemplateLiteral(a)) && a.text.replace(/\/\*$/, '') === m.prefix) add(a);
      if (ts.isObjectLiteralExpression(a)) {
        const p = propValue(a, 'prefix');
        if (p) add(p);
      }
    }
  }
  for (const decl of fr.routers.values()) {
    if (decl.kind !== 'controller') continue;
    const ctrl = decoratorsOf(decl.node).find((d) => d.name === 'Controller');
    const a0 = ctrl?.args[0];
    if (!a0) continue;
    if (ts.isObjectLiteralExpression(a0)) add(propValue(a0, 'path'));
    else add(a0);
  }
  return out.sort((a, b) => a.line - b.line);
}

/** Static words of a path literal that can be judged as names (no params, files, wildcards, versions). */
export function nameSegments(literal: string): string[] {
  return segments(literal).filter((s) => !isParam(s) && !/[.*(){}[\]:?+]/.test(s) && !/^v\d+$/i.test(s) && !s.startsWith('_') && !s.startsWith('@'));
}
