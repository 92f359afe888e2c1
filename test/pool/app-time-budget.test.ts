import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AnalysisPool } from '../../src/pool/pool.js';
import { startHarness, stopHarness, type Harness } from '../github/harness.js';
import { pullRequestEvent } from '../github/payloads.js';
import { INDEX_MIGRATION, PR_FILES, world } from '../github/world.js';

// The real analysis, except that any file named *hang-forever* spins without end in its thread.
const HANGING_WORKER = new URL('./hanging-worker.ts', import.meta.url);
const HANGING_FILE = 'db/migrations/20240613_hang-forever.sql';

const pools: AnalysisPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.destroy()));
});
let h: Harness;
afterEach(() => {
  expect(h.emu.violations).toEqual([]);
  stopHarness();
});

function harness(pool: AnalysisPool, maxAttempts?: number): Harness {
  pools.push(pool);
  h = startHarness(undefined, { analysis: pool, maxAttempts });
  return h;
}

describe('the app with analysis in worker threads', () => {
  it('skips a file whose analysis never ends, publishes the rest and concludes the check run', async () => {
    harness(new AnalysisPool({ threads: 1, worker: HANGING_WORKER }));
    const { pull } = world(h.emu, {
      config: 'limits:\n  max_analysis_time_per_file: 300ms\n',
      files: { ...PR_FILES, [HANGING_FILE]: 'ALTER TABLE orders ADD COLUMN note text;\n' },
    });
    await h.receive('pull_request', pullRequestEvent('opened', pull));

    const [run] = h.emu.checkRunsFor(pull);
    expect(run.status).toBe('completed');
    expect(run.conclusion).toBe('failure');
    const summary = h.emu.summaryOf(pull)!.body;
    expect(summary).toContain(`\`${HANGING_FILE}\`: analysis took longer than 0.3 s; skipped`);
    // The rest of the review is there.
    expect(run.annotations.map((a) => a.path)).toContain(INDEX_MIGRATION);
    expect(run.annotations.map((a) => a.path)).not.toContain(HANGING_FILE);
    expect(h.logs.find((l) => l.level === 40 && l.path === HANGING_FILE)).toMatchObject({ budget_ms: 300, repo: 'acme/orders' });
    expect(await h.runtime.metrics.registry.getSingleMetricAsString('backend_review_analysis_timeouts_total')).toContain('backend_review_analysis_timeouts_total{scope="file"} 1');
  });

  it('a review past the whole-review budget ends in a neutral check run that says why, without retries', async () => {
    harness(new AnalysisPool({ threads: 1, worker: HANGING_WORKER, reviewTimeoutMs: 1000 }), 3);
    const { pull } = world(h.emu, {
      config: 'limits:\n  max_analysis_time_per_file: 300s\n',
      files: { ...PR_FILES, [HANGING_FILE]: 'ALTER TABLE orders ADD COLUMN note text;\n' },
    });
    await h.receive('pull_request', pullRequestEvent('opened', pull));

    const [run] = h.emu.checkRunsFor(pull);
    expect(run.status).toBe('completed');
    expect(run.conclusion).toBe('neutral');
    expect(run.output.title).toBe('Backend Review could not finish');
    expect(run.output.summary).toContain('analysis took longer than 1 s in total; stopped');
    expect(run.output.summary).toContain('It was not retried');
    expect(h.emu.summaryOf(pull)).toBeUndefined();
    expect(await h.runtime.metrics.registry.getSingleMetricAsString('backend_review_analysis_timeouts_total')).toContain('scope="review"} 1');
  });
});
