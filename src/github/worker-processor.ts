import { createHash } from 'node:crypto';
import type { Logger as PinoLogger } from 'pino';
import { createProbot, type Probot } from 'probot';
import type { Config } from '../config/schema.js';
import { instrumentOctokit, type HookableOctokit, type ReviewMetrics } from '../ops/metrics.js';
import { jobLogger } from '../ops/logger.js';
import { createReviewQueue } from '../queue/index.js';
import { PermanentJobError, type EnqueueResult, type JobRunInfo, type QueueHooks, type ReviewJob, type ReviewProcessor, type ReviewQueue } from '../queue/types.js';
import type { WorkerDeps, WorkerProcessor } from '../queue/worker-main.js';
import { alreadyReviewed, CheckRun } from './check-run.js';
import type { GitHubClient, Logger } from './client.js';
import { concludeAfterFailure, runReview, type ReviewOutcome } from './run-review.js';
import { WriteQueue, type WriteQueueOptions } from './write-queue.js';

export const COMMAND_PREFIX = '/backend-review';

export interface Identity {
  slug: string;
  botLogin?: string;
}

/** What the webhook handler stores in `job.extra` for the processor. JSON only (Redis keeps it). */
export interface JobExtra {
  /** The effective configuration, read from the default branch by the webhook handler. */
  config: Config;
  /** The repository's web URL, for links to lines. */
  htmlUrl?: string;
}

/** sha256 of the effective configuration, JSON-serialised: part of the job key. */
export function configHash(config: Config): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 32);
}

/** The app's slug and bot login, asked of GitHub once (falls back to APP_SLUG or `backend-review`). */
export function identityResolver(app: Probot, fallbackSlug?: string): () => Promise<Identity> {
  let identity: Promise<Identity> | undefined;
  return () =>
    (identity ??= (async () => {
      try {
        const octokit = await app.auth();
        const { data } = await octokit.rest.apps.getAuthenticated();
        if (data?.slug) return { slug: data.slug, botLogin: `${data.slug}[bot]` };
      } catch (err) {
        app.log.warn({ err }, 'could not look up the app slug; comments are matched by marker only');
        identity = undefined;
      }
      return { slug: fallbackSlug ?? process.env.APP_SLUG ?? 'backend-review' };
    })());
}

/**
 * `app.auth(installationId)`: an Octokit whose write throttle (Probot's: one write at a time, one per second) is keyed
 * on the installation. A webhook's `context.octokit` shares one write limiter with every other event of the process,
 * so the handler and the processor write through this instead.
 */
export async function installationClient(app: Probot, installationId: number): Promise<GitHubClient> {
  return (await app.auth(installationId)) as unknown as GitHubClient;
}

/** Counts an Octokit's requests in the metrics, once per instance. */
export function instrumenter(metrics: ReviewMetrics | undefined): <T>(octokit: T) => T {
  const seen = new WeakSet<object>();
  return (octokit) => {
    if (metrics && octokit && !seen.has(octokit as object)) {
      seen.add(octokit as object);
      instrumentOctokit(octokit as unknown as HookableOctokit, metrics);
    }
    return octokit;
  };
}

/** One write queue per installation, so writes to one installation are paced together. */
export function writeQueues(options: Omit<WriteQueueOptions, 'log'> | undefined, log: WriteQueueOptions['log']): (installationId: number) => WriteQueue {
  const queues = new Map<number, WriteQueue>();
  return (installationId) => {
    let queue = queues.get(installationId);
    if (!queue) {
      queue = new WriteQueue({ ...options, log });
      queues.set(installationId, queue);
    }
    return queue;
  };
}

export interface ReviewProcessorDeps {
  /** An installation-authenticated Octokit (`app.auth(installationId)`): workers have no webhook context. */
  auth: (installationId: number) => Promise<GitHubClient>;
  log: PinoLogger;
  metrics?: ReviewMetrics;
  writesFor: (installationId: number) => WriteQueue;
  identity: () => Promise<Identity>;
  /** Enqueues a review of the PR's current head when this job's commit turned out stale. */
  requeue?: (job: ReviewJob) => Promise<EnqueueResult>;
  /** Told how each job ended (the app releases its duplicate-event claim when nothing was reviewed). */
  onOutcome?: (job: ReviewJob, outcome: ReviewOutcome | 'dead_lettered' | 'superseded', jobId: string) => void;
}

