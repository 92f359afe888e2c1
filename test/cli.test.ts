import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';

// ajv ships CommonJS with a default export that NodeNext typings do not see as constructable.
const require = createRequire(import.meta.url);
const AjvDraft04 = require('ajv-draft-04');
const addFormats = require('ajv-formats');

async function cli(args: string[], cwd = process.cwd()) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { cwd, stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), isTTY: false });
  return { code, stdout, stderr };
}

function git(cwd: string, ...args: string[]) {
  execFileSync('git', args, { cwd, stdio: 'pipe', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } });
}

function write(root: string, path: string, text: string | Buffer) {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
}

describe('backend-review scan', () => {
  it('prints valid JSON for the demo fixtures and exits 1 when errors reach fail_on', async () => {
    const { code, stdout } = await cli(['scan', 'fixtures/demo', '--format', 'json']);
    expect(code).toBe(1);
    const json = JSON.parse(stdout);
    expect(Array.isArray(json.findings)).toBe(true);
    expect(json.findings.length).toBeGreaterThan(0);
    for (const f of json.findings) {
      expect(Object.keys(f)).toEqual(expect.arrayContaining(['ruleId', 'category', 'severity', 'path', 'startLine', 'endLine', 'message', 'fingerprint']));
      expect(f.path.startsWith('fixtures/demo/')).toBe(true);
    }
    expect(json.findings.map((f: { ruleId: string }) => f.ruleId)).toEqual(expect.arrayContaining(['migration/create-index-non-concurrent', 'security/hardcoded-secret']));
    expect(json.checklist.length).toBeGreaterThan(0);
    expect(json.stats.filesAnalyzed).toBeGreaterThan(0);
  });

  it('exits 0 with --fail-on never', async () => {
    expect((await cli(['scan', 'fixtures/demo', '--fail-on', 'never'])).code).toBe(0);
  });

  it('writes SARIF 2.1.0 that validates against the schema', async () => {
    const { stdout } = await cli(['scan', 'fixtures/demo', '--format', 'sarif']);
    const schema = JSON.parse(readFileSync(new URL('../node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json', import.meta.url), 'utf8'));
    // The SARIF 2.1.0 schema is written in JSON Schema draft-04.
    const ajv = new AjvDraft04({ strict: false, allErrors: true, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const sarif = JSON.parse(stdout);
    const ok = validate(sarif);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // The validator is not vacuous: a malformed result is rejected.
    expect(validate({ ...sarif, runs: [{ ...sarif.runs[0], results: [{ level: 'fatal' }] }] })).toBe(false);
    const run = sarif.runs[0];
    expect(run.tool.driver.rules.length).toBeGreaterThan(2);
    expect(run.results.length).toBeGreaterThan(0);
    for (const r of run.results) {
      expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
      expect(r.partialFingerprints['backendReview/v1']).toMatch(/^[0-9a-f]+$/);
    }
    expect(run.results.some((r: { fixes?: unknown[] }) => r.fixes && r.fixes.length > 0)).toBe(true);
  });

  it('prints markdown with the checklist', async () => {
    const { stdout } = await cli(['scan', 'fixtures/demo', '--format', 'markdown']);
    expect(stdout).toContain('## Backend Review');
    expect(stdout).toContain('### Checklist');
    expect(stdout).toMatch(/- ❌ /);
    expect(stdout).toMatch(/- \[ \] /);
  });

  it('skips binary, oversized and invalid UTF-8 files with a note, without crashing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'br-skip-'));
    write(dir, 'img.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1]));
    write(dir, 'bad.ts', Buffer.from([0x63, 0x6f, 0x6e, 0x73, 0x74, 0x20, 0xff, 0xfe, 0x0a]));
    write(dir, 'big.sql', 'SELECT 1;\n'.repeat(200_000));
    const { code, stdout } = await cli(['scan', '.', '--format', 'json'], dir);
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    const reasons = Object.fromEntries(json.skipped.map((s: { path: string; reason: string }) => [s.path, s.reason]));
    expect(reasons['img.png']).toBe('binary file');
    expect(reasons['bad.ts']).toBe('not valid UTF-8');
    expect(reasons['big.sql']).toMatch(/larger than 1 MB/);
  });

  it('exits 2 with a readable message for a broken config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'br-cfg-'));
    write(dir, 'bad.yml', 'fail_on: sometimes\nrulez: {}\n');
    const { code, stderr, stdout } = await cli(['scan', '.', '--config', 'bad.yml'], dir);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/bad\.yml: fail_on: Invalid option: expected one of "error"\|"warning"\|"never"/);
    expect(stderr).toMatch(/rulez: unknown key/);
  });

  it('reads .github/backend-review.yml at the repository root', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'br-root-'));
    git(dir, 'init', '-q');
    write(dir, '.github/backend-review.yml', 'rules:\n  migration/create-index-non-concurrent: off\n');
    write(dir, 'db/migrations/001.sql', 'CREATE INDEX a_idx ON a (b);\n');
    const { stdout } = await cli(['scan', 'db', '--format', 'json'], dir);
    const ids = JSON.parse(stdout).findings.map((f: { ruleId: string }) => f.ruleId);
    expect(ids).not.toContain('migration/create-index-non-concurrent');
    const without = await cli(['scan', 'db', '--format', 'json', '--config', '/dev/null'], dir);
    expect(JSON.parse(without.stdout).findings.map((f: { ruleId: string }) => f.ruleId)).toContain('migration/create-index-non-concurrent');
  });

  it('sees the files beside a file named on its own: its down migration is not reported missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'br-named-'));
    write(dir, 'db/migrations/000002_note.up.sql', 'ALTER TABLE orders ADD COLUMN note text;\n');
    write(dir, 'db/migrations/000003_tag.up.sql', 'ALTER TABLE orders ADD COLUMN tag text;\n');
    write(dir, 'db/migrations/000002_note.down.sql', 'ALTER TABLE orders DROP COLUMN note;\n');
    const ids = async (file: string) => {
      const r = await cli(['scan', file, '--format', 'json', '--fail-on', 'never'], dir);
      return (JSON.parse(r.stdout).findings as { ruleId: string; path: string }[]).map((f) => `${f.ruleId} ${f.path}`);
    };
    const withDown = await ids('db/migrations/000002_note.up.sql');
    expect(withDown).not.toContain('migration/missing-down-migration db/migrations/000002_note.up.sql');
    expect(withDown.every((f) => f.endsWith('000002_note.up.sql'))).toBe(true); // neighbours are context, not reviewed
    expect(await ids('db/migrations/000003_tag.up.sql')).toContain('migration/missing-down-migration db/migrations/000003_tag.up.sql');
  });

  it('exits 2 for usage errors and missing paths', async () => {
    expect((await cli(['scan', '--format', 'xml'])).code).toBe(2);
    expect((await cli(['frobnicate'])).code).toBe(2);
    const missing = await cli(['scan', 'no/such/dir']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no\/such\/dir: no such file or directory/);
  });
});

