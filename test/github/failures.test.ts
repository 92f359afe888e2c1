import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INDEX_MIGRATION, world } from './world.js';
import { pullRequestEvent } from './payloads.js';
import { startHarness, stopHarness, type Harness } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = startHarness();
});
afterEach(() => {
  expect(h.emu.violations).toEqual([]);
  stopHarness();
});

const REVIEWS = 'POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews';

describe('publishing when GitHub pushes back', () => {
  it('drops the result and cancels the check run when a newer push lands during the review', async () => {
    const { pull } = world(h.emu);
    const oldHead = pull.headSha;
    h.emu.beforeNext('POST /graphql Blobs', () => h.emu.push(pull, { 'README.md': 'docs\n' }));
    await h.receive('pull_request', pullRequestEvent('opened', { ...pull, headSha: oldHead }));
    const run = h.emu.checkRuns.find((c) => c.headSha === oldHead)!;
    expect(run.conclusion).toBe('cancelled');
    expect(run.output.summary).toContain('newer commit');
    expect(h.emu.reviews).toHaveLength(0);
    expect(h.emu.summaryOf(pull)).toBeUndefined();
  });

  it('falls back to the summary when GitHub rejects the review with 422', async () => {
    const { pull } = world(h.emu);
    h.emu.failNext(REVIEWS, { status: 422, message: 'Unprocessable Entity: Pull request review thread line must be part of the diff' });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    expect(h.emu.reviews).toHaveLength(0);
    const summary = h.emu.summaryOf(pull)!.body;
    expect(summary).toContain('rejected by GitHub (422');
    expect(summary).toContain('migration/create-index-non-concurrent');
    expect(summary).toContain(`/blob/${pull.headSha}/${INDEX_MIGRATION}#L4`);
    expect(h.emu.checkRunsFor(pull)[0].conclusion).toBe('failure');
  });

  it('sends more than 50 annotations in batches of 50, the last with the conclusion', async () => {
    const lines = ["import { db } from '../db';", 'export async function handler() {'];
    for (let i = 0; i < 120; i++) lines.push(`  console.log('step ${i}');`);
    lines.push('}', '');
    const { pull } = world(h.emu, { files: { 'src/routes/noisy.ts': lines.join('\n') } });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    const run = h.emu.checkRunsFor(pull)[0];
    expect(run.annotations.length).toBeGreaterThanOrEqual(120);
    const sizes = run.updates.slice(1).map((u) => ((u.output as { annotations?: unknown[] }).annotations ?? []).length);
    expect(sizes.every((n) => n <= 50)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(run.annotations.length);
    expect(run.updates.at(-1)!.conclusion).toBe('neutral');
    expect(run.updates.slice(1, -1).every((u) => u.conclusion === undefined)).toBe(true);
    // The inline comments are capped at 30; the rest are listed in the summary.
    expect(h.emu.reviews[0].comments).toHaveLength(30);
    expect(h.emu.summaryOf(pull)!.body).toMatch(/over the cap of 30 inline comments/);
  });

  it('keeps the summary and the check output under GitHub’s size limits on a huge PR', async () => {
    const files: Record<string, string> = {};
    for (let f = 0; f < 30; f++) {
      const lines = ['export async function handler() {'];
      for (let i = 0; i < 60; i++) lines.push(`  console.log('file ${f} step ${i} ${'and a longer message to fill the summary '.repeat(2)}');`);
      files[`src/routes/r${f}.ts`] = [...lines, '}', ''].join('\n');
    }
    const { pull } = world(h.emu, { files });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    const run = h.emu.checkRunsFor(pull)[0];
    expect(run.conclusion).toBe('neutral');
    expect(run.annotations.length).toBeGreaterThanOrEqual(1800);
    expect(run.output.summary!.length).toBeLessThanOrEqual(65_535);
    const summary = h.emu.summaryOf(pull)!.body;
    expect(summary.length).toBeLessThanOrEqual(65_536);
    expect(summary).toMatch(/more findings? not shown/);
    // Every file is still counted, even those whose details did not fit.
    expect(summary).toContain('<summary>Findings per file</summary>');
    for (let f = 0; f < 30; f++) expect(summary).toMatch(new RegExp(`\\| \`src/routes/r${f}\\.ts\` \\| \\d+ \\| \\d+ \\| \\d+ \\|`));
    expect(summary).toContain('### Checklist');
  });

  it('honours github.max_inline_comments', async () => {
    const lines = ['export async function handler() {'];
    for (let i = 0; i < 8; i++) lines.push(`  console.log('step ${i}');`);
    lines.push('}', '');
    const { pull } = world(h.emu, { config: 'github:\n  max_inline_comments: 3\n', files: { 'src/routes/noisy.ts': lines.join('\n') } });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    expect(h.emu.reviews[0].comments).toHaveLength(3);
  });

  it('concludes the check run with a clear message when GitHub answers 500', async () => {
    const { pull } = world(h.emu);
    h.emu.failNext('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', { status: 500, message: 'Server Error' });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    const [run] = h.emu.checkRunsFor(pull);
    expect(run.status).toBe('completed');
    expect(run.conclusion).toBe('neutral');
    expect(run.output.title).toBe('Backend Review could not finish');
    expect(run.output.summary).toContain('GitHub answered 500');
  });

  it('still concludes the check run when the first attempt to conclude it fails too', async () => {
    const { pull } = world(h.emu);
    h.emu.failNext('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', { status: 502, message: 'Bad Gateway' });
    h.emu.failNext('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', { status: 500, message: 'Server Error' });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    expect(h.emu.checkRunsFor(pull)[0].conclusion).toBe('neutral');
  });

  it('waits out a secondary rate limit (403 with retry-after) and finishes the review', async () => {
    const { pull } = world(h.emu);
    h.emu.failNext(REVIEWS, { status: 403, message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', headers: { 'retry-after': '7' } });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    expect(h.sleeps).toContain(7000);
    expect(h.emu.reviews).toHaveLength(1);
    expect(h.emu.checkRunsFor(pull)[0].conclusion).toBe('failure');
    expect(h.emu.summaryOf(pull)).toBeDefined();
  });

  it('concludes the check run when the secondary rate limit outlasts the retries', async () => {
    const { pull } = world(h.emu);
    h.emu.failNext('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', { status: 403, message: 'secondary rate limit', headers: { 'retry-after': '1' }, times: 3 });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    const [run] = h.emu.checkRunsFor(pull);
    expect(run.conclusion).toBe('neutral');
    expect(run.output.summary).toContain('GitHub answered 403');
  });

  it('reviews a file whose patch GitHub omitted, listing its findings in the summary', async () => {
    const { pull } = world(h.emu, { omitPatch: [INDEX_MIGRATION] });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    const summary = h.emu.summaryOf(pull)!.body;
    expect(summary).toContain(`GitHub sent no diff for \`${INDEX_MIGRATION}\``);
    expect(h.emu.reviews.flatMap((r) => r.comments).some((c) => c.path === INDEX_MIGRATION)).toBe(false);
    expect(h.emu.checkRunsFor(pull)[0].annotations.some((a) => a.path === INDEX_MIGRATION)).toBe(true);
  });

  it('says so when a PR has more files than GitHub lists (3,000)', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 3010; i++) files[`zz/notes/n${String(i).padStart(4, '0')}.md`] = `${i}\n`;
    const { pull } = world(h.emu, { files: { ...files, 'db/migrations/20240612_idx.sql': 'CREATE INDEX i ON orders (total_cents);\n' } });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    expect(h.emu.requests.filter((r) => r.route === 'GET /repos/{owner}/{repo}/pulls/{pull_number}/files')).toHaveLength(30);
    expect(h.emu.summaryOf(pull)!.body).toContain('GitHub lists at most 3,000 files of a pull request');
    expect(h.emu.checkRunsFor(pull)[0].conclusion).toBe('failure');
  });

  it('skips files over the size limit and says so', async () => {
    const big = "export const data = '" + 'x'.repeat(3000) + "';\nconsole.log(data);\n";
    const { pull } = world(h.emu, { config: 'limits:\n  max_file_size: 2KB\n', files: { 'src/big.ts': big } });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    expect(h.emu.summaryOf(pull)!.body).toMatch(/src\/big\.ts`: larger than 2 KB/);
    expect(h.emu.requests.filter((r) => r.route === 'POST /graphql Blobs')).toHaveLength(0);
  });
});
