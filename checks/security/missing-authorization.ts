import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import type { Fix } from '../../src/model.js';
import { protections, type Route, type RouteMiddleware } from '../../src/analyzers/code/routes.js';
import { routeIndex, type RouteIndex } from '../../src/analyzers/code/route-index.js';
import { isPublicPath, quoteRoute, ownerLabel, PUBLIC_DECORATOR } from '../../src/analyzers/code/route-helpers.js';

const AUTH = /auth|jwt|passport|session|protect|guard|requireUser|requireLogin|requireRole|requirePermission|requireScope|requireAdmin|isAdmin|isLoggedIn|ensureLoggedIn|loggedIn|permission|acl|rbac|clerk|bearer|apiKey|api_key|verifyToken|verifyUser|verifySignature|signature|authorize|can\b|mustBe|onlyAdmin|admin/i;
const NOT_AUTH = /throttl|rate|limit|validat|cors|helmet|json|urlencoded|parser|compression|logger|log\b|cache/i;
// The handler checks the caller itself.
const INLINE_CHECK = /\b(req|request|ctx|c)\.(user|auth|session|state\.user)\b|\b401\b|\b403\b|Unauthorized|Forbidden|getSession|getServerSession|currentUser|verifyIdToken|verifySignature|constructEvent|timingSafeEqual/;

export function isAuth(m: RouteMiddleware): boolean {
  return AUTH.test(m.name) && !NOT_AUTH.test(m.name);
}

function hasAuth(r: Route): boolean {
  return protections(r).some(isAuth);
}

