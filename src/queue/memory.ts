import { backoffDelay } from './backoff.js';
import { assertValidJob, jobIdFor, prLane } from './key.js';
import { DEFAULT_QUEUE_OPTIONS, type QueueOptions } from './options.js';
import {
  JobTimeoutError,
  PermanentJobError,
  ShutdownError,
  SupersededError,
  type EnqueueResult,
  type AbandonedState,
  type HookName,
  type JobOutcome,
  type JobPatch,
  type JobRunInfo,
  type QueueCounts,
  type ReviewJob,
  type ReviewProcessor,
  type ReviewQueue,
} from './types.js';

type State = 'waiting' | 'active' | 'delayed' | 'done' | 'dead' | 'superseded' | 'dropped';

interface JobRecord {
  id: string;
  /** The job key's id (jobIdFor); `id` adds -g<n> when the key is enqueued again after being superseded. */
  keyId: string;
  generation: number;
  job: ReviewJob;
  lane: string;
  state: State;
  /** Tries started so far. */
  attempts: number;
  receivedAt: number;
  controller?: AbortController;
  retryTimer?: ReturnType<typeof setTimeout>;
  supersededBy?: string;
  /** When a finished record may be forgotten (dedupe window). */
  expiresAt?: number;
}

const FINISHED: ReadonlySet<State> = new Set(['done', 'dead', 'superseded', 'dropped']);
/** Upper bound of remembered job keys / delivery ids, whatever the TTL. */
const MAX_REMEMBERED = 50_000;

/**
 * The default queue: in this process, bounded concurrency, no extra services.
 * Not durable: jobs queued or running when the process exits are lost (use REDIS_URL for that).
 */
export class InProcessQueue implements ReviewQueue {
  readonly mode = 'memory' as const;
  private readonly opts: QueueOptions;
  /** By job key id: the latest job of each key. */
  private readonly records = new Map<string, JobRecord>();
  private readonly deliveries = new Map<string, { jobId: string; expiresAt: number }>();
  /** By PR lane: the newest job of the PR. */
  private readonly lanes = new Map<string, JobRecord>();
  private readonly waiting: JobRecord[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly pendingHooks = new Set<Promise<void>>();
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly processor: ReviewProcessor,
    options: Partial<QueueOptions> = {},
  ) {
    this.opts = { ...DEFAULT_QUEUE_OPTIONS, hooks: {}, ...options, retry: { ...DEFAULT_QUEUE_OPTIONS.retry, ...options.retry } };
    if (!Number.isInteger(this.opts.concurrency) || this.opts.concurrency < 1) throw new RangeError('concurrency must be a positive integer');
    if (!Number.isInteger(this.opts.retry.maxAttempts) || this.opts.retry.maxAttempts < 1) throw new RangeError('maxAttempts must be a positive integer');
  }

  async enqueue(job: ReviewJob): Promise<EnqueueResult> {
    if (this.closed) throw new ShutdownError();
    assertValidJob(job);
    const now = Date.now();
    this.forgetExpired(now);

    const seen = this.deliveries.get(job.deliveryId);
    if (seen) return this.report(job, { status: 'duplicate-delivery', jobId: seen.jobId, superseded: [] });

    const keyId = jobIdFor(job);
    const lane = prLane(job);
    const previous = this.lanes.get(lane);
    const existing = this.records.get(keyId);
    if (existing && (previous === undefined || previous === existing)) {
      this.deliveries.set(job.deliveryId, { jobId: existing.id, expiresAt: now + this.opts.dedupeTtlMs });
      return this.report(job, { status: 'duplicate', jobId: existing.id, superseded: [] });
    }
    // The key's job is no longer the PR's newest: the head has returned to this commit (a force-push back), so it is
    // reviewed again, under a new generation id. (Same rule as the Redis enqueue script.)
    const generation = existing ? existing.generation + 1 : 0;
    const id = generation ? `${keyId}-g${generation}` : keyId;
    this.deliveries.set(job.deliveryId, { jobId: id, expiresAt: now + this.opts.dedupeTtlMs });

    const superseded: string[] = [];
    if (previous && !FINISHED.has(previous.state)) {
      superseded.push(previous.id);
      this.supersede(previous, id);
    }
    const record: JobRecord = { id, keyId, generation, job, lane, state: 'waiting', attempts: 0, receivedAt: job.receivedAt ?? now };
    this.lanes.set(lane, record);
    this.records.set(keyId, record);
    this.waiting.push(record);
    const result = this.report(job, { status: 'enqueued', jobId: id, superseded });
    this.pump();
    return result;
  }

