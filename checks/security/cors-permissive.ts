import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import { callee, nameOf, prop, stringValue, unwrap } from '../../src/analyzers/code/ast.js';

const CHECKS = /\.(?:includes|has|test|indexOf|endsWith|startsWith|match)\(|===|!==|\bswitch\b/;

/** Why the origin option lets any site in, if it does. */
function permissiveOrigin(origin: ts.Expression): string | undefined {
  const o = unwrap(origin);
  if (stringValue(o) === '*') return "`origin: '*'`";
  if (o.kind === ts.SyntaxKind.TrueKeyword) return '`origin: true` (reflects any Origin header)';
  if (ts.isFunctionLike(o)) {
    const text = o.getText();
    if (!CHECKS.test(text) && /\(\s*null\s*,\s*(?:true|origin)\s*\)/.test(text)) return 'an `origin` callback that accepts every origin';
  }
  return undefined;
}

export default defineRule({
  meta: {
    id: 'security/cors-permissive',
    area: 'security',
    severity: 'error',
    title: 'CORS allows any origin with credentials',
    guidance: 'Security Reference › Security Headers and Transport',
    checklist: ['security.cors-cookies'],
    description:
      'With credentials allowed, a wildcard or reflected origin lets any website the user visits call the API with the user’s cookies and read the answers: account data, CSRF tokens, anything. Allow an explicit list of origins (`origin: [\'https://app.example.com\']`) when credentials are on.',
    examples: {
      bad: [
        {
          path: 'src/app.ts',
          code: "import express from 'express';\nimport cors from 'cors';\n\nexport const app = express();\napp.use(cors({ origin: true, credentials: true }));\n",
        },
        {
          path: 'src/main.ts',
          code: [
            "import { NestFactory } from '@nestjs/core';",
            "import { AppModule } from './app.module';",
            '',
            'async function bootstrap() {',
            '  const app = await NestFactory.create(AppModule);',
            '  app.enableCors({',
            '    origin: (origin, callback) => callback(null, origin),',
            '    credentials: true,',
            '  });',
            '  await app.listen(3000);',
            '}',
            'void bootstrap();',
            '',
          ].join('\n'),
        },
      ],
      good: [
        {
          path: 'src/app.ts',
          code: "import express from 'express';\nimport cors from 'cors';\n\nexport const app = express();\napp.use(cors({ origin: ['https://app.example.com'], credentials: true }));\n",
        },
        {
          path: 'src/public-api.ts',
          code: "import express from 'express';\nimport cors from 'cors';\n\nexport const app = express();\napp.use(cors({ origin: '*' }));\n",
          note: 'A public, cookie-less API may allow every origin.',
        },
      ],
    },
  },
  code: {
    kinds: ['ObjectLiteralExpression', 'CallExpression'],
    visit(node, ctx) {
      if (ts.isObjectLiteralExpression(node)) {
        const credentials = prop(node, 'credentials');
        const origin = prop(node, 'origin');
        if (!credentials || credentials.kind !== ts.SyntaxKind.TrueKeyword || !origin) return;
        const why = permissiveOrigin(origin);
        if (!why) return;
        ctx.report({
          startLine: ctx.file.lineOf(origin),
          message: `CORS is configured with ${why} and \`credentials: true\`, so any website a signed-in user visits can call this API with their cookies and read the responses. Allow an explicit list: \`origin: ['https://app.example.com']\`.`,
        });
        return;
      }
      // Hand-written headers: Access-Control-Allow-Origin reflected from the request, credentials on.
      const call = node as ts.CallExpression;
      const c = callee(call);
      if (!c || !['setHeader', 'header', 'set'].includes(c.name) || call.arguments.length < 2) return;
      if (stringValue(call.arguments[0])?.toLowerCase() !== 'access-control-allow-origin') return;
      const value = unwrap(call.arguments[1]);
      const reflected = /\b(?:req|request)\.(?:headers\.origin|header\(\s*['"]origin['"]\s*\)|get\(\s*['"]origin['"]\s*\))|headers\[['"]origin['"]\]/i.test(value.getText()) || stringValue(value) === '*';
      if (!reflected) return;
      const scope = call.parent?.parent ?? call;
      const block = ts.findAncestor(call, (n) => ts.isBlock(n)) ?? scope;
      if (!/access-control-allow-credentials['"]\s*,\s*['"]?true/i.test(block.getText())) return;
      const guard = ts.findAncestor(call, (n) => ts.isIfStatement(n) && CHECKS.test(n.expression.getText()));
      if (guard) return;
      ctx.report({
        startLine: ctx.file.lineOf(call),
        message: 'The request’s Origin is echoed into `Access-Control-Allow-Origin` together with `Access-Control-Allow-Credentials: true`, so any website can read this API’s responses with the user’s cookies. Echo the origin only when it is in an allowlist: `if (ALLOWED_ORIGINS.has(origin)) res.setHeader(…)`.',
      });
      void nameOf;
    },
  },
});
