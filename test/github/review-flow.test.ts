import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INDEX_MIGRATION, world } from './world.js';
import { checkRunRerequested, pullRequestEvent } from './payloads.js';
import { startHarness, stopHarness, type Harness } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = startHarness();
});
afterEach(() => {
  expect(h.emu.violations).toEqual([]);
  stopHarness();
});

describe('pull_request.opened', () => {
  it('creates the check run first, concludes it, posts one review with anchored comments and one summary', async () => {
    const { pull } = world(h.emu);
    await h.receive('pull_request', pullRequestEvent('opened', pull));

    const writes = h.emu.writes().map((r) => r.route);
    expect(writes[0]).toBe('POST /repos/{owner}/{repo}/check-runs');
    const order = ['PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', 'POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments'];
    expect(order.map((w) => writes.indexOf(w))).toEqual([...order.map((w) => writes.indexOf(w))].sort((a, b) => a - b));

    const [run] = h.emu.checkRunsFor(pull);
    expect(run.status).toBe('completed');
    expect(run.conclusion).toBe('failure');
    expect(run.name).toBe('Backend Review');
    expect(run.annotations.some((a) => a.path === INDEX_MIGRATION && a.annotation_level === 'failure')).toBe(true);
    expect(run.output.summary).toContain('Checklist');

    expect(h.emu.reviews).toHaveLength(1);
    const review = h.emu.reviews[0];
    expect(review.event).toBe('COMMENT');
    expect(review.commitId).toBe(pull.headSha);
    const index = review.comments.find((c) => c.path === INDEX_MIGRATION && c.body.includes('migration/create-index-non-concurrent'));
    expect(index?.line).toBe(4);
    expect(index?.body).toContain('```suggestion\nCREATE INDEX CONCURRENTLY');
    expect(index?.body).toMatch(/<!-- backend-review:finding [0-9a-f]+ -->/);
    expect(review.comments.some((c) => c.path === 'src/routes/orders.ts' && c.body.includes('observability/console-log'))).toBe(true);

    const summary = h.emu.summaryOf(pull)!;
    expect(summary.body).toContain('<!-- backend-review:summary');
    expect(summary.body).toContain('### Checklist');
    expect(summary.body).toContain('- [ ] ');
    // Failed checklist items and findings link to their inline comments.
    expect(summary.body).toMatch(/^- ❌ Indexes on existing tables are created and dropped CONCURRENTLY[^\n]*\(\[1\]\(https:\/\/github\.com\/acme\/orders\/pull\/1#discussion_r\d+\)\) <sub>/m);
    expect(summary.body).toMatch(/\(https:\/\/github\.com\/acme\/orders\/pull\/1#discussion_r\d+\)/);
  });

  it('reads only the files an analyzer needs, batched into one GraphQL query', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 120; i++) files[`src/handlers/h${i}.ts`] = `export const h${i} = () => ${i};\n`;
    for (let i = 0; i < 40; i++) files[`docs/page${i}.md`] = `# Page ${i}\n`;
    const { pull } = world(h.emu, { files });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    const reads = h.emu.requests.filter((r) => r.method === 'GET' || r.route.startsWith('POST /graphql Blobs'));
    expect(reads.filter((r) => r.route === 'GET /repos/{owner}/{repo}/pulls/{pull_number}/files')).toHaveLength(2);
    const blobQueries = reads.filter((r) => r.route === 'POST /graphql Blobs');
    expect(blobQueries).toHaveLength(3); // 120 code files at 50 per query; the 40 Markdown files are never read
    expect(h.emu.requests.length).toBeLessThan(25);
    expect(h.emu.checkRunsFor(pull)[0].conclusion).toBe('success');
  });

  it('cross-file rules read the head tree in batches, not one request per file', async () => {
    const extra: Record<string, string> = {};
    for (let i = 0; i < 120; i++) extra[`src/services/s${String(i).padStart(3, '0')}.ts`] = `export const s${i} = ${i};\n`;
    extra['src/services/z-legacy.ts'] = "import { pool } from '../db';\nexport const legacy = (id: string) => pool.query('SELECT legacy_ref FROM orders WHERE id = $1', [id]);\n";
    const repo = h.emu.createRepo('acme', 'shop', { ...extra, 'db/migrations/001.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, legacy_ref text);\n' });
    const pull = h.emu.openPull(repo, { files: { 'db/migrations/002_drop_legacy.sql': "SET lock_timeout = '5s';\nALTER TABLE orders DROP COLUMN legacy_ref;\n" } });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    const blobQueries = h.emu.requests.filter((r) => r.route === 'POST /graphql Blobs');
    expect(blobQueries.length).toBeGreaterThan(0);
    // The changed migration, an older migration another rule reads, then 121 code files 50 at a time.
    expect(blobQueries.length).toBeLessThanOrEqual(5);
    expect(h.emu.checkRunsFor(pull)[0].annotations.some((a) => a.title === 'migration/dropped-column-still-referenced')).toBe(true);
  });

  it('re-running on the same head posts nothing new, and a duplicate webhook does nothing at all', async () => {
    const { pull } = world(h.emu);
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    const comments = h.emu.reviews.flatMap((r) => r.comments).length;
    const before = h.emu.requests.length;
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    expect(h.emu.requests.length).toBe(before);

    await h.receive('pull_request', pullRequestEvent('reopened', pull));
    expect(h.emu.requests.length).toBe(before);

    // An explicit re-run reviews again but posts no comment twice and keeps one summary.
    await h.receive('check_run', checkRunRerequested(pull));
    expect(h.emu.reviews).toHaveLength(1);
    expect(h.emu.reviews.flatMap((r) => r.comments)).toHaveLength(comments);
    expect(h.emu.comments.filter((c) => c.user.type === 'Bot')).toHaveLength(1);
    expect(h.emu.checkRunsFor(pull).every((r) => r.status === 'completed')).toBe(true);
  });

  it('another app instance (or a restart) drops a redelivered webhook for a head already reviewed', async () => {
    const { pull } = world(h.emu);
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    stopHarness();
    const second = startHarness(h.emu);
    await second.receive('pull_request', pullRequestEvent('opened', pull));
    expect(h.emu.checkRunsFor(pull)).toHaveLength(1);
    expect(h.emu.reviews).toHaveLength(1);
  });

  it('reviews a head again when a force-push brings the PR back to it', async () => {
    const { pull } = world(h.emu);
    const first = pull.headSha;
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    h.emu.push(pull, { 'README.md': 'notes\n' });
    await h.receive('pull_request', pullRequestEvent('synchronize', pull));
    pull.headSha = first;
    await h.receive('pull_request', pullRequestEvent('synchronize', pull));
    expect(h.emu.checkRunsFor(pull)).toHaveLength(2);
    expect(h.emu.summaryOf(pull)!.body).toContain(`Reviewed at ${first.slice(0, 7)}`);
    // A fresh instance agrees the PR is now reviewed at this head.
    stopHarness();
    const second = startHarness(h.emu);
    await second.receive('pull_request', pullRequestEvent('synchronize', pull));
    expect(h.emu.checkRunsFor(pull)).toHaveLength(2);
  });

  it('a redelivery after a review that could not finish reviews again', async () => {
    const { pull } = world(h.emu);
    h.emu.failNext('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', { status: 502, message: 'Bad Gateway' });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    expect(h.emu.checkRunsFor(pull)[0].conclusion).toBe('neutral');
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    const runs = h.emu.checkRunsFor(pull);
    expect(runs).toHaveLength(2);
    expect(runs[1].conclusion).toBe('failure');
    expect(h.emu.reviews).toHaveLength(1);
  });

  it('resolves the thread of a finding that a push fixed, and comments only on what is new', async () => {
    const { pull } = world(h.emu);
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    const indexThread = h.emu.threadsOf(pull).find((t) => t.comments[0].body.includes('create-index-non-concurrent'))!;
    const logThread = h.emu.threadsOf(pull).find((t) => t.comments[0].body.includes('console-log'))!;
    h.emu.push(pull, { [INDEX_MIGRATION]: '-- Look orders up by contact email.\nALTER TABLE orders ADD COLUMN contact_email text;\n\nCREATE INDEX CONCURRENTLY orders_contact_email_idx ON orders (contact_email);\n' });
    await h.receive('pull_request', pullRequestEvent('synchronize', pull));
    expect(indexThread.isResolved).toBe(true);
    expect(logThread.isResolved).toBe(false);
    expect(h.emu.threadsOf(pull).filter((t) => t.comments[0].body.includes('console-log'))).toHaveLength(1);
    expect(h.emu.comments.filter((c) => c.user.type === 'Bot')).toHaveLength(1);
  });

  it('reopens its thread when a fix is reverted, but not a thread a person resolved', async () => {
    const { pull } = world(h.emu);
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    const index = h.emu.threadsOf(pull).find((t) => t.comments[0].body.includes('create-index-non-concurrent'))!;
    const log = h.emu.threadsOf(pull).find((t) => t.comments[0].body.includes('console-log'))!;
    const original = h.emu.fileAt(pull.repo, pull.headSha, INDEX_MIGRATION)!;
    h.emu.push(pull, { [INDEX_MIGRATION]: original.replace('CREATE INDEX', 'CREATE INDEX CONCURRENTLY') });
    await h.receive('pull_request', pullRequestEvent('synchronize', pull));
    expect(index.isResolved).toBe(true);
    log.isResolved = true; // a reviewer resolves this one by hand
    log.resolvedBy = 'maintainer';
    h.emu.push(pull, { [INDEX_MIGRATION]: original });
    await h.receive('pull_request', pullRequestEvent('synchronize', pull));
    expect(index.isResolved).toBe(false);
    expect(log.isResolved).toBe(true);
    expect(h.emu.threadsOf(pull).filter((t) => t.comments[0].body.includes('create-index-non-concurrent'))).toHaveLength(1);
  });

  it('never resolves a thread someone else opened', async () => {
    const { pull } = world(h.emu);
    h.emu.threads.push({ id: 'PRRT_human', pull, path: INDEX_MIGRATION, isResolved: false, comments: [{ id: 1, body: 'quoting <!-- backend-review:finding 0123456789abcdef0123 -->', path: INDEX_MIGRATION, line: 4, author: 'dev', commitId: pull.headSha }] });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    expect(h.emu.threads.find((t) => t.id === 'PRRT_human')!.isResolved).toBe(false);
  });

  it('skips drafts unless the config asks for them, and reviews when ready', async () => {
    const { pull } = world(h.emu, { draft: true });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    expect(h.emu.checkRuns).toHaveLength(0);
    pull.draft = false;
    await h.receive('pull_request', pullRequestEvent('ready_for_review', pull));
    expect(h.emu.checkRunsFor(pull)).toHaveLength(1);
  });

  it('reviews drafts when github.review_drafts is on', async () => {
    const { pull } = world(h.emu, { draft: true, config: 'github:\n  review_drafts: true\n' });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    expect(h.emu.checkRunsFor(pull)[0].conclusion).toBe('failure');
  });
});
