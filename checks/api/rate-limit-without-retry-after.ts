import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import type { CodeFile } from '../../src/analyzers/code/code-file.js';
import { middlewareName, propValue } from '../../src/analyzers/code/routes.js';
import { statusValue } from '../../src/analyzers/code/route-helpers.js';

const LIMITER_FACTORY = /rate-?limit|ratelimit|limiter|slowdown|throttl/i;

/** The 429 answered at `node`, described for the message, if this node answers one. */
export function tooManyRequests(node: ts.Node, file: CodeFile): string | undefined {
  if (ts.isCallExpression(node)) {
    const callee = node.expression;
    if (ts.isPropertyAccessExpression(callee)) {
      const name = callee.name.text;
      if (/^(status|code|sendStatus|writeHead)$/.test(name) && statusValue(node.arguments[0]) === 429) return node.getText(file.sourceFile).split('\n')[0];
      // hono: c.json(body, 429), c.text('…', 429); koa: ctx.throw(429)
      if (/^(json|text|body|newResponse)$/.test(name) && statusValue(node.arguments[1]) === 429) return `${callee.getText(file.sourceFile)}(…, 429)`;
      if (name === 'throw' && statusValue(node.arguments[0]) === 429) return `${callee.getText(file.sourceFile)}(429)`;
    }
    if (ts.isIdentifier(callee) && /^(createError|createHttpError|httpError)$/.test(callee.text) && statusValue(node.arguments[0]) === 429) return `${callee.text}(429)`;
    return undefined;
  }
  if (ts.isNewExpression(node)) {
    const name = middlewareName(node.expression);
    const args = node.arguments ?? [];
    if (name === 'Response') {
      const init = args[1];
      if (init && ts.isObjectLiteralExpression(init) && statusValue(propValue(init, 'status')) === 429) return 'new Response(…, { status: 429 })';
    }
    if (name === 'HttpException' && statusValue(args[1]) === 429) return 'new HttpException(…, 429)';
    return undefined;
  }
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && /\.(status|statusCode)$/.test(node.left.getText(file.sourceFile)) && statusValue(node.right) === 429) {
    return `${node.left.getText(file.sourceFile)} = 429`;
  }
  return undefined;
}

function enclosingFunction(node: ts.Node): ts.Node | undefined {
  for (let p = node.parent; p; p = p.parent) if (ts.isFunctionLike(p)) return p;
  return undefined;
}

/** A `handler` given to express-rate-limit and friends, which set Retry-After themselves. */
function insideLimiterOptions(fn: ts.Node): boolean {
  for (let p: ts.Node | undefined = fn.parent; p && !ts.isSourceFile(p); p = p.parent) {
    if (ts.isCallExpression(p) || ts.isNewExpression(p)) return LIMITER_FACTORY.test(middlewareName(p.expression));
    if (ts.isFunctionLike(p)) return false;
  }
  return false;
}

export default defineRule({
  meta: {
    id: 'api/rate-limit-without-retry-after',
    area: 'api',
    severity: 'warning',
    title: '429 without Retry-After',
    guidance: 'API Design Reference › Rate Limiting',
    checklist: ['api.status-codes'],
    description:
      'A 429 without `Retry-After` leaves clients to guess when to come back: most retry at once or on a fixed short timer, so a rate-limited client keeps hammering the service and the limit turns into a retry storm. Send `Retry-After` (seconds until the window resets) with every 429. Responses built by express-rate-limit, @fastify/rate-limit or @nestjs/throttler already carry it and are not flagged.',
    examples: {
      bad: [
        {
          path: 'src/middleware/quota.ts',
          code: "import type { NextFunction, Request, Response } from 'express';\nimport { redis } from '../redis';\n\nconst WINDOW_SECONDS = 60;\n\nexport async function quota(req: Request, res: Response, next: NextFunction) {\n  const key = `quota:${req.user.id}`;\n  const used = await redis.incr(key);\n  if (used === 1) await redis.expire(key, WINDOW_SECONDS);\n  if (used > req.user.plan.requestsPerMinute) {\n    return res.status(429).json({ type: 'https://api.example.com/errors/rate-limited', title: 'Too many requests' });\n  }\n  next();\n}\n",
        },
        {
          path: 'src/api/limits.ts',
          code: "import type { Context, Next } from 'hono';\n\nexport const perKey = async (c: Context, next: Next) => {\n  const allowed = await bucket.take(c.req.header('x-api-key') ?? 'anon');\n  if (!allowed) {\n    return c.json({ error: 'rate_limited' }, 429);\n  }\n  await next();\n};\n",
        },
      ],
      good: [
        {
          path: 'src/middleware/quota.ts',
          code: "import type { NextFunction, Request, Response } from 'express';\nimport { redis } from '../redis';\n\nexport async function quota(req: Request, res: Response, next: NextFunction) {\n  const key = `quota:${req.user.id}`;\n  const used = await redis.incr(key);\n  if (used > 100) {\n    const ttl = await redis.ttl(key);\n    res.set('Retry-After', String(Math.max(ttl, 1)));\n    return res.status(429).json({ title: 'Too many requests' });\n  }\n  next();\n}\n",
        },
        {
          path: 'src/middleware/limiter.ts',
          code: "import rateLimit from 'express-rate-limit';\n\nexport const loginLimiter = rateLimit({\n  windowMs: 15 * 60 * 1000,\n  limit: 10,\n  standardHeaders: 'draft-7',\n  handler: (req, res, _next, options) => res.status(429).json({ error: options.message }),\n});\n",
          note: 'express-rate-limit sets Retry-After before calling the handler.',
        },
      ],
    },
  },
  code: {
    kinds: ['CallExpression', 'NewExpression', 'BinaryExpression'],
    visit(node, ctx) {
      const what = tooManyRequests(node, ctx.file);
      if (!what) return;
      const fn = enclosingFunction(node);
      const scope = fn ?? ctx.file.sourceFile;
      if (/retry-?after/i.test(scope.getText(ctx.file.sourceFile))) return;
      if (fn && insideLimiterOptions(fn)) return;
      ctx.report({
        startLine: ctx.file.lineOf(node),
        message:
          `\`${what}\` answers 429 without a \`Retry-After\` header, so clients cannot tell when to come back: most retry at once or on a short fixed timer, and the rate limit turns into a retry storm. ` +
          `Set it to the seconds until the window resets before answering, e.g. ${retryAfterExample(what)}.`,
      });
    },
  },
});

function retryAfterExample(what: string): string {
  if (/^c\.|\bc\.(json|text)/.test(what)) return "`c.header('Retry-After', String(secondsUntilReset))`";
  if (/^ctx\./.test(what)) return "`ctx.set('Retry-After', String(secondsUntilReset))`";
  if (/^reply\./.test(what)) return "`reply.header('Retry-After', secondsUntilReset)`";
  if (/Response|HttpException/.test(what)) return "a `Retry-After` entry in the response headers";
  return "`res.set('Retry-After', String(secondsUntilReset))`";
}
