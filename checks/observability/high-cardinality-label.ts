import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import { callee, chainText, nameOf, prop, stringValue, unwrap } from '../../src/analyzers/code/ast.js';
import { promMetric } from '../../src/analyzers/code/metrics.js';

const UNBOUNDED = /^(?:user_?id|userid|customer_?id|account_?id|tenant_?user|email|e_?mail|request_?id|requestid|trace_?id|traceid|span_?id|session_?id|sessionid|correlation_?id|ip|ip_?address|client_?ip|remote_?addr|url|uri|raw_?url|full_?url|query_?string|order_?id|orderid|uuid|device_?id)$/i;
const RAW_URL = /^(?:req|request|ctx|ctx\.request|c\.req)\.(?:url|originalUrl|path|raw\.url|href)$/;

export default defineRule({
  meta: {
    id: 'observability/high-cardinality-label',
    area: 'observability',
    severity: 'warning',
    title: 'Metric label with unbounded values',
    guidance: 'Observability Reference › Metrics',
    checklist: ['observability.metrics'],
    description:
      'Every distinct label value creates a new time series. Labels such as user id, email, request id or the raw URL (with ids and query strings in it) grow without bound, blowing up the memory and cost of Prometheus and slowing every query on the metric. Label by bounded dimensions (method, route template, status class) and put per-request detail in logs and traces.',
    examples: {
      bad: [
        {
          path: 'src/metrics.ts',
          code: "import { Counter } from 'prom-client';\n\nexport const logins = new Counter({ name: 'logins_total', help: 'Logins', labelNames: ['user_id', 'result'] });\n",
        },
        {
          path: 'src/middleware/metrics.ts',
          code: "import { Histogram } from 'prom-client';\nimport type { NextFunction, Request, Response } from 'express';\n\nconst duration = new Histogram({ name: 'http_request_duration_seconds', help: 'Request duration', labelNames: ['method', 'path', 'status'] });\n\nexport function timing(req: Request, res: Response, next: NextFunction) {\n  const end = duration.startTimer();\n  res.on('finish', () => end({ method: req.method, path: req.originalUrl, status: String(res.statusCode) }));\n  next();\n}\n",
        },
      ],
      good: [
        {
          path: 'src/middleware/metrics.ts',
          code: "import { Histogram } from 'prom-client';\nimport type { NextFunction, Request, Response } from 'express';\n\nconst duration = new Histogram({ name: 'http_request_duration_seconds', help: 'Request duration', labelNames: ['method', 'route', 'status'] });\n\nexport function timing(req: Request, res: Response, next: NextFunction) {\n  const end = duration.startTimer();\n  res.on('finish', () => end({ method: req.method, route: req.route?.path ?? 'unmatched', status: String(res.statusCode) }));\n  next();\n}\n",
        },
      ],
    },
  },
  code: {
    kinds: ['NewExpression', 'CallExpression'],
    visit(node, ctx) {
      if (ts.isNewExpression(node)) {
        const metric = promMetric(node, ctx.file);
        const labels = metric && prop(metric.config, 'labelNames');
        if (!labels || !ts.isArrayLiteralExpression(unwrap(labels))) return;
        for (const el of (unwrap(labels) as ts.ArrayLiteralExpression).elements) {
          const label = stringValue(el, ctx.file);
          if (!label || !UNBOUNDED.test(label)) continue;
          ctx.report({
            startLine: ctx.file.lineOf(el),
            message: `Label \`${label}\` on \`${metric!.name ?? 'this metric'}\` takes a new value for every ${/url|uri|query/i.test(label) ? 'URL (ids and query strings included)' : /ip|addr/i.test(label) ? 'client' : label.replace(/_?id$/i, '').toLowerCase() || 'request'}, so each one creates a new time series until Prometheus runs out of memory. Drop it, or use a bounded dimension (route template, tier, status class) and put the detail in logs or traces.`,
          });
          return;
        }
        return;
      }
      // .labels({ path: req.originalUrl }), .inc({...}), .observe({...}), startTimer({...}), end({...})
      const call = node as ts.CallExpression;
      const c = callee(call);
      if (!c || !/^(?:labels|inc|dec|set|observe|startTimer|end|stopTimer)$/.test(c.name) && !(ts.isIdentifier(call.expression) && /^(?:end|stop|done|endTimer|stopTimer)$/.test(call.expression.text))) return;
      for (const arg of call.arguments) {
        const a = unwrap(arg);
        const values = ts.isObjectLiteralExpression(a)
          ? a.properties.filter(ts.isPropertyAssignment).map((p) => ({ label: nameOf(p.name), value: unwrap(p.initializer) }))
          : c.name === 'labels' ? [{ label: undefined, value: a }] : [];
        for (const { label, value } of values) {
          const chain = chainText(value);
          if (!chain || !RAW_URL.test(chain)) continue;
          ctx.report({
            startLine: ctx.file.lineOf(value),
            message: `The ${label ? `\`${label}\` label` : 'label'} is set from \`${chain}\`, the raw URL with ids and query strings in it, so every distinct URL becomes a new time series and the metric’s cardinality grows without bound. Use the route template instead (\`req.route?.path\` in Express, \`request.routeOptions.url\` in Fastify).`,
          });
          return;
        }
      }
    },
  },
});
