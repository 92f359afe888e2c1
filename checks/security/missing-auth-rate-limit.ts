import { defineRule } from '../../src/rule.js';
import { protections, segments, type Route } from '../../src/analyzers/code/routes.js';
import { routeIndex, type RouteIndex } from '../../src/analyzers/code/route-index.js';
import { quoteRoute } from '../../src/analyzers/code/route-helpers.js';
import type { ChangeContext } from '../../src/rule.js';

const SENSITIVE = /^(login|log-in|signin|sign-in|logon|signup|sign-up|register|registration|forgot-password|forgot|reset-password|password-resets?|password_resets?|reset|otp|verify-otp|mfa|2fa|magic-link|one-time-code)$/i;
const LIMITER = /limit|throttl|slow-?down|brute|ratelimit|bottleneck/i;
const NEST_GLOBAL_THROTTLER = /ThrottlerGuard|ThrottlerModule|nestjs-throttler/;

/** The sensitive word of a login, signup or reset path, if it is one. */
export function sensitiveAction(r: Route): string | undefined {
  if (r.method !== 'POST' && r.method !== 'ALL' && r.method !== 'PUT') return undefined;
  const segs = segments(r.path).filter((s) => !s.startsWith(':') && !s.startsWith('{'));
  const last = segs[segs.length - 1];
  if (last && SENSITIVE.test(last)) {
    // `/password/reset` and `/reset` under an auth prefix; not `/cache/reset` or `/counters/reset`
    if (/^reset$/i.test(last) && !segs.some((s) => /password|auth|account|credential/i.test(s))) return undefined;
    return last;
  }
  return undefined;
}

function limited(r: Route): boolean {
  return protections(r).some((m) => LIMITER.test(m.name) && !/^express\.|json|urlencoded|bodyParser/i.test(m.name)) || r.decorators.some((d) => d === 'Throttle');
}

async function nestThrottlerElsewhere(index: RouteIndex, ctx: ChangeContext): Promise<boolean | undefined> {
  if ([...index.loaded.values()].some((f) => NEST_GLOBAL_THROTTLER.test(f.file.text))) return true;
  if (!ctx.tree) return undefined;
  const candidates = index.treePaths.filter((p) => /(\.module|(^|\/)main)\.[jt]s$/.test(p)).slice(0, 60);
  if (index.treePaths.filter((p) => /(\.module|(^|\/)main)\.[jt]s$/.test(p)).length > 60) return undefined;
  for (const p of candidates) {
    const f = await index.load(p);
    if (f && NEST_GLOBAL_THROTTLER.test(f.file.text)) return true;
  }
  return candidates.length > 0 ? false : undefined;
}

export default defineRule({
  meta: {
    id: 'security/missing-auth-rate-limit',
    area: 'security',
    severity: 'warning',
    title: 'Login, signup or reset route without a rate limiter',
    guidance: 'Security Reference › Security Checklist for New Services',
    checklist: ['security.request-limits'],
    description:
      'Login, signup and password-reset endpoints are where credential stuffing, password guessing, account enumeration and reset-email floods land. Without a per-IP (and per-account) limit an attacker can try thousands of passwords a minute, and the password hashing that makes them safe also makes them an easy way to burn CPU. Put a limiter in front of them: express-rate-limit, @fastify/rate-limit, @nestjs/throttler `@Throttle()`, or your own middleware named *limit*. Only reported when the app the route is mounted on is visible, so an application-wide limiter is seen.',
    examples: {
      bad: [
        {
          path: 'src/routes/auth.ts',
          code: "import { Router } from 'express';\nimport * as auth from '../controllers/auth';\n\nexport const authRouter = Router();\n\nauthRouter.post('/login', auth.login);\nauthRouter.post('/password/reset', auth.requestPasswordReset);\nauthRouter.post('/logout', auth.logout);\n",
          files: {
            'src/app.ts': "import express from 'express';\nimport helmet from 'helmet';\nimport { authRouter } from './routes/auth';\n\nexport const app = express();\napp.use(helmet());\napp.use(express.json({ limit: '100kb' }));\napp.use('/v1/auth', authRouter);\napp.listen(3000);\n",
          },
        },
      ],
      good: [
        {
          path: 'src/routes/auth.ts',
          code: "import { Router } from 'express';\nimport rateLimit from 'express-rate-limit';\nimport * as auth from '../controllers/auth';\n\nconst loginLimiter = rateLimit({ windowMs: 15 * 60 * 1000, limit: 10, standardHeaders: 'draft-7' });\nexport const authRouter = Router();\n\nauthRouter.post('/login', loginLimiter, auth.login);\nauthRouter.post('/password/reset', loginLimiter, auth.requestPasswordReset);\n",
          files: {
            'src/app.ts': "import express from 'express';\nimport { authRouter } from './routes/auth';\n\nexport const app = express();\napp.use('/v1/auth', authRouter);\napp.listen(3000);\n",
          },
        },
        {
          path: 'src/routes/auth.ts',
          code: "import { Router } from 'express';\nimport * as auth from '../controllers/auth';\n\nexport const authRouter = Router();\nauthRouter.post('/login', auth.login);\n",
          files: {
            'src/app.ts': "import express from 'express';\nimport { limiter } from './middleware/limiter';\nimport { authRouter } from './routes/auth';\n\nexport const app = express();\napp.use(limiter);\napp.use('/v1/auth', authRouter);\napp.listen(3000);\n",
          },
          note: 'An application-wide limiter mounted before the router covers it.',
        },
      ],
    },
  },
  async change(ctx) {
    const index = await routeIndex(ctx);
    let nestGlobal: boolean | undefined | null = null; // null: not looked up yet
    for (const route of index.routes) {
      const action = sensitiveAction(route);
      if (!action || limited(route)) continue;
      if (route.framework === 'nest') {
        // @SkipThrottle() on a login route opts out of a global limiter on purpose: still flagged.
        if (!route.decorators.includes('SkipThrottle')) {
          if (nestGlobal === null) nestGlobal = await nestThrottlerElsewhere(index, ctx);
          if (nestGlobal !== false) continue;
        }
      } else if (!route.mounted) continue;
      const example =
        route.framework === 'fastify'
          ? "`config: { rateLimit: { max: 5, timeWindow: '1 minute' } }` on the route, with `@fastify/rate-limit` registered"
          : route.framework === 'nest'
            ? "`@Throttle({ default: { limit: 5, ttl: 60_000 } })` with `ThrottlerGuard`"
            : "a limiter before the handler, e.g. `rateLimit({ windowMs: 15 * 60_000, limit: 10, standardHeaders: 'draft-7' })` from express-rate-limit";
      ctx.report({
        path: route.file,
        startLine: route.line,
        message:
          `${quoteRoute(route)} (${action}) has no rate limiter, so an attacker can try passwords, enumerate accounts or trigger reset emails as fast as the server answers${/^(login|log-in|signin|sign-in|logon|signup|sign-up|register|registration)$/i.test(action) ? ', and each attempt costs a slow password hash' : ''}. ` +
          `Limit it per IP and per account: ${example}.`,
      });
    }
  },
});
