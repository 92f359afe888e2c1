import nock from 'nock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GitHubEmulator } from '../../src/emulator/index.js';
import type { Pull } from '../../src/emulator/state.js';
import { exitOnSignals, shutdownPlan, shutdownTimeoutFromEnv } from '../../src/ops/shutdown.js';
import { startHarness, stopHarness, type Harness } from '../github/harness.js';
import { pullRequestEvent } from '../github/payloads.js';
import { PR_FILES, world } from '../github/world.js';
import { deferred } from '../queue/helpers.js';
import { skipRedisTests, TestRedis } from '../queue/redis-server.js';

afterEach(() => {
  stopHarness();
});

/** Holds every `GET …/pulls/{n}/files` until `gate` resolves, then answers from the emulator: a review that is running. */
function gateFiles(emu: GitHubEmulator, gate: Promise<void>): void {
  nock('https://api.github.com')
    .persist()
    .get(/\/pulls\/\d+\/files/)
    .reply(async (request: Request) => {
      await gate;
      const headers: Record<string, string> = {};
      request.headers.forEach((value, key) => (headers[key] = value));
      const res = emu.handle({ method: 'GET', url: request.url, headers });
      return [res.status, typeof res.body === 'string' ? res.body : JSON.stringify(res.body), res.headers];
    });
}

let delivery = 0;
/** Delivers a webhook without waiting for its review (the harness's `receive` waits for the queue to be idle). */
const deliver = (h: Harness, pull: Pull) => h.probot.receive({ id: `shutdown-${++delivery}`, name: 'pull_request', payload: pullRequestEvent('opened', pull) as never });

const verdicts = (emu: GitHubEmulator, pull: Pull) => emu.checkRunsFor(pull).filter((r) => r.status === 'completed' && r.output.title !== 'Backend Review could not finish');

describe('graceful stop of the app (memory mode)', () => {
  it('lets queued and running reviews finish before it stops, and answers /readyz 503 meanwhile', async () => {
    const emu = new GitHubEmulator();
    const { repo, pull } = world(emu);
    const second = emu.openPull(repo, { files: PR_FILES, author: 'dev' });
    const h = startHarness(emu, { env: { QUEUE_CONCURRENCY: '1', SHUTDOWN_TIMEOUT_MS: '20000' } });
    await deliver(h, pull);
    await deliver(h, second);
    expect((await h.runtime.queue.counts()).waiting + (await h.runtime.queue.counts()).active).toBeGreaterThan(0);

    const cleaned: string[] = [];
    h.runtime.onStop(async () => {
      // Runs once no review runs any more (for example, closing an analysis thread pool).
      cleaned.push(`queue ${JSON.stringify(await h.runtime.queue.counts())}`);
    });
    const stopping = h.runtime.shutdown();
    const ready = await fetchReadyz(h);
    expect(ready).toEqual({ status: 503, body: { status: 'shutting_down' } });
    const report = await stopping;
    expect(report).toMatchObject({ drained: true, closed: true });
    for (const p of [pull, second]) {
      expect(emu.checkRunsFor(p)).toHaveLength(1);
      expect(verdicts(emu, p)).toHaveLength(1);
      expect(emu.summaryOf(p)).toBeDefined();
    }
    expect(h.logs.some((l) => l.msg === 'stopped: every queued review finished')).toBe(true);
    expect(cleaned).toEqual(['queue {"waiting":0,"active":0,"delayed":0,"deadLettered":0}']);
  });

  it('at the deadline concludes the running review and the queued ones as not reviewed, logs each, and answers later webhooks 503', async () => {
    const emu = new GitHubEmulator();
    const { repo, pull } = world(emu);
    const queued = [emu.openPull(repo, { files: PR_FILES, author: 'dev' }), emu.openPull(repo, { files: PR_FILES, author: 'dev' })];
    const gate = deferred();
    gateFiles(emu, gate.promise);
    const h = startHarness(emu, { env: { QUEUE_CONCURRENCY: '1', SHUTDOWN_TIMEOUT_MS: '2500' } });
    await deliver(h, pull);
    for (const p of queued) await deliver(h, p);
    // The first review has created its check run and waits for the file list; the other two wait in the queue.
    await vi.waitFor(() => expect(emu.checkRunsFor(pull).map((r) => r.status)).toEqual(['in_progress']));
    expect(await h.runtime.queue.counts()).toMatchObject({ active: 1, waiting: 2 });

    // The file list comes back once the queue closes: the running try then sees its signal aborted.
    const queue = h.runtime.queue;
    const close = queue.close.bind(queue);
    queue.close = async () => {
      const closing = close();
      gate.resolve();
      return closing;
    };
    const started = Date.now();
    const report = await h.runtime.shutdown();
    const took = Date.now() - started;
    expect(report).toMatchObject({ drained: false, closed: true });
    expect(took).toBeGreaterThanOrEqual(shutdownPlan(2500).drainMs - 50);
    expect(took).toBeLessThan(2500 + 500);

    // The running review: its own run, concluded neutral, saying it was interrupted; nothing posted.
    const [run] = emu.checkRunsFor(pull);
    expect(emu.checkRunsFor(pull)).toHaveLength(1);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(run.output.title).toBe('Backend Review could not finish');
    expect(run.output.summary).toContain('restarted while this review was running');
    expect(run.output.summary).toContain('`/backend-review review`');
    // The queued ones: a run each (they had none), saying the review never ran.
    for (const p of queued) {
      const runs = emu.checkRunsFor(p);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ status: 'completed', conclusion: 'neutral' });
      expect(runs[0].output.summary).toContain('restarted before this review ran');
    }
    for (const p of [pull, ...queued]) {
      expect(emu.summaryOf(p)).toBeUndefined();
      expect(emu.reviews.filter((r) => r.pull === p)).toHaveLength(0);
    }
    const abandoned = h.logs.filter((l) => l.msg === 'review job abandoned: the process is stopping before it could run or finish');
    expect(abandoned.map((l) => l.pr).sort()).toEqual([pull.number, ...queued.map((p) => p.number)].sort());
    expect(abandoned.every((l) => l.level === 40 && typeof l.job_id === 'string')).toBe(true);

    // The queue is closed: a webhook now is refused with 503 (Probot answers with the error's status).
    const later = emu.openPull(repo, { files: PR_FILES, author: 'dev' });
    const refused = await deliver(h, later).then(
      () => undefined,
      (e: AggregateError) => [...e.errors][0] as { status?: number; name?: string },
    );
    expect(refused).toMatchObject({ name: 'ShutdownError', status: 503 });
    expect(emu.checkRunsFor(later)).toHaveLength(0);
  });

  it('a head that already has its verdict is left alone when its (duplicate) job is abandoned', async () => {
    const emu = new GitHubEmulator();
    const { pull } = world(emu);
    const h = startHarness(emu, { env: { QUEUE_CONCURRENCY: '1', SHUTDOWN_TIMEOUT_MS: '1000' } });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    expect(verdicts(emu, pull)).toHaveLength(1);
    // A reopen of the same head gets a job of its own; it is abandoned before it runs.
    const gate = deferred();
    gateFiles(emu, gate.promise);
    await h.runtime.queue.enqueue({ deliveryId: 'late', installationId: 2, owner: 'acme', repo: 'orders', pullNumber: pull.number, headSha: pull.headSha, configHash: 'x', rerunId: 'reopened-late', extra: { automatic: true } });
    await h.runtime.queue.close();
    gate.resolve();
    expect(emu.checkRunsFor(pull)).toHaveLength(1);
    expect(verdicts(emu, pull)).toHaveLength(1);
  });
});

