import { createHash } from 'node:crypto';
import type { Logger as PinoLogger } from 'pino';
import { createProbot, type Probot } from 'probot';
import type { Config } from '../config/schema.js';
import { instrumentOctokit, type HookableOctokit, type ReviewMetrics } from '../ops/metrics.js';
import { closeSharedAnalysisPool, sharedAnalysisPool, type AnalysisPool } from '../pool/pool.js';
import { jobLogger } from '../ops/logger.js';
import { createReviewQueue } from '../queue/index.js';
import { PermanentJobError, type EnqueueResult, type JobRunInfo, type QueueHooks, type ReviewJob, type ReviewProcessor, type ReviewQueue } from '../queue/types.js';
import type { WorkerDeps, WorkerProcessor } from '../queue/worker-main.js';
import { alreadyReviewed, CheckRun, headRuns } from './check-run.js';
import { loadRepoConfigWith } from './config.js';
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
  /**
   * The effective configuration. The webhook handler no longer reads it (no GitHub call on the webhook path): the
   * processor reads it from the default branch when it is absent. Jobs queued by an older version carry it.
   */
  config?: Config;
  /**
   * An event-driven review (push, open, reopen, ready): dropped when the head already has a verdict, skipped for
   * drafts unless the config asks. False for an explicit re-run. Absent (older jobs): true unless the job has a rerun id.
   */
  automatic?: boolean;
  /** The repository's web URL, for links to lines. */
  htmlUrl?: string;
}

/**
 * The job key's config part when the webhook handler enqueues: it does not read the configuration (that would be a
 * GitHub call on the webhook path), so every job for one (repo, PR, head SHA) has the same key and redeliveries
 * collapse. A configuration change is picked up by the next push or an explicit re-run (its own rerun id).
 */