  async counts(): Promise<QueueCounts> {
    const c: QueueCounts = { waiting: 0, active: 0, delayed: 0, deadLettered: 0 };
    for (const r of this.records.values()) {
      if (r.state === 'waiting') c.waiting++;
      else if (r.state === 'active') c.active++;
      else if (r.state === 'delayed') c.delayed++;
      else if (r.state === 'dead') c.deadLettered++;
    }
    return c;
  }

  async ping(): Promise<void> {
    if (this.closed) throw new ShutdownError();
  }

  /** Resolves when nothing is waiting, running or waiting for a retry (for tests and graceful drains). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async drain(timeoutMs: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([this.idle().then(() => true as const), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const r of this.records.values()) {
      if (r.state === 'waiting' || r.state === 'delayed') {
        const state: AbandonedState = r.state;
        clearTimeout(r.retryTimer);
        this.finish(r, 'dropped');
        this.abandon(r, state, 0);
      } else if (r.state === 'active') {
        // run() reports it as abandoned once the processor has stopped.
        r.controller?.abort(new ShutdownError());
      }
    }
    this.waiting.length = 0;
    await Promise.allSettled([...this.running]);
    await Promise.allSettled([...this.pendingHooks]);
    this.wakeIdle();
  }

  private abandon(record: JobRecord, state: AbandonedState, took: number): void {
    this.observe(record, 'abandoned', took);
    this.track(this.callHook('onAbandoned', record, () => this.opts.hooks.onAbandoned?.(record.job, { jobId: record.id, state })));
  }

  private report(job: ReviewJob, result: EnqueueResult): EnqueueResult {
    this.opts.observer?.enqueued?.(job, result);
    return result;
  }

  private supersede(record: JobRecord, byJobId: string): void {
    record.supersededBy = byJobId;
    if (record.state === 'active') {
      // The running try sees the abort; the outcome and the hook follow when it settles (see run()).
      record.controller?.abort(new SupersededError(byJobId));
      return;
    }
    if (record.state === 'waiting') {
      const i = this.waiting.indexOf(record);
      if (i >= 0) this.waiting.splice(i, 1);
    }
    clearTimeout(record.retryTimer);
    this.finish(record, 'superseded');
    this.observe(record, 'superseded', 0);
    this.track(this.callHook('onSuperseded', record, () => this.opts.hooks.onSuperseded?.(record.job, { jobId: record.id, byJobId })));
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.opts.concurrency && this.waiting.length > 0) {
      const record = this.waiting.shift()!;
      const p: Promise<void> = this.run(record).finally(() => {
        this.running.delete(p);
        this.pump();
        this.wakeIdle();
      });
      this.running.add(p);
    }
  }

  private info(record: JobRecord): JobRunInfo {
    return { jobId: record.id, attempt: record.attempts, maxAttempts: this.opts.retry.maxAttempts };
  }

  /** The info handed to a running try: it may save fields for the tries after it. */
  private runInfo(record: JobRecord): JobRunInfo {
    return {
      ...this.info(record),
      save: async (patch: JobPatch) => {
        record.job = { ...record.job, ...patch };
      },
    };
  }

