import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisReviewQueue, startRedisWorker, type RedisWorkerHandle, type RedisWorkerOptions } from '../../src/queue/redis.js';
import { createReviewQueue } from '../../src/queue/index.js';
import { startWorker } from '../../src/queue/worker.js';
import { PermanentJobError, SupersededError, type JobOutcome, type ReviewJob, type ReviewProcessor } from '../../src/queue/types.js';
import { deferred, makeJob, untilAborted, waitFor } from './helpers.js';
import { skipRedisTests, TestRedis } from './redis-server.js';

describe.skipIf(skipRedisTests)('Redis queue mode (BullMQ on a real redis-server)', () => {
  let redis: TestRedis;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    redis = await TestRedis.start();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });
  afterAll(async () => {
    await redis?.destroy();
  });

  /** A queue and its options under a fresh name, so tests do not see each other's jobs. */
  function setup(extra: Partial<RedisWorkerOptions> = {}) {
    const queueName = `t-${randomUUID()}`;
    const base: RedisWorkerOptions = {
      redisUrl: redis.url,
      queueName,
      retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 },
      lockDurationMs: 1_000,
      stalledIntervalMs: 500,
      supersedeCheckMs: 200,
      ...extra,
    };
    const queue = new RedisReviewQueue(base);
    cleanups.push(() => queue.close());
    const worker = async (processor: ReviewProcessor, more: Partial<RedisWorkerOptions> = {}): Promise<RedisWorkerHandle> => {
      const w = await startRedisWorker(processor, { ...base, ...more });
      cleanups.push(() => w.close());
      return w;
    };
    return { queue, worker, base, queueName };
  }

  it('reviews an enqueued job in a worker and collapses redeliveries and duplicate events', async () => {
    const { queue, worker } = setup();
    const runs: string[] = [];
    const job = makeJob({ deliveryId: 'gh-delivery-1' });
    const first = await queue.enqueue(job);
    expect(first.status).toBe('enqueued');
    expect(await queue.enqueue({ ...job })).toEqual({ status: 'duplicate-delivery', jobId: first.jobId, superseded: [] });
    expect(await queue.enqueue({ ...job, deliveryId: 'gh-delivery-2' })).toEqual({ status: 'duplicate', jobId: first.jobId, superseded: [] });
    await worker(async (j, _s, info) => void runs.push(`${j.deliveryId}:${info.attempt}`));
    await waitFor(() => runs.length === 1, 10_000, 'the review');
    // Redelivered after the review finished: still nothing new.
    expect((await queue.enqueue({ ...job, deliveryId: 'gh-delivery-3' })).status).toBe('duplicate');
    await new Promise((r) => setTimeout(r, 300));
    expect(runs).toEqual(['gh-delivery-1:1']);
    expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, deadLettered: 0 });
  });

  it('a redelivery creates the job if an earlier enqueue died between the bookkeeping and the add', async () => {
    const { queue, worker, queueName } = setup();
    const job = makeJob({ deliveryId: 'gh-delivery-lost' });
    const first = await queue.enqueue(job);
    // Simulate the crash window: the job vanished, the dedupe keys stayed.
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const bull = new Queue(queueName, { connection });
    try {
      await (await bull.getJob(first.jobId))!.remove();
      expect(await bull.getJob(first.jobId)).toBeUndefined();
    } finally {
      await bull.close();
      connection.disconnect();
    }
    expect(await queue.enqueue({ ...job })).toEqual({ status: 'duplicate-delivery', jobId: first.jobId, superseded: [] });
    const runs: string[] = [];
    await worker(async (_j, _s, info) => void runs.push(info.jobId));
    await waitFor(() => runs.length === 1, 10_000, 'the re-added job');
    expect(runs).toEqual([first.jobId]);
  });

  it('skips a queued job whose PR got a newer head SHA, and says so through onSuperseded', async () => {
    const superseded: Array<{ sha: string; by: string }> = [];
    const { queue, worker } = setup({ hooks: { onSuperseded: (j, info) => void superseded.push({ sha: j.headSha, by: info.byJobId }) } });
    const old = await queue.enqueue(makeJob({ headSha: 'a'.repeat(40) }));
    const newer = await queue.enqueue(makeJob({ headSha: 'b'.repeat(40) }));
    expect(newer.superseded).toEqual([old.jobId]);
    const runs: string[] = [];
    await worker(async (j) => void runs.push(j.headSha));
    await waitFor(() => runs.length === 1 && superseded.length === 1, 10_000, 'both jobs handled');
    expect(runs).toEqual(['b'.repeat(40)]);
    expect(superseded).toEqual([{ sha: 'a'.repeat(40), by: newer.jobId }]);
  });

  it('aborts the running job of the older SHA (in another process, through Redis) and does not retry it', async () => {
    const superseded: string[] = [];
    const outcomes: Array<[string, JobOutcome]> = [];
    const { queue, worker } = setup({
      hooks: { onSuperseded: (j) => void superseded.push(j.headSha[0]!) },
      observer: { finished: (j, _i, outcome) => void outcomes.push([j.headSha[0]!, outcome]) },
      supersedeCheckMs: 60_000, // the pub/sub notice must do it, not the periodic re-check
    });
    const started = deferred();
    const reasons: unknown[] = [];
    await worker(async (j, signal) => {
      if (j.headSha.startsWith('a')) {
        started.resolve();
        try {
          await untilAborted(signal);
        } catch (e) {
          reasons.push(e);
          throw e;
        }
      }
    });
    const old = await queue.enqueue(makeJob({ headSha: 'a'.repeat(40) }));
    await started.promise;
    const t0 = Date.now();
    const newer = await queue.enqueue(makeJob({ headSha: 'c'.repeat(40) }));
    expect(newer.superseded).toEqual([old.jobId]);
    await waitFor(() => outcomes.length === 2, 10_000, 'both outcomes');
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(reasons[0]).toBeInstanceOf(SupersededError);
    expect(superseded).toEqual(['a']);
    expect(outcomes.sort()).toEqual([
      ['a', 'superseded'],
      ['c', 'completed'],
    ]);
  });

  it('reviews a commit again when the PR head returns to it after a newer one (force-push back)', async () => {
    const { queue, worker } = setup();
    const runs: string[] = [];
    await worker(async (j, _s, info) => void runs.push(`${j.headSha[0]}:${info.jobId}`));
    const a = await queue.enqueue(makeJob({ headSha: 'a'.repeat(40) }));
    await waitFor(() => runs.length === 1, 10_000, 'A');
    const b = await queue.enqueue(makeJob({ headSha: 'b'.repeat(40) }));
    await waitFor(() => runs.length === 2, 10_000, 'B');
    const again = await queue.enqueue(makeJob({ headSha: 'a'.repeat(40) }));
    expect(again).toEqual({ status: 'enqueued', jobId: `${a.jobId}-g1`, superseded: [b.jobId] });
    await waitFor(() => runs.length === 3, 10_000, 'A again');
    expect(runs).toEqual([`a:${a.jobId}`, `b:${b.jobId}`, `a:${a.jobId}-g1`]);
    expect(await queue.enqueue(makeJob({ headSha: 'a'.repeat(40) }))).toMatchObject({ status: 'duplicate', jobId: again.jobId });
  });

  it('retries with backoff, then dead-letters after maxAttempts and calls onDeadLetter once', async () => {
    const dead: Array<{ message: string; attempt: number }> = [];
    const { queue, worker } = setup({ hooks: { onDeadLetter: (_j, e, info) => void dead.push({ message: e.message, attempt: info.attempt }) } });
    const tries: number[] = [];
    await worker(async (_j, _s, info) => {
      tries.push(Date.now());
      throw new Error(`GitHub 502 on try ${info.attempt}`);
    });
    await queue.enqueue(makeJob());
    await waitFor(async () => (await queue.counts()).deadLettered === 1, 10_000, 'the dead letter');
    await waitFor(() => dead.length === 1, 5_000, 'the hook');
    expect(tries).toHaveLength(3);
    expect(dead).toEqual([{ message: 'GitHub 502 on try 3', attempt: 3 }]);
    // Backoff: base 20 ms with jitter in [step/2, step): ≥10 ms before the 2nd try, ≥20 ms before the 3rd.
    expect(tries[1]! - tries[0]!).toBeGreaterThanOrEqual(10);
    expect(tries[2]! - tries[1]!).toBeGreaterThanOrEqual(20);
  });

  it('sends a PermanentJobError to the dead letter without retrying', async () => {
    const dead: string[] = [];
    const { queue, worker } = setup({ hooks: { onDeadLetter: (_j, e) => void dead.push(e.message) } });
    let tries = 0;
    await worker(async () => {
      tries++;
      throw new PermanentJobError('repository no longer installed');
    });
    await queue.enqueue(makeJob());
    await waitFor(async () => (await queue.counts()).deadLettered === 1, 10_000, 'the dead letter');
    expect(tries).toBe(1);
    expect(dead).toEqual(['repository no longer installed']);
  });

  it('loses nothing when a worker process is killed mid-review: another worker completes the job', async () => {
    const { queue, worker, queueName } = setup();
    const job = makeJob({ headSha: 'f'.repeat(40) });
    const { jobId } = await queue.enqueue(job);

    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'test/queue/fixtures/hanging-worker.ts'], {
      env: { ...process.env, REDIS_URL: redis.url, QUEUE_NAME: queueName },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(async () => child.kill('SIGKILL'));
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    await waitFor(() => out.includes(`STARTED ${jobId}`), 20_000, `the child worker to take the job (output: ${out})`);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;

    const completed: string[] = [];
    await worker(async (j, _s, info) => void completed.push(`${info.jobId}#${info.attempt} run ${j.checkRunId}`));
    await waitFor(() => completed.length === 1, 15_000, 'the job to be taken again after the lock expired');
    await new Promise((r) => setTimeout(r, 1_500));
    // Taken again exactly once, the crash did not use up a try, and the check run the dead worker saved is handed over.
    expect(completed).toEqual([`${jobId}#1 run 4242`]);
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const bull = new Queue(queueName, { connection });
    try {
      const state = await (await bull.getJob(jobId))!.getState();
      expect(state).toBe('completed');
    } finally {
      await bull.close();
      connection.disconnect();
    }
  });

  it('a job whose workers keep dying is dead-lettered through onDeadLetter, not left hanging', async () => {
    const dead: string[] = [];
    const { queue, worker, queueName } = setup({ maxStalledCount: 0, hooks: { onDeadLetter: (_j, e) => void dead.push(e.message) } });
    const { jobId } = await queue.enqueue(makeJob({ headSha: 'e'.repeat(40) }));
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'test/queue/fixtures/hanging-worker.ts'], {
      env: { ...process.env, REDIS_URL: redis.url, QUEUE_NAME: queueName },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(async () => child.kill('SIGKILL'));
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    await waitFor(() => out.includes(`STARTED ${jobId}`), 20_000, 'the child worker to take the job');
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    let ran = 0;
    await worker(async () => void ran++);
    await waitFor(() => dead.length === 1, 15_000, 'the stalled job to be dead-lettered');
    expect(dead).toEqual(['job stalled more than allowable limit']);
    expect(ran).toBe(0);
    expect((await queue.counts()).deadLettered).toBe(1);
  });

  it('readiness: ping answers while Redis is up', async () => {
    const { queue } = setup();
    await expect(queue.ping()).resolves.toBeUndefined();
  });

  it('close() puts a review that outlives the grace period back in the queue without using up a try', async () => {
    const { queue, worker } = setup({ shutdownGraceMs: 200 });
    const started = deferred();
    const first = await worker(async (_j, signal, info) => {
      await info.save!({ checkRunId: 77 });
      started.resolve();
      await untilAborted(signal);
    });
    const { jobId } = await queue.enqueue(makeJob());
    await started.promise;
    await first.close();
    const attempts: string[] = [];
    await worker(async (j, _s, info) => void attempts.push(`${info.attempt} run ${j.checkRunId}`));
    await waitFor(() => attempts.length === 1, 10_000, `job ${jobId} to run on the second worker`);
    expect(attempts).toEqual(['1 run 77']);
  });

  it('createReviewQueue and startWorker pick Redis mode from REDIS_URL', async () => {
    const queueName = `t-${randomUUID()}`;
    const env = { REDIS_URL: redis.url, QUEUE_NAME: queueName, QUEUE_CONCURRENCY: '3' };
    const notCalled: ReviewProcessor = async () => {
      throw new Error('the app process must not review in queue mode');
    };
    const q = createReviewQueue({ processor: notCalled, env });
    cleanups.push(() => q.close());
    expect(q.mode).toBe('redis');
    const seen: ReviewJob[] = [];
    const w = await startWorker(async (j) => void seen.push(j), { env });
    cleanups.push(() => w.close());
    expect(w.worker.concurrency).toBe(3);
    await expect(w.ping()).resolves.toBeUndefined();
    await q.enqueue(makeJob());
    await waitFor(() => seen.length === 1, 10_000, 'the review');
    expect(await w.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, deadLettered: 0 });
    await expect(startWorker(async () => {}, { env: {} })).rejects.toThrow(/REDIS_URL/);
  });
});

