import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, serveEmulator } from '../../src/emulator/index.js';
import { skipRedisTests, TestRedis } from '../queue/redis-server.js';
import { world } from './world.js';
import { pullRequestEvent } from './payloads.js';
import { privateKey, startHarness, stopHarness } from './harness.js';


async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  stopHarness();
});

describe.skipIf(skipRedisTests)('Redis mode: the app enqueues, `npm run worker` reviews', () => {
  it('a webhook handled by the app is reviewed once by a separate worker process (src/queue/worker-main.ts with src/github/worker-processor.ts)', async () => {
    const redis = await TestRedis.start();
    cleanups.push(() => redis.destroy());
    const queueName = `e2e-${randomUUID()}`;
    const h = startHarness(undefined, { env: { REDIS_URL: redis.url, QUEUE_NAME: queueName } });
    nock.enableNetConnect('127.0.0.1');
    const github = await serveEmulator(h.emu);
    cleanups.push(() => github.close());
    const { pull } = world(h.emu);

    const metricsPort = await freePort();
    let output = '';
    const worker: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/queue/worker-main.ts'], {
      env: {
        PATH: process.env.PATH,
        APP_ID: String(h.emu.appId),
        PRIVATE_KEY: privateKey,
        GHE_HOST: github.host,
        GHE_PROTOCOL: 'http',
        REDIS_URL: redis.url,
        QUEUE_NAME: queueName,
        METRICS_PORT: String(metricsPort),
        METRICS_HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (d) => (output += d));
    worker.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
    cleanups.push(async () => {
      if (worker.exitCode === null) worker.kill('SIGKILL');
    });
    await waitFor('the worker to start', () => {
      if (worker.exitCode !== null) throw new Error(`worker exited ${worker.exitCode}: ${output}`);
      return output.includes('review worker started') ? true : undefined;
    });

    await h.receive('pull_request', pullRequestEvent('opened', pull));
    // The app only created the run and enqueued.
    expect(h.runtime.queue.mode).toBe('redis');
    expect(h.emu.reviews).toHaveLength(0);
    const run = await waitFor('the worker to conclude the check run', () => h.emu.checkRunsFor(pull).find((r) => r.status === 'completed'), 90_000).catch((err) => {
      throw new Error(`${(err as Error).message}; worker output:\n${output.slice(-3000)}`);
    });
    await waitFor('the summary', () => h.emu.summaryOf(pull), 30_000);
    expect(run.conclusion).toBe('failure');
    expect(h.emu.checkRunsFor(pull)).toHaveLength(1);
    expect(h.emu.reviews).toHaveLength(1);
    expect(h.emu.violations).toEqual([]);

    // The worker counts the review once `publish` has returned, a moment after the emulator has stored the summary.
    const metrics = await waitFor('the review to be counted', async () => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return /^backend_review_reviews_total\{conclusion="failure"\} 1$/m.test(text) ? text : undefined;
    }, 10_000);
    expect(metrics).toMatch(/^backend_review_reviews_total\{conclusion="failure"\} 1$/m);
    expect(metrics).toMatch(/^backend_review_github_requests_total\{method="PATCH",status="200"\} [1-9]/m);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).status).toBe(200);
    const lines = output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(lines.find((l) => l.msg === 'review job done')).toMatchObject({ repo: 'acme/orders', pr: pull.number, head_sha: pull.headSha, outcome: 'reviewed' });

    await h.runtime.queue.close();
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 150_000);
});
