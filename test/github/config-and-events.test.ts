import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INDEX_MIGRATION, world } from './world.js';
import { checkRunRerequested, checkSuiteRerequested, example, INSTALLATION, pullRequestEvent } from './payloads.js';
import { startHarness, stopHarness, type Harness } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = startHarness();
});
afterEach(() => {
  expect(h.emu.violations).toEqual([]);
  stopHarness();
});

describe('configuration', () => {
  it('an invalid config fails the check run with a message naming the key, and nothing is reviewed', async () => {
    const { pull } = world(h.emu, { config: 'fail_on: sometimes\nmigrations:\n  postgress_version: 15\n' });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    const [run] = h.emu.checkRunsFor(pull);
    expect(run.conclusion).toBe('failure');
    expect(run.output.title).toBe('Invalid configuration');
    expect(run.output.summary).toContain('fail_on');
    expect(run.output.summary).toContain('migrations.postgress_version: unknown key');
    expect(h.emu.reviews).toHaveLength(0);
    expect(h.emu.comments).toHaveLength(0);
  });

  it('a GitHub failure while reading the config is not reported as an invalid config', async () => {
    const { pull } = world(h.emu);
    h.emu.failNext('GET /repos/{owner}/{repo}/contents/{path}', { status: 500, message: 'Server Error' });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    const [run] = h.emu.checkRunsFor(pull);
    expect(run.conclusion).toBe('neutral');
    expect(run.output.title).toBe('Backend Review could not finish');
    expect(run.output.summary).toContain('GitHub answered 500');
  });

  it('YAML that does not parse is reported the same way', async () => {
    const { pull } = world(h.emu, { config: 'rules: [unclosed\n' });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    const [run] = h.emu.checkRunsFor(pull);
    expect(run.output.title).toBe('Invalid configuration');
    expect(run.output.summary).toContain('.github/backend-review.yml');
  });

  it("falls back to the organisation's .github repository when the repo has no config", async () => {
    const { pull } = world(h.emu, { orgConfig: 'rules:\n  migration/create-index-non-concurrent: off\n' });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    const [run] = h.emu.checkRunsFor(pull);
    expect(run.conclusion).toBe('neutral');
    expect(run.annotations.some((a) => a.path === INDEX_MIGRATION && a.title === 'migration/create-index-non-concurrent')).toBe(false);
  });

  it('merges the org config with the repo config through _extends, the repo winning', async () => {
    const { pull } = world(h.emu, {
      orgConfig: 'fail_on: warning\nrules:\n  migration/create-index-non-concurrent: off\nexclude: ["vendor/**"]\n',
      config: '_extends: .github\nrules:\n  observability/console-log: off\nexclude: ["legacy/**"]\n',
    });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    const [run] = h.emu.checkRunsFor(pull);
    // Both rules are off (org + repo), so nothing is left to report.
    expect(run.annotations.filter((a) => a.title === 'migration/create-index-non-concurrent' || a.title === 'observability/console-log')).toEqual([]);
    expect(h.emu.requests.some((r) => r.url.includes('/repos/acme/.github/contents/'))).toBe(true);
  });

  it('a repo config that sets fail_on overrides the org default', async () => {
    const { pull } = world(h.emu, {
      orgConfig: 'fail_on: never\n',
      config: '_extends: .github\nfail_on: warning\nrules:\n  migration/create-index-non-concurrent: off\n',
    });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    // console.log is a warning, and the repo says warnings fail.
    expect(h.emu.checkRunsFor(pull)[0].conclusion).toBe('failure');
  });

  it('reads the config from the default branch, so a PR cannot switch its own review off', async () => {
    const { pull } = world(h.emu, { files: { [INDEX_MIGRATION]: 'CREATE INDEX i ON orders (total_cents);\n', '.github/backend-review.yml': 'fail_on: never\n' } });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    expect(h.emu.checkRunsFor(pull)[0].conclusion).toBe('failure');
  });
});

describe('re-runs', () => {
  it('check_run.rerequested for a fork PR (no pull_requests in the payload) finds the PR by its head SHA', async () => {
    const { pull } = world(h.emu);
    await h.receive('check_run', checkRunRerequested(pull));
    const runs = h.emu.checkRunsFor(pull);
    expect(runs).toHaveLength(1);
    expect(runs[0].conclusion).toBe('failure');
    expect(h.emu.requests.some((r) => r.route === 'GET /repos/{owner}/{repo}/pulls')).toBe(true);
  });

  it('ignores rerequests of other check runs', async () => {
    const { pull } = world(h.emu);
    await h.receive('check_run', checkRunRerequested(pull, 'lint'));
    expect(h.emu.checkRuns).toHaveLength(0);
  });

  it('check_suite.rerequested reviews the listed PR again', async () => {
    const { pull } = world(h.emu);
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    await h.receive('check_suite', checkSuiteRerequested(pull));
    expect(h.emu.checkRunsFor(pull)).toHaveLength(2);
    expect(h.emu.reviews).toHaveLength(1);
  });
});

describe('installations', () => {
  it('logs installation and installation_repositories events and calls nothing', async () => {
    const created = example('installation', 'created');
    created.installation.id = INSTALLATION.id;
    await h.receive('installation', created);
    await h.receive('installation_repositories', example('installation_repositories', 'added'));
    const logged = h.logs.filter((l) => l.msg === 'installation changed; nothing to set up per repository');
    expect(logged.map((l) => l.event)).toEqual(['installation', 'installation_repositories']);
    expect(logged[1].added).toBeInstanceOf(Array);
    expect(h.emu.requests).toEqual([]);
  });
});
