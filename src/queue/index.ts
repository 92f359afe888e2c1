import { InProcessQueue } from './memory.js';
import { queueOptionsFromEnv, type QueueOptions } from './options.js';
import { RedisReviewQueue } from './redis.js';
import type { QueueHooks, QueueObserver, ReviewProcessor, ReviewQueue } from './types.js';

export * from './types.js';
export { backoffDelay } from './backoff.js';
export { jobIdFor, jobKey, prLane } from './key.js';
export { InProcessQueue } from './memory.js';
export { DEFAULT_QUEUE_OPTIONS, queueOptionsFromEnv, stallSettingsFromEnv, type QueueOptions } from './options.js';
export { RedisReviewQueue, startRedisWorker, type RedisQueueOptions, type RedisWorkerHandle, type RedisWorkerOptions } from './redis.js';

export interface CreateQueueArgs {
  /**
   * The review function. Used in memory mode (reviews run in this process). In queue mode (REDIS_URL) this
   * process only enqueues and the workers (`npm run worker`) run their own processor, so it is not called here.
   */
  processor: ReviewProcessor;
  hooks?: QueueHooks;
  observer?: QueueObserver;
  env?: NodeJS.ProcessEnv;
  /** Overrides of the settings read from env. */
  overrides?: Partial<QueueOptions>;
}

/**
 * The app's queue: BullMQ on Redis when REDIS_URL is set, else the in-process queue.
 * Throws at start-up on invalid settings.
 */
export function createReviewQueue(args: CreateQueueArgs): ReviewQueue {
  const { redisUrl, queueName, ...fromEnv } = queueOptionsFromEnv(args.env ?? process.env);
  const options: Partial<QueueOptions> = { ...fromEnv, hooks: args.hooks ?? {}, observer: args.observer, ...args.overrides };
  if (redisUrl) return new RedisReviewQueue({ ...options, redisUrl, queueName });
  return new InProcessQueue(args.processor, options);
}
