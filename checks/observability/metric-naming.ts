import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import { replaceInLine, unwrap } from '../../src/analyzers/code/ast.js';
import { promMetric } from '../../src/analyzers/code/metrics.js';

const NON_BASE_UNITS: Record<string, string> = {
  ms: 'seconds', millis: 'seconds', milliseconds: 'seconds', msec: 'seconds', us: 'seconds', microseconds: 'seconds', ns: 'seconds', nanoseconds: 'seconds',
  minutes: 'seconds', mins: 'seconds', hours: 'seconds', kb: 'bytes', kilobytes: 'bytes', mb: 'bytes', megabytes: 'bytes', gb: 'bytes', kib: 'bytes', mib: 'bytes',
};

function snake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9_:]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '')
    .toLowerCase();
}

export default defineRule({
  meta: {
    id: 'observability/metric-naming',
    area: 'observability',
    severity: 'warning',
    title: 'Prometheus metric name breaks the naming conventions',
    guidance: 'Observability Reference › Metrics',
    checklist: ['observability.metrics'],
    description:
      'Prometheus names are snake_case, end in a base unit (`_seconds`, `_bytes`), and counters (only counters) end in `_total`. Names that break this do not line up with dashboards, recording rules and alert templates written for the convention, and a `_ms` histogram next to `_seconds` ones gets summed wrongly by a factor of 1000. Rename before the metric ships: a rename later breaks every query that uses it.',
    examples: {
      bad: [
        {
          path: 'src/metrics.ts',
          code: "import { Counter, Histogram } from 'prom-client';\n\nexport const ordersCreated = new Counter({ name: 'ordersCreated', help: 'Orders created' });\nexport const checkoutLatency = new Histogram({ name: 'checkout_latency_ms', help: 'Checkout latency', buckets: [50, 100, 250, 500, 1000] });\n",
        },
      ],
      good: [
        {
          path: 'src/metrics.ts',
          code: "import { Counter, Histogram } from 'prom-client';\n\nexport const ordersCreated = new Counter({ name: 'orders_created_total', help: 'Orders created' });\nexport const checkoutDuration = new Histogram({ name: 'checkout_duration_seconds', help: 'Checkout latency', buckets: [0.05, 0.1, 0.25, 0.5, 1] });\n",
        },
      ],
    },
  },
  code: {
    kinds: ['NewExpression'],
    visit(node, ctx) {
      const metric = promMetric(node as ts.NewExpression, ctx.file);
      if (!metric?.name || !metric.nameNode) return;
      const { type, name } = metric;
      const problems: string[] = [];
      let better = name;
      if (!/^[a-z_:][a-z0-9_:]*$/.test(name)) {
        problems.push('is not snake_case');
        better = snake(better);
      }
      const parts = better.split('_');
      const unit = parts.find((p) => NON_BASE_UNITS[p]);
      if (unit) problems.push(`uses \`${unit}\` instead of the base unit \`${NON_BASE_UNITS[unit]}\``);
      if (type === 'Counter' && !better.endsWith('_total')) {
        problems.push('is a counter without the `_total` suffix');
        better = `${better}_total`;
      }
      if (type !== 'Counter' && better.endsWith('_total')) {
        problems.push(`ends in \`_total\`, which marks counters, but this is a ${type}`);
        better = better.replace(/_total$/, '');
      }
      if ((type === 'Histogram' || type === 'Summary') && /(?:^|_)(?:duration|latency|time|elapsed)$/.test(better)) {
        problems.push('measures time without a unit suffix');
      }
      if (problems.length === 0) return;
      const nameLiteral = unwrap(metric.nameNode);
      // A rename is mechanical only when the unit is right: converting ms to seconds changes the observed values too.
      const mechanical = !unit && !problems.some((p) => p.startsWith('measures')) && ts.isStringLiteral(nameLiteral) && better !== name;
      const quote = ctx.file.text[nameLiteral.getStart(ctx.file.sourceFile)];
      ctx.report({
        startLine: ctx.file.lineOf(metric.nameNode),
        message: `Metric \`${name}\` ${problems.length > 1 ? `${problems.slice(0, -1).join(', ')} and ${problems[problems.length - 1]}` : problems[0]}. Queries, dashboards and alerts written for Prometheus conventions will not match it${unit ? ', and mixed units get aggregated wrongly' : ''}. ${unit ? `Record ${NON_BASE_UNITS[unit]}${/^(ms|millis|milliseconds|msec)$/.test(unit) ? ' (divide milliseconds by 1000)' : ''} and name it \`${better.replace(new RegExp(`(^|_)${unit}(?=_|$)`), `$1${NON_BASE_UNITS[unit]}`)}\`.` : `Name it \`${problems.some((p) => p.startsWith('measures')) ? `${better}_seconds` : better}\`.`}`,
        fix: mechanical ? replaceInLine(ctx.file, nameLiteral, `${quote}${better}${quote}`) : undefined,
      });
    },
  },
});
