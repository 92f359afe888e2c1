import { defineRule } from '../../src/rule.js';
import { routesOf } from '../../src/analyzers/code/routes.js';
import { lineFix, nameSegments, pathSites } from '../../src/analyzers/code/route-helpers.js';

export function kebab(segment: string): string {
  return segment
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/_+/g, '-')
    .toLowerCase();
}

export default defineRule({
  meta: {
    id: 'api/path-casing',
    area: 'api',
    severity: 'notice',
    title: 'Path segment not in kebab-case',
    guidance: 'API Design Reference › REST Conventions',
    checklist: ['api.resource-naming'],
    description:
      'URLs are case-sensitive: `/orderItems`, `/order_items` and `/order-items` are three different endpoints to clients, proxies and caches, and a mixed API makes callers guess. Use lowercase, hyphen-separated segments (`/order-items`). Parameters, file names and versions are not checked.',
    examples: {
      bad: [
        {
          path: 'src/routes/orders.ts',
          code: "import { Router } from 'express';\nimport { listItems } from '../handlers/order-items';\n\nexport const ordersRouter = Router();\n\nordersRouter.get('/orders/:orderId/orderItems', listItems);\n",
        },
        {
          path: 'src/app.ts',
          code: "import express from 'express';\nimport { paymentMethods } from './routes/payment-methods';\n\nconst app = express();\napp.use('/v1/payment_methods', paymentMethods);\nexport default app;\n",
        },
      ],
      good: [
        {
          path: 'src/routes/orders.ts',
          code: "import { Router } from 'express';\nimport { listItems } from '../handlers/order-items';\n\nexport const ordersRouter = Router();\n\nordersRouter.get('/orders/:orderId/order-items', listItems);\nordersRouter.get('/.well-known/openid-configuration', oidc);\n",
        },
      ],
    },
  },
  code: {
    kinds: ['SourceFile'],
    visit(_node, ctx) {
      const fr = routesOf(ctx.file);
      for (const site of pathSites(fr)) {
        const bad = nameSegments(site.literal).filter((s) => /[A-Z_]/.test(s));
        if (bad.length === 0) continue;
        let fixed = site.literal;
        for (const s of bad) fixed = fixed.split('/').map((x) => (x === s ? kebab(s) : x)).join('/');
        const quote = site.node.getText(ctx.file.sourceFile)[0];
        ctx.report({
          startLine: site.line,
          message:
            `\`${bad.join('`, `')}\` in \`${site.literal}\` is not kebab-case. URLs are case-sensitive, so clients, proxies and caches treat each spelling as a different endpoint and callers have to guess which one this API uses. ` +
            `Use lowercase, hyphen-separated segments: \`${fixed}\`.`,
          fix: lineFix(ctx.file, site.node, `${quote}${site.literal}${quote}`, `${quote}${fixed}${quote}`),
        });
      }
    },
  },
});
