import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createOpsHandler, queueReadinessCheck, startOpsServer, type OpsHandler, type ReadinessCheck } from '../../src/ops/http.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { InProcessQueue } from '../../src/queue/memory.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(handler: OpsHandler): Promise<string> {
  const server = await startOpsServer(handler, 0, '127.0.0.1');
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const ok: ReadinessCheck = { name: 'redis', check: async () => {} };

describe('ops endpoints over HTTP', () => {
  it('GET /healthz answers 200 whatever the dependencies say', async () => {
    const base = await serve(createOpsHandler({ checks: [{ name: 'redis', check: async () => Promise.reject(new Error('down')) }] }));
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('GET /readyz is 200 when every check passes and 503 naming the failing one, without its error text', async () => {
    let redisUp = true;
    const redis: ReadinessCheck = {
      name: 'redis',
      check: async () => {
        if (!redisUp) throw new Error('connect ECONNREFUSED 10.0.3.7:6379');
      },
    };
    const base = await serve(createOpsHandler({ checks: [redis, { name: 'github-app-key', check: async () => {} }] }));
    let res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', checks: { redis: 'ok', 'github-app-key': 'ok' } });
    redisUp = false;
    res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    const body = await res.text();
    expect(JSON.parse(body)).toEqual({ status: 'not_ready', checks: { redis: 'failed', 'github-app-key': 'ok' } });
    expect(body).not.toContain('10.0.3.7');
  });

  it('a check that hangs fails readiness after its timeout instead of hanging the probe', async () => {
    const hang: ReadinessCheck = { name: 'redis', check: () => new Promise(() => {}), timeoutMs: 100 };
    const base = await serve(createOpsHandler({ checks: [hang] }));
    const t0 = Date.now();
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('markShuttingDown() turns readiness off so the instance is drained', async () => {
    const handler = createOpsHandler({ checks: [ok] });
    const base = await serve(handler);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    handler.markShuttingDown();
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect((await res.json()).status).toBe('shutting_down');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('GET /metrics serves the Prometheus text format', async () => {
    const metrics = createMetrics();
    metrics.recordReview('failure', 3);
    const base = await serve(createOpsHandler({ registry: metrics.registry }));
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('# TYPE backend_review_review_duration_seconds histogram');
    expect(text).toContain('backend_review_reviews_total{conclusion="failure"} 1');
    expect(text).toContain('backend_review_process_resident_memory_bytes');
  });

  it('answers HEAD without a body, and leaves other paths and methods to the next handler (404 on the ops server)', async () => {
    const base = await serve(createOpsHandler({ registry: createMetrics({ defaultMetrics: false }).registry }));
    const head = await fetch(`${base}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(`${base}/api/github/webhooks`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${base}/healthz?probe=1`)).status).toBe(200);
  });

  it('without a registry /metrics is not served', async () => {
    const base = await serve(createOpsHandler());
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
  });

  it('works as Express-style middleware: calls next() for paths it does not serve', async () => {
    const handler = createOpsHandler({ checks: [ok] });
    const calls: string[] = [];
    const { createServer } = await import('node:http');
    const server = createServer((req, res) =>
      handler.express(req, res, () => {
        calls.push(req.url ?? '');
        res.writeHead(418).end();
      }),
    );
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/other`)).status).toBe(418);
    expect(calls).toEqual(['/other']);
  });

  it('queueReadinessCheck: memory mode is ready until the queue is closed', async () => {
    const queue = new InProcessQueue(async () => {});
    const check = queueReadinessCheck(queue);
    expect(check.name).toBe('queue');
    const base = await serve(createOpsHandler({ checks: [check] }));
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    await queue.close();
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
  });
});