function explicitlyPublic(r: Route): boolean {
  return r.decorators.some((d) => PUBLIC_DECORATOR.test(d)) || isPublicPath(r.path) || isPublicPath(r.localPath);
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Routes that lack the authentication their siblings (same router, plugin or controller) run. */
export function unprotectedRoutes(index: RouteIndex): { route: Route; siblings: Route[]; common?: RouteMiddleware }[] {
  const groups = new Map<string, Route[]>();
  for (const r of index.routes) {
    const k = `${r.file}#${r.owner}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const out: { route: Route; siblings: Route[]; common?: RouteMiddleware }[] = [];
  for (const routes of groups.values()) {
    if (routes.length < 3) continue;
    for (const r of routes) {
      if (hasAuth(r) || explicitlyPublic(r) || r.method === 'OPTIONS') continue;
      const others = routes.filter((o) => o !== r && !explicitlyPublic(o));
      const authed = others.filter(hasAuth);
      if (authed.length < 2 || authed.length / others.length < 0.75) continue;
      // Public reads next to authenticated writes is a design, not an omission.
      if (SAFE.has(r.method) && !authed.some((o) => SAFE.has(o.method))) continue;
      // Registered before `router.use(auth)` on purpose: Express routes above the guard are the public ones.
      const fr = index.changed.get(r.file);
      if (fr?.uses.some((u) => u.router === r.owner && u.pos > r.node.getStart() && u.middleware.some(isAuth))) continue;
      const handler = r.handler ? r.handler.getText(fr?.file.sourceFile) : '';
      if (INLINE_CHECK.test(handler)) continue;
      out.push({ route: r, siblings: authed, common: commonOwn(authed) });
    }
  }
  return out;
}

/** The auth middleware every authenticated sibling writes itself, with the same text. */
function commonOwn(authed: Route[]): RouteMiddleware | undefined {
  const own = (r: Route) => protections(r).filter((m) => isAuth(m) && m.node.getStart() >= r.node.getStart() && m.node.getEnd() <= r.node.getEnd());
  const first = own(authed[0])[0];
  if (!first || first.text.includes('\n')) return undefined;
  return authed.every((r) => own(r).some((m) => m.text === first.text)) ? first : undefined;
}

function fixFor(route: Route, common: RouteMiddleware | undefined, lineText: (n: number) => string): Fix | undefined {
  if (!common) return undefined;
  if (route.framework === 'nest') {
    const decorator = ts.canHaveDecorators(route.node) ? ts.getDecorators(route.node)?.[0] : undefined;
    if (!decorator) return undefined;
    const sf = route.node.getSourceFile();
    const line = sf.getLineAndCharacterOfPosition(decorator.getStart()).line + 1;
    const text = lineText(line);
    const indent = /^\s*/.exec(text)![0];
    return { startLine: line, endLine: line, replacement: `${indent}@UseGuards(${common.text})\n${text}` };
  }
  if (!route.pathNode || route.framework === 'fastify') return undefined;
  const sf = route.node.getSourceFile();
  const line = sf.getLineAndCharacterOfPosition(route.pathNode.getStart()).line + 1;
  const text = lineText(line);
  const literal = route.pathNode.getText();
  const at = text.indexOf(`${literal}, `);
  if (at < 0 || text.indexOf(`${literal}, `, at + 1) >= 0) return undefined;
  const cut = at + literal.length + 2;
  return { startLine: line, endLine: line, replacement: `${text.slice(0, cut)}${common.text}, ${text.slice(cut)}` };
}

export default defineRule({
  meta: {
    id: 'security/missing-authorization',
    area: 'security',
    severity: 'error',
    title: 'Route without the auth its sibling routes use',
    guidance: 'Security Reference › Security Checklist for New Services',
    checklist: ['security.authz-default-deny'],
    description:
      'When most routes of a router or controller run an authentication or authorization middleware (or NestJS guard) and one does not, that route is usually open by mistake: anyone who can reach the service can call it. Protect it like its siblings, or better, apply the middleware once to the whole router so new routes are denied by default. Only flagged when at least two siblings and three quarters of them are protected, and the route is not public by nature (health, login, signup, webhooks, docs, `@Public()`), nor a public read next to protected writes, nor checking the caller in its handler.',
    examples: {
      bad: [
        {
          path: 'src/routes/orders.ts',
          code: "import { Router } from 'express';\nimport { requireAuth } from '../middleware/auth';\nimport * as orders from '../controllers/orders';\n\nexport const ordersRouter = Router();\n\nordersRouter.get('/', requireAuth, orders.list);\nordersRouter.get('/:id', requireAuth, orders.show);\nordersRouter.post('/', requireAuth, orders.create);\nordersRouter.delete('/:id', orders.remove);\n",
        },
        {
          path: 'src/invoices/invoices.controller.ts',
          code: "import { Controller, Get, Param, Post, UseGuards } from '@nestjs/common';\nimport { JwtAuthGuard } from '../auth/jwt-auth.guard';\n\n@Controller('invoices')\nexport class InvoicesController {\n  constructor(private readonly invoices: InvoicesService) {}\n\n  @UseGuards(JwtAuthGuard)\n  @Get()\n  list() {\n    return this.invoices.list();\n  }\n\n  @UseGuards(JwtAuthGuard)\n  @Get(':id')\n  get(@Param('id') id: string) {\n    return this.invoices.get(id);\n  }\n\n  @Get(':id/pdf')\n  pdf(@Param('id') id: string) {\n    return this.invoices.renderPdf(id);\n  }\n}\n",
        },
      ],
      good: [
        {
          path: 'src/routes/orders.ts',
          code: "import { Router } from 'express';\nimport { requireAuth } from '../middleware/auth';\nimport * as orders from '../controllers/orders';\n\nexport const ordersRouter = Router();\nordersRouter.use(requireAuth);\n\nordersRouter.get('/', orders.list);\nordersRouter.get('/:id', orders.show);\nordersRouter.post('/', orders.create);\nordersRouter.delete('/:id', orders.remove);\n",
        },
        {
          path: 'src/routes/products.ts',
          code: "import { Router } from 'express';\nimport { requireAdmin } from '../middleware/auth';\nimport * as products from '../controllers/products';\n\nexport const productsRouter = Router();\nproductsRouter.get('/', products.list);\nproductsRouter.post('/', requireAdmin, products.create);\nproductsRouter.patch('/:id', requireAdmin, products.update);\nproductsRouter.delete('/:id', requireAdmin, products.remove);\n",
          note: 'A public catalogue read next to admin-only writes.',
        },
        {
          path: 'src/routes/auth.ts',
          code: "import { Router } from 'express';\nimport { requireAuth } from '../middleware/auth';\nimport * as auth from '../controllers/auth';\n\nexport const authRouter = Router();\nauthRouter.post('/login', auth.login);\nauthRouter.get('/me', requireAuth, auth.me);\nauthRouter.post('/logout', requireAuth, auth.logout);\nauthRouter.patch('/me', requireAuth, auth.updateMe);\n",
        },
      ],
    },
  },
  async change(ctx) {
    const index = await routeIndex(ctx);
    for (const { route, siblings, common } of unprotectedRoutes(index)) {
      const file = index.changed.get(route.file)!.file;
      const names = [...new Set(siblings.flatMap((s) => protections(s).filter(isAuth).map((m) => m.name)))];
      const shown = names.slice(0, 2).map((n) => `\`${n}\``).join(' / ');
      const example = common
        ? route.framework === 'nest'
          ? `\`@UseGuards(${common.text})\` on the method, or once on the controller`
          : `\`${common.text}\` before the handler, or \`${route.owner}.use(${common.text})\` once for the whole router`
        : 'the same middleware or guard, or apply it once to the whole router or controller';
      ctx.report({
        path: route.file,
        startLine: route.line,
        message:
          `${quoteRoute(route)} runs no authentication, while ${siblings.length} of its sibling routes on ${ownerLabel(route)} require ${shown}. Anyone who can reach the service can call it. ` +
          `Protect it like the others: ${example}.`,
        fix: fixFor(route, common, (n) => file.lineText(n)),
      });
    }
  },
});