describe.skipIf(skipRedisTests)('Redis restarting while jobs are queued', () => {
  it('completes every job exactly once after Redis stops and comes back', async () => {
    const redis = await TestRedis.start();
    const queueName = `t-${randomUUID()}`;
    const opts: RedisWorkerOptions = { redisUrl: redis.url, queueName, concurrency: 1, retry: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 200 } };
    const queue = new RedisReviewQueue(opts);
    let handle: RedisWorkerHandle | undefined;
    try {
      const ids: string[] = [];
      for (let pr = 1; pr <= 6; pr++) ids.push((await queue.enqueue(makeJob({ pullNumber: pr }))).jobId);
      const done = new Map<string, number>();
      handle = await startRedisWorker(async (_j, _s, info) => {
        await new Promise((r) => setTimeout(r, 150));
        done.set(info.jobId, (done.get(info.jobId) ?? 0) + 1);
      }, opts);
      await waitFor(() => done.size >= 1, 10_000, 'the first review');
      expect(done.size).toBeLessThan(6); // jobs are still queued when Redis goes away

      await redis.restart(500);

      await waitFor(() => done.size === 6, 30_000, 'all reviews after the restart');
      await new Promise((r) => setTimeout(r, 500));
      expect([...done.keys()].sort()).toEqual([...ids].sort());
      expect([...done.values()].every((n) => n === 1)).toBe(true);
      expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, deadLettered: 0 });
      // The enqueue bookkeeping survived too: a redelivery after the restart is still a duplicate.
      expect((await queue.enqueue(makeJob({ pullNumber: 1 }))).status).toBe('duplicate');
    } finally {
      await handle?.close();
      await queue.close();
      await redis.destroy();
    }
  });

  it('readiness fails fast while Redis is down and recovers when it is back', async () => {
    const redis = await TestRedis.start();
    const queue = new RedisReviewQueue({ redisUrl: redis.url, queueName: `t-${randomUUID()}` });
    try {
      await queue.ping();
      await redis.stop();
      const t0 = Date.now();
      await expect(queue.ping()).rejects.toThrow();
      expect(Date.now() - t0).toBeLessThan(2_000);
      await redis.restart();
      await waitFor(() => queue.ping().then(() => true, () => false), 10_000, 'ping after restart');
    } finally {
      await queue.close();
      await redis.destroy();
    }
  });
});
