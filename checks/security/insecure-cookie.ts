import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import type { CodeFile } from '../../src/analyzers/code/code-file.js';
import { appendToCall, callee, hasSpread, importOf, prop, stringValue, unwrap } from '../../src/analyzers/code/ast.js';

const SESSION_NAME = /sess|sid|token|auth|jwt|refresh|remember|login/i;

/** What is missing or off in cookie options: `httpOnly`, `secure`. */
function problems(options: ts.Expression | undefined, defaults: { httpOnly: boolean; secure: boolean }): string[] {
  const out: string[] = [];
  if (options && !ts.isObjectLiteralExpression(unwrap(options))) return out; // built elsewhere: cannot tell
  const obj = options ? (unwrap(options) as ts.ObjectLiteralExpression) : undefined;
  if (obj && hasSpread(obj)) return out;
  for (const key of ['httpOnly', 'secure'] as const) {
    const v = prop(obj, key);
    if (v === undefined ? !defaults[key] : unwrap(v).kind === ts.SyntaxKind.FalseKeyword) out.push(key);
  }
  return out;
}

function sessionMiddleware(call: ts.CallExpression, file: CodeFile): string | undefined {
  const c = callee(call);
  if (!c || c.receiver) return undefined;
  const mod = importOf(file, c.name)?.module;
  return mod === 'express-session' || mod === 'cookie-session' || mod === '@fastify/session' || mod === 'koa-session' ? mod : undefined;
}

export default defineRule({
  meta: {
    id: 'security/insecure-cookie',
    area: 'security',
    severity: 'error',
    title: 'Session cookie without httpOnly or secure',
    guidance: 'Security Reference › Authentication Patterns',
    checklist: ['security.cors-cookies'],
    description:
      'A session or token cookie without `httpOnly` can be read by any script on the page, so one XSS bug hands the session to an attacker; without `secure` it is also sent over plain HTTP, where anyone on the network can copy it. Set `httpOnly: true, secure: true, sameSite: \'lax\'` on every session and token cookie (express-session’s default is `secure: false`, `res.cookie`’s is neither).',
    examples: {
      bad: [
        {
          path: 'src/routes/auth.ts',
          code: [
            "import { Router } from 'express';",
            '',
            'export const auth = Router();',
            '',
            "auth.post('/token/refresh', async (req, res) => {",
            '  const refreshToken = await rotate(req.cookies.refresh_token);',
            "  res.cookie('refresh_token', refreshToken, { maxAge: 30 * 24 * 3600 * 1000 });",
            '  res.sendStatus(204);',
            '});',
            '',
            'declare function rotate(token: string): Promise<string>;',
            '',
          ].join('\n'),
        },
        {
          path: 'src/app.ts',
          code: "import express from 'express';\nimport session from 'express-session';\n\nexport const app = express();\napp.use(session({ secret: process.env.SESSION_SECRET!, resave: false, saveUninitialized: false }));\n",
        },
      ],
      good: [
        {
          path: 'src/routes/auth.ts',
          code: [
            "import { Router } from 'express';",
            '',
            'export const auth = Router();',
            '',
            "auth.post('/token/refresh', async (req, res) => {",
            '  const refreshToken = await rotate(req.cookies.refresh_token);',
            "  res.cookie('refresh_token', refreshToken, { maxAge: 30 * 24 * 3600 * 1000, httpOnly: true, secure: true, sameSite: 'lax' });",
            '  res.sendStatus(204);',
            '});',
            '',
            'declare function rotate(token: string): Promise<string>;',
            '',
          ].join('\n'),
        },
        {
          path: 'src/app.ts',
          code: "import express from 'express';\nimport session from 'express-session';\n\nexport const app = express();\napp.use(session({ secret: process.env.SESSION_SECRET!, resave: false, saveUninitialized: false, cookie: { secure: true, sameSite: 'lax' } }));\n",
        },
        { path: 'src/routes/prefs.ts', code: "import { Router } from 'express';\n\nexport const prefs = Router();\nprefs.post('/theme', (req, res) => {\n  res.cookie('theme', 'dark', { maxAge: 86400000 });\n  res.sendStatus(204);\n});\n", note: 'Not a session or token cookie.' },
      ],
    },
  },
  code: {
    kinds: ['CallExpression'],
    visit(node, ctx) {
      const call = node as ts.CallExpression;
      const c = callee(call);
      if (!c) return;
      const mw = sessionMiddleware(call, ctx.file);
      if (mw) {
        const opts = call.arguments[0];
        if (!opts || !ts.isObjectLiteralExpression(unwrap(opts)) || hasSpread(unwrap(opts) as ts.ObjectLiteralExpression)) return;
        const cookie = mw === 'express-session' || mw === '@fastify/session' ? prop(opts, 'cookie') : opts;
        const missing = problems(cookie, { httpOnly: true, secure: false });
        if (missing.length === 0) return;
        ctx.report({
          startLine: ctx.file.lineOf(call),
          message: `The session cookie set by \`${mw}\` is ${missing.map((m) => (m === 'secure' ? 'not `secure`' : 'not `httpOnly`')).join(' and ')}: ${missing.includes('secure') ? 'it is sent over plain HTTP, where anyone on the network can copy the session' : 'page scripts can read it, so any XSS steals the session'}. Set \`cookie: { httpOnly: true, secure: true, sameSite: 'lax' }\` (with \`app.set('trust proxy', 1)\` behind a TLS-terminating proxy).`,
        });
        return;
      }
      if (!((c.name === 'cookie' && /^(?:res|response|ctx\.cookies)$/.test(c.receiver ?? '')) || (c.name === 'setCookie' && /^(?:reply|res)$/.test(c.receiver ?? '')) || (c.name === 'set' && c.receiver === 'ctx.cookies'))) return;
      const name = stringValue(call.arguments[0], ctx.file);
      if (!name || !SESSION_NAME.test(name) || call.arguments.length < 2) return;
      const options = call.arguments[2];
      const koa = c.receiver === 'ctx.cookies';
      // Double-submit CSRF cookies are meant to be read by the page's scripts: only `secure` applies.
      const missing = problems(options, { httpOnly: koa, secure: false }).filter((m) => !(m === 'httpOnly' && /csrf|xsrf/i.test(name)));
      if (missing.length === 0) return;
      let fix;
      const add = missing.map((m) => `${m}: true`).join(', ');
      if (!options) fix = appendToCall(ctx.file, call, `, { ${add}, sameSite: 'lax' }`);
      else {
        const obj = unwrap(options) as ts.ObjectLiteralExpression;
        const falsy = missing.filter((m) => prop(obj, m));
        if (falsy.length === 0 && ctx.file.lineOf(obj) === ctx.file.endLineOf(obj) && obj.properties.length > 0) {
          const line = ctx.file.lineOf(obj);
          const starts = ctx.file.sourceFile.getLineStarts();
          const at = obj.properties[obj.properties.length - 1].getEnd() - starts[line - 1];
          const src = ctx.file.lineText(line);
          fix = { startLine: line, endLine: line, replacement: `${src.slice(0, at)}, ${add}${src.slice(at)}` };
        }
      }
      ctx.report({
        startLine: ctx.file.lineOf(call),
        message: `The \`${name}\` cookie is set without ${missing.map((m) => `\`${m}\``).join(' and ')}: ${missing.includes('httpOnly') ? 'any script on the page can read it, so an XSS bug steals the session' : 'it is also sent over plain HTTP'}${missing.length === 2 ? ', and it travels over plain HTTP too' : ''}. Set \`{ httpOnly: true, secure: true, sameSite: 'lax' }\`.`,
        fix,
      });
    },
  },
});
