import { Queue, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { backoffDelay } from './backoff.js';
import { assertValidJob, jobIdFor, prLane } from './key.js';
import { DEFAULT_QUEUE_OPTIONS, type QueueOptions } from './options.js';
import {
  JobTimeoutError,
  PermanentJobError,
  ShutdownError,
  SupersededError,
  type EnqueueResult,
  type HookName,
  type JobOutcome,
  type JobRunInfo,
  type QueueCounts,
  type ReviewJob,
  type ReviewProcessor,
  type ReviewQueue,
} from './types.js';

export interface RedisQueueOptions extends Partial<QueueOptions> {
  redisUrl: string;
  /** BullMQ queue name; app instances and workers must agree. Default 'backend-review'. */
  queueName?: string;
}

export interface RedisWorkerOptions extends RedisQueueOptions {
  /** How long a worker's lock on a job lasts without renewal; a killed worker's job is retaken after about this long. Default 30 s. */
  lockDurationMs?: number;
  /** How often workers look for stalled jobs (a dead worker's). Default 30 s. */
  stalledIntervalMs?: number;
  /** Times a job may stall (its worker died) before it is failed. Default 2. */
  maxStalledCount?: number;
  /** How often a running job re-checks that its head SHA is still the newest (backs up the pub/sub notice). Default 5 s. */
  supersedeCheckMs?: number;
  /** close(): how long to let running reviews finish before aborting them and putting them back in the queue. Default 25 s. */
  shutdownGraceMs?: number;
}

/** Result stored on a completed BullMQ job. */
export type RedisJobResult = { outcome: 'completed' } | { outcome: 'superseded'; byJobId: string };

const SEVEN_DAYS_S = 7 * 24 * 3600;
/** BullMQ's failedReason for a job whose workers died more than maxStalledCount times. */
const STALLED_TOO_OFTEN = 'job stalled more than allowable limit';

/** Redis keys and channels of the queue's own bookkeeping (BullMQ keeps its own under `bull:<queue>`). */
export function redisKeys(queueName: string) {
  const base = `br:${queueName}`;
  return {
    delivery: (id: string) => `${base}:delivery:${id}`,
    key: (keyId: string) => `${base}:key:${keyId}`,
    generation: (keyId: string) => `${base}:key:${keyId}:gen`,
    lane: (lane: string) => `${base}:lane:${lane}`,
    supersedeChannel: `${base}:supersede`,
  };
}

/**
 * Atomically, for one enqueue:
 * - a delivery id seen before returns the job it made (duplicate-delivery);
 * - a job key seen before returns its job (duplicate), unless that job was superseded (the PR lane has moved on to
 *   another job): then the PR's head has returned to this commit, and the key gets a new generation id;
 * - otherwise the job becomes the newest of its PR lane, and the previous newest is returned to be superseded.
 * KEYS: delivery, key (holds the key's current job id), key generation counter, lane. ARGV: key id, ttl seconds.
 * Returns {status, jobId, previous lane job id or ''}.
 */
const ENQUEUE_SCRIPT = `
local seen = redis.call('GET', KEYS[1])
if seen then return {'duplicate-delivery', seen, ''} end
local current = redis.call('GET', KEYS[2])
local latest = redis.call('GET', KEYS[4])
if current and (not latest or latest == current) then
  redis.call('SET', KEYS[1], current, 'EX', ARGV[2])
  return {'duplicate', current, ''}
end
local id = ARGV[1]
if current then
  id = ARGV[1] .. '-g' .. redis.call('INCR', KEYS[3])
  redis.call('EXPIRE', KEYS[3], ARGV[2])
end
redis.call('SET', KEYS[1], id, 'EX', ARGV[2])
redis.call('SET', KEYS[2], id, 'EX', ARGV[2])
redis.call('SET', KEYS[4], id, 'EX', ARGV[2])
return {'enqueued', id, latest or ''}
`;

function options(o: Partial<QueueOptions>): QueueOptions {
  return { ...DEFAULT_QUEUE_OPTIONS, hooks: {}, ...o, retry: { ...DEFAULT_QUEUE_OPTIONS.retry, ...o.retry } };
}

async function countJobs(queue: Queue): Promise<QueueCounts> {
  const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
  return { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, deadLettered: c.failed ?? 0 };
}

/** ioredis reconnects by itself; its connection errors surface through the failing commands instead. */
function connect(url: string, opts: RedisOptions): Redis {
  const client = new Redis(url, opts);
  client.on('error', () => {});
  return client;
}

function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * Producer side of queue mode: app instances enqueue into BullMQ on Redis; `startRedisWorker` processes.
 * Redis must persist (appendonly yes) and must not evict keys (maxmemory-policy noeviction).
 */
export class RedisReviewQueue implements ReviewQueue {
  readonly mode = 'redis' as const;
  readonly queueName: string;
  private readonly opts: QueueOptions;
  private readonly client: Redis;
  /** BullMQ does not close a connection it was given, so close() does. */
  private readonly queueConnection: Redis;
  private readonly queue: Queue;
  private readonly keys: ReturnType<typeof redisKeys>;
  private closed = false;

  constructor(options_: RedisQueueOptions) {
    this.opts = options(options_);
    this.queueName = options_.queueName ?? 'backend-review';
    this.keys = redisKeys(this.queueName);
    // Fail fast while Redis is unreachable, so the webhook is answered with an error (and can be redelivered)
    // instead of hanging past GitHub's 10-second delivery timeout.
    const producer: RedisOptions = { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5_000 };
    this.client = connect(options_.redisUrl, producer);
    this.queueConnection = connect(options_.redisUrl, { ...producer, maxRetriesPerRequest: 3, enableOfflineQueue: true });
    this.queue = new Queue(this.queueName, { connection: this.queueConnection });
    this.queue.on('error', () => {});
  }

  async enqueue(job: ReviewJob): Promise<EnqueueResult> {
    if (this.closed) throw new ShutdownError();
    assertValidJob(job);
    await this.connected();
    const data: ReviewJob = { ...job, receivedAt: job.receivedAt ?? Date.now() };
    const keyId = jobIdFor(data);
    const ttl = String(Math.ceil(this.opts.dedupeTtlMs / 1000));
    const [status, jobId, previous] = (await this.client.eval(
      ENQUEUE_SCRIPT,
      4,
      this.keys.delivery(data.deliveryId),
      this.keys.key(keyId),
      this.keys.generation(keyId),
      this.keys.lane(prLane(data)),
      keyId,
      ttl,
    )) as [EnqueueResult['status'], string, string];

    // A repeated delivery of another key (the config changed in between) is answered with the job it made.
    if (status === 'duplicate-delivery' && jobId !== keyId && !jobId.startsWith(`${keyId}-g`)) {
      return this.report(data, { status, jobId, superseded: [] });
    }
    // Adding is idempotent on the job id, so a repeated delivery or key re-adds safely: if an earlier enqueue died
    // between the script and the add (Redis gone, process killed), the retry creates the job; an existing job
    // (waiting, running, finished or failed) is left as it is.
    await this.queue.add('review', data, {
      jobId,
      attempts: this.opts.retry.maxAttempts,
      backoff: { type: 'review-jitter' },
      removeOnComplete: { age: Math.ceil(this.opts.dedupeTtlMs / 1000) },
      removeOnFail: { age: SEVEN_DAYS_S },
    });
    if (status !== 'enqueued') return this.report(data, { status, jobId, superseded: [] });
    const superseded = previous && previous !== jobId ? [previous] : [];
    if (superseded.length) {
      // Running workers abort it now; a worker that picks up a queued one sees the lane moved on and skips it.
      await this.client.publish(this.keys.supersedeChannel, JSON.stringify({ jobId: previous, byJobId: jobId }));
    }
    return this.report(data, { status, jobId, superseded });
  }

  async counts(): Promise<QueueCounts> {
    return countJobs(this.queue);
  }

  /** Nothing to wait for here: the jobs are in Redis, and the workers run them (and stop gracefully on their own SIGTERM). */
  async drain(): Promise<boolean> {
    return true;
  }

  async ping(): Promise<void> {
    await this.connected(1_000);
    const reply = await this.client.ping();
    if (reply !== 'PONG') throw new Error(`unexpected PING reply ${reply}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue.close();
    this.queueConnection.disconnect();
    this.client.disconnect();
  }

  private report(job: ReviewJob, result: EnqueueResult): EnqueueResult {
    this.opts.observer?.enqueued?.(job, result);
    return result;
  }

  /** Waits briefly for the (re)connection; commands are not queued while offline, so callers fail fast. */
  private async connected(timeoutMs = 2_000): Promise<void> {
    if (this.client.status === 'ready') return;
    if (this.client.status === 'end') throw new Error('Redis connection is closed');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        reject(new Error(`Redis is not reachable (connection ${this.client.status})`));
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      this.client.once('ready', onReady);
    });
  }
}

export interface RedisWorkerHandle {
  readonly worker: Worker;
  /** Jobs this process is running now. */
  activeJobIds(): string[];
  /** Readiness: resolves when Redis answers PING. */
  ping(): Promise<void>;
  /** Jobs in the shared queue (all workers), for the queue-depth gauge. */
  counts(): Promise<QueueCounts>;
  /** Let running reviews finish (up to shutdownGraceMs), then abort the rest and put them back in the queue. */
  close(): Promise<void>;
}

/**
 * A worker process's side of queue mode. Any number of these may run; each takes up to `concurrency` jobs.
 * A job whose worker dies is taken again by another worker after `lockDurationMs` (BullMQ stalled-job recovery).
 */
export async function startRedisWorker(processor: ReviewProcessor, options_: RedisWorkerOptions): Promise<RedisWorkerHandle> {
  const opts = options(options_);
  const queueName = options_.queueName ?? 'backend-review';
  const keys = redisKeys(queueName);
  const supersedeCheckMs = options_.supersedeCheckMs ?? 5_000;
  const shutdownGraceMs = options_.shutdownGraceMs ?? 25_000;
  // Workers wait out a Redis restart instead of failing commands (BullMQ requires maxRetriesPerRequest: null).
  const workerRedis: RedisOptions = { maxRetriesPerRequest: null };
  const commands = connect(options_.redisUrl, workerRedis);
  const subscriber = connect(options_.redisUrl, workerRedis);
  const active = new Map<string, AbortController>();

  await subscriber.subscribe(keys.supersedeChannel);
  subscriber.on('message', (_channel: string, message: string) => {
    try {
      const { jobId, byJobId } = JSON.parse(message) as { jobId: string; byJobId: string };
      active.get(jobId)?.abort(new SupersededError(byJobId));
    } catch {
      // not ours
    }
  });

  const observe = (job: ReviewJob, info: JobRunInfo, outcome: JobOutcome, took: number, error?: Error) =>
    opts.observer?.finished?.(job, info, outcome, took, Date.now() - (job.receivedAt ?? Date.now()), error);

  const callHook = async (name: HookName, job: ReviewJob, call: () => unknown) => {
    try {
      await call();
    } catch (e) {
      opts.observer?.hookFailed?.(name, job, toError(e));
    }
  };

  /** The newest job of the lane, if it is not this one. */
  const newerJob = async (job: ReviewJob, jobId: string): Promise<string | undefined> => {
    const latest = await commands.get(keys.lane(prLane(job)));
    return latest && latest !== jobId ? latest : undefined;
  };

  const run = async (bjob: Job<ReviewJob, RedisJobResult>, token?: string, bullSignal?: AbortSignal): Promise<RedisJobResult> => {
    const job = bjob.data;
    const jobId = bjob.id!;
    const info: JobRunInfo = {
      jobId,
      attempt: bjob.attemptsMade + 1,
      maxAttempts: bjob.opts.attempts ?? opts.retry.maxAttempts,
      // Kept in Redis with the job: a retry, or the worker that takes the job over if this one dies, reads it back.
      save: async (patch) => {
        await bjob.updateData({ ...bjob.data, ...patch });
      },
    };
    const controller = new AbortController();
    active.set(jobId, controller);
    const forward = () => controller.abort(bullSignal?.reason instanceof Error ? bullSignal.reason : new ShutdownError());
    bullSignal?.addEventListener('abort', forward, { once: true });
    const started = Date.now();
    let timeout: ReturnType<typeof setTimeout> | undefined;
    let recheck: ReturnType<typeof setInterval> | undefined;
    try {
      const newer = await newerJob(job, jobId);
      if (newer) controller.abort(new SupersededError(newer));
      let error: Error | undefined;
      if (!controller.signal.aborted) {
        opts.observer?.started?.(job, info, started - (job.receivedAt ?? started));
        timeout = setTimeout(() => controller.abort(new JobTimeoutError(opts.jobTimeoutMs)), opts.jobTimeoutMs);
        recheck = setInterval(() => {
          newerJob(job, jobId).then(
            (n) => n && controller.abort(new SupersededError(n)),
            () => {},
          );
        }, supersedeCheckMs);
        try {
          await processor(job, controller.signal, info);
        } catch (e) {
          error = toError(e);
        }
      }
      const took = Date.now() - started;
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : undefined;
      if (reason instanceof SupersededError) {
        observe(job, info, 'superseded', took);
        await callHook('onSuperseded', job, () => opts.hooks.onSuperseded?.(job, { jobId, byJobId: reason.byJobId }));
        return { outcome: 'superseded', byJobId: reason.byJobId };
      }
      if (reason instanceof ShutdownError) {
        // Back to the queue without using up a try; another worker (or this one after restart) takes it.
        await bjob.moveToWait(token);
        throw new WaitingError();
      }
      if (reason instanceof JobTimeoutError) error = reason;
      if (!error) {
        observe(job, info, 'completed', took);
        return { outcome: 'completed' };
      }
      const permanent = error instanceof PermanentJobError;
      if (permanent || info.attempt >= info.maxAttempts) {
        observe(job, info, 'dead_lettered', took, error);
        const failure = error;
        await callHook('onDeadLetter', job, () => opts.hooks.onDeadLetter?.(job, failure, info));
        if (permanent) throw new UnrecoverableError(error.message);
        throw error;
      }
      observe(job, info, 'retrying', took, error);
      throw error;
    } finally {
      clearTimeout(timeout);
      clearInterval(recheck);
      bullSignal?.removeEventListener('abort', forward);
      active.delete(jobId);
    }
  };

  const workerConnection = connect(options_.redisUrl, workerRedis);
  const worker = new Worker<ReviewJob, RedisJobResult>(queueName, run, {
    connection: workerConnection,
    concurrency: opts.concurrency,
    lockDuration: options_.lockDurationMs ?? 30_000,
    stalledInterval: options_.stalledIntervalMs ?? 30_000,
    maxStalledCount: options_.maxStalledCount ?? 2,
    settings: { backoffStrategy: (attemptsMade: number) => backoffDelay(attemptsMade + 1, opts.retry, opts.random) },
  });
  worker.on('error', () => {}); // connection errors while Redis restarts; ioredis reconnects by itself
  // A job that stalled too often never reaches the processor's dead-letter path: report it here.
  worker.on('failed', (bjob, err) => {
    if (bjob && err.message === STALLED_TOO_OFTEN) {
      const info: JobRunInfo = { jobId: bjob.id!, attempt: bjob.attemptsMade, maxAttempts: bjob.opts.attempts ?? opts.retry.maxAttempts };
      observe(bjob.data, info, 'dead_lettered', 0, err);
      void callHook('onDeadLetter', bjob.data, () => opts.hooks.onDeadLetter?.(bjob.data, err, info));
    }
  });
  await worker.waitUntilReady();
  let counter: Queue | undefined;

  return {
    worker,
    activeJobIds: () => [...active.keys()],
    async counts() {
      counter ??= new Queue(queueName, { connection: commands });
      return countJobs(counter);
    },
    async ping() {
      if (commands.status !== 'ready') throw new Error(`Redis connection is ${commands.status}`);
      const reply = await commands.ping();
      if (reply !== 'PONG') throw new Error(`unexpected PING reply ${reply}`);
    },
    async close() {
      const closing = worker.close();
      const grace = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), shutdownGraceMs).unref());
      if ((await Promise.race([closing.then(() => 'closed' as const), grace])) === 'timeout') {
        for (const c of active.values()) c.abort(new ShutdownError());
        await closing;
      }
      await counter?.close();
      workerConnection.disconnect();
      await subscriber.quit().catch(() => subscriber.disconnect());
      await commands.quit().catch(() => commands.disconnect());
    },
  };
}
