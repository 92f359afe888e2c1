/**
 * Prometheus naming rules we hold our own metrics to (Observability Reference › Metrics › Naming Conventions):
 * snake_case, a namespace prefix, counters end in `_total`, histograms and summaries carry a base unit
 * (`_seconds`, `_bytes`), never a scaled unit (milliseconds, kilobytes, minutes).
 */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped' | string;

const SCALED_UNITS = /_(milliseconds|ms|microseconds|us|nanoseconds|ns|minutes|hours|days|kilobytes|kb|megabytes|mb|gigabytes|gb|percent)(_|$)/;

export function metricNameProblems(name: string, type: MetricType, prefix: string): string[] {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(name)) problems.push('not snake_case');
  if (!name.startsWith(prefix)) problems.push(`missing the "${prefix}" namespace`);
  if (SCALED_UNITS.test(name)) problems.push('uses a scaled unit; use base units (seconds, bytes)');
  if (type === 'counter' && !name.endsWith('_total')) problems.push('counter without the _total suffix');
  if (type !== 'counter' && name.endsWith('_total')) problems.push('_total suffix on a non-counter');
  if ((type === 'histogram' || type === 'summary') && !/_(seconds|bytes)$/.test(name)) problems.push(`${type} without a base-unit suffix`);
  return problems;
}

/** Metric families (name and TYPE) in a Prometheus text exposition. */
export function parseExposition(text: string): Array<{ name: string; type: MetricType }> {
  const out: Array<{ name: string; type: MetricType }> = [];
  for (const line of text.split('\n')) {
    const m = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (m) out.push({ name: m[1]!, type: m[2]! });
  }
  return out;
}
