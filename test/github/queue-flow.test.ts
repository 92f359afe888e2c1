import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { CheckRun } from '../../src/github/check-run.js';
import type { GitHubClient } from '../../src/github/client.js';
import { configHash, createReviewProcessor, writeQueues } from '../../src/github/worker-processor.js';
import { defaultConfig } from '../../src/config/load.js';
import { SupersededError, type ReviewJob } from '../../src/queue/types.js';
import { world } from './world.js';
import { INSTALLATION, pullRequestEvent } from './payloads.js';
import { startHarness, stopHarness, type Harness } from './harness.js';

let h: Harness;
afterEach(() => {
  expect(h.emu.violations).toEqual([]);
  stopHarness();
});

const FILES = 'GET /repos/{owner}/{repo}/pulls/{pull_number}/files';
const PULL = 'GET /repos/{owner}/{repo}/pulls/{pull_number}';

describe('reviews run off the webhook path', () => {
  it('the webhook handler makes no GitHub call and only enqueues; the worker creates the check run and concludes it', async () => {
    h = startHarness();
    const { pull } = world(h.emu);
    await h.receive('pull_request', pullRequestEvent('opened', pull)); // loads the app
    h.emu.reviews.length = 0;
    h.emu.push(pull, { 'README.md': 'more\n' });
    const before = h.emu.requests.length;
    await h.probot.receive({ id: 'sync-1', name: 'pull_request', payload: pullRequestEvent('synchronize', pull) as never });
    // The handler has returned without a single request to GitHub: no config read, no check-run lookup, no run yet.
    expect(h.emu.requests.length).toBe(before);
    expect(h.emu.checkRuns.filter((c) => c.headSha === pull.headSha)).toHaveLength(0);
    await h.runtime.idle();
    // The worker read the config from the default branch, created the run and concluded it: one run on the head.
    const runs = h.emu.checkRuns.filter((c) => c.headSha === pull.headSha);
    expect(runs).toHaveLength(1);
    expect(runs[0].status).toBe('completed');
    expect(runs[0].conclusion).toBe('failure');
    expect(runs[0].updates[0]).toMatchObject({ status: 'in_progress' });
    expect(h.emu.requests.slice(before).some((r) => r.route === 'GET /repos/{owner}/{repo}/contents/{path}')).toBe(true);
  });

  it('retries a failed try on the same check run, and posts the review once', async () => {
    h = startHarness(undefined, { maxAttempts: 3 });
    const { pull } = world(h.emu);
    h.emu.failNext(FILES, { status: 502, message: 'Bad Gateway' });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    const runs = h.emu.checkRunsFor(pull);
    expect(runs).toHaveLength(1);
    expect(runs[0].conclusion).toBe('failure');
    expect(h.emu.reviews).toHaveLength(1);
    expect(h.logs.some((l) => l.msg === 'review job failed, will retry' && l.level === 40)).toBe(true);
  });

  it('after the last try the dead letter concludes the check run saying so', async () => {
    h = startHarness(undefined, { maxAttempts: 2 });
    const { pull } = world(h.emu);
    h.emu.failNext(FILES, { status: 503, message: 'Service Unavailable', times: 2 });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    const [run] = h.emu.checkRunsFor(pull);
    expect(run.status).toBe('completed');
    expect(run.conclusion).toBe('neutral');
    expect(run.output.title).toBe('Backend Review could not finish');
    expect(run.output.summary).toContain('GitHub answered 503');
    expect(run.output.summary).toContain('gave up after 2 tries');
    expect(h.emu.reviews).toHaveLength(0);
  });

  it('a job whose commit is no longer the head concludes its run as superseded, posts nothing for it, and the head is reviewed', async () => {
    h = startHarness();
    const { pull } = world(h.emu);
    const oldHead = pull.headSha;
    // The push lands after the webhook was handled but before the worker starts.
    h.emu.beforeNext(PULL, () => h.emu.push(pull, { 'README.md': 'docs\n' }));
    await h.receive('pull_request', pullRequestEvent('opened', { ...pull, headSha: oldHead }));
    const old = h.emu.checkRuns.find((c) => c.headSha === oldHead)!;
    expect(old.conclusion).toBe('cancelled');
    expect(old.output.summary).toContain('no longer the head');
    const head = h.emu.checkRuns.filter((c) => c.headSha === pull.headSha);
    expect(head).toHaveLength(1);
    expect(head[0].conclusion).toBe('failure');
    expect(h.emu.reviews.map((r) => r.commitId)).toEqual([pull.headSha]);
    expect(h.emu.checkRuns.every((c) => c.status === 'completed')).toBe(true);
  });

  it('a PR closed before the worker starts: the run is concluded and nothing is posted', async () => {
    h = startHarness();
    const { pull } = world(h.emu);
    h.emu.beforeNext(PULL, () => void (pull.state = 'closed'));
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    const [run] = h.emu.checkRunsFor(pull);
    expect(run.conclusion).toBe('cancelled');
    expect(run.output.title).toBe('Pull request closed');
    expect(h.emu.reviews).toHaveLength(0);
    expect(h.emu.summaryOf(pull)).toBeUndefined();
  });

  it('a newer push while the older commit is queued or reviewed leaves no run in progress and reviews the newer head', async () => {
    h = startHarness();
    const { pull } = world(h.emu);
    await h.receive('pull_request', pullRequestEvent('opened', pull)); // first review, loads the app
    h.emu.push(pull, { 'README.md': 'one\n' });
    const second = pull.headSha;
    await h.probot.receive({ id: 'a', name: 'pull_request', payload: pullRequestEvent('synchronize', pull) as never });
    h.emu.push(pull, { 'README.md': 'two\n' });
    await h.probot.receive({ id: 'b', name: 'pull_request', payload: pullRequestEvent('synchronize', pull) as never });
    await h.runtime.idle();
    expect(h.emu.checkRuns.every((c) => c.status === 'completed')).toBe(true);
    // Exactly one verdict on the head. (When the middle commit's job starts after the push but before the push's
    // webhook, it queues the head itself and the webhook's job then supersedes that one: a second, cancelled run.)
    const last = h.emu.checkRuns.filter((c) => c.headSha === pull.headSha && c.conclusion !== 'cancelled');
    expect(last).toHaveLength(1);
    expect(last[0].conclusion).toBe('failure');
    expect(h.emu.summaryOf(pull)!.body).toContain(pull.headSha.slice(0, 7));
    // The middle commit was superseded while queued (its job never started: no run at all), superseded while running
    // (cancelled, nothing posted for it) or reviewed in full; never left running, never half posted.
    const mid = h.emu.checkRuns.find((c) => c.headSha === second);
    if (mid) expect(mid.status).toBe('completed');
    if (!mid || mid.conclusion === 'cancelled') expect(h.emu.reviews.filter((r) => r.commitId === second)).toHaveLength(0);
  });
});

