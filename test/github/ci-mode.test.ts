import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli.js';
import { GitHubEmulator } from '../../src/emulator/index.js';
import { runCiMode } from '../../src/github/ci-mode.js';
import { WriteQueue } from '../../src/github/write-queue.js';
import { AnalysisPool } from '../../src/pool/pool.js';
import type { Pull } from '../../src/emulator/state.js';
import { BASE_FILES, INDEX_MIGRATION, PR_FILES } from './world.js';

let emu: GitHubEmulator;
let dir: string;
beforeEach(() => {
  nock.disableNetConnect();
  emu = new GitHubEmulator();
  const scope = nock('https://api.github.com').persist();
  for (const method of ['GET', 'POST', 'PATCH', 'PUT', 'DELETE']) {
    scope.intercept(/.*/, method).reply(async (request: Request) => {
      const headers: Record<string, string> = {};
      request.headers.forEach((v, k) => (headers[k] = v));
      const res = emu.handle({ method, url: request.url, headers, body: method === 'GET' ? undefined : await request.text() });
      return [res.status, typeof res.body === 'string' ? res.body : JSON.stringify(res.body), res.headers];
    });
  }
  dir = mkdtempSync(join(tmpdir(), 'br-ci-'));
});
afterEach(() => {
  expect(emu.violations).toEqual([]);
  vi.unstubAllEnvs();
  nock.cleanAll();
  nock.enableNetConnect();
});

function setup(files: Record<string, string> = BASE_FILES, prFiles: Record<string, string> = PR_FILES): { pull: Pull; env: NodeJS.ProcessEnv } {
  const repo = emu.createRepo('acme', 'orders', files);
  const pull = emu.openPull(repo, { files: prFiles, author: 'dev' });
  const eventPath = join(dir, 'event.json');
  writeFileSync(eventPath, JSON.stringify({ action: 'synchronize', number: pull.number, pull_request: { number: pull.number, head: { sha: pull.headSha } } }));
  return { pull, env: { GITHUB_TOKEN: 'ghs_actions_token', GITHUB_REPOSITORY: 'acme/orders', GITHUB_EVENT_PATH: eventPath, GITHUB_API_URL: 'https://api.github.com', GITHUB_ACTIONS: 'true' } };
}

function capture() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (s: string) => void (out.stdout += s), stderr: (s: string) => void (out.stderr += s) } };
}

const fast = () => new WriteQueue({ minIntervalMs: 0 });