describe.skipIf(skipRedisTests)('graceful stop of the app (Redis mode)', () => {
  it('has nothing to drain (the jobs are in Redis), closes its queue, and refuses later webhooks with 503 without queueing them', async () => {
    const redis = await TestRedis.start();
    try {
      const emu = new GitHubEmulator();
      const { repo, pull } = world(emu);
      const later = emu.openPull(repo, { files: PR_FILES, author: 'dev' });
      const h = startHarness(emu, { env: { REDIS_URL: redis.url, QUEUE_NAME: `stop-${Date.now()}`, SHUTDOWN_TIMEOUT_MS: '5000' } });
      await deliver(h, pull); // queued in Redis; no worker runs here
      expect((await h.runtime.queue.counts()).waiting).toBe(1);
      const report = await h.runtime.shutdown();
      expect(report).toMatchObject({ drained: true, closed: true });
      expect(report.durationMs).toBeLessThan(2_000);
      const refused = await h.probot.receive({ id: 'after-stop', name: 'pull_request', payload: pullRequestEvent('opened', later) as never }).then(
        () => undefined,
        (e: AggregateError) => [...e.errors][0] as { status?: number },
      );
      expect(refused).toMatchObject({ status: 503 });
      expect(emu.checkRunsFor(pull)).toHaveLength(0); // the app itself never reviews in Redis mode
    } finally {
      await redis.destroy();
    }
  });
});

describe('shutdown settings and signals', () => {
  it('SHUTDOWN_TIMEOUT_MS: 25 s by default, below the 30 s Kubernetes grace period; invalid values fail at start-up', () => {
    expect(shutdownTimeoutFromEnv({})).toBe(25_000);
    expect(shutdownPlan(25_000)).toEqual({ drainMs: 20_000, reserveMs: 5_000 });
    expect(shutdownPlan(2_000)).toEqual({ drainMs: 1_600, reserveMs: 400 });
    expect(shutdownTimeoutFromEnv({ SHUTDOWN_TIMEOUT_MS: '40000' })).toBe(40_000);
    expect(() => shutdownTimeoutFromEnv({ SHUTDOWN_TIMEOUT_MS: '10s' })).toThrow(/SHUTDOWN_TIMEOUT_MS/);
    expect(() => shutdownTimeoutFromEnv({ SHUTDOWN_TIMEOUT_MS: '500' })).toThrow(/>= 1000/);
  });

  it('exits with what the stop returns on the first signal, and at once with 1 on a second one', async () => {
    const exits: number[] = [];
    const stop = deferred<number>();
    const remove = exitOnSignals(() => stop.promise, { signals: ['SIGUSR2'], hardLimitMs: 60_000, exit: (c) => void exits.push(c) });
    try {
      process.emit('SIGUSR2', 'SIGUSR2');
      expect(exits).toEqual([]);
      process.emit('SIGUSR2', 'SIGUSR2');
      expect(exits).toEqual([1]);
      stop.resolve(0);
      await vi.waitFor(() => expect(exits).toEqual([1, 0]));
    } finally {
      remove();
    }
    expect(process.listenerCount('SIGUSR2')).toBe(0);
  });
});

async function fetchReadyz(h: Harness): Promise<{ status: number; body: unknown }> {
  const res = await invoke(h.runtime.publicOps, '/readyz');
  return { status: res.status, body: JSON.parse(res.body) };
}

/** Calls an ops handler with a minimal request/response pair (no server needed). */
async function invoke(handler: (req: never, res: never) => Promise<boolean>, url: string): Promise<{ status: number; body: string }> {
  let status = 0;
  let body = '';
  const res = {
    writeHead(s: number) {
      status = s;
      return res;
    },
    setHeader() {},
    end(b?: string) {
      body = b ?? '';
    },
  };
  await handler({ method: 'GET', url, headers: {} } as never, res as never);
  return { status, body };
}
