import type { ApplicationFunctionOptions, Context, Probot } from 'probot';
import type { Logger as PinoLogger } from 'pino';
import type { Server } from 'node:http';
import {
  after,
  createMetrics,
  createOpsHandler,
  exitOnSignals,
  opsSettingsFromEnv,
  queueLogObserver,
  queueObserver,
  queueReadinessCheck,
  shutdownPlan,
  shutdownTimeoutFromEnv,
  startOpsServer,
  type OpsHandler,
  type ReviewMetrics,
} from '../ops/index.js';
import { createReviewQueue, type QueueOptions, type ReviewQueue } from '../queue/index.js';
import type { GitHubClient, Logger } from './client.js';
import { handleComment } from './commands.js';
import { openPullsForSha } from './find-pulls.js';
import { Lanes } from './lanes.js';
import { CHECK_NAME } from './limits.js';
import { closeSharedAnalysisPool, sharedAnalysisPool, type AnalysisPool } from '../pool/pool.js';
import type { PublisherOptions } from './publisher.js';
import { COMMAND_PREFIX, createReviewProcessor, UNREAD_CONFIG, identityResolver, installationClient, instrumenter, writeQueues, type JobExtra } from './worker-processor.js';
import type { WriteQueueOptions } from './write-queue.js';

export interface AppOptions {
  /** Pacing of writes; tests turn the pauses off. */
  writes?: Omit<WriteQueueOptions, 'log'>;
  /** The app's slug when GitHub cannot be asked (defaults to APP_SLUG or `backend-review`). */
  slug?: string;
  /** Queue settings over those read from the environment (tests: no retry pauses). */
  queue?: Partial<QueueOptions>;
  /** Metrics registry to record into (default: a new one with the Node.js process metrics). */
  metrics?: ReviewMetrics;
  /** Defaults to process.env (REDIS_URL, QUEUE_*, METRICS_PORT, METRICS_HOST, METRICS_TOKEN, SHUTDOWN_TIMEOUT_MS). */
  env?: NodeJS.ProcessEnv;
  /** Where reviews are analysed (default: the process's shared worker-thread pool, sized by ANALYSIS_THREADS). */
  analysis?: AnalysisPool;
  /**
   * Stop gracefully on SIGTERM and SIGINT (`runtime.shutdown()`), then exit. On for the module's default export, which
   * `probot run` loads; tests call `runtime.shutdown()` themselves.
   */
  handleSignals?: boolean;
}

/** What `runtime.shutdown()` did. */
export interface ShutdownReport {
  /** Memory mode: every queued and running review finished before the drain deadline. Always true in Redis mode. */
  drained: boolean;
  /** The queue closed (abandoned reviews concluded) before the timeout. */
  closed: boolean;
  durationMs: number;
}

/** What one loaded app runs on: its queue, metrics and ops endpoints. */
export interface AppRuntime {
  queue: ReviewQueue;
  metrics: ReviewMetrics;
  /** The ops endpoints in full (/metrics, /healthz, /readyz with check names): served on METRICS_PORT. */
  ops: OpsHandler;
  /** What the webhook port serves: /healthz, /readyz (status only), and /metrics only with METRICS_TOKEN. */
  publicOps: OpsHandler;
  /** The ops server on METRICS_PORT, when it is set and the app runs on a Probot server. */
  opsServer?: Server;
  /** Memory mode: resolves when no review is queued, running or waiting for a retry. */
  idle(): Promise<void>;
  /**
   * Graceful stop (SIGTERM): /readyz answers 503; memory mode lets queued and running reviews finish for most of
   * SHUTDOWN_TIMEOUT_MS (webhooks are still queued meanwhile); then the queue closes, so a webhook gets 503, what is
   * left is aborted and its check run concluded as not reviewed (`onAbandoned`), within the rest of the timeout.
   * Resolves; never exits the process.
   */
  shutdown(): Promise<ShutdownReport>;
  /**
   * Registers a clean-up that `shutdown()` runs once the queue has closed (no review runs any more), within what is left
   * of SHUTDOWN_TIMEOUT_MS, before the process exits. The shared analysis pool (when `options.analysis` is not given) is
   * closed there already.
   */
  onStop(cleanup: () => Promise<void> | void): void;
}

/** The signal handlers of the most recently loaded app (one set per process). */
let removeSignalHandlers: (() => void) | undefined;

type AnyContext = Context<'pull_request' | 'check_run' | 'check_suite' | 'issue_comment'>;

export type BackendReviewApp = ((app: Probot, options?: Partial<ApplicationFunctionOptions>) => Promise<void>) & {
  /** The runtime of the most recent load (tests await `runtime.idle()`). */
  runtime?: AppRuntime;
};