describe('backend-review review', () => {
  let repo: string;
  let first: string;

  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'br-git-'));
    git(repo, 'init', '-q', '-b', 'main');
    write(repo, 'db/migrations/001_orders.sql', 'CREATE INDEX orders_user_idx ON orders (user_id);\n');
    write(repo, 'src/orders.ts', "export function load() {\n  console.log('old');\n}\n");
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'first');
    first = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
    git(repo, 'checkout', '-qb', 'feature');
    write(repo, 'db/migrations/001_orders.sql', '-- orders\nCREATE INDEX orders_user_idx ON orders (user_id);\nCREATE INDEX orders_email_idx ON orders (email);\n');
    write(repo, 'src/orders.ts', "export function load() {\n  console.log('old');\n  console.warn('new');\n}\n");
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'second');
  });

  it('reports findings on changed lines only', async () => {
    const { code, stdout } = await cli(['review', '--base', first, '--head', 'feature', '--format', 'json'], repo);
    const json = JSON.parse(stdout);
    const where = json.findings.map((f: { ruleId: string; path: string; startLine: number }) => `${f.ruleId} ${f.path}:${f.startLine}`);
    expect(where).toEqual(expect.arrayContaining(['migration/create-index-non-concurrent db/migrations/001_orders.sql:3', 'observability/console-log src/orders.ts:3']));
    // Line 3 of each file is the only added line; nothing on the unchanged lines is reported.
    for (const f of json.findings) expect(f.startLine <= 3 && f.endLine >= 3, `${f.ruleId} at ${f.path}:${f.startLine}`).toBe(true);
    expect(where).not.toContain('observability/console-log src/orders.ts:2');
    expect(code).toBe(1);
  });

  it('defaults --base to main and reviews the working tree, untracked files included', async () => {
    write(repo, 'db/migrations/002_users.sql', 'CREATE INDEX users_email_idx ON users (email);\n');
    const { stdout } = await cli(['review', '--format', 'json'], repo);
    const findings = JSON.parse(stdout).findings.filter((f: { ruleId: string }) => ['migration/create-index-non-concurrent', 'observability/console-log'].includes(f.ruleId));
    const paths = findings.map((f: { path: string; startLine: number }) => `${f.path}:${f.startLine}`);
    expect(paths).toEqual(['db/migrations/001_orders.sql:3', 'db/migrations/002_users.sql:1', 'src/orders.ts:3']);
  });

  it('exits 2 for an unknown base', async () => {
    const { code, stderr } = await cli(['review', '--base', 'nope'], repo);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--base nope: not a commit/);
  });
});

describe('the built command', () => {
  it('pipes large JSON output completely and sets the exit status', () => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'scan', 'fixtures/demo', '--format', 'json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(res.status).toBe(1);
    expect(() => JSON.parse(res.stdout)).not.toThrow();
  });
});
