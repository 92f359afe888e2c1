import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import type { CodeFile } from '../../src/analyzers/code/code-file.js';
import { callee, enclosingFunction, importOf, prop, unwrap } from '../../src/analyzers/code/ast.js';
import { taintOf, type Taint } from '../../src/analyzers/code/taint.js';

const HTTP_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'request', 'stream']);
const ALLOWLIST = /allow(?:ed)?[_-]?(?:list|hosts?|origins?|domains?|urls?)|whitelist|isAllowed\w*|assertAllowed\w*|isSafeUrl|validateUrl|checkUrl|isPublicUrl|assertPublic\w*|ssrf/i;

/** The URL argument of an outbound HTTP call, when the call is one. */
export function outboundUrl(call: ts.CallExpression, file: CodeFile): { client: string; url?: ts.Expression } | undefined {
  const c = callee(call);
  if (!c) return undefined;
  const first = call.arguments[0];
  if (!c.receiverNode) {
    if (c.name === 'fetch') return { client: 'fetch', url: first };
    const imp = importOf(file, c.name);
    if (!imp) return undefined;
    if ((imp.module === 'axios' || imp.module === 'got' || imp.module === 'node-fetch' || imp.module === 'ky') && (imp.name === 'default' || imp.name === '*')) {
      const url = first && ts.isObjectLiteralExpression(unwrap(first)) ? prop(first, 'url') : first;
      return { client: imp.module, url };
    }
    if (imp.module === 'undici' && ['request', 'fetch', 'stream'].includes(imp.name)) return { client: 'undici', url: first };
    return undefined;
  }
  if (!ts.isIdentifier(c.receiverNode)) return undefined;
  const root = c.receiverNode.text;
  const imp = importOf(file, root);
  if (!imp || !HTTP_METHODS.has(c.name)) return undefined;
  if (['axios', 'got', 'ky', 'undici', 'superagent'].includes(imp.module)) {
    const url = first && ts.isObjectLiteralExpression(unwrap(first)) ? prop(first, 'url') : first;
    return { client: `${imp.module}.${c.name}`, url };
  }
  if (/^(?:node:)?https?$/.test(imp.module) && (c.name === 'get' || c.name === 'request')) {
    const url = first && ts.isObjectLiteralExpression(unwrap(first)) ? (prop(first, 'host') ?? prop(first, 'hostname')) : first;
    return { client: `${imp.module.replace('node:', '')}.${c.name}`, url };
  }
  return undefined;
}

/** Whether the request controls where the URL points (scheme or host), not only its path or query. */
function hostTainted(url: ts.Expression, taint: Taint): boolean {
  const u = unwrap(url);
  if (ts.isTemplateExpression(u)) {
    if (!/^[a-z]+:\/\/[^/$]+\//i.test(u.head.text) && !/^\//.test(u.head.text)) return taint.isTainted(u.templateSpans[0].expression);
    return false;
  }
  if (ts.isBinaryExpression(u) && u.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    let left: ts.Expression = u;
    while (ts.isBinaryExpression(left) && left.operatorToken.kind === ts.SyntaxKind.PlusToken) left = unwrap(left.left);
    if (ts.isStringLiteralLike(left)) return /^[a-z]+:\/\/[^/]*$/i.test(left.text) && taint.isTainted(u);
    return taint.isTainted(left);
  }
  return taint.isTainted(u);
}

export default defineRule({
  meta: {
    id: 'security/ssrf',
    area: 'security',
    severity: 'error',
    title: 'Outbound request to a URL taken from the request (SSRF)',
    guidance: 'Security Reference › OWASP Top 10 - Practical Prevention',
    checklist: ['security.injection'],
    description:
      'When the caller chooses the host of an outbound request, the service can be made to call internal addresses it can reach and the caller cannot: the cloud metadata endpoint (169.254.169.254), admin ports, databases. Parse the URL, require https and a host from an allowlist, and reject private and link-local addresses after DNS resolution. Paths built on a fixed base URL are not flagged.',
    examples: {
      bad: [
        {
          path: 'src/routes/webhooks.ts',
          code: [
            "import { Router } from 'express';",
            "import axios from 'axios';",
            '',
            'export const webhooks = Router();',
            '',
            "webhooks.post('/test', async (req, res) => {",
            '  const { callbackUrl } = req.body;',
            '  const target = new URL(callbackUrl);',
            '  const reply = await axios.post(target.toString(), { ping: true }, { timeout: 5000 });',
            '  res.json({ status: reply.status });',
            '});',
            '',
          ].join('\n'),
        },
      ],
      good: [
        {
          path: 'src/routes/webhooks.ts',
          code: [
            "import { Router } from 'express';",
            "import axios from 'axios';",
            '',
            'export const webhooks = Router();',
            "const ALLOWED_HOSTS = new Set(['hooks.slack.com', 'api.pagerduty.com']);",
            '',
            "webhooks.post('/test', async (req, res) => {",
            '  const target = new URL(String(req.body.callbackUrl));',
            "  if (target.protocol !== 'https:' || !ALLOWED_HOSTS.has(target.hostname)) return res.status(400).json({ error: 'host not allowed' });",
            '  const reply = await axios.post(target.toString(), { ping: true }, { timeout: 5000 });',
            '  res.json({ status: reply.status });',
            '});',
            '',
          ].join('\n'),
        },
        {
          path: 'src/routes/profile.ts',
          code: [
            "import { Router } from 'express';",
            '',
            'export const profile = Router();',
            '',
            "profile.get('/:id/avatar', async (req, res) => {",
            '  const upstream = await fetch(`https://avatars.internal.example.com/v1/${encodeURIComponent(req.params.id)}`, { signal: AbortSignal.timeout(3000) });',
            '  res.type(upstream.headers.get("content-type") ?? "image/png").send(Buffer.from(await upstream.arrayBuffer()));',
            '});',
            '',
          ].join('\n'),
          note: 'Input in the path of a fixed base URL cannot change the host.',
        },
      ],
    },
  },
  code: {
    kinds: ['CallExpression'],
    visit(node, ctx) {
      const call = node as ts.CallExpression;
      const out = outboundUrl(call, ctx.file);
      if (!out?.url) return;
      const taint = taintOf(ctx.file);
      if (!hostTainted(out.url, taint)) return;
      const fn = enclosingFunction(call);
      const body = (fn ?? ctx.file.sourceFile).getText(ctx.file.sourceFile);
      if (ALLOWLIST.test(body)) return;
      ctx.report({
        startLine: ctx.file.lineOf(call),
        message: `\`${out.client}\` is sent to a URL the caller chooses, so the service can be pointed at internal hosts such as the cloud metadata endpoint (169.254.169.254) or admin ports (SSRF). Parse it with \`new URL()\`, require \`https:\` and a host from an allowlist (\`if (!ALLOWED_HOSTS.has(url.hostname)) return res.status(400)…\`), and block private and link-local addresses.`,
      });
    },
  },
});
