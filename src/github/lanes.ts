/**
 * One lane per pull request: reviews of the same PR run one after another, never
 * interleaved, and a second webhook for the head the PR was last reviewed at (or is being
 * reviewed at) is dropped.
 */
export class Lanes {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly latest = new Map<string, { head: string; at: number }>();

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

  /**
   * Records that a lane is reviewing `head`. False when the lane's latest head is already
   * this one (a duplicate event); a PR whose head goes back to an older commit (force-push
   * back) claims it again, because the latest review was of another commit.
   */
  claim(lane: string, head: string): boolean {
    const now = Date.now();
    for (const [k, v] of this.latest) if (now - v.at > this.ttlMs) this.latest.delete(k);
    if (this.latest.get(lane)?.head === head) return false;
    this.latest.set(lane, { head, at: now });
    return true;
  }

  /** Forgets a claim (the review did not happen), so the next event for the head reviews it. */
  release(lane: string, head: string): void {
    if (this.latest.get(lane)?.head === head) this.latest.delete(lane);
  }
}