export const UNREAD_CONFIG = 'read-by-worker';

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
  /** Where reviews are analysed (default: the process's shared worker-thread pool). */
  analysis?: AnalysisPool;
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
  const open = async (job: ReviewJob, log: Logger, info?: JobRunInfo) => {
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
    const pull = { ...repo, pullNumber: job.pullNumber };
    const extra = job.extra as Partial<JobExtra> | undefined;
    const publisher = { writes, log, botLogin: me.botLogin, commandPrefix: COMMAND_PREFIX, htmlUrl: extra?.htmlUrl };
    const appSlug = me.botLogin ? me.slug : undefined;
    /** This app's runs on the job's head: the one an earlier try (or crashed worker) left running, and whether a verdict is already there. */
    const onHead = () => headRuns(octokit, pull, job.headSha, appSlug, me.botLogin);
    let run: CheckRun | undefined = job.checkRunId ? CheckRun.existing(octokit, repo, job.checkRunId, writes) : undefined;
    /** Takes over a run that is already there, else creates the in_progress run (the webhook handler creates none). */
    const adopt = (id: number | undefined) => {
      if (id !== undefined && !run) run = CheckRun.existing(octokit, repo, id, writes);
    };
    const check = async () => {
      if (run) return run;
      run = await CheckRun.start(octokit, repo, job.headSha, writes);
      // Stored on the job: a retry, or the worker that takes the job over if this process dies, concludes this run
      // instead of starting a second one (after a verdict was posted, the lookup on the head no longer finds it running).
      await info?.save?.({ checkRunId: run.id }).catch((err: unknown) => log.warn({ err, check_run_id: run?.id }, 'could not store the check run id on the job'));
      return run;
    };
    return { octokit, writes, me, repo, pull, extra, publisher, appSlug, onHead, adopt, check, hasRun: () => run !== undefined };
  };

  const processor: ReviewProcessor = async (job, signal, info) => {
    const log = jobLogger(deps.log, job, info.jobId);
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    const { octokit, writes, me, repo, pull, extra, publisher, appSlug, onHead, adopt, check, hasRun } = await open(job, log, info);
    const automatic = extra?.automatic ?? !job.rerunId;
    if (signal.aborted) throw signal.reason;

    // Also when an earlier try stored its run (job.checkRunId): that try may have died after posting everything.
    {
      const found = await onHead();
      if (found.reviewed && automatic) {
        // A redelivery, a second app instance or a restart: this head already has its verdict and summary.
        log.info({ duration_ms: Math.round(seconds() * 1000) }, 'this head already has a Backend Review verdict; nothing to do');
        deps.onOutcome?.(job, 'reviewed', info.jobId);
        return;
      }
      adopt(found.running);
    }
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
      if (deps.requeue && !(await alreadyReviewed(octokit, pull, pr.head.sha, appSlug, me.botLogin))) {
        // The head's job creates its own check run when it starts.
        await deps.requeue({ ...job, deliveryId: `${job.deliveryId}/head-after-${info.jobId}`, headSha: pr.head.sha, checkRunId: undefined, rerunId: `head-after-${info.jobId}`, receivedAt: Date.now() });
      }
      return;
    }

    // The configuration, read here from the default branch (never the PR's head), not on the webhook path.
    // A GitHub failure throws: the try is retried, and the dead letter concludes the check saying what GitHub answered.
    let config = extra?.config;
    if (!config) {
      const loaded = await loadRepoConfigWith(octokit, repo);
      if ('error' in loaded) {
        await (await check()).conclude(
          'failure',
          'Invalid configuration',
          `${loaded.error}\n\nFix \`.github/backend-review.yml\` on the default branch (or the organisation's \`.github\` repository). Nothing was reviewed.`,
        );
        log.info({ duration_ms: Math.round(seconds() * 1000) }, 'invalid configuration; nothing reviewed');
        // Once the config is fixed, a redelivery or reopen of this head may review it.
        deps.onOutcome?.(job, 'failed', info.jobId);
        return;
      }
      config = loaded.config;
    }
    if (pr.draft && automatic && !config.github.review_drafts) {
      log.info({ pull: job.pullNumber }, 'draft pull request; set github.review_drafts to review drafts');
      if (hasRun()) await (await check()).conclude('cancelled', 'Draft pull request', 'Drafts are not reviewed (set `github.review_drafts: true` to review them). Marking the pull request ready for review reviews it.');
      deps.onOutcome?.(job, 'stale', info.jobId);
      return;
    }
    if (signal.aborted) throw signal.reason;

    const outcome = await runReview({
      octokit,
      pull,
      headSha: job.headSha,
      config,
      publisher: { ...publisher, htmlUrl: publisher.htmlUrl ?? pr.base?.repo?.html_url },
      log,
      signal,
      check: await check(),
      rethrow: true,
      analysis: deps.analysis,
      metrics: deps.metrics,
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
      const { check, hasRun, onHead, adopt } = await open(job, log);
      // The run an earlier try created (or a new one, if no try got that far): it must not stay in_progress.
      if (!hasRun()) adopt((await onHead()).running);
      const tries = error instanceof PermanentJobError ? 'It was not retried, because a retry cannot fix this.' : `Backend Review gave up after ${info.attempt} tr${info.attempt === 1 ? 'y' : 'ies'}.`;
      await concludeAfterFailure(await check(), error, log, tries);
    },
    async onAbandoned(job, info) {
      // The process is stopping (memory mode) before this review ran or finished: nothing will review this head.
      const log = jobLogger(deps.log, job, info.jobId);
      const { check, hasRun, onHead, adopt, extra } = await open(job, log);
      const found = await onHead();
      if (found.reviewed && (extra?.automatic ?? !job.rerunId)) {
        log.info({ state: info.state }, 'job abandoned at shutdown, but this head already has its verdict; nothing to conclude');
        return;
      }
      if (!hasRun()) adopt(found.running);
      await (await check()).conclude(
        'neutral',
        // A title the duplicate check does not take for a review, so the next event for this head reviews it.
        'Backend Review could not finish',
        `Backend Review restarted ${info.state === 'active' ? 'while this review was running' : 'before this review ran'}, so nothing was reviewed. Re-run this check, or comment \`${COMMAND_PREFIX} review\` on the pull request, to review it.`,
      );
      log.warn({ state: info.state }, 'job abandoned at shutdown; check run concluded as not reviewed');
    },
    async onSuperseded(job, info) {
      deps.onOutcome?.(job, 'superseded', info.jobId);
      if (job.checkRunId && concluded.has(job.checkRunId)) return;
      const log = jobLogger(deps.log, job, info.jobId);
      log.info({ by_job_id: info.byJobId }, 'job superseded by a newer commit');
      const { check, hasRun, onHead, adopt } = await open(job, log);
      if (!hasRun()) {
        // A job that never started created no run; one that was running may have.
        const running = (await onHead()).running;
        if (running === undefined || concluded.has(running)) return;
        adopt(running);
      }
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
    // Created here so a bad ANALYSIS_THREADS or ANALYSIS_TIMEOUT_MS stops start-up.
    analysis: sharedAnalysisPool(),
    requeue: async (job) => {
      producer ??= createReviewQueue({ processor: async () => undefined, env: deps.env });
      return producer.enqueue(job);
    },
  });
  return {
    processor,
    hooks,
    close: async () => {
      await producer?.close();
      await closeSharedAnalysisPool();
    },
  };
}
