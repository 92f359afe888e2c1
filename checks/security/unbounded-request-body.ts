import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import { byteSize, callee, chainText, nameOf, unwrap } from '../../src/analyzers/code/ast.js';

const MAX = 10 * 1024 * 1024;
const PARSERS = new Set(['json', 'urlencoded', 'raw', 'text']);
const LIMIT_KEYS = new Set(['limit', 'bodyLimit', 'jsonLimit', 'formLimit', 'textLimit', 'maxBodyLength', 'maxContentLength', 'maxFileSize']);

function human(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${+(bytes / 1024 ** 3).toFixed(1)} GB`;
  return `${+(bytes / 1024 ** 2).toFixed(1)} MB`;
}

/** Whether the object literal configures a request body parser or server (not an outbound client). */
function isBodyConfig(obj: ts.ObjectLiteralExpression, key: string): boolean {
  const owner = obj.parent;
  if (!owner) return false;
  if (ts.isCallExpression(owner) || ts.isNewExpression(owner)) {
    const c = ts.isCallExpression(owner) ? callee(owner) : { name: chainText(owner.expression) ?? '', receiver: undefined };
    if (!c) return false;
    const full = c.receiver ? `${c.receiver}.${c.name}` : c.name;
    if (key === 'bodyLimit') return /^(?:Fastify|fastify|FastifyAdapter|new FastifyAdapter)$/.test(c.name) || /register|route|post|put|patch/.test(c.name);
    if (key === 'jsonLimit' || key === 'formLimit' || key === 'textLimit') return /body|koa/i.test(full);
    if (key === 'maxFileSize') return /formidable|busboy|multer/i.test(full);
    if (key === 'limit') return (PARSERS.has(c.name) && /^(?:express|bodyParser|body-parser|app)$/.test(c.receiver ?? '')) || /^(?:json|urlencoded|bodyParser|koaBody|useBodyParser)$/.test(c.name);
    return false;
  }
  return false;
}

export default defineRule({
  meta: {
    id: 'security/unbounded-request-body',
    area: 'security',
    severity: 'warning',
    title: 'Request body limit above 10 MB',
    guidance: 'Security Reference › Security Headers and Transport',
    checklist: ['security.request-limits'],
    description:
      'Bodies are buffered and parsed in memory before the handler runs, so a large limit lets a few concurrent requests exhaust the process’s memory or block the event loop in `JSON.parse` (denial of service). Keep the global limit small (the defaults are 100 KB–1 MB) and raise it only on the upload route, or stream uploads to object storage.',
    examples: {
      bad: [
        { path: 'src/app.ts', code: "import express from 'express';\n\nexport const app = express();\napp.use(express.json({ limit: '50mb' }));\n" },
        { path: 'src/server.ts', code: "import Fastify from 'fastify';\n\nexport const server = Fastify({ logger: true, bodyLimit: 100 * 1024 * 1024 });\n" },
      ],
      good: [
        { path: 'src/app.ts', code: "import express from 'express';\n\nexport const app = express();\napp.use(express.json({ limit: '1mb' }));\n" },
        { path: 'src/server.ts', code: "import Fastify from 'fastify';\n\nexport const server = Fastify({ logger: true, bodyLimit: 1024 * 1024 });\n" },
      ],
    },
  },
  code: {
    kinds: ['PropertyAssignment'],
    visit(node, ctx) {
      const p = node as ts.PropertyAssignment;
      const key = nameOf(p.name);
      if (!key || !LIMIT_KEYS.has(key) || !ts.isObjectLiteralExpression(p.parent)) return;
      if (key === 'maxBodyLength' || key === 'maxContentLength') return; // axios: outbound, not request bodies
      if (!isBodyConfig(p.parent, key)) return;
      const size = byteSize(unwrap(p.initializer), ctx.file);
      if (size === undefined || size <= MAX) return;
      ctx.report({
        startLine: ctx.file.lineOf(p),
        message: `The request body limit is ${human(size)}: a handful of concurrent requests this size can exhaust the process’s memory or block the event loop while parsing. Keep the global limit at 1 MB (\`${key}: '1mb'\`${key === 'bodyLimit' ? ' / `1048576`' : ''}) and allow large bodies only on the upload route, ideally streamed to storage.`,
      });
    },
  },
});