const status = (err: unknown) => (err as { status?: unknown }).status;

/**
 * The review processor shared by the in-process queue (the app process) and `npm run worker` (Redis mode).
 * It throws to have a try retried, throws PermanentJobError for what no retry fixes, and concludes the check run
 * itself on every other path; the hooks conclude it on a dead letter or a supersede, so it never stays in_progress.
 */
export function createReviewProcessor(deps: ReviewProcessorDeps): { processor: ReviewProcessor; hooks: QueueHooks } {
  /** Check runs this process already concluded: a supersede that comes after leaves them as they are. */
  const concluded = new Set<number>();
  const remember = (run: CheckRun) => {
    concluded.add(run.id);
    if (concluded.size > 10_000) concluded.delete(concluded.values().next().value!);
  };
  const open = async (job: ReviewJob, log: Logger) => {
    let octokit: GitHubClient;
    try {
      octokit = await deps.auth(job.installationId);
    } catch (err) {
      // 404: the installation is gone (app uninstalled); 401/403: the app may no longer act there.
      const s = status(err);
      if (s === 404 || s === 401 || s === 403) throw new PermanentJobError(`cannot act as installation ${job.installationId}: GitHub answered ${s}`);
      throw err;
    }
    const writes = deps.writesFor(job.installationId);
    const me = await deps.identity();
    const repo = { owner: job.owner, repo: job.repo };
    const extra = job.extra as Partial<JobExtra> | undefined;
    const publisher = { writes, log, botLogin: me.botLogin, commandPrefix: COMMAND_PREFIX, htmlUrl: extra?.htmlUrl };
    const check = () => (job.checkRunId ? Promise.resolve(CheckRun.existing(octokit, repo, job.checkRunId, writes)) : CheckRun.start(octokit, repo, job.headSha, writes));
    return { octokit, writes, me, repo, extra, publisher, check };
  };

  const processor: ReviewProcessor = async (job, signal, info) => {
    const log = jobLogger(deps.log, job, info.jobId);
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    const { octokit, writes, me, repo, extra, publisher, check } = await open(job, log);
    if (!extra?.config) throw new PermanentJobError('the job carries no configuration (enqueued by an older version?)');
    if (signal.aborted) throw signal.reason;

    // The PR as it is now: closed, or moved on to another commit, means this job has nothing to post.
    let pr;
    try {
      ({ data: pr } = await octokit.rest.pulls.get({ ...repo, pull_number: job.pullNumber }));
    } catch (err) {
      if (status(err) === 404) {
        const run = await check();
        await run.conclude('neutral', 'Pull request not found', 'GitHub no longer finds this pull request (deleted, or the repository moved), so nothing was reviewed.');
        deps.onOutcome?.(job, 'stale', info.jobId);
        return;
      }
      throw err;
    }
    if (signal.aborted) throw signal.reason;
    if (pr.state === 'closed') {
      const run = await check();
      await run.conclude('cancelled', 'Pull request closed', 'The pull request was closed before the review started, so nothing was reviewed. Reopening it reviews it again.');
      log.info({ duration_ms: Math.round(seconds() * 1000) }, 'pull request closed before the review; nothing posted');
      deps.metrics?.recordReview('cancelled', seconds());
      deps.onOutcome?.(job, 'stale', info.jobId);
      return;
    }
    if (pr.head.sha !== job.headSha) {
      const run = await check();
      remember(run);
      await run.conclude(
        'cancelled',
        'Superseded by a newer push',
        `This commit is no longer the head of the pull request (now ${pr.head.sha.slice(0, 7)}), so it was not reviewed; the review of the head replaces this one.`,
      );
      log.info({ newer: pr.head.sha, duration_ms: Math.round(seconds() * 1000) }, 'job commit is no longer the head; nothing posted');
      deps.metrics?.recordReview('cancelled', seconds());
      deps.onOutcome?.(job, 'stale', info.jobId);
      // A late event for an old commit may have superseded the head's job: make sure the head gets reviewed.
      if (deps.requeue && !(await alreadyReviewed(octokit, { ...repo, pullNumber: job.pullNumber }, pr.head.sha, me.botLogin ? me.slug : undefined, me.botLogin))) {
        const headRun = await CheckRun.start(octokit, repo, pr.head.sha, writes);
        const queued = await deps.requeue({ ...job, deliveryId: `${job.deliveryId}/head-after-${info.jobId}`, headSha: pr.head.sha, checkRunId: headRun.id, rerunId: `head-after-${info.jobId}`, receivedAt: Date.now() });
        if (queued.status !== 'enqueued') {
          await headRun.conclude('cancelled', 'Duplicate event', `A review of this commit is already queued or done (job ${queued.jobId}); its check run carries the result.`);
        }
      }
      return;
    }

    const outcome = await runReview({
      octokit,
      pull: { ...repo, pullNumber: job.pullNumber },
      headSha: job.headSha,
      config: extra.config,
      publisher,
      log,
      signal,
      check: await check(),
      rethrow: true,
      onPublished: (result, conclusion) => {
        deps.metrics?.recordReview(conclusion, seconds());
        deps.metrics?.recordFindings(result.findings);
      },
    });
    if (outcome === 'stale') deps.metrics?.recordReview('cancelled', seconds());
    log.info({ outcome, attempt: info.attempt, duration_ms: Math.round(seconds() * 1000) }, 'review job done');
    deps.onOutcome?.(job, outcome, info.jobId);
  };

  const hooks: QueueHooks = {
    async onDeadLetter(job, error: Error, info: JobRunInfo) {
      const log = jobLogger(deps.log, job, info.jobId);
      deps.onOutcome?.(job, 'dead_lettered', info.jobId);
      deps.metrics?.recordReview('error', Number.NaN);
      const { check } = await open(job, log);
      const tries = error instanceof PermanentJobError ? 'It was not retried, because a retry cannot fix this.' : `Backend Review gave up after ${info.attempt} tr${info.attempt === 1 ? 'y' : 'ies'}.`;
      await concludeAfterFailure(await check(), error, log, tries);
    },
    async onSuperseded(job, info) {
      deps.onOutcome?.(job, 'superseded', info.jobId);
      if (!job.checkRunId || concluded.has(job.checkRunId)) return;
      const log = jobLogger(deps.log, job, info.jobId);
      log.info({ by_job_id: info.byJobId }, 'job superseded by a newer commit');
      const { check } = await open(job, log);
      await (await check()).conclude('cancelled', 'Superseded by a newer push', 'A newer commit of this pull request was queued for review before this one finished; the review of the newer commit replaces this one.');
    },
  };
  return { processor, hooks };
}

/**
 * `npm run worker` (Redis mode): the same processor as the app, with a Probot built from the environment
 * (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, GHE_HOST …) to authenticate as each job's installation.
 */
export async function createWorkerProcessor(deps: WorkerDeps): Promise<WorkerProcessor> {
  const app = createProbot({ env: deps.env, overrides: { log: deps.logger } });
  const instrument = instrumenter(deps.metrics);
  // Only to requeue the head of a PR whose job turned out stale; this process enqueues nothing else.
  let producer: ReviewQueue | undefined;
  const { processor, hooks } = createReviewProcessor({
    auth: async (id) => instrument(await installationClient(app, id)),
    log: deps.logger,
    metrics: deps.metrics,
    writesFor: writeQueues(undefined, deps.logger),
    identity: identityResolver(app),
    requeue: async (job) => {
      producer ??= createReviewQueue({ processor: async () => undefined, env: deps.env });
      return producer.enqueue(job);
    },
  });
  return { processor, hooks, close: async () => void (await producer?.close()) };
}
