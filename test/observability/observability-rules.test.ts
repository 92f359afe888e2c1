import { describe, expect, it } from 'vitest';
import { fixed, lines, run } from '../helpers/rule-run.js';

describe('observability/unstructured-log', () => {
  const id = 'observability/unstructured-log';
  it('flags interpolation and concatenation into logger messages, not constants or console', async () => {
    const code = [
      "import { logger } from './logger';",
      "const SERVICE = 'billing';",
      'export function a(this: any, orderId: string, err: Error) {',
      '  logger.info(`${SERVICE} started`);',
      "  logger.error('charge failed: ' + err.message);",
      '  this.logger.warn(`order ${orderId} is late`);',
      '  console.log(`order ${orderId}`);',
      "  logger.info({ orderId }, 'order shipped');",
      '}',
    ].join('\n');
    expect(await lines(id, 'src/a.ts', code)).toEqual([5, 6]);
  });
  it('suggests the winston argument order in winston files', async () => {
    const [f] = await run(id, 'src/a.ts', "import winston from 'winston';\nconst logger = winston.createLogger();\nexport const a = (id: string) => logger.info(`user ${id} created`);\n");
    expect(f.message).toContain("logger.info('…', { id })");
  });
});

describe('observability/swallowed-error', () => {
  const id = 'observability/swallowed-error';
  it('accepts retries, explained ignores, fallbacks and error responses', async () => {
    const code = [
      'export async function a(res: any, raw: string) {',
      '  for (let i = 0; i < 3; i++) {',
      '    try { return await call(); } catch { await sleep(100 * 2 ** i); }',
      '  }',
      '  let config = {};',
      '  try { config = JSON.parse(raw); } catch { config = {}; }',
      '  try { await call(); } catch {',
      '    // best effort: the cache is rebuilt on the next request',
      '  }',
      "  try { await call(); } catch (e) { res.status(502).json({ error: 'upstream' }); }",
      '  return config;',
      '}',
      'declare function call(): Promise<void>;',
      'declare function sleep(ms: number): Promise<void>;',
    ].join('\n');
    expect(await lines(id, 'src/a.ts', code)).toEqual([]);
  });
  it('flags empty catches, catches that do unrelated work, and empty promise handlers', async () => {
    const code = "export async function a(db: any) {\n  try { await db.save(); } catch (e) {}\n  try { await db.save(); } catch (e) { db.reset(); }\n  db.flush().catch(() => {});\n}\n";
    expect(await lines(id, 'src/a.ts', code)).toEqual([2, 3, 4]);
  });
  it('does not read test files', async () => {
    expect(await run(id, 'src/__tests__/a.ts', 'try { x(); } catch {}\n')).toEqual([]);
  });
});

describe('prom-client metrics', () => {
  it('metric-naming: renames mechanically when only the form is wrong', async () => {
    const code = "import { Counter } from 'prom-client';\nexport const c = new Counter({ name: 'jobsProcessed', help: 'Jobs' });\n";
    expect(await fixed('observability/metric-naming', 'src/m.ts', code)).toContain("name: 'jobs_processed_total'");
  });
  it('metric-naming: _total on a gauge, and time without a unit', async () => {
    const code = "import client from 'prom-client';\nexport const g = new client.Gauge({ name: 'queue_items_total', help: 'x' });\nexport const h = new client.Histogram({ name: 'db_query_duration', help: 'x' });\nexport const ok = new client.Histogram({ name: 'db_query_duration_seconds', help: 'x' });\n";
    const found = await run('observability/metric-naming', 'src/m.ts', code);
    expect(found.map((f) => f.startLine)).toEqual([2, 3]);
    expect(found[1].fix).toBeUndefined();
    expect(found[1].message).toContain('db_query_duration_seconds');
  });
  it('metric-naming: ignores other libraries named Counter', async () => {
    expect(await lines('observability/metric-naming', 'src/m.ts', "import { Counter } from './my-counter';\nexport const c = new Counter({ name: 'Visits' });\n")).toEqual([]);
  });
  it('high-cardinality-label: raw URLs as label values, route templates are fine', async () => {
    const code = "import { Counter } from 'prom-client';\nconst c = new Counter({ name: 'http_requests_total', help: 'x', labelNames: ['route', 'path'] });\nexport function m(req: any) {\n  c.labels({ route: req.route?.path ?? 'none', path: 'static' }).inc();\n  c.inc({ route: 'x', path: req.path });\n  c.labels(req.originalUrl).inc();\n}\n";
    expect(await lines('observability/high-cardinality-label', 'src/m.ts', code)).toEqual([5, 6]);
  });
  it('latency-not-histogram: timestamps in gauges are fine', async () => {
    const code = "import { Gauge, Summary } from 'prom-client';\nexport const a = new Gauge({ name: 'backup_last_success_timestamp_seconds', help: 'x' });\nexport const b = new Summary({ name: 'render_latency_seconds', help: 'x' });\n";
    expect(await lines('observability/latency-not-histogram', 'src/m.ts', code)).toEqual([3]);
  });
});
