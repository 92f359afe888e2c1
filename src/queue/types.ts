/**
 * The review job queue: the webhook handler enqueues, workers review.
 *
 * Two implementations share this interface: an in-process queue (default, no extra services) and a
 * BullMQ queue on Redis (when REDIS_URL is set). See docs/operations.md.
 */

/** One review of one pull request at one head SHA with one configuration. */
export interface ReviewJob {
  /** X-GitHub-Delivery of the webhook that asked for this review (redeliveries reuse it). */
  deliveryId: string;
  installationId: number;
  owner: string;
  repo: string;
  pullNumber: number;
  headSha: string;
  /** Hash of the effective configuration (read from the default branch). */
  configHash: string;
  /** Epoch milliseconds when the webhook was received; job age and the SLO are measured from it. Defaults to enqueue time. */
  receivedAt?: number;
  /** The check run the app created for this head SHA, if it creates one before enqueueing. */
  checkRunId?: number;
  /**
   * Set only for an explicit re-run (check_run.rerequested, a slash command): it becomes part of the job key,
   * so the same (repo, PR, SHA, config) is reviewed again instead of collapsing into the finished job.
   */
  rerunId?: string;
  /** Anything else the processor needs. Must be JSON-serialisable (it is stored in Redis in queue mode). */
  extra?: Record<string, unknown>;
}

export type EnqueueStatus =
  /** A new job was queued. */
  | 'enqueued'
  /** A job with the same key (repo, PR, head SHA, config hash, rerun id) already exists: nothing queued. */
  | 'duplicate'
  /** This X-GitHub-Delivery was seen before: nothing queued. */
  | 'duplicate-delivery';

export interface EnqueueResult {
  status: EnqueueStatus;
  /** The id of the job that will do (or did) this review. */
  jobId: string;
  /** Ids of older jobs for the same PR that this enqueue superseded (queued ones are dropped, a running one is aborted). */
  superseded: string[];
}

/**
 * The caller's review function. It must honour `signal`: when it is aborted (newer head SHA, timeout, shutdown)
 * stop and throw or return promptly; never post results after the signal is aborted.
 * Throw `PermanentJobError` for failures that a retry cannot fix (the job goes straight to the dead letter).
 */
export type ReviewProcessor = (job: ReviewJob, signal: AbortSignal, info: JobRunInfo) => Promise<void>;

export interface JobRunInfo {
  jobId: string;
  /** 1 for the first try. */
  attempt: number;
  maxAttempts: number;
  /**
   * Stores fields on the job, so that a later try of it sees them: a retry, or (Redis mode) another worker that takes
   * the job over after this one died. The processor saves the check run it created, so a later try concludes that run
   * instead of creating a second one. Absent where no try can follow (hooks, a dead letter).
   */
  save?(patch: JobPatch): Promise<void>;
}

/** What a try may store on its job for the tries after it. */
export type JobPatch = Pick<ReviewJob, 'checkRunId'>;

export interface QueueHooks {
  /** Called once when a job has failed `maxAttempts` times (or threw PermanentJobError). Conclude the check run saying so. */
  onDeadLetter?: (job: ReviewJob, error: Error, info: JobRunInfo) => Promise<void> | void;
  /** Called once when a queued or running job was replaced by a newer head SHA of the same PR. */
  onSuperseded?: (job: ReviewJob, info: { jobId: string; byJobId: string }) => Promise<void> | void;
  /**
   * Memory mode: called once for each job that `close()` gave up on (the process is stopping): a queued job, one waiting
   * for a retry, or a running one that was aborted. `job` holds what its tries saved (`checkRunId`). Conclude its check
   * run saying the review did not run. `close()` awaits these calls; bound the whole close with a timeout.
   */
  onAbandoned?: (job: ReviewJob, info: { jobId: string; state: AbandonedState }) => Promise<void> | void;
}

/** Where an abandoned job was when the queue closed. */
export type AbandonedState = 'waiting' | 'delayed' | 'active';

export type HookName = 'onDeadLetter' | 'onSuperseded' | 'onAbandoned';

/** `abandoned`: memory mode only, a job dropped by `close()` (see `QueueHooks.onAbandoned`). */
export type JobOutcome = 'completed' | 'retrying' | 'dead_lettered' | 'superseded' | 'abandoned';

/** Observation points for metrics and logs (see src/ops/metrics.ts `queueObserver`). All optional and synchronous. */
export interface QueueObserver {
  enqueued?(job: ReviewJob, result: EnqueueResult): void;
  /** A try is starting; waitedMs is the time since the webhook was received. */
  started?(job: ReviewJob, info: JobRunInfo, waitedMs: number): void;
  /** A try ended. durationMs is this try's processing time; sinceReceivedMs the time since the webhook. */
  finished?(job: ReviewJob, info: JobRunInfo, outcome: JobOutcome, durationMs: number, sinceReceivedMs: number, error?: Error): void;
  /** A hook (onDeadLetter, onSuperseded, onAbandoned) threw; the queue carries on. */
  hookFailed?(hook: HookName, job: ReviewJob, error: Error): void;
}

export interface RetryOptions {
  /** Tries in total before the dead letter (1 = no retry). Default 5. */
  maxAttempts: number;
  /** Backoff before the 2nd try; doubles each try. Default 5000 ms. */
  baseDelayMs: number;
  /** Upper bound of one backoff. Default 300000 ms (5 minutes). */
  maxDelayMs: number;
}

export interface QueueCounts {
  waiting: number;
  active: number;
  /** Waiting for a retry (backoff). */
  delayed: number;
  /** Dead-lettered jobs still remembered. */
  deadLettered: number;
}

export interface ReviewQueue {
  readonly mode: 'memory' | 'redis';
  /** Validate nothing about the webhook here: the caller has already verified it. Resolves once the job is durable (Redis) or queued (memory). */
  enqueue(job: ReviewJob): Promise<EnqueueResult>;
  counts(): Promise<QueueCounts>;
  /** Readiness: resolves when the backing store answers (Redis PING), rejects otherwise. */
  ping(): Promise<void>;
  /**
   * For a graceful stop, before `close()`. Memory mode: resolves true once nothing is queued, running or waiting for a
   * retry (new jobs may still be enqueued meanwhile), false when `timeoutMs` passed first. Redis mode: true at once
   * (the jobs are in Redis and the workers run them).
   */
  drain(timeoutMs: number): Promise<boolean>;
  /**
   * Stop taking jobs: `enqueue` throws ShutdownError from now on. Memory mode: queued jobs are dropped and running jobs
   * aborted (ShutdownError) and awaited; each one is passed to `hooks.onAbandoned`, and close() awaits those calls too.
   */
  close(): Promise<void>;
}

/** Thrown by a processor for failures no retry can fix. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

/** The abort reason when a newer head SHA replaced the job. */
export class SupersededError extends Error {
  override name = 'SupersededError';
  constructor(readonly byJobId: string) {
    super(`superseded by job ${byJobId} (newer head SHA)`);
  }
}

/** The abort reason when one try ran longer than the job timeout. Counts as a failed try. */
export class JobTimeoutError extends Error {
  override name = 'JobTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`review took longer than ${timeoutMs} ms`);
  }
}

/** The abort reason when the queue or worker is closing. */
export class ShutdownError extends Error {
  override name = 'ShutdownError';
  /** The HTTP status a webhook gets when it cannot be queued because the app is stopping (Probot's middleware answers with it). */
  readonly status = 503;
  constructor() {
    super('queue is shutting down');
  }
}