  private async run(record: JobRecord): Promise<void> {
    record.state = 'active';
    record.attempts++;
    const controller = new AbortController();
    record.controller = controller;
    const info = this.runInfo(record);
    const started = Date.now();
    this.opts.observer?.started?.(record.job, info, started - record.receivedAt);
    const timer = setTimeout(() => controller.abort(new JobTimeoutError(this.opts.jobTimeoutMs)), this.opts.jobTimeoutMs);
    let error: Error | undefined;
    try {
      await this.processor(record.job, controller.signal, info);
    } catch (e) {
      error = e instanceof Error ? e : new Error(String(e));
    } finally {
      clearTimeout(timer);
      record.controller = undefined;
    }
    const took = Date.now() - started;
    const reason: unknown = controller.signal.aborted ? controller.signal.reason : undefined;

    if (reason instanceof SupersededError) {
      this.finish(record, 'superseded');
      this.observe(record, 'superseded', took);
      await this.callHook('onSuperseded', record, () => this.opts.hooks.onSuperseded?.(record.job, { jobId: record.id, byJobId: reason.byJobId }));
      return;
    }
    if (reason instanceof ShutdownError) {
      this.finish(record, 'dropped');
      this.abandon(record, 'active', took);
      return;
    }
    if (reason instanceof JobTimeoutError) error = reason;
    if (!error) {
      this.finish(record, 'done');
      this.observe(record, 'completed', took);
      return;
    }
    if (record.attempts >= this.opts.retry.maxAttempts || error instanceof PermanentJobError) {
      this.finish(record, 'dead');
      this.observe(record, 'dead_lettered', took, error);
      const failure = error;
      await this.callHook('onDeadLetter', record, () => this.opts.hooks.onDeadLetter?.(record.job, failure, info));
      return;
    }
    record.state = 'delayed';
    this.observe(record, 'retrying', took, error);
    const delay = backoffDelay(record.attempts + 1, this.opts.retry, this.opts.random);
    record.retryTimer = setTimeout(() => {
      record.retryTimer = undefined;
      if (record.state !== 'delayed' || this.closed) return;
      record.state = 'waiting';
      this.waiting.push(record);
      this.pump();
    }, delay);
  }

  private observe(record: JobRecord, outcome: JobOutcome, durationMs: number, error?: Error): void {
    this.opts.observer?.finished?.(record.job, this.info(record), outcome, durationMs, Date.now() - record.receivedAt, error);
  }

  private finish(record: JobRecord, state: State): void {
    record.state = state;
    record.expiresAt = Date.now() + this.opts.dedupeTtlMs;
  }

  private async callHook(name: HookName, record: JobRecord, call: () => unknown): Promise<void> {
    try {
      await call();
    } catch (e) {
      this.opts.observer?.hookFailed?.(name, record.job, e instanceof Error ? e : new Error(String(e)));
    }
  }

  private track(p: Promise<void>): void {
    this.pendingHooks.add(p);
    void p.finally(() => {
      this.pendingHooks.delete(p);
      this.wakeIdle();
    });
  }

  private isIdle(): boolean {
    if (this.running.size > 0 || this.waiting.length > 0 || this.pendingHooks.size > 0) return false;
    for (const r of this.records.values()) if (r.state === 'delayed') return false;
    return true;
  }

  private wakeIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private lastPrune = 0;

  private forgetExpired(now: number): void {
    if (now - this.lastPrune < 1000 && this.records.size <= MAX_REMEMBERED) return;
    this.lastPrune = now;
    for (const [id, d] of this.deliveries) {
      if (d.expiresAt > now && this.deliveries.size <= MAX_REMEMBERED) break;
      this.deliveries.delete(id);
    }
    for (const [keyId, r] of this.records) {
      if (!FINISHED.has(r.state)) continue;
      if ((r.expiresAt ?? 0) > now && this.records.size <= MAX_REMEMBERED) continue;
      this.records.delete(keyId);
      if (this.lanes.get(r.lane) === r) this.lanes.delete(r.lane);
    }
  }
}