describe('backend-review review --github (CI mode)', () => {
  it('posts the check run, the inline review and the sticky summary with the App’s publisher, and exits per fail_on', async () => {
    const { pull, env } = setup();
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v!);
    const { out, io } = capture();
    const status = await runCli(['review', '--github', '--sarif', 'out.sarif'], { cwd: dir, ...io, isTTY: false });
    expect(status).toBe(1);
    const [run] = emu.checkRunsFor(pull);
    expect(run.status).toBe('completed');
    expect(run.conclusion).toBe('failure');
    expect(run.annotations.some((a) => a.path === INDEX_MIGRATION)).toBe(true);
    expect(emu.reviews).toHaveLength(1);
    expect(emu.reviews[0].comments.find((c) => c.path === INDEX_MIGRATION)?.body).toContain('```suggestion');
    expect(emu.summaryOf(pull)!.body).toContain('### Checklist');
    expect(out.stdout).toContain('migration/create-index-non-concurrent');
    expect(out.stderr).toContain('posted the check run, the review and the summary on acme/orders#1');
    const sarif = JSON.parse(readFileSync(join(dir, 'out.sarif'), 'utf8'));
    expect(sarif.runs[0].results.some((r: { ruleId: string }) => r.ruleId === 'migration/create-index-non-concurrent')).toBe(true);
    // Every request carried the CI token, none an App JWT.
    expect(emu.requests.length).toBeGreaterThan(0);
  }, 30_000);

  it('a second run on the same head updates the summary instead of adding one, and posts no duplicate comments', async () => {
    const { pull, env } = setup();
    env.BACKEND_REVIEW_BOT_LOGIN = emu.botLogin; // who GITHUB_TOKEN posts as (github-actions[bot] on GitHub)
    const a = capture();
    expect(await runCiMode({ env, cwd: dir, ...a.io, version: 't', writes: fast() })).toBe(1);
    const inline = emu.reviews.flatMap((r) => r.comments).length;
    expect(inline).toBeGreaterThan(0);
    const b = capture();
    expect(await runCiMode({ env, cwd: dir, ...b.io, version: 't', writes: fast() })).toBe(1);
    expect(emu.comments.filter((c) => c.body.includes('<!-- backend-review:summary'))).toHaveLength(1);
    expect(emu.reviews.flatMap((r) => r.comments)).toHaveLength(inline);
    expect(emu.checkRunsFor(pull).every((r) => r.status === 'completed')).toBe(true);
  });

  it('fork PR (read-only token): nothing is posted; findings go to the job log and SARIF with a clear message; exit still per fail_on', async () => {
    const { pull, env } = setup();
    for (const route of ['POST /repos/{owner}/{repo}/check-runs', 'POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments']) {
      emu.failNext(route, { status: 403, message: 'Resource not accessible by integration', times: 10 });
    }
    const { out, io } = capture();
    const status = await runCiMode({ env, cwd: dir, ...io, sarif: 'findings.sarif', version: 't', writes: fast() });
    expect(status).toBe(1);
    expect(emu.checkRunsFor(pull)).toHaveLength(0);
    expect(emu.reviews).toHaveLength(0);
    expect(emu.comments).toHaveLength(0);
    expect(out.stdout).toContain('migration/create-index-non-concurrent');
    expect(out.stderr).toContain('the token is read-only here, as GITHUB_TOKEN is on pull requests from forks');
    expect(out.stderr).toContain('written as SARIF to findings.sarif');
    expect(existsSync(join(dir, 'findings.sarif'))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'findings.sarif'), 'utf8')).runs[0].results.length).toBeGreaterThan(0);
  });

  it('read-only for comments only: the check run keeps its verdict and the job log says nothing could be posted', async () => {
    const { pull, env } = setup();
    emu.failNext('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', { status: 403, message: 'Resource not accessible by integration', times: 10 });
    emu.failNext('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { status: 403, message: 'Resource not accessible by integration', times: 10 });
    const { out, io } = capture();
    const status = await runCiMode({ env, cwd: dir, ...io, version: 't', writes: fast() });
    expect(status).toBe(1);
    expect(emu.checkRunsFor(pull)[0].conclusion).toBe('failure');
    expect(emu.comments).toHaveLength(0);
    expect(out.stderr).toContain('GitHub refused a write while publishing (403)');
    expect(out.stderr).toContain('Pass --sarif FILE');
    expect(out.stdout).toContain('migration/create-index-non-concurrent');
  });

  it('reads the config from the default branch: fail_on there decides the exit status', async () => {
    const { env } = setup({ ...BASE_FILES, '.github/backend-review.yml': 'fail_on: never\n' });
    const { io } = capture();
    expect(await runCiMode({ env, cwd: dir, ...io, version: 't', writes: fast() })).toBe(0);
  });

  it('a secondary rate limit is waited out, not mistaken for a read-only token', async () => {
    const { pull, env } = setup();
    emu.failNext('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', { status: 403, message: 'You have exceeded a secondary rate limit', headers: { 'retry-after': '1' } });
    const sleeps: number[] = [];
    const { out, io } = capture();
    expect(await runCiMode({ env, cwd: dir, ...io, version: 't', writes: new WriteQueue({ minIntervalMs: 0, sleep: async (ms) => void sleeps.push(ms) }) })).toBe(1);
    expect(sleeps).toContain(1000);
    expect(emu.reviews).toHaveLength(1);
    expect(out.stderr).not.toContain('read-only');
    expect(emu.checkRunsFor(pull)[0].conclusion).toBe('failure');
  });

  it('an analysis past its whole-review budget concludes the check run neutral, says why and does not fail the job', async () => {
    const { pull, env } = setup(BASE_FILES, { ...PR_FILES, 'db/migrations/20240613_hang-forever.sql': 'SELECT 1;\n' });
    // The real analysis in a thread, except that a file named *hang-forever* spins without end; the budget is 1 s.
    const analysis = new AnalysisPool({ threads: 1, reviewTimeoutMs: 1000, worker: new URL('../pool/hanging-worker.ts', import.meta.url) });
    const { out, io } = capture();
    try {
      const status = await runCiMode({ env, cwd: dir, ...io, version: '0.0.0-test', writes: fast(), analysis });
      expect(status).toBe(0);
    } finally {
      await analysis.destroy();
    }
    const [run] = emu.checkRunsFor(pull).filter((r) => r.headSha === pull.headSha);
    expect(run.conclusion).toBe('neutral');
    expect(run.output.summary).toContain('analysis took longer than 1 s in total; stopped');
    expect(out.stderr).toContain('analysis took longer than 1 s in total; stopped. The check run on acme/orders#1');
    expect(emu.summaryOf(pull)).toBeUndefined();
  }, 30_000);

  it('says what is missing outside a pull request job (exit 2)', async () => {
    const { io, out } = capture();
    expect(await runCiMode({ env: { GITHUB_TOKEN: 'x' }, cwd: dir, ...io, version: 't' })).toBe(2);
    expect(out.stderr).toContain('GITHUB_REPOSITORY must be set');
    const eventPath = join(dir, 'push.json');
    writeFileSync(eventPath, JSON.stringify({ ref: 'refs/heads/main' }));
    expect(await runCiMode({ env: { GITHUB_TOKEN: 'x', GITHUB_REPOSITORY: 'acme/orders', GITHUB_EVENT_PATH: eventPath }, cwd: dir, ...io, version: 't' })).toBe(2);
    expect(out.stderr).toContain('the event is not a pull request');
    expect(await runCiMode({ env: { GITHUB_REPOSITORY: 'acme/orders', GITHUB_EVENT_PATH: eventPath }, cwd: dir, ...io, version: 't' })).toBe(2);
  });
});
