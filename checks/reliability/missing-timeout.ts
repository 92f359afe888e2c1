import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import type { CodeFile } from '../../src/analyzers/code/code-file.js';
import { appendToCall, callee, constInit, enclosingFunction, hasSpread, importOf, NOT_SERVER_PATH, prop, unwrap } from '../../src/analyzers/code/ast.js';

const AXIOS_CONFIG_AT: Record<string, number> = { get: 1, delete: 1, head: 1, options: 1, post: 2, put: 2, patch: 2, request: 0, getUri: -1 };
const GOT_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'stream']);

interface Outbound {
  client: string;
  options: ts.Expression | undefined;
  /** Option names that bound the call. */
  keys: string[];
  /** Text to append to a one-line call to add a timeout, when that is mechanical. */
  append?: string;
}

/** Whether an instance config (axios.create / got.extend) carries a timeout. */
function instanceHasTimeout(init: ts.Expression | undefined, keys: string[]): boolean | undefined {
  if (!init) return undefined;
  const call = unwrap(init);
  if (!ts.isCallExpression(call)) return undefined;
  const c = callee(call);
  if (!c || !['create', 'extend'].includes(c.name)) return undefined;
  const cfg = call.arguments[0] && unwrap(call.arguments[0]);
  if (!cfg) return false;
  if (!ts.isObjectLiteralExpression(cfg) || hasSpread(cfg)) return true; // built elsewhere: assume configured
  return keys.some((k) => prop(cfg, k) !== undefined);
}

