import { createHmac } from 'node:crypto';
import nock from 'nock';
import { pino } from 'pino';
import { Probot, Server } from 'probot';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/github/app.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { world } from './world.js';
import { pullRequestEvent } from './payloads.js';
import { privateKey, startHarness, stopHarness, TestOctokit } from './harness.js';
import { freePort, post } from './http-helpers.js';

/** Samples of the Prometheus text format: `name{k="v",…} value`. */
function parseSamples(text: string) {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) labels[k!] = v!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

let server: Server | undefined;
let opsServer: import('node:http').Server | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
  await new Promise((r) => (opsServer ? opsServer.close(r) : r(undefined)));
  opsServer = undefined;
  stopHarness();
});

describe('ops endpoints on the app server', () => {
  it('serves /healthz and /readyz next to the webhook path, /metrics on METRICS_PORT, and the metrics count a review sent over HTTP', async () => {
    const h = startHarness(); // nock routes api.github.com into the emulator
    nock.enableNetConnect('127.0.0.1');
    const { pull } = world(h.emu);
    const secret = 'test-secret';
    const port = await freePort();
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    server = new Server({ host: '127.0.0.1', port, log, Probot: Probot.defaults({ appId: h.emu.appId, privateKey, secret, log, Octokit: TestOctokit }) });
    const appFn = createApp({ writes: { minIntervalMs: 0 }, metrics: createMetrics({ defaultMetrics: false }), env: { METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' } });
    await server.load(appFn);
    await server.start();
    opsServer = appFn.runtime!.opsServer;
    const base = `http://127.0.0.1:${port}`;
    const opsBase = `http://127.0.0.1:${(appFn.runtime!.opsServer!.address() as { port: number }).port}`;

    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    // The webhook port faces the internet: the status only, and no /metrics there.
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    const opsReady = await fetch(`${opsBase}/readyz`);
    expect(await opsReady.json()).toEqual({ status: 'ready', checks: { queue: 'ok' } });
    expect((await fetch(`${opsBase}/healthz`)).status).toBe(200);

    const body = JSON.stringify(pullRequestEvent('opened', pull));
    const status = await post(`${base}/api/github/webhooks`, { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': 'ops-1', 'x-hub-signature-256': 'sha256=' + createHmac('sha256', secret).update(body).digest('hex') }, body);
    expect(status).toBe(200);
    await appFn.runtime!.idle();
    expect(h.emu.checkRunsFor(pull)[0].conclusion).toBe('failure');

    const metrics = await fetch(`${opsBase}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const samples = parseSamples(await metrics.text());
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
    expect(value('backend_review_reviews_total', { conclusion: 'failure' })).toBe(1);
    expect(value('backend_review_review_duration_seconds_count')).toBe(1);
    expect(value('backend_review_findings_total', { rule: 'migration/create-index-non-concurrent' })).toBe(1);
    expect(value('backend_review_github_requests_total', { method: 'POST', status: '201' })).toBeGreaterThanOrEqual(2);
    expect(value('backend_review_github_requests_total', { method: 'GET', status: '200' })).toBeGreaterThanOrEqual(3);
    expect(value('backend_review_queue_jobs_total', { outcome: 'completed' })).toBe(1);
    expect(value('backend_review_queue_job_age_seconds_count')).toBe(1);
    expect(value('backend_review_queue_depth', { state: 'waiting' })).toBe(0);
    expect(value('backend_review_webhook_to_conclusion_seconds_count', { outcome: 'completed' })).toBe(1);

    // Every job log line carries the correlation fields; the end of the job carries its duration.
    const done = lines.find((l) => l.msg === 'review job done')!;
    expect(done).toMatchObject({ delivery_id: 'ops-1', repo: 'acme/orders', pr: pull.number, head_sha: pull.headSha, job_id: expect.stringMatching(/^rv-/), outcome: 'reviewed' });
    expect(typeof done.duration_ms).toBe('number');

    // A wrong signature is refused and starts no work.
    const before = h.emu.requests.length;
    const forged = await post(`${base}/api/github/webhooks`, { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': 'ops-2', 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) }, body);
    expect(forged).toBeGreaterThanOrEqual(400);
    await appFn.runtime!.idle();
    expect(h.emu.requests.length).toBe(before);
  });

  it('serves /metrics on the webhook port only with METRICS_TOKEN, as a bearer token', async () => {
    const h = startHarness();
    nock.enableNetConnect('127.0.0.1');
    const port = await freePort();
    const log = pino({ level: 'silent' });
    server = new Server({ host: '127.0.0.1', port, log, Probot: Probot.defaults({ appId: h.emu.appId, privateKey, secret: 's', log, Octokit: TestOctokit }) });
    const token = 'a'.repeat(20) + 'b';
    const appFn = createApp({ writes: { minIntervalMs: 0 }, metrics: createMetrics({ defaultMetrics: false }), env: { METRICS_TOKEN: token } });
    await server.load(appFn);
    await server.start();
    expect(appFn.runtime!.opsServer).toBeUndefined();
    const url = `http://127.0.0.1:${port}/metrics`;
    const none = await fetch(url);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect((await fetch(url, { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: token } })).status).toBe(401);
    const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('backend_review_reviews_total');
    // A load balancer's probes need no token.
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
  });

  it('a SIGTERM-style stop turns /readyz to 503 on the webhook port and closes the ops server', async () => {
    const h = startHarness();
    nock.enableNetConnect('127.0.0.1');
    const port = await freePort();
    const log = pino({ level: 'silent' });
    server = new Server({ host: '127.0.0.1', port, log, Probot: Probot.defaults({ appId: h.emu.appId, privateKey, secret: 's', log, Octokit: TestOctokit }) });
    const appFn = createApp({ writes: { minIntervalMs: 0 }, metrics: createMetrics({ defaultMetrics: false }), env: { METRICS_PORT: '0', METRICS_HOST: '127.0.0.1', SHUTDOWN_TIMEOUT_MS: '1000' } });
    await server.load(appFn);
    await server.start();
    const ops = appFn.runtime!.opsServer!;
    expect(await appFn.runtime!.shutdown()).toMatchObject({ drained: true, closed: true });
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'shutting_down' });
    expect(ops.listening).toBe(false);
  });

  it('refuses an invalid METRICS_PORT or a short METRICS_TOKEN at start-up', async () => {
    const probot = new Probot({ appId: 1, privateKey, log: pino({ level: 'silent' }) });
    await expect(probot.load(createApp({ env: { METRICS_PORT: 'nine' } }))).rejects.toThrow(/METRICS_PORT/);
    await expect(probot.load(createApp({ env: { METRICS_TOKEN: 'short' } }))).rejects.toThrow(/METRICS_TOKEN/);
  });
});
