/**
 * Serialises the app's writes to GitHub, paces them, and waits out secondary rate limits.
 * GitHub asks integrations to make mutations one at a time with about a second between
 * them, and to honour `retry-after`; Probot only logs a secondary rate limit, so this
 * queue retries it itself.
 */
export interface WriteQueueOptions {
  /** Pause between two writes. GitHub recommends at least one second. */
  minIntervalMs?: number;
  /** Retries after a secondary rate limit before giving up. */
  maxRetries?: number;
  /** Longest wait honoured for one `retry-after`. */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  log?: { warn: (obj: object, msg: string) => void };
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class WriteQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private last = 0;
  private readonly minIntervalMs: number;
  private readonly maxRetries: number;
  private readonly maxWaitMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: WriteQueueOptions = {}) {
    this.minIntervalMs = options.minIntervalMs ?? 1000;
    this.maxRetries = options.maxRetries ?? 2;
    this.maxWaitMs = options.maxWaitMs ?? 120_000;
    this.sleep = options.sleep ?? defaultSleep;
  }

  run<T>(label: string, write: () => Promise<T>): Promise<T> {
    const next = this.tail.then(
      () => this.attempt(label, write, 0),
      () => this.attempt(label, write, 0),
    );
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async attempt<T>(label: string, write: () => Promise<T>, retry: number): Promise<T> {
    const wait = this.last + this.minIntervalMs - Date.now();
    if (wait > 0 && this.last > 0) await this.sleep(wait);
    try {
      return await write();
    } catch (err) {
      const delay = secondaryRateLimitDelay(err, retry);
      if (delay === undefined || retry >= this.maxRetries) throw err;
      const ms = Math.min(delay, this.maxWaitMs);
      this.options.log?.warn({ label, retryInMs: ms }, 'GitHub secondary rate limit; waiting before retrying the write');
      await this.sleep(ms);
      return this.attempt(label, write, retry + 1);
    } finally {
      this.last = Date.now();
    }
  }
}

/** How long to wait after a secondary rate limit, or undefined for any other error. */
export function secondaryRateLimitDelay(err: unknown, retry: number): number | undefined {
  const e = err as { status?: number; response?: { headers?: Record<string, string | undefined> }; message?: string };
  if (e?.status !== 403 && e?.status !== 429) return undefined;
  const headers = e.response?.headers ?? {};
  const retryAfter = Number(headers['retry-after']);
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return retryAfter * 1000;
  if (headers['x-ratelimit-remaining'] === '0' && headers['x-ratelimit-reset']) {
    return Math.max(0, Number(headers['x-ratelimit-reset']) * 1000 - Date.now());
  }
  if (/secondary rate limit|abuse/i.test(e.message ?? '')) return 60_000 * 2 ** retry;
  return undefined;
}
