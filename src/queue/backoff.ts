import type { RetryOptions } from './types.js';

/**
 * Delay before try `nextAttempt` (2 = the first retry): exponential, capped, with "equal jitter":
 * half of the exponential step is fixed and half is random, so retries from many jobs spread out
 * but never retry sooner than half the step.
 *
 *   step  = min(maxDelayMs, baseDelayMs * 2^(nextAttempt - 2))
 *   delay = step/2 + random() * step/2          (in [step/2, step))
 */
export function backoffDelay(nextAttempt: number, opts: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  if (nextAttempt < 2) return 0;
  const exponent = Math.min(nextAttempt - 2, 40);
  const step = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** exponent);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(step / 2 + r * (step / 2));
}
