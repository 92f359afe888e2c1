import type { ReviewJob } from '../../src/queue/types.js';

let delivery = 0;

/** A valid job; each call gets a fresh delivery id unless one is given. */
export function makeJob(over: Partial<ReviewJob> = {}): ReviewJob {
  delivery++;
  return {
    deliveryId: `d-${delivery}-${Math.random().toString(36).slice(2)}`,
    installationId: 42,
    owner: 'acme',
    repo: 'shop',
    pullNumber: 1,
    headSha: 'a'.repeat(40),
    configHash: 'cfg1',
    ...over,
  };
}

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Resolves when the signal aborts, rejecting with its reason (what a well-behaved processor does). */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
