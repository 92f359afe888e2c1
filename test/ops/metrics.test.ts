import { Octokit } from '@octokit/rest';
import { describe, expect, it } from 'vitest';
import { createMetrics, instrumentOctokit, octokitMetricsPlugin, queueObserver, METRIC_PREFIX } from '../../src/ops/metrics.js';
import { metricNameProblems, parseExposition } from '../../src/ops/metric-names.js';
import { InProcessQueue } from '../../src/queue/memory.js';
import { PermanentJobError } from '../../src/queue/types.js';
import { deferred, makeJob } from '../queue/helpers.js';

/** The value of one sample line `name{labels} value` in an exposition. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(labels ? `${name}{${labels}} ` : `${name} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('metric names', () => {
  it('every exposed family (ours and the Node.js process ones) follows the naming rules', async () => {
    const m = createMetrics();
    m.recordReview('success', 1.2);
    const families = parseExposition(await m.registry.metrics());
    expect(families.length).toBeGreaterThan(20);
    const problems = families.flatMap((f) => metricNameProblems(f.name, f.type, METRIC_PREFIX).map((p) => `${f.name}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('exposes the families the SLO, the dashboards and the issue ask for, with the right types', async () => {
    const families = new Map(parseExposition(await createMetrics({ defaultMetrics: false }).registry.metrics()).map((f) => [f.name, f.type]));
    expect(Object.fromEntries(families)).toEqual({
      backend_review_review_duration_seconds: 'histogram',
      backend_review_reviews_total: 'counter',
      backend_review_github_requests_total: 'counter',
      backend_review_findings_total: 'counter',
      backend_review_queue_depth: 'gauge',
      backend_review_queue_job_age_seconds: 'histogram',
      backend_review_queue_jobs_total: 'counter',
      backend_review_queue_enqueue_requests_total: 'counter',
      backend_review_webhook_to_conclusion_seconds: 'histogram',
      backend_review_analysis_timeouts_total: 'counter',
    });
  });

  it('the name check rejects what the rules forbid', () => {
    const p = (name: string, type: string) => metricNameProblems(name, type, METRIC_PREFIX);
    expect(p('requestTime', 'gauge')).toEqual(expect.arrayContaining(['not snake_case', 'missing the "backend_review_" namespace']));
    expect(p('backend_review_requests', 'counter')).toEqual(['counter without the _total suffix']);
    expect(p('backend_review_latency_ms', 'histogram')).toEqual(['uses a scaled unit; use base units (seconds, bytes)', 'histogram without a base-unit suffix']);
    expect(p('backend_review_queue_total', 'gauge')).toEqual(['_total suffix on a non-counter']);
    expect(p('backend_review_payload_megabytes', 'gauge')).toEqual(['uses a scaled unit; use base units (seconds, bytes)']);
    expect(p('backend_review_review_duration_seconds', 'histogram')).toEqual([]);
  });
});

describe('recording', () => {
  it('keeps label values bounded: unknown conclusions, rule ids and methods collapse to other', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.recordReview('success', 2);
    m.recordReview('success', 0.4);
    m.recordReview('user-123', 1); // never a free-form label value
    m.recordFindings([{ ruleId: 'migration/drop-column' }, { ruleId: 'migration/drop-column' }, { ruleId: 'Robert"); DROP TABLE' }]);
    m.recordGithubResponse('post', 201);
    m.recordGithubResponse('BREW', 418);
    m.recordGithubResponse('GET', undefined);
    m.recordAnalysisTimeout('file');
    m.recordAnalysisTimeout('file');
    m.recordAnalysisTimeout('review');
    const text = await m.registry.metrics();
    expect(sample(text, 'backend_review_reviews_total', 'conclusion="success"')).toBe(2);
    expect(sample(text, 'backend_review_reviews_total', 'conclusion="other"')).toBe(1);
    expect(sample(text, 'backend_review_review_duration_seconds_count')).toBe(3);
    expect(sample(text, 'backend_review_review_duration_seconds_sum')).toBeCloseTo(3.4);
    expect(sample(text, 'backend_review_review_duration_seconds_bucket', 'le="0.5"')).toBe(1);
    expect(sample(text, 'backend_review_findings_total', 'rule="migration/drop-column"')).toBe(2);
    expect(sample(text, 'backend_review_findings_total', 'rule="other"')).toBe(1);
    expect(sample(text, 'backend_review_github_requests_total', 'method="POST",status="201"')).toBe(1);
    expect(sample(text, 'backend_review_github_requests_total', 'method="OTHER",status="418"')).toBe(1);
    expect(sample(text, 'backend_review_github_requests_total', 'method="GET",status="network"')).toBe(1);
    expect(sample(text, 'backend_review_analysis_timeouts_total', 'scope="file"')).toBe(2);
    expect(sample(text, 'backend_review_analysis_timeouts_total', 'scope="review"')).toBe(1);
  });

  it('queueObserver records enqueue results, job age, outcomes and webhook-to-conclusion time; queue depth is read at scrape time', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const gate = deferred();
    const q = new InProcessQueue(
      async (job) => {
        if (job.pullNumber === 1) await gate.promise;
        if (job.pullNumber === 3) throw new PermanentJobError('gone');
      },
      { concurrency: 1, observer: queueObserver(m) },
    );
    m.watchQueue(q);
    try {
      const job = makeJob({ pullNumber: 1, receivedAt: Date.now() - 2_000 });
      await q.enqueue(job);
      await q.enqueue({ ...job }); // redelivery
      await q.enqueue(makeJob({ pullNumber: 2 }));
      await q.enqueue(makeJob({ pullNumber: 3 }));
      let text = await m.registry.metrics();
      expect(sample(text, 'backend_review_queue_depth', 'state="active"')).toBe(1);
      expect(sample(text, 'backend_review_queue_depth', 'state="waiting"')).toBe(2);
      expect(sample(text, 'backend_review_queue_enqueue_requests_total', 'status="enqueued"')).toBe(3);
      expect(sample(text, 'backend_review_queue_enqueue_requests_total', 'status="duplicate_delivery"')).toBe(1);
      gate.resolve();
      await q.idle();
      text = await m.registry.metrics();
      expect(sample(text, 'backend_review_queue_depth', 'state="waiting"')).toBe(0);
      expect(sample(text, 'backend_review_queue_depth', 'state="dead_lettered"')).toBe(1);
      expect(sample(text, 'backend_review_queue_jobs_total', 'outcome="completed"')).toBe(2);
      expect(sample(text, 'backend_review_queue_jobs_total', 'outcome="dead_lettered"')).toBe(1);
      expect(sample(text, 'backend_review_queue_job_age_seconds_count')).toBe(3);
      // The first job's webhook was 2 s before it was queued: it is not in the 1-second bucket.
      expect(sample(text, 'backend_review_webhook_to_conclusion_seconds_bucket', 'le="1",outcome="completed"')).toBe(1);
      expect(sample(text, 'backend_review_webhook_to_conclusion_seconds_count', 'outcome="completed"')).toBe(2);
      expect(sample(text, 'backend_review_webhook_to_conclusion_seconds_count', 'outcome="dead_lettered"')).toBe(1);
    } finally {
      await q.close();
    }
  });

  it('instrumentOctokit counts GitHub responses by method and status, including errors and network failures', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const fetch = async (url: string | URL | Request) => {
      const u = String(url);
      if (u.includes('/network')) throw new TypeError('fetch failed');
      if (u.includes('/missing')) return new Response(JSON.stringify({ message: 'Not Found' }), { status: 404, headers: { 'content-type': 'application/json' } });
      return new Response(JSON.stringify({ ok: true }), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const octokit = new Octokit({ request: { fetch, retries: 0 }, log: { debug() {}, info() {}, warn() {}, error() {} } });
    instrumentOctokit(octokit, m);
    await octokit.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'shop' });
    await octokit.request('POST /repos/{owner}/{repo}/check-runs', { owner: 'acme', repo: 'shop', name: 'x', head_sha: 'a'.repeat(40) });
    await expect(octokit.request('GET /missing')).rejects.toMatchObject({ status: 404 });
    await expect(octokit.request('GET /network')).rejects.toThrow();
    const text = await m.registry.metrics();
    expect(sample(text, 'backend_review_github_requests_total', 'method="GET",status="200"')).toBe(1);
    expect(sample(text, 'backend_review_github_requests_total', 'method="POST",status="200"')).toBe(1);
    expect(sample(text, 'backend_review_github_requests_total', 'method="GET",status="404"')).toBe(1);
    // A failed fetch reaches the hook as a 500 without a response; it is a network failure, not a GitHub 500.
    expect(sample(text, 'backend_review_github_requests_total', 'method="GET",status="network"')).toBe(1);
    expect(sample(text, 'backend_review_github_requests_total', 'method="GET",status="500"')).toBeUndefined();
  });

  it('octokitMetricsPlugin instruments every instance of a plugged Octokit class', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const Plugged = Octokit.plugin(octokitMetricsPlugin(m));
    const fetch = async () => new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
    for (let i = 0; i < 2; i++) await new Plugged({ request: { fetch } }).request('GET /rate_limit');
    expect(sample(await m.registry.metrics(), 'backend_review_github_requests_total', 'method="GET",status="200"')).toBe(2);
  });
});
