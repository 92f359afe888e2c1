/**
 * One lane per pull request: reviews of the same PR run one after another, never
 * interleaved, and a second webhook for a head SHA already reviewed (or being reviewed)
 * is dropped.
 */
export class Lanes {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly seen = new Map<string, number>();

  constructor(private readonly ttlMs = 60 * 60 * 1000) {}

  run<T>(lane: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(lane) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(lane, tail);
    void tail.then(() => {
      if (this.tails.get(lane) === tail) this.tails.delete(lane);
    });
    return next;
  }

  /** True the first time a key is claimed within the TTL. */
  claim(key: string): boolean {
    const now = Date.now();
    for (const [k, at] of this.seen) if (now - at > this.ttlMs) this.seen.delete(k);
    if (this.seen.has(key)) return false;
    this.seen.set(key, now);
    return true;
  }

  release(key: string): void {
    this.seen.delete(key);
  }
}
