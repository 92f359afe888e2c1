import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { JobOutcome, QueueCounts, QueueObserver, ReviewQueue } from '../queue/types.js';

export const METRIC_PREFIX = 'backend_review_';

/** Check-run conclusions GitHub accepts, plus `error` for a review that could not conclude at all. Anything else is `other`. */
const CONCLUSIONS = new Set(['success', 'failure', 'neutral', 'cancelled', 'skipped', 'timed_out', 'action_required', 'error']);
const RULE_ID = /^[a-z][a-z0-9-]*\/[a-z0-9][a-z0-9-]*$/;
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']);

/** Latency buckets (seconds) spanning a quick review to the SLO threshold (300 s) and beyond. */
const REVIEW_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600];
const AGE_BUCKETS = [0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800];
const E2E_BUCKETS = [1, 5, 10, 30, 60, 120, 180, 240, 300, 600, 1800];

export interface ReviewMetrics {
  readonly registry: Registry;
  readonly reviewDuration: Histogram<never>;
  readonly reviews: Counter<'conclusion'>;
  readonly githubRequests: Counter<'method' | 'status'>;
  readonly findings: Counter<'rule'>;
  readonly queueDepth: Gauge<'state'>;
  readonly queueJobAge: Histogram<never>;
  readonly queueJobs: Counter<'outcome'>;
  readonly enqueued: Counter<'status'>;
  readonly webhookToConclusion: Histogram<'outcome'>;
  readonly analysisTimeouts: Counter<'scope'>;
  /** One concluded review: its check-run conclusion and how long the analysis and publishing took. */
  recordReview(conclusion: string, durationSeconds: number): void;
  /** The findings one review published (only the rule id is used as a label). */
  recordFindings(findings: Iterable<{ ruleId: string }>): void;
  /** One GitHub API response (or a network failure: status undefined). */
  recordGithubResponse(method: string, status: number | undefined): void;
  /** A file skipped for the per-file analysis time budget (`file`), or a review stopped by the whole budget (`review`). */
  recordAnalysisTimeout(scope: 'file' | 'review'): void;
  /** Where the queue-depth gauge reads from when /metrics is scraped. */
  watchQueue(queue: Pick<ReviewQueue, 'counts'>): void;
}

