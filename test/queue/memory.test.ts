import { afterEach, describe, expect, it, vi } from 'vitest';
import { InProcessQueue } from '../../src/queue/memory.js';
import { jobIdFor } from '../../src/queue/key.js';
import { JobTimeoutError, PermanentJobError, ShutdownError, SupersededError, type JobOutcome, type ReviewJob } from '../../src/queue/types.js';
import { deferred, makeJob, untilAborted, type Deferred } from './helpers.js';

const queues: InProcessQueue[] = [];
function track(q: InProcessQueue): InProcessQueue {
  queues.push(q);
  return q;
}
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(queues.splice(0).map((q) => q.close()));
});

describe('in-process queue: concurrency', () => {
  it('never runs more than `concurrency` jobs at once and runs every job', async () => {
    let running = 0;
    let peak = 0;
    const gates: Deferred[] = [];
    const done: number[] = [];
    const q = track(
      new InProcessQueue(async (job) => {
        running++;
        peak = Math.max(peak, running);
        const gate = deferred();
        gates.push(gate);
        await gate.promise;
        running--;
        done.push(job.pullNumber);
      }),
    );
    for (let pr = 1; pr <= 6; pr++) await q.enqueue(makeJob({ pullNumber: pr }));
    expect(await q.counts()).toMatchObject({ active: 2, waiting: 4 });
    // Release jobs one at a time; the bound must hold at every step.
    while (done.length < 6) {
      await vi.waitFor(() => expect(gates.length).toBeGreaterThan(0));
      gates.shift()!.resolve();
      await new Promise((r) => setImmediate(r));
      expect(running).toBeLessThanOrEqual(2);
    }
    await q.idle();
    expect(peak).toBe(2);
    expect(done.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('honours a configured concurrency of 1 and of 4', async () => {
    for (const concurrency of [1, 4]) {
      let running = 0;
      let peak = 0;
      const q = track(
        new InProcessQueue(
          async () => {
            running++;
            peak = Math.max(peak, running);
            await new Promise((r) => setTimeout(r, 5));
            running--;
          },
          { concurrency },
        ),
      );
      for (let pr = 1; pr <= 10; pr++) await q.enqueue(makeJob({ pullNumber: pr }));
      await q.idle();
      expect(peak).toBe(concurrency);
    }
  });

  it('rejects a bad concurrency or attempt count', () => {
    expect(() => new InProcessQueue(async () => {}, { concurrency: 0 })).toThrow(/concurrency/);
    expect(() => new InProcessQueue(async () => {}, { retry: { maxAttempts: 0, baseDelayMs: 1, maxDelayMs: 1 } })).toThrow(/maxAttempts/);
  });
});

describe('in-process queue: job identity', () => {
  it('collapses a redelivery (same X-GitHub-Delivery) and a duplicate event for the same key into one job', async () => {
    const seen: string[] = [];
    const q = track(new InProcessQueue(async (job) => void seen.push(job.deliveryId)));
    const job = makeJob({ deliveryId: 'delivery-1' });
    const first = await q.enqueue(job);
    expect(first).toEqual({ status: 'enqueued', jobId: jobIdFor(job), superseded: [] });
    expect(await q.enqueue({ ...job })).toEqual({ status: 'duplicate-delivery', jobId: first.jobId, superseded: [] });
    // A different event (say check_suite.requested) for the same repo, PR, SHA and config.
    expect(await q.enqueue({ ...job, deliveryId: 'delivery-2' })).toEqual({ status: 'duplicate', jobId: first.jobId, superseded: [] });
    await q.idle();
    // Redelivered after the review finished: still the same job, nothing runs again.
    expect((await q.enqueue({ ...job })).status).toBe('duplicate-delivery');
    expect((await q.enqueue({ ...job, deliveryId: 'delivery-3' })).status).toBe('duplicate');
    await q.idle();
    expect(seen).toEqual(['delivery-1']);
  });

  it('keys on repo, PR, head SHA and config hash: changing any one makes a new job', async () => {
    const runs: ReviewJob[] = [];
    const q = track(new InProcessQueue(async (job) => void runs.push(job), { concurrency: 4 }));
    const base = makeJob();
    const variants = [
      base,
      makeJob({ repo: 'other' }),
      makeJob({ pullNumber: 2 }),
      makeJob({ configHash: 'cfg2' }),
      makeJob({ rerunId: 'rerun-1' }),
    ];
    const results = [];
    for (const v of variants) {
      results.push(await q.enqueue(v));
      if (v === base) {
        // Owner/repo case does not matter on GitHub, so it does not make a new job.
        expect((await q.enqueue(makeJob({ owner: 'ACME', repo: 'Shop' }))).status).toBe('duplicate');
      }
    }
    await q.idle();
    expect(results.map((r) => r.status)).toEqual(Array(5).fill('enqueued'));
    expect(new Set(results.map((r) => r.jobId)).size).toBe(variants.length);
    expect(runs).toHaveLength(5);
  });

  it('forgets keys and delivery ids after the dedupe window', async () => {
    vi.useFakeTimers();
    let runs = 0;
    const q = track(new InProcessQueue(async () => void runs++, { dedupeTtlMs: 60_000 }));
    const job = makeJob({ deliveryId: 'old' });
    await q.enqueue(job);
    await vi.runAllTimersAsync();
    expect(runs).toBe(1);
    vi.advanceTimersByTime(59_000);
    expect((await q.enqueue({ ...job })).status).toBe('duplicate-delivery');
    vi.advanceTimersByTime(2_000);
    expect((await q.enqueue({ ...job })).status).toBe('enqueued');
    await vi.runAllTimersAsync();
    expect(runs).toBe(2);
  });

  it('rejects a malformed job at enqueue', async () => {
    const q = track(new InProcessQueue(async () => {}));
    await expect(q.enqueue(makeJob({ headSha: 'not a sha' }))).rejects.toThrow(/headSha/);
    await expect(q.enqueue(makeJob({ pullNumber: 0 }))).rejects.toThrow(/pullNumber/);
    await expect(q.enqueue({ ...makeJob(), deliveryId: '' })).rejects.toThrow(/deliveryId/);
  });
});

describe('in-process queue: a newer head SHA supersedes', () => {
  it('drops a queued job of the older SHA without running it', async () => {
    const ran: string[] = [];
    const blocker = deferred();
    const superseded: Array<{ sha: string; by: string }> = [];
    const q = track(
      new InProcessQueue(
        async (job) => {
          ran.push(`${job.pullNumber}@${job.headSha[0]}`);
          if (job.pullNumber === 1) await blocker.promise;
        },
        { concurrency: 1, hooks: { onSuperseded: (job, info) => void superseded.push({ sha: job.headSha, by: info.byJobId }) } },
      ),
    );
    await q.enqueue(makeJob({ pullNumber: 1 }));
    const old = await q.enqueue(makeJob({ pullNumber: 2, headSha: 'b'.repeat(40) }));
    const newer = await q.enqueue(makeJob({ pullNumber: 2, headSha: 'c'.repeat(40) }));
    expect(newer.superseded).toEqual([old.jobId]);
    blocker.resolve();
    await q.idle();
    expect(ran).toEqual(['1@a', '2@c']);
    expect(superseded).toEqual([{ sha: 'b'.repeat(40), by: newer.jobId }]);
  });

  it('aborts the running job of the older SHA with SupersededError and does not retry it', async () => {
    const reasons: unknown[] = [];
    const outcomes: Array<[string, JobOutcome]> = [];
    const started = deferred();
    const superseded: string[] = [];
    const q = track(
      new InProcessQueue(
        async (job, signal) => {
          if (job.headSha.startsWith('a')) {
            started.resolve();
            try {
              await untilAborted(signal);
            } catch (e) {
              reasons.push(e);
              throw e;
            }
          }
        },
        {
          hooks: { onSuperseded: (job) => void superseded.push(job.headSha) },
          observer: { finished: (job, _info, outcome) => void outcomes.push([job.headSha[0]!, outcome]) },
        },
      ),
    );
    const old = await q.enqueue(makeJob());
    await started.promise;
    const newer = await q.enqueue(makeJob({ headSha: 'd'.repeat(40) }));
    expect(newer.superseded).toEqual([old.jobId]);
    await q.idle();
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(SupersededError);
    expect((reasons[0] as SupersededError).byJobId).toBe(newer.jobId);
    expect(superseded).toEqual(['a'.repeat(40)]);
    expect(outcomes.sort()).toEqual([
      ['a', 'superseded'],
      ['d', 'completed'],
    ]);
  });

  it('supersedes a job waiting for its retry', async () => {
    vi.useFakeTimers();
    let oldTries = 0;
    const superseded: string[] = [];
    const q = track(
      new InProcessQueue(
        async (job) => {
          if (job.headSha.startsWith('a')) {
            oldTries++;
            throw new Error('GitHub 502');
          }
        },
        { retry: { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 10_000 }, hooks: { onSuperseded: (j) => void superseded.push(j.headSha) } },
      ),
    );
    await q.enqueue(makeJob());
    await vi.advanceTimersByTimeAsync(0);
    expect(oldTries).toBe(1);
    expect(await q.counts()).toMatchObject({ delayed: 1 });
    await q.enqueue(makeJob({ headSha: 'e'.repeat(40) }));
    await vi.runAllTimersAsync();
    expect(oldTries).toBe(1);
    expect(superseded).toEqual(['a'.repeat(40)]);
    expect(await q.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, deadLettered: 0 });
  });

  it('reviews a commit again when the PR head returns to it after it was superseded (force-push back)', async () => {
    const ran: string[] = [];
    const gate = deferred();
    const q = track(
      new InProcessQueue(
        async (job, signal) => {
          ran.push(job.headSha[0]!);
          if (job.headSha.startsWith('b')) await Promise.race([gate.promise, untilAborted(signal)]);
        },
        { concurrency: 1 },
      ),
    );
    const a = await q.enqueue(makeJob({ headSha: 'a'.repeat(40) }));
    await q.idle();
    const b = await q.enqueue(makeJob({ headSha: 'b'.repeat(40) }));
    await vi.waitFor(() => expect(ran).toEqual(['a', 'b']));
    // A is finished, so it is not in `superseded`; B is running when the head goes back to A.
    const again = await q.enqueue(makeJob({ headSha: 'a'.repeat(40) }));
    expect(again.status).toBe('enqueued');
    expect(again.jobId).toBe(`${a.jobId}-g1`);
    expect(again.superseded).toEqual([b.jobId]);
    await q.idle();
    expect(ran).toEqual(['a', 'b', 'a']);
    // While A-g1 is the lane's newest job, A is a plain duplicate again.
    expect(await q.enqueue(makeJob({ headSha: 'a'.repeat(40) }))).toMatchObject({ status: 'duplicate', jobId: again.jobId });
  });

  it('does not supersede across pull requests or repositories', async () => {
    const superseded: string[] = [];
    const q = track(new InProcessQueue(async () => {}, { concurrency: 1, hooks: { onSuperseded: (j) => void superseded.push(j.repo) } }));
    const r = [
      await q.enqueue(makeJob({ pullNumber: 1 })),
      await q.enqueue(makeJob({ pullNumber: 2, headSha: 'b'.repeat(40) })),
      await q.enqueue(makeJob({ repo: 'other', headSha: 'c'.repeat(40) })),
    ];
    await q.idle();
    expect(r.flatMap((x) => x.superseded)).toEqual([]);
    expect(superseded).toEqual([]);
  });
});

describe('in-process queue: retries and dead letter', () => {
  it('retries with exponential backoff and jitter, then succeeds', async () => {
    vi.useFakeTimers();
    const tries: number[] = [];
    const q = track(
      new InProcessQueue(
        async (_job, _signal, info) => {
          tries.push(Date.now());
          if (info.attempt < 4) throw new Error(`try ${info.attempt} failed`);
        },
        // random() = 0 → the lowest delay of each step: step/2.
        { retry: { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000 }, random: () => 0 },
      ),
    );
    const t0 = Date.now();
    await q.enqueue(makeJob());
    await vi.advanceTimersByTimeAsync(0);
    expect(tries).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(499);
    expect(tries).toHaveLength(1); // not before step/2 of the first step (1000 ms)
    await vi.advanceTimersByTimeAsync(1);
    expect(tries).toHaveLength(2);
    await vi.runAllTimersAsync();
    expect(tries.map((t) => t - t0)).toEqual([0, 500, 500 + 1000, 500 + 1000 + 2000]);
    expect(await q.counts()).toMatchObject({ deadLettered: 0, delayed: 0 });
  });

  it('dead-letters after maxAttempts tries and calls onDeadLetter once with the last error', async () => {
    vi.useFakeTimers();
    let tries = 0;
    const dead: Array<{ job: ReviewJob; error: Error; attempt: number }> = [];
    const q = track(
      new InProcessQueue(
        async () => {
          tries++;
          throw new Error(`boom ${tries}`);
        },
        { retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 }, hooks: { onDeadLetter: (job, error, info) => void dead.push({ job, error, attempt: info.attempt }) } },
      ),
    );
    const job = makeJob();
    await q.enqueue(job);
    await vi.runAllTimersAsync();
    expect(tries).toBe(3);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.error.message).toBe('boom 3');
    expect(dead[0]!.attempt).toBe(3);
    expect(dead[0]!.job.deliveryId).toBe(job.deliveryId);
    expect(await q.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, deadLettered: 1 });
    // A redelivery does not resurrect a dead-lettered job within the dedupe window.
    expect((await q.enqueue({ ...job })).status).toBe('duplicate-delivery');
  });

  it('sends a PermanentJobError straight to the dead letter', async () => {
    let tries = 0;
    const dead: string[] = [];
    const q = track(
      new InProcessQueue(
        async () => {
          tries++;
          throw new PermanentJobError('pull request was deleted');
        },
        { hooks: { onDeadLetter: (_j, e) => void dead.push(e.message) } },
      ),
    );
    await q.enqueue(makeJob());
    await q.idle();
    expect(tries).toBe(1);
    expect(dead).toEqual(['pull request was deleted']);
  });

  it('aborts a try that exceeds the job timeout and counts it as a failed try', async () => {
    vi.useFakeTimers();
    const reasons: unknown[] = [];
    const dead: Error[] = [];
    const q = track(
      new InProcessQueue(
        async (_job, signal) => {
          try {
            await untilAborted(signal);
          } catch (e) {
            reasons.push(e);
            throw e;
          }
        },
        { jobTimeoutMs: 5_000, retry: { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 100 }, hooks: { onDeadLetter: (_j, e) => void dead.push(e) } },
      ),
    );
    await q.enqueue(makeJob());
    await vi.advanceTimersByTimeAsync(4_999);
    expect(reasons).toHaveLength(0);
    await vi.runAllTimersAsync();
    expect(reasons).toHaveLength(2);
    expect(reasons.every((r) => r instanceof JobTimeoutError)).toBe(true);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toBeInstanceOf(JobTimeoutError);
  });

  it('keeps working when a hook throws, and reports the hook failure', async () => {
    const hookFailures: string[] = [];
    const ran: number[] = [];
    const q = track(
      new InProcessQueue(
        async (job) => {
          ran.push(job.pullNumber);
          if (job.pullNumber === 1) throw new PermanentJobError('nope');
        },
        {
          hooks: {
            onDeadLetter: () => {
              throw new Error('GitHub down while concluding');
            },
          },
          observer: { hookFailed: (hook, _job, e) => void hookFailures.push(`${hook}: ${e.message}`) },
        },
      ),
    );
    await q.enqueue(makeJob({ pullNumber: 1 }));
    await q.idle();
    await q.enqueue(makeJob({ pullNumber: 2 }));
    await q.idle();
    expect(ran).toEqual([1, 2]);
    expect(await q.counts()).toMatchObject({ deadLettered: 1 });
    expect(hookFailures).toEqual(['onDeadLetter: GitHub down while concluding']);
  });

  it('wraps a non-Error throw', async () => {
    const dead: Error[] = [];
    const q = track(
      new InProcessQueue(
        async () => {
          throw 'a string';
        },
        { retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, hooks: { onDeadLetter: (_j, e) => void dead.push(e) } },
      ),
    );
    await q.enqueue(makeJob());
    await q.idle();
    expect(dead[0]).toBeInstanceOf(Error);
    expect(dead[0]!.message).toBe('a string');
  });
});

