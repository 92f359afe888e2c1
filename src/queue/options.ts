import type { QueueHooks, QueueObserver, RetryOptions } from './types.js';

export interface QueueOptions {
  /** Jobs processed at once by this process. Default 2 (QUEUE_CONCURRENCY). */
  concurrency: number;
  retry: RetryOptions;
  /** One try is aborted (JobTimeoutError, counts as a failed try) after this long. Default 600000 (10 min, JOB_TIMEOUT_MS). */
  jobTimeoutMs: number;
  /** How long job keys and delivery ids are remembered for de-duplication. Default 24 h. */
  dedupeTtlMs: number;
  hooks: QueueHooks;
  observer?: QueueObserver;
  /** Randomness for the backoff jitter (tests pass a fixed one). */
  random?: () => number;
}

export const DEFAULT_QUEUE_OPTIONS: Omit<QueueOptions, 'hooks'> = {
  concurrency: 2,
  retry: { maxAttempts: 5, baseDelayMs: 5_000, maxDelayMs: 300_000 },
  jobTimeoutMs: 600_000,
  dedupeTtlMs: 24 * 3600_000,
};

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

/** Queue settings from the environment (documented in docs/operations.md). Invalid values throw: fail at start-up, not later. */
export function queueOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): Omit<QueueOptions, 'hooks'> & { redisUrl?: string; queueName: string } {
  const d = DEFAULT_QUEUE_OPTIONS;
  const retry: RetryOptions = {
    maxAttempts: positiveInt(env, 'QUEUE_MAX_ATTEMPTS', d.retry.maxAttempts),
    baseDelayMs: positiveInt(env, 'QUEUE_RETRY_BASE_MS', d.retry.baseDelayMs),
    maxDelayMs: positiveInt(env, 'QUEUE_RETRY_MAX_MS', d.retry.maxDelayMs),
  };
  if (retry.maxDelayMs < retry.baseDelayMs) throw new Error('QUEUE_RETRY_MAX_MS must be >= QUEUE_RETRY_BASE_MS');
  const redisUrl = env.REDIS_URL?.trim() || undefined;
  return {
    concurrency: positiveInt(env, 'QUEUE_CONCURRENCY', d.concurrency),
    retry,
    jobTimeoutMs: positiveInt(env, 'JOB_TIMEOUT_MS', d.jobTimeoutMs, 1000),
    dedupeTtlMs: positiveInt(env, 'QUEUE_DEDUPE_TTL_SECONDS', d.dedupeTtlMs / 1000, 60) * 1000,
    redisUrl,
    queueName: env.QUEUE_NAME?.trim() || 'backend-review',
  };
}

/**
 * QUEUE_LOCK_MS and QUEUE_STALLED_INTERVAL_MS: how soon a dead worker's jobs are taken again (see docs/operations.md).
 * Unset: BullMQ's 30 s each. A lock shorter than the longest event-loop block of a review would make live jobs look dead.
 */
export function stallSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): { lockDurationMs?: number; stalledIntervalMs?: number } {
  const read = (name: string, min: number) => {
    const raw = env[name]?.trim();
    if (!raw) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got ${JSON.stringify(env[name])}`);
    return n;
  };
  const out: { lockDurationMs?: number; stalledIntervalMs?: number } = {};
  const lock = read('QUEUE_LOCK_MS', 5_000);
  const interval = read('QUEUE_STALLED_INTERVAL_MS', 1_000);
  if (lock !== undefined) out.lockDurationMs = lock;
  if (interval !== undefined) out.stalledIntervalMs = interval;
  return out;
}
