import { queueOptionsFromEnv, type QueueOptions } from './options.js';
import { startRedisWorker, type RedisWorkerHandle, type RedisWorkerOptions } from './redis.js';
import type { QueueHooks, QueueObserver, ReviewProcessor } from './types.js';

export interface StartWorkerArgs {
  hooks?: QueueHooks;
  observer?: QueueObserver;
  env?: NodeJS.ProcessEnv;
  /** Overrides of the settings read from env (tests use short lock durations). */
  overrides?: Partial<QueueOptions> & Partial<Omit<RedisWorkerOptions, keyof QueueOptions>>;
}

/**
 * Starts a queue-mode worker in this process: it takes review jobs from Redis (REDIS_URL) and runs `processor`
 * with up to QUEUE_CONCURRENCY jobs at once. Resolves once connected. Throws if REDIS_URL is not set:
 * without Redis there is nothing to share work through, and the app runs reviews in-process instead.
 */
export async function startWorker(processor: ReviewProcessor, args: StartWorkerArgs = {}): Promise<RedisWorkerHandle> {
  const { redisUrl, queueName, ...fromEnv } = queueOptionsFromEnv(args.env ?? process.env);
  if (!redisUrl) throw new Error('REDIS_URL is not set: `npm run worker` needs Redis (without it the app reviews in-process)');
  return startRedisWorker(processor, { ...fromEnv, hooks: args.hooks ?? {}, observer: args.observer, ...args.overrides, redisUrl, queueName });
}
