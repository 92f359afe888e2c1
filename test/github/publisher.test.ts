import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import nock from 'nock';
import { defaultConfig } from '../../src/config/load.js';
import { review } from '../../src/engine.js';
import { GitHubEmulator } from '../../src/emulator/index.js';
import { CheckRun } from '../../src/github/check-run.js';
import { loadPullChangeSet } from '../../src/github/pr-source.js';
import { Publisher } from '../../src/github/publisher.js';
import { runReview } from '../../src/github/run-review.js';
import { WriteQueue } from '../../src/github/write-queue.js';
import { PR_FILES, BASE_FILES, INDEX_MIGRATION } from './world.js';

let emu: GitHubEmulator;
beforeEach(() => {
  nock.disableNetConnect();
  emu = new GitHubEmulator();
  const scope = nock('https://api.github.com').persist();
  for (const method of ['GET', 'POST', 'PATCH']) {
    scope.intercept(/.*/, method).reply(async (request: Request) => {
      const headers: Record<string, string> = {};
      request.headers.forEach((v, k) => (headers[k] = v));
      const res = emu.handle({ method, url: request.url, headers, body: method === 'GET' ? undefined : await request.text() });
      return [res.status, typeof res.body === 'string' ? res.body : JSON.stringify(res.body), res.headers];
    });
  }
});
afterEach(() => {
  expect(emu.violations).toEqual([]);
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('Publisher outside Probot', () => {
  it('publishes with a plain @octokit/rest client and a user token (the CLI --github path)', async () => {
    const repo = emu.createRepo('acme', 'orders', BASE_FILES);
    const pull = emu.openPull(repo, { files: PR_FILES });
    const octokit = new Octokit({ auth: 'ghp_user_token' });
    const ref = { owner: 'acme', repo: 'orders', pullNumber: pull.number };
    const config = defaultConfig();
    const writes = new WriteQueue({ minIntervalMs: 0 });
    const log = { info() {}, warn() {}, error() {} };

    const loaded = await loadPullChangeSet(octokit, ref, pull.headSha, config);
    const result = await review(loaded.changeSet, config);
    const check = await CheckRun.start(octokit, { owner: 'acme', repo: 'orders' }, pull.headSha, writes);
    const outcome = await new Publisher(octokit, ref, { writes, log, commandPrefix: '/backend-review' }).publish(check, {
      result,
      headSha: pull.headSha,
      patches: loaded.patches,
      notes: loaded.notes,
      maxInlineComments: 30,
      state: { ignores: [] },
    });
    expect(outcome.posted).toBeGreaterThan(0);
    expect(emu.reviews[0].comments.some((c) => c.path === INDEX_MIGRATION)).toBe(true);
    expect(emu.checkRunsFor(pull)[0].conclusion).toBe('failure');
    expect(emu.summaryOf(pull)).toBeDefined();
  });

  it('leaves a thread open when the rule behind it crashed this time', async () => {
    const repo = emu.createRepo('acme', 'orders', BASE_FILES);
    const pull = emu.openPull(repo, { files: PR_FILES });
    const octokit = new Octokit({ auth: 'ghp_user_token' });
    const ref = { owner: 'acme', repo: 'orders', pullNumber: pull.number };
    const thread = (id: string, path: string, fp: string) => ({ id, pull, path, isResolved: false, comments: [{ id: 1, body: `x\n<!-- backend-review:finding ${fp} -->`, path, line: 1, author: emu.botLogin, commitId: pull.headSha }] });
    emu.threads.push(thread('PRRT_crashed', INDEX_MIGRATION, 'aaaaaaaaaaaaaaaaaaaa'), thread('PRRT_fixed', 'src/routes/orders.ts', 'bbbbbbbbbbbbbbbbbbbb'));
    const result = await review({ files: [], mode: 'diff' }, defaultConfig());
    result.findings.push({ ruleId: 'backend-review/analyzer-error', category: 'meta', severity: 'notice', path: INDEX_MIGRATION, startLine: 1, endLine: 1, message: 'Rule failed', fingerprint: 'cccccccccccccccccccc', wholeChange: true });
    const writes = new WriteQueue({ minIntervalMs: 0 });
    await new Publisher(octokit, ref, { writes, log: { info() {}, warn() {}, error() {} }, commandPrefix: '/backend-review', botLogin: emu.botLogin }).publish(undefined, {
      result,
      headSha: pull.headSha,
      patches: new Map(),
      notes: [],
      maxInlineComments: 30,
      state: { ignores: [] },
    });
    expect(emu.threads.find((t) => t.id === 'PRRT_crashed')!.isResolved).toBe(false);
    expect(emu.threads.find((t) => t.id === 'PRRT_fixed')!.isResolved).toBe(true);
  });

  it('runReview posts nothing once its abort signal fired, and cancels the check run', async () => {
    const repo = emu.createRepo('acme', 'orders', BASE_FILES);
    const pull = emu.openPull(repo, { files: PR_FILES });
    const controller = new AbortController();
    emu.beforeNext('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', () => controller.abort());
    const log = { info() {}, warn() {}, error() {} };
    const outcome = await runReview({
      octokit: new Octokit({ auth: 'ghs_installation' }),
      pull: { owner: 'acme', repo: 'orders', pullNumber: pull.number },
      headSha: pull.headSha,
      config: defaultConfig(),
      publisher: { writes: new WriteQueue({ minIntervalMs: 0 }), log, commandPrefix: '/backend-review' },
      log,
      signal: controller.signal,
    });
    expect(outcome).toBe('stale');
    expect(emu.checkRunsFor(pull)[0].conclusion).toBe('cancelled');
    expect(emu.reviews).toHaveLength(0);
    expect(emu.comments).toHaveLength(0);
  });
});

describe('suggestions', () => {
  it('never posts two suggestions over the same lines', async () => {
    const repo = emu.createRepo('acme', 'orders', { 'db/migrations/001.sql': 'CREATE TABLE t (id bigint PRIMARY KEY);\n' });
    const pull = emu.openPull(repo, { files: { 'db/migrations/002.sql': 'select 1;\nselect 2;\n' } });
    const octokit = new Octokit({ auth: 'ghs_installation' });
    const result = await review({ files: [], mode: 'diff' }, defaultConfig());
    const base = { category: 'migration' as const, severity: 'warning' as const, path: 'db/migrations/002.sql', message: 'm' };
    result.findings.push(
      { ...base, ruleId: 'migration/missing-lock-timeout', startLine: 1, endLine: 1, fingerprint: 'a'.repeat(20), fix: { startLine: 1, endLine: 1, replacement: 'x' } },
      { ...base, ruleId: 'migration/create-index-non-concurrent', startLine: 1, endLine: 2, fingerprint: 'b'.repeat(20), fix: { startLine: 1, endLine: 2, replacement: 'y' } },
      { ...base, ruleId: 'migration/drop-column', startLine: 2, endLine: 2, fingerprint: 'c'.repeat(20) },
    );
    const log = { info() {}, warn() {}, error() {} };
    await new Publisher(octokit, { owner: 'acme', repo: 'orders', pullNumber: pull.number }, { writes: new WriteQueue({ minIntervalMs: 0 }), log, commandPrefix: '/backend-review' }).publish(undefined, {
      result,
      headSha: pull.headSha,
      patches: new Map(emu.pullFiles(pull).map((f) => [f.filename, f.patch!])),
      notes: [],
      maxInlineComments: 30,
      state: { ignores: [] },
    });
    const bodies = emu.reviews[0].comments.map((c) => c.body);
    expect(bodies.filter((b) => b.includes('```suggestion'))).toHaveLength(1);
    expect(bodies.some((b) => b.includes('Replace lines 1–2 with:'))).toBe(true);
  });
});