describe('createReviewProcessor', () => {
  it('authenticates as the job’s installation without a webhook context, and posts nothing after an abort', async () => {
    h = startHarness();
    const { pull } = world(h.emu);
    const octokit = (await h.probot.auth(INSTALLATION.id)) as unknown as GitHubClient;
    const writesFor = writeQueues({ minIntervalMs: 0 }, undefined);
    const repo = { owner: 'acme', repo: 'orders' };
    const check = await CheckRun.start(octokit, repo, pull.headSha, writesFor(INSTALLATION.id));
    const installations: number[] = [];
    const { processor } = createReviewProcessor({
      auth: async (id) => {
        installations.push(id);
        return (await h.probot.auth(id)) as unknown as GitHubClient;
      },
      log: pino({ level: 'silent' }),
      writesFor,
      identity: async () => ({ slug: 'backend-review', botLogin: 'backend-review[bot]' }),
    });
    const config = defaultConfig();
    const job: ReviewJob = { deliveryId: 'd1', installationId: INSTALLATION.id, ...repo, pullNumber: pull.number, headSha: pull.headSha, configHash: configHash(config), checkRunId: check.id, extra: { config } as never };
    const controller = new AbortController();
    h.emu.beforeNext('POST /graphql Blobs', () => controller.abort(new SupersededError('rv-newer')));
    const writesBefore = h.emu.writes().length;
    await expect(processor(job, controller.signal, { jobId: 'rv-1', attempt: 1, maxAttempts: 1 })).rejects.toBeInstanceOf(SupersededError);
    expect(installations).toEqual([INSTALLATION.id]);
    expect(h.emu.writes().length).toBe(writesBefore);
    expect(h.emu.reviews).toHaveLength(0);
    expect(h.emu.summaryOf(pull)).toBeUndefined();
    expect(h.emu.checkRunsFor(pull)[0].status).toBe('in_progress');
  });
});
