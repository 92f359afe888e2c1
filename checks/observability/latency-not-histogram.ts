import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import { promMetric } from '../../src/analyzers/code/metrics.js';

const LATENCY = /(?:^|_)(?:duration|latency|response_?time|request_?time|elapsed|seconds|milliseconds|ms)(?:_|$)/;

export default defineRule({
  meta: {
    id: 'observability/latency-not-histogram',
    area: 'observability',
    severity: 'warning',
    title: 'Latency recorded as a Summary or Gauge',
    guidance: 'Observability Reference › Metrics',
    checklist: ['observability.metrics'],
    description:
      'A Summary computes its quantiles inside each process, and quantiles cannot be averaged or summed across instances, so the fleet-wide p99 an SLO needs cannot be derived from it; a Gauge keeps only the last request’s value and hides the tail entirely. Record latency in a Histogram with buckets around the SLO threshold and compute quantiles with `histogram_quantile` at query time.',
    examples: {
      bad: [
        {
          path: 'src/metrics.ts',
          code: "import client from 'prom-client';\n\nexport const requestDuration = new client.Summary({\n  name: 'http_request_duration_seconds',\n  help: 'Request duration',\n  percentiles: [0.5, 0.9, 0.99],\n});\n",
        },
        { path: 'src/metrics.ts', code: "import { Gauge } from 'prom-client';\n\nexport const lastLatency = new Gauge({ name: 'payment_latency_seconds', help: 'Latency of the last payment call' });\n" },
      ],
      good: [
        {
          path: 'src/metrics.ts',
          code: "import client from 'prom-client';\n\nexport const requestDuration = new client.Histogram({\n  name: 'http_request_duration_seconds',\n  help: 'Request duration',\n  buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],\n});\n",
        },
        { path: 'src/metrics.ts', code: "import { Gauge } from 'prom-client';\n\nexport const queueDepth = new Gauge({ name: 'jobs_queue_depth', help: 'Jobs waiting' });\n" },
      ],
    },
  },
  code: {
    kinds: ['NewExpression'],
    visit(node, ctx) {
      const metric = promMetric(node as ts.NewExpression, ctx.file);
      if (!metric?.name || (metric.type !== 'Summary' && metric.type !== 'Gauge')) return;
      if (!LATENCY.test(metric.name)) return;
      if (metric.type === 'Gauge' && /(?:^|_)(?:uptime|last_\w*success|timestamp|age|since|ttl|lag)(?:_|$)/.test(metric.name)) return;
      ctx.report({
        startLine: ctx.file.lineOf(node),
        message:
          metric.type === 'Summary'
            ? `\`${metric.name}\` is a Summary: its quantiles are computed per process and cannot be aggregated across instances, so the service-wide p99 an SLO needs is unavailable. Use a Histogram with buckets around your latency target (\`new Histogram({ name: '${metric.name}', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5] })\`) and \`histogram_quantile()\` in queries.`
            : `\`${metric.name}\` is a Gauge, which keeps only the most recent value: the slow requests between scrapes, the tail that matters, are never seen. Record it in a Histogram (\`new Histogram({ name: '${metric.name}', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5] })\`) and \`observe()\` every call.`,
      });
    },
  },
});