describe('in-process queue: observer and shutdown', () => {
  it('reports start and finish with the time since the webhook', async () => {
    vi.useFakeTimers();
    const events: string[] = [];
    const q = track(
      new InProcessQueue(
        async () => {
          await new Promise((r) => setTimeout(r, 2_000));
        },
        {
          observer: {
            enqueued: (_j, r) => void events.push(`enqueued:${r.status}`),
            started: (_j, info, waited) => void events.push(`started:${info.attempt}:${waited}`),
            finished: (_j, _i, outcome, took, since) => void events.push(`finished:${outcome}:${took}:${since}`),
          },
        },
      ),
    );
    await q.enqueue(makeJob({ receivedAt: Date.now() - 3_000 }));
    await vi.runAllTimersAsync();
    expect(events).toEqual(['enqueued:enqueued', 'started:1:3000', 'finished:completed:2000:5000']);
  });

  it('close() aborts running jobs with ShutdownError, drops queued ones and refuses new ones', async () => {
    const reasons: unknown[] = [];
    const started = deferred();
    let runs = 0;
    const q = new InProcessQueue(
      async (_job, signal) => {
        runs++;
        started.resolve();
        try {
          await untilAborted(signal);
        } catch (e) {
          reasons.push(e);
          throw e;
        }
      },
      { concurrency: 1 },
    );
    await q.enqueue(makeJob({ pullNumber: 1 }));
    await q.enqueue(makeJob({ pullNumber: 2 }));
    await started.promise;
    await q.close();
    expect(runs).toBe(1);
    expect(reasons[0]).toBeInstanceOf(ShutdownError);
    await expect(q.enqueue(makeJob({ pullNumber: 3 }))).rejects.toBeInstanceOf(ShutdownError);
    await expect(q.ping()).rejects.toBeInstanceOf(ShutdownError);
  });

  it('close() reports every job it gave up on to onAbandoned once: queued, waiting for a retry, and running (with what its try saved)', async () => {
    const abandoned: { pr: number; state: string; checkRunId?: number }[] = [];
    const outcomes: JobOutcome[] = [];
    const running = deferred();
    const q = new InProcessQueue(
      async (job, signal, info) => {
        if (job.pullNumber === 2) throw new Error('GitHub 502'); // goes to a retry with a long backoff
        await info.save!({ checkRunId: 700 + job.pullNumber });
        running.resolve();
        await untilAborted(signal);
      },
      {
        concurrency: 2,
        retry: { maxAttempts: 3, baseDelayMs: 60_000, maxDelayMs: 60_000 },
        hooks: { onAbandoned: (job, info) => void abandoned.push({ pr: job.pullNumber, state: info.state, checkRunId: job.checkRunId }) },
        observer: { finished: (_j, _i, outcome) => void outcomes.push(outcome) },
      },
    );
    await q.enqueue(makeJob({ pullNumber: 1 }));
    await q.enqueue(makeJob({ pullNumber: 2 }));
    await running.promise;
    await vi.waitFor(async () => expect((await q.counts()).delayed).toBe(1));
    await q.enqueue(makeJob({ pullNumber: 3 })); // takes the slot PR 2 left
    await vi.waitFor(async () => expect((await q.counts()).active).toBe(2));
    await q.enqueue(makeJob({ pullNumber: 4 })); // waits: both slots are taken
    await q.close();
    expect(abandoned.sort((a, b) => a.pr - b.pr)).toEqual([
      { pr: 1, state: 'active', checkRunId: 701 },
      { pr: 2, state: 'delayed', checkRunId: undefined },
      { pr: 3, state: 'active', checkRunId: 703 },
      { pr: 4, state: 'waiting', checkRunId: undefined },
    ]);
    expect(outcomes.filter((o) => o === 'abandoned')).toHaveLength(4);
  });

  it('a value a try saves reaches the next try of the same job', async () => {
    const seen: (number | undefined)[] = [];
    const q = track(
      new InProcessQueue(
        async (job, _signal, info) => {
          seen.push(job.checkRunId);
          if (info.attempt === 1) {
            await info.save!({ checkRunId: 555 });
            throw new Error('GitHub 502');
          }
        },
        { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } },
      ),
    );
    await q.enqueue(makeJob());
    await q.idle();
    expect(seen).toEqual([undefined, 555]);
  });

  it('drain() resolves true once everything ran, false at its timeout; jobs may still be enqueued while it waits', async () => {
    const gate = deferred();
    const done: number[] = [];
    const q = track(
      new InProcessQueue(async (job) => {
        await gate.promise;
        done.push(job.pullNumber);
      }),
    );
    await q.enqueue(makeJob({ pullNumber: 1 }));
    expect(await q.drain(50)).toBe(false);
    const draining = q.drain(5_000);
    await q.enqueue(makeJob({ pullNumber: 2 }));
    gate.resolve();
    expect(await draining).toBe(true);
    expect(done.sort()).toEqual([1, 2]);
  });

  it('the ShutdownError a closed queue throws carries HTTP 503, which Probot answers the webhook with', async () => {
    const q = new InProcessQueue(async () => undefined);
    await q.close();
    const err = await q.enqueue(makeJob()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShutdownError);
    expect((err as ShutdownError).status).toBe(503);
  });
});