export interface MetricsOptions {
  registry?: Registry;
  /** Node.js process metrics (CPU, memory, event-loop lag, GC), prefixed like ours. Default true. */
  defaultMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions = {}): ReviewMetrics {
  const registry = options.registry ?? new Registry();
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
    // prom-client names three gauges `*_total`, which the naming rules reserve for counters; the same numbers are
    // exposed per type by nodejs_active_{handles,requests,resources}, so drop the misnamed sums.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
      registry.removeSingleMetric(METRIC_PREFIX + name);
    }
  }
  const p = METRIC_PREFIX;
  let queueSource: Pick<ReviewQueue, 'counts'> | undefined;

  const reviewDuration = new Histogram({
    name: `${p}review_duration_seconds`,
    help: 'Time from the start of a review try to its conclusion (fetching files, analysis, publishing).',
    buckets: REVIEW_BUCKETS,
    registers: [registry],
  });
  const reviews = new Counter({
    name: `${p}reviews_total`,
    help: 'Reviews concluded, by check-run conclusion.',
    labelNames: ['conclusion'] as const,
    registers: [registry],
  });
  const githubRequests = new Counter({
    name: `${p}github_requests_total`,
    help: 'GitHub API requests by method and HTTP status ("network" when no response arrived).',
    labelNames: ['method', 'status'] as const,
    registers: [registry],
  });
  const findings = new Counter({
    name: `${p}findings_total`,
    help: 'Findings published, by rule id.',
    labelNames: ['rule'] as const,
    registers: [registry],
  });
  const queueDepth = new Gauge({
    name: `${p}queue_depth`,
    help: 'Review jobs in the queue by state (waiting, active, delayed = waiting for a retry, dead_lettered).',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      if (!queueSource) return;
      try {
        const c: QueueCounts = await queueSource.counts();
        this.set({ state: 'waiting' }, c.waiting);
        this.set({ state: 'active' }, c.active);
        this.set({ state: 'delayed' }, c.delayed);
        this.set({ state: 'dead_lettered' }, c.deadLettered);
      } catch {
        // Redis unreachable: keep the last values; /readyz reports the outage.
      }
    },
  });
  const queueJobAge = new Histogram({
    name: `${p}queue_job_age_seconds`,
    help: 'Age of a job (time since its webhook was received) when a worker starts a try.',
    buckets: AGE_BUCKETS,
    registers: [registry],
  });
  const queueJobs = new Counter({
    name: `${p}queue_jobs_total`,
    help: 'Finished job tries by outcome (completed, retrying, dead_lettered, superseded, abandoned at shutdown).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const enqueued = new Counter({
    name: `${p}queue_enqueue_requests_total`,
    help: 'Enqueue requests by result (enqueued, duplicate, duplicate_delivery).',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const webhookToConclusion = new Histogram({
    name: `${p}webhook_to_conclusion_seconds`,
    help: 'Time from the webhook to the end of the job (completed or dead-lettered): the SLO indicator.',
    labelNames: ['outcome'] as const,
    buckets: E2E_BUCKETS,
    registers: [registry],
  });
  const analysisTimeouts = new Counter({
    name: `${p}analysis_timeouts_total`,
    help: 'Analysis time budgets run out: scope "file" = a file skipped for limits.max_analysis_time_per_file, "review" = a review stopped (ANALYSIS_TIMEOUT_MS, or too many slow files).',
    labelNames: ['scope'] as const,
    registers: [registry],
  });

  return {
    registry,
    reviewDuration,
    reviews,
    githubRequests,
    findings,
    queueDepth,
    queueJobAge,
    queueJobs,
    enqueued,
    webhookToConclusion,
    analysisTimeouts,
    recordReview(conclusion, durationSeconds) {
      reviews.inc({ conclusion: CONCLUSIONS.has(conclusion) ? conclusion : 'other' });
      if (Number.isFinite(durationSeconds) && durationSeconds >= 0) reviewDuration.observe(durationSeconds);
    },
    recordFindings(list) {
      for (const f of list) findings.inc({ rule: RULE_ID.test(f.ruleId) ? f.ruleId : 'other' });
    },
    recordGithubResponse(method, status) {
      const m = method.toUpperCase();
      const s = status === undefined ? 'network' : Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : 'other';
      githubRequests.inc({ method: METHODS.has(m) ? m : 'OTHER', status: s });
    },
    recordAnalysisTimeout(scope) {
      analysisTimeouts.inc({ scope: scope === 'review' ? 'review' : 'file' });
    },
    watchQueue(queue) {
      queueSource = queue;
    },
  };
}

/** Feeds the queue's events into the metrics; pass it as `observer` to createReviewQueue / startWorker. */
export function queueObserver(metrics: ReviewMetrics, next?: QueueObserver): QueueObserver {
  return {
    enqueued(job, result) {
      metrics.enqueued.inc({ status: result.status.replace('-', '_') });
      next?.enqueued?.(job, result);
    },
    started(job, info, waitedMs) {
      metrics.queueJobAge.observe(Math.max(0, waitedMs) / 1000);
      next?.started?.(job, info, waitedMs);
    },
    finished(job, info, outcome: JobOutcome, durationMs, sinceReceivedMs, error) {
      metrics.queueJobs.inc({ outcome });
      if (outcome === 'completed' || outcome === 'dead_lettered') {
        metrics.webhookToConclusion.observe({ outcome }, Math.max(0, sinceReceivedMs) / 1000);
      }
      next?.finished?.(job, info, outcome, durationMs, sinceReceivedMs, error);
    },
    hookFailed(hook, job, error) {
      next?.hookFailed?.(hook, job, error);
    },
  };
}

/** The part of an Octokit instance the instrumentation needs (any @octokit/core based client: Probot's, @octokit/rest). */
export interface HookableOctokit {
  hook: {
    after(name: 'request', fn: (response: { status: number }, options: { method?: string }) => void): void;
    error(name: 'request', fn: (error: unknown, options: { method?: string }) => unknown): void;
  };
}

/** Counts every GitHub API response by method and status. Call once per Octokit instance. */
export function instrumentOctokit(octokit: HookableOctokit, metrics: ReviewMetrics): void {
  octokit.hook.after('request', (response, options) => {
    metrics.recordGithubResponse(options.method ?? 'GET', response.status);
  });
  octokit.hook.error('request', (error, options) => {
    // @octokit/request reports a failed fetch (DNS, reset, timeout) as status 500 with no response: count it as "network".
    const { status, response } = error as { status?: unknown; response?: unknown };
    metrics.recordGithubResponse(options.method ?? 'GET', typeof status === 'number' && response !== undefined ? status : undefined);
    throw error;
  });
}

/**
 * The same instrumentation as an Octokit plugin, for clients created elsewhere (Probot makes one per event):
 * `new Probot({ ..., Octokit: ProbotOctokit.plugin(octokitMetricsPlugin(metrics)) })`.
 */
export function octokitMetricsPlugin(metrics: ReviewMetrics) {
  return (octokit: HookableOctokit): Record<string, never> => {
    instrumentOctokit(octokit, metrics);
    return {};
  };
}