/**
 * The Backend Review GitHub App. Reviews pull requests on open, push, reopen and ready
 * for review; re-runs on the check's Re-run button; answers slash commands; logs
 * installations. The webhook handlers only check the event, drop duplicates and enqueue a
 * job, without calling GitHub (except to find a fork PR's number on a re-run, and a slash
 * command's permission check); the worker reads the configuration from the default branch,
 * creates the in_progress check run and reviews. The job runs
 * in the queue: in this process by default, in `npm run worker` processes when REDIS_URL
 * is set. /healthz and /readyz are served on the webhook port; /metrics on METRICS_PORT (and on the webhook port only
 * behind METRICS_TOKEN). SIGTERM stops it gracefully (see `AppRuntime.shutdown`).
 */
export function createApp(options: AppOptions = {}): BackendReviewApp {
  const appFn: BackendReviewApp = async (app: Probot, fnOptions?: Partial<ApplicationFunctionOptions>): Promise<void> => {
    const lanes = new Lanes();
    const log = app.log as unknown as PinoLogger;
    const metrics = options.metrics ?? createMetrics();
    const instrument = instrumenter(metrics);
    const writesFor = writeQueues(options.writes, app.log);
    const whoAmI = identityResolver(app, options.slug);
    const laneOf = (job: { owner: string; repo: string; pullNumber: number }) => `${job.owner}/${job.repo}#${job.pullNumber}`;

    let queue: ReviewQueue;
    /** Jobs that ended without a review (this process only): a later event for their key reviews again. */
    const failedJobs = new Set<string>();
    const { processor, hooks } = createReviewProcessor({
      auth: async (id) => instrument(await installationClient(app, id)),
      log,
      metrics,
      writesFor,
      identity: whoAmI,
      // Created here so a bad ANALYSIS_THREADS or ANALYSIS_TIMEOUT_MS stops start-up; threads start with the first review.
      analysis: options.analysis ?? sharedAnalysisPool(),
      requeue: (job) => queue.enqueue(job),
      // Nothing was reviewed: the next event for this head may review it.
      onOutcome: (job, outcome, jobId) => {
        if (outcome !== 'reviewed') lanes.release(laneOf(job), job.headSha);
        if (outcome === 'dead_lettered') failedJobs.add(jobId);
        else failedJobs.delete(jobId);
      },
    });
    const env = options.env ?? process.env;
    const opsSettings = opsSettingsFromEnv(env);
    const shutdownTimeoutMs = shutdownTimeoutFromEnv(env);
    queue = createReviewQueue({ processor, hooks, observer: queueObserver(metrics, queueLogObserver(log)), env, overrides: options.queue });
    metrics.watchQueue(queue);
    const checks = [queueReadinessCheck(queue)];
    const ops = createOpsHandler({ registry: metrics.registry, checks });
    // The webhook port faces the internet (GitHub must reach it): load balancers get /healthz and /readyz there, and
    // /metrics only with a bearer token; the full set is on METRICS_PORT, which should stay internal.
    const publicOps = createOpsHandler({ registry: opsSettings.token ? metrics.registry : undefined, metricsToken: opsSettings.token, checks, hideCheckNames: true });
    let onServer = false;
    try {
      // Mounted on the webhook server (`probot run`, `new Server()`); a bare Probot (tests) has no server.
      fnOptions?.addHandler?.(publicOps);
      onServer = fnOptions?.addHandler !== undefined;
    } catch (err) {
      if (!/no server instance/i.test(String((err as Error).message))) throw err;
    }
    let opsServer: Server | undefined;
    if (onServer && opsSettings.port !== undefined) {
      // A port in use fails the start, loudly, rather than running without metrics.
      opsServer = await startOpsServer(ops, opsSettings.port, opsSettings.host);
      const address = opsServer.address();
      app.log.info({ metrics_port: typeof address === 'object' && address ? address.port : opsSettings.port, metrics_host: opsSettings.host }, 'ops endpoints (/metrics, /healthz, /readyz) on their own port');
    } else if (onServer && !opsSettings.token) {
      app.log.info('/metrics is not served: set METRICS_PORT (an internal port) or METRICS_TOKEN (a bearer token on the webhook port)');
    }

    /** Webhook handlers running now: a stop lets them finish answering. */
    const inFlight = new Set<Promise<unknown>>();
    const tracked = <A extends unknown[]>(fn: (...args: A) => Promise<void>) => async (...args: A): Promise<void> => {
      const p = fn(...args);
      inFlight.add(p);
      try {
        await p;
      } finally {
        inFlight.delete(p);
      }
    };
    let stopping: Promise<ShutdownReport> | undefined;
    // The process's shared analysis pool, when this app uses it, stops last (no review runs any more by then).
    const cleanups: Array<() => Promise<void> | void> = options.analysis ? [] : [() => closeSharedAnalysisPool()];
    const shutdown = (): Promise<ShutdownReport> =>
      (stopping ??= (async () => {
        const started = Date.now();
        const { drainMs, reserveMs } = shutdownPlan(shutdownTimeoutMs);
        ops.markShuttingDown();
        publicOps.markShuttingDown();
        const before = await Promise.race([queue.counts(), after(1000, undefined)]);
        log.info({ queue: queue.mode, timeout_ms: shutdownTimeoutMs, waiting: before?.waiting, active: before?.active, delayed: before?.delayed }, 'stopping: letting queued and running reviews finish; /readyz answers 503');
        // Memory mode: the reviews run here. Webhooks are still queued meanwhile (GitHub does not redeliver a refused one).
        const drained = await queue.drain(drainMs);
        // From here the queue refuses jobs: a webhook gets 503. What is left is aborted and concluded as not reviewed.
        const closing = queue.close();
        const closed = await Promise.race([Promise.allSettled([closing, ...inFlight]).then(() => true), after(Math.max(0, shutdownTimeoutMs - (Date.now() - started)), false)]);
        // Clean-ups registered with onStop (an analysis thread pool, for example): no review runs any more.
        const cleaning = Promise.allSettled(
          cleanups.map(async (cleanup) => {
            try {
              await cleanup();
            } catch (err) {
              log.error({ err }, 'a clean-up at shutdown failed');
            }
          }),
        );
        await Promise.race([cleaning, after(Math.max(0, shutdownTimeoutMs - (Date.now() - started)), undefined)]);
        await new Promise<void>((resolve) => (opsServer ? opsServer.close(() => resolve()) : resolve()));
        const report: ShutdownReport = { drained, closed, durationMs: Date.now() - started };
        if (drained && closed) log.info({ duration_ms: report.durationMs }, 'stopped: every queued review finished');
        else log.warn({ drained, closed, duration_ms: report.durationMs, drain_ms: drainMs, reserve_ms: reserveMs }, 'stopped before every queued review finished: the rest were abandoned (see the "review job abandoned" lines)');
        return report;
      })());

    appFn.runtime = {
      queue,
      metrics,
      ops,
      publicOps,
      opsServer,
      idle: () => ('idle' in queue && typeof queue.idle === 'function' ? (queue.idle as () => Promise<void>)() : Promise.resolve()),
      shutdown,
      onStop: (cleanup) => void cleanups.push(cleanup),
    };
    if (options.handleSignals) {
      removeSignalHandlers?.();
      removeSignalHandlers = exitOnSignals(
        async (signal) => {
          log.info({ signal }, 'stop signal received');
          await shutdown();
          return 0;
        },
        { hardLimitMs: shutdownTimeoutMs + 2_000, onError: (err) => log.error({ err }, 'graceful stop failed') },
      );
    }
    if (queue.mode === 'redis') app.log.info('review queue: Redis (REDIS_URL); reviews run in `npm run worker` processes');

    const publisherOptions = async (context: AnyContext): Promise<PublisherOptions> => {
      const me = await whoAmI();
      return {
        writes: writesFor((context.payload as { installation?: { id: number } }).installation?.id ?? 0),
        log: context.log as unknown as Logger,
        botLogin: me.botLogin,
        commandPrefix: COMMAND_PREFIX,
        htmlUrl: context.payload.repository.html_url,
      };
    };

    /**
     * Queues the review of one head commit of one PR. No GitHub call here: the duplicate check against GitHub, the
     * configuration read (default branch) and the in_progress check run are the job's first steps in the worker.
     */
    const reviewPull = async (context: AnyContext, pullNumber: number, headSha: string, how: { duplicateCheck: boolean; rerun?: boolean; /** An event that asks again for the same head (reopened, ready for review): its own job, still deduplicated against GitHub by the worker. */ again?: string; receivedAt: number; /** One event for several PRs: one delivery id each. */ perPull?: boolean }) => {
      const repo = context.repo();
      const lane = `${repo.owner}/${repo.repo}#${pullNumber}`;
      // Claim the head either way, so a late duplicate webhook after an explicit re-run is dropped too.
      const firstClaim = lanes.claim(lane, headSha);
      if (how.duplicateCheck && !firstClaim) {
        context.log.info({ pull: pullNumber, headSha }, 'this head was already reviewed; ignoring the duplicate event');
        return;
      }
      const installationId = (context.payload as { installation?: { id: number } }).installation?.id;
      if (!installationId) {
        lanes.release(lane, headSha);
        context.log.warn({ pull: pullNumber }, 'event without an installation; nothing to review with');
        return;
      }
      const extra: JobExtra = { htmlUrl: context.payload.repository.html_url, automatic: !how.rerun };
      const job = {
        deliveryId: how.perPull ? `${context.id}/${pullNumber}` : context.id,
        installationId,
        owner: repo.owner,
        repo: repo.repo,
        pullNumber,
        headSha,
        configHash: UNREAD_CONFIG,
        receivedAt: how.receivedAt,
        rerunId: how.rerun ? context.id : how.again ? `${how.again}-${context.id}` : undefined,
        extra: extra as unknown as Record<string, unknown>,
      };
      try {
        let queued = await queue.enqueue(job);
        if (queued.status !== 'enqueued' && failedJobs.has(queued.jobId)) {
          // The earlier job for this commit gave up (dead letter): a new event, or a redelivery, tries again.
          failedJobs.delete(queued.jobId);
          queued = await queue.enqueue({ ...job, deliveryId: `${job.deliveryId}/after-${queued.jobId}`, rerunId: `after-${queued.jobId}` });
        }
        if (queued.status !== 'enqueued') {
          // Another app instance (or an earlier delivery) already queued this review; its check run carries the result.
          context.log.info({ pull: pullNumber, headSha, job_id: queued.jobId, status: queued.status }, 'review already queued; nothing to add');
        }
      } catch (err) {
        // Not queued (Redis down): GitHub sees a failed delivery, and a redelivery may queue it.
        lanes.release(lane, headSha);
        throw err;
      }
    };

    app.on(['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request.ready_for_review'], tracked(async (context) => {
      const receivedAt = Date.now();
      const pr = context.payload.pull_request;
      if (pr.state === 'closed') return;
      // The first job for this head may have ended without a review (closed, draft): these events get a job of their own.
      const again = context.payload.action === 'reopened' || context.payload.action === 'ready_for_review' ? context.payload.action : undefined;
      await reviewPull(context, pr.number, pr.head.sha, { duplicateCheck: true, receivedAt, again });
    }));

    const rerun = async (context: AnyContext, headSha: string, listed: { number: number; base: { repo: { id: number } } }[]) => {
      const receivedAt = Date.now();
      const here = listed.filter((p) => p.base.repo.id === context.payload.repository.id).map((p) => p.number);
      // Fork PRs are not listed in check payloads: find them by their head commit.
      const numbers = here.length ? here : (await openPullsForSha(context.octokit as unknown as GitHubClient, context.repo(), headSha)).map((p) => p.number);
      if (!numbers.length) context.log.info({ headSha }, 'no open pull request has this head; nothing to re-run');
      for (const n of numbers) await reviewPull(context, n, headSha, { duplicateCheck: false, rerun: true, receivedAt, perPull: numbers.length > 1 });
    };

    app.on('check_run.rerequested', tracked(async (context) => {
      const run = context.payload.check_run;
      if (run.name !== CHECK_NAME) return;
      await rerun(context, run.head_sha, run.pull_requests);
    }));

    app.on('check_suite.rerequested', tracked(async (context) => {
      const suite = context.payload.check_suite;
      await rerun(context, suite.head_sha, suite.pull_requests);
    }));

    app.on('issue_comment.created', tracked(async (context) => {
      const me = await whoAmI();
      await handleComment(context, {
        slug: me.slug,
        botLogin: me.botLogin,
        publisherOptions: () => publisherOptions(context),
        reviewNow: async (ctx, pullNumber) => {
          const receivedAt = Date.now();
          const { data } = await ctx.octokit.rest.pulls.get({ ...ctx.repo(), pull_number: pullNumber });
          await reviewPull(ctx, pullNumber, data.head.sha, { duplicateCheck: false, rerun: true, receivedAt });
        },
      });
    }));

    app.on(['installation', 'installation_repositories'], async (context) => {
      const p = context.payload as { action: string; installation: { id: number; account?: { login?: string } | null }; repositories_added?: { full_name: string }[]; repositories_removed?: { full_name: string }[]; repositories?: { full_name: string }[] };
      context.log.info(
        {
          event: context.name,
          action: p.action,
          installation: p.installation.id,
          account: p.installation.account?.login,
          added: (p.repositories_added ?? (p.action === 'created' ? p.repositories : undefined))?.map((r) => r.full_name),
          removed: p.repositories_removed?.map((r) => r.full_name),
        },
        'installation changed; nothing to set up per repository',
      );
    });
  };
  return appFn;
}

export default createApp({ handleSignals: true });
