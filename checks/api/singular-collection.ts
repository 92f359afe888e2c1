import { defineRule } from '../../src/rule.js';
import { isParam, routesOf, segments } from '../../src/analyzers/code/routes.js';
import { lineFix, pathSites, pluralOf } from '../../src/analyzers/code/route-helpers.js';

// Segments that come before a parameter without naming a collection.
const NOT_COLLECTIONS = new Set([
  'api', 'admin', 'auth', 'oauth', 'sso', 'me', 'self', 'search', 'callback', 'webhook', 'hooks', 'static', 'assets', 'public',
  'download', 'upload', 'preview', 'share', 'invite', 'verify', 'confirm', 'reset', 'unsubscribe', 'redirect', 'embed', 'render',
  'stream', 'proxy', 'export', 'import', 'sync', 'track', 'login', 'logout', 'checkout', 'pay', 'join', 'follow', 'accept', 'reject',
  'approve', 'cancel', 'activate', 'health', 'metrics', 'docs', 'data', 'media', 'people', 'children', 'staff', 'feedback', 'info',
  'metadata', 'inventory', 'equipment', 'software', 'config', 'lookup', 'by', 'for', 'from', 'to', 'page', 'tenant', 'org', 'i18n',
  'locale', 'lang', 'version', 'status', 'latest', 'resend', 'request', 'get', 'find', 'check', 'send', 'current', 'internal', 'external', 'legacy', 'graphql', 'rpc', 'trpc', 'ws', 'socket',
]);

/** A lowercase word that reads as a singular noun. */
export function singularNoun(word: string): boolean {
  if (!/^[a-z][a-z-]{2,}$/.test(word)) return false;
  const parts = word.split('-');
  const last = parts[parts.length - 1];
  // `verify-email/:token`, `by-email/:email`: an action or a lookup, not a collection
  if (NOT_COLLECTIONS.has(word) || NOT_COLLECTIONS.has(last) || NOT_COLLECTIONS.has(parts[0])) return false;
  if (/(ing|ed|ics|ware|data|media|info|ment)$/.test(last)) return false;
  if (/s$/.test(last) && !/(ss|us|is)$/.test(last)) return false;
  return true;
}

export default defineRule({
  meta: {
    id: 'api/singular-collection',
    area: 'api',
    severity: 'notice',
    title: 'Collection named in the singular',
    guidance: 'API Design Reference › REST Conventions',
    checklist: ['api.resource-naming'],
    description:
      'A segment followed by an id names a collection (`/users/:id` is one member of `/users`). Naming it in the singular (`/user/:id`) splits the API between `/user` and `/users`, and clients must remember which resource uses which. Use the plural noun. Singleton sub-resources (`/users/:id/profile`) and non-resource prefixes (`/auth/:provider`) are not flagged.',
    examples: {
      bad: [
        {
          path: 'src/routes/users.ts',
          code: "import { Router } from 'express';\nimport { requireAuth } from '../middleware/auth';\nimport * as users from '../controllers/users';\n\nconst router = Router();\nrouter.use(requireAuth);\nrouter.get('/user/:userId', users.show);\nrouter.patch('/user/:userId', users.update);\n\nexport default router;\n",
        },
      ],
      good: [
        {
          path: 'src/routes/users.ts',
          code: "import { Router } from 'express';\nimport * as users from '../controllers/users';\n\nconst router = Router();\nrouter.get('/users/:userId', users.show);\nrouter.get('/users/:userId/profile', users.profile);\nrouter.get('/auth/:provider/callback', users.oauthCallback);\nrouter.get('/addresses/:id', users.address);\nrouter.get('/me', users.me);\n\nexport default router;\n",
        },
      ],
    },
  },
  code: {
    kinds: ['SourceFile'],
    visit(_node, ctx) {
      const fr = routesOf(ctx.file);
      for (const site of pathSites(fr)) {
        const segs = segments(site.literal);
        for (let i = 0; i < segs.length - 1; i++) {
          const seg = segs[i];
          if (isParam(seg) || !isParam(segs[i + 1]) || !singularNoun(seg)) continue;
          const words = seg.split('-');
          const plural = pluralOf(words[words.length - 1]);
          const pluralSeg = plural ? [...words.slice(0, -1), plural].join('-') : undefined;
          const fixedLiteral = pluralSeg ? segs.map((s, j) => (j === i ? pluralSeg : s)).join('/') : undefined;
          const fixed = fixedLiteral !== undefined ? (site.literal.startsWith('/') ? '/' : '') + fixedLiteral + (site.literal.endsWith('/') && site.literal.length > 1 ? '/' : '') : undefined;
          const quote = site.node.getText(ctx.file.sourceFile)[0];
          ctx.report({
            startLine: site.line,
            message:
              `\`${seg}\` in \`${site.literal}\` is followed by an id, so it names a collection, but in the singular. Clients then have to remember whether this API says \`/${seg}\` or \`/${pluralSeg ?? seg + 's'}\`, and the list and item endpoints drift apart. ` +
              `Use the plural noun${fixed ? `: \`${fixed}\`` : ''}.`,
            fix: fixed ? lineFix(ctx.file, site.node, `${quote}${site.literal}${quote}`, `${quote}${fixed}${quote}`) : undefined,
          });
          break;
        }
      }
    },
  },
});
