import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/queue/backoff.js';
import { DEFAULT_QUEUE_OPTIONS, queueOptionsFromEnv, stallSettingsFromEnv } from '../../src/queue/options.js';

describe('backoffDelay', () => {
  it('doubles per try from the base, with jitter in [step/2, step)', () => {
    const opts = { baseDelayMs: 1000, maxDelayMs: 1_000_000 };
    expect([2, 3, 4, 5].map((n) => backoffDelay(n, opts, () => 0))).toEqual([500, 1000, 2000, 4000]);
    expect([2, 3, 4, 5].map((n) => backoffDelay(n, opts, () => 0.999999))).toEqual([999, 1999, 3999, 7999]);
    expect(backoffDelay(1, opts, () => 0.5)).toBe(0);
  });

  it('stays within [step/2, step] and never exceeds the cap, for any try and any random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 200 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, base, extra, r) => {
          const opts = { baseDelayMs: base, maxDelayMs: base + extra };
          const step = Math.min(opts.maxDelayMs, base * 2 ** (attempt - 2));
          const d = backoffDelay(attempt, opts, () => r);
          return Number.isFinite(d) && d >= Math.floor(step / 2) && d <= step && d <= opts.maxDelayMs;
        },
      ),
    );
  });

  it('spreads retries: different random values give different delays', () => {
    const opts = { baseDelayMs: 10_000, maxDelayMs: 300_000 };
    const delays = new Set(Array.from({ length: 50 }, (_, i) => backoffDelay(4, opts, () => i / 50)));
    expect(delays.size).toBe(50);
  });

  it('is non-decreasing in the try number for a fixed random value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 60 }), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, r) => {
        const opts = { baseDelayMs: 250, maxDelayMs: 120_000 };
        return backoffDelay(attempt + 1, opts, () => r) >= backoffDelay(attempt, opts, () => r);
      }),
    );
  });
});

describe('queueOptionsFromEnv', () => {
  it('uses the defaults when nothing is set', () => {
    const o = queueOptionsFromEnv({});
    expect(o.concurrency).toBe(2);
    expect(o.retry).toEqual(DEFAULT_QUEUE_OPTIONS.retry);
    expect(o.redisUrl).toBeUndefined();
    expect(o.queueName).toBe('backend-review');
  });

  it('reads the documented variables', () => {
    const o = queueOptionsFromEnv({
      REDIS_URL: 'redis://redis:6379/0',
      QUEUE_CONCURRENCY: '4',
      QUEUE_MAX_ATTEMPTS: '3',
      QUEUE_RETRY_BASE_MS: '1000',
      QUEUE_RETRY_MAX_MS: '60000',
      JOB_TIMEOUT_MS: '120000',
      QUEUE_DEDUPE_TTL_SECONDS: '3600',
      QUEUE_NAME: 'br-staging',
    });
    expect(o).toMatchObject({
      redisUrl: 'redis://redis:6379/0',
      concurrency: 4,
      retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000 },
      jobTimeoutMs: 120_000,
      dedupeTtlMs: 3_600_000,
      queueName: 'br-staging',
    });
  });

  it('fails at start-up on a bad value instead of guessing', () => {
    expect(() => queueOptionsFromEnv({ QUEUE_CONCURRENCY: '0' })).toThrow(/QUEUE_CONCURRENCY/);
    expect(() => queueOptionsFromEnv({ QUEUE_MAX_ATTEMPTS: 'five' })).toThrow(/QUEUE_MAX_ATTEMPTS/);
    expect(() => queueOptionsFromEnv({ QUEUE_RETRY_BASE_MS: '5000', QUEUE_RETRY_MAX_MS: '10' })).toThrow(/QUEUE_RETRY_MAX_MS/);
  });
});

describe("stallSettingsFromEnv (the worker: how soon a dead worker's jobs are taken again)", () => {
  it("leaves BullMQ's defaults when unset, reads QUEUE_LOCK_MS and QUEUE_STALLED_INTERVAL_MS, refuses bad values", () => {
    expect(stallSettingsFromEnv({})).toEqual({});
    expect(stallSettingsFromEnv({ QUEUE_LOCK_MS: '20000', QUEUE_STALLED_INTERVAL_MS: '10000' })).toEqual({ lockDurationMs: 20_000, stalledIntervalMs: 10_000 });
    expect(() => stallSettingsFromEnv({ QUEUE_LOCK_MS: '100' })).toThrow(/QUEUE_LOCK_MS must be an integer >= 5000/);
    expect(() => stallSettingsFromEnv({ QUEUE_STALLED_INTERVAL_MS: '1s' })).toThrow(/QUEUE_STALLED_INTERVAL_MS/);
  });
});