/** File-wide timeout settings, searched once per file rather than once per call. */
const fileSettings = new WeakMap<CodeFile, { dispatcher: boolean; axiosDefaults: boolean }>();
function fileSets(file: CodeFile): { dispatcher: boolean; axiosDefaults: boolean } {
  let s = fileSettings.get(file);
  if (!s) {
    s = { dispatcher: /setGlobalDispatcher\s*\(/.test(file.text), axiosDefaults: /\baxios\.defaults\.timeout\s*=/.test(file.text) };
    fileSettings.set(file, s);
  }
  return s;
}

function outbound(call: ts.CallExpression, file: CodeFile): Outbound | undefined {
  const c = callee(call);
  if (!c) return undefined;
  if (!c.receiverNode) {
    if (c.name === 'fetch' && !importOf(file, 'fetch')) {
      return { client: 'fetch', options: call.arguments[1], keys: ['signal', 'dispatcher'], append: call.arguments.length === 1 ? ', { signal: AbortSignal.timeout(5000) }' : undefined };
    }
    const imp = importOf(file, c.name);
    if (!imp) {
      // A local instance called directly: const http = axios.create(); http(config)
      return undefined;
    }
    if (imp.module === 'axios' && (imp.name === 'default' || imp.name === '*')) return { client: 'axios', options: call.arguments.length > 1 ? call.arguments[1] : call.arguments[0], keys: ['timeout', 'signal'] };
    if (imp.module === 'node-fetch' && imp.name === 'default') return { client: 'fetch', options: call.arguments[1], keys: ['signal', 'timeout'], append: call.arguments.length === 1 ? ', { signal: AbortSignal.timeout(5000) }' : undefined };
    if (imp.module === 'got' && imp.name === 'default') return { client: 'got', options: call.arguments[1] ?? (call.arguments[0] && ts.isObjectLiteralExpression(unwrap(call.arguments[0])) ? call.arguments[0] : undefined), keys: ['timeout', 'signal'] };
    if (imp.module === 'undici' && (imp.name === 'request' || imp.name === 'fetch' || imp.name === 'stream')) return { client: `undici.${imp.name}`, options: call.arguments[1], keys: ['signal', 'headersTimeout', 'bodyTimeout', 'dispatcher'] };
    return undefined;
  }
  if (!ts.isIdentifier(c.receiverNode)) return undefined;
  const root = c.receiverNode.text;
  const imp = importOf(file, root);
  if (imp && (imp.name === 'default' || imp.name === '*')) {
    if (imp.module === 'axios' && c.name in AXIOS_CONFIG_AT && AXIOS_CONFIG_AT[c.name] >= 0) {
      const at = AXIOS_CONFIG_AT[c.name];
      return { client: `axios.${c.name}`, options: call.arguments[at], keys: ['timeout', 'signal'], append: call.arguments.length === at && at > 0 ? ', { timeout: 5000 }' : undefined };
    }
    if (imp.module === 'got' && GOT_METHODS.has(c.name)) return { client: `got.${c.name}`, options: call.arguments[1], keys: ['timeout', 'signal'] };
    if (/^(?:node:)?https?$/.test(imp.module) && (c.name === 'request' || c.name === 'get')) {
      const options = call.arguments.find((a) => ts.isObjectLiteralExpression(unwrap(a)));
      return { client: `${imp.module.replace('node:', '')}.${c.name}`, options: options ?? (call.arguments.length > 0 && !ts.isFunctionLike(unwrap(call.arguments[call.arguments.length - 1])) ? undefined : undefined), keys: ['timeout', 'signal'] };
    }
    return undefined;
  }
  // Instances: const api = axios.create({ baseURL }); api.get(...)
  if (c.name in AXIOS_CONFIG_AT && AXIOS_CONFIG_AT[c.name] >= 0) {
    const init = constInit(file, root);
    const base = init && ts.isCallExpression(unwrap(init)) ? callee(unwrap(init) as ts.CallExpression) : undefined;
    if (!base || base.name !== 'create' || !base.receiver || importOf(file, base.receiver)?.module !== 'axios') return undefined;
    if (instanceHasTimeout(init, ['timeout', 'signal']) !== false) return undefined;
    if (new RegExp(`\\b${root}\\.defaults\\.timeout\\s*=`).test(file.text)) return undefined;
    const at = AXIOS_CONFIG_AT[c.name];
    return { client: `${root}.${c.name} (an axios instance created without a timeout)`, options: call.arguments[at], keys: ['timeout', 'signal'] };
  }
  return undefined;
}

export default defineRule({
  meta: {
    id: 'reliability/missing-timeout',
    area: 'reliability',
    severity: 'warning',
    title: 'Outbound HTTP call without a timeout',
    guidance: 'SKILL.md › Handle partial failures',
    checklist: ['reliability.timeouts'],
    description:
      'Without a timeout, a slow or hung dependency holds the request, its socket and often a database connection until the OS gives up (minutes). Under load these pile up until the service itself stops answering: one bad dependency becomes an outage. Give every outbound call a deadline: `fetch(url, { signal: AbortSignal.timeout(5000) })`, axios `timeout` (per call or on `axios.create`), got `timeout: { request }`, undici `headersTimeout`/`bodyTimeout`.',
    examples: {
      bad: [
        {
          path: 'src/clients/inventory.ts',
          code: "export async function stockLevel(sku: string) {\n  const res = await fetch(`${process.env.INVENTORY_URL}/v1/stock/${encodeURIComponent(sku)}`);\n  return (await res.json()) as { available: number };\n}\n",
        },
        {
          path: 'src/clients/billing.ts',
          code: "import axios from 'axios';\n\nconst billing = axios.create({ baseURL: process.env.BILLING_URL });\n\nexport async function invoice(id: string) {\n  const { data } = await billing.get(`/v1/invoices/${id}`);\n  return data;\n}\n",
        },
      ],
      good: [
        {
          path: 'src/clients/inventory.ts',
          code: "export async function stockLevel(sku: string) {\n  const res = await fetch(`${process.env.INVENTORY_URL}/v1/stock/${encodeURIComponent(sku)}`, { signal: AbortSignal.timeout(2000) });\n  return (await res.json()) as { available: number };\n}\n",
        },
        {
          path: 'src/clients/billing.ts',
          code: "import axios from 'axios';\n\nconst billing = axios.create({ baseURL: process.env.BILLING_URL, timeout: 3000 });\n\nexport async function invoice(id: string) {\n  const { data } = await billing.get(`/v1/invoices/${id}`);\n  return data;\n}\n",
        },
      ],
    },
  },
  code: {
    kinds: ['CallExpression'],
    visit(node, ctx) {
      if (NOT_SERVER_PATH.test(ctx.file.path)) return;
      const call = node as ts.CallExpression;
      const out = outbound(call, ctx.file);
      if (!out) return;
      if (out.client.startsWith('fetch') && fileSets(ctx.file).dispatcher || out.client.startsWith('axios') && fileSets(ctx.file).axiosDefaults) return;
      const opts = out.options && unwrap(out.options);
      if (opts && (!ts.isObjectLiteralExpression(opts) || hasSpread(opts))) return; // options built elsewhere
      if (opts && out.keys.some((k) => prop(opts, k) !== undefined)) return;
      if (out.client.startsWith('http')) {
        const fn = enclosingFunction(call);
        if (/\.setTimeout\(|\btimeout\b/.test((fn ?? ctx.file.sourceFile).getText(ctx.file.sourceFile))) return;
      }
      const example = out.client.startsWith('fetch') || out.client === 'undici.fetch' ? '`{ signal: AbortSignal.timeout(5000) }`' : out.client.startsWith('undici') ? '`{ headersTimeout: 5000, bodyTimeout: 5000 }`' : out.client.startsWith('got') ? '`{ timeout: { request: 5000 } }`' : out.client.startsWith('http') ? '`{ timeout: 5000 }` plus `req.on(\'timeout\', () => req.destroy())`' : '`{ timeout: 5000 }`';
      ctx.report({
        startLine: ctx.file.lineOf(call),
        message: `\`${out.client}\` has no timeout, so a slow or hung dependency holds this request and its socket for minutes; under load these pile up until the service stops answering. Set a deadline that fits the caller’s latency budget: ${example}.`,
        fix: out.append && !opts ? appendToCall(ctx.file, call, out.append) : undefined,
      });
    },
  },
});
