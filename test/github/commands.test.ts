import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/github/command-parser.js';
import { world } from './world.js';
import { issueCommentCreated, pullRequestEvent } from './payloads.js';
import { startHarness, stopHarness, type Harness } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = startHarness();
});
afterEach(() => {
  expect(h.emu.violations).toEqual([]);
  stopHarness();
});

const replies = (h: Harness) => h.emu.comments.filter((c) => c.user.type === 'Bot' && !c.body.includes('backend-review:summary'));
const reactionsOn = (h: Harness, id: number) => h.emu.comments.find((c) => c.id === id)!.reactions.map((r) => r.content);

describe('parseCommand', () => {
  it('reads /backend-review and @slug commands, not quotes or code blocks', () => {
    expect(parseCommand('/backend-review review', 'backend-review')).toEqual({ name: 'review' });
    expect(parseCommand('thanks!\n@backend-review explain migration/drop-column', 'backend-review')).toEqual({ name: 'explain', ruleId: 'migration/drop-column' });
    expect(parseCommand('/backend-review ignore observability/console-log it is a CLI', 'x')).toEqual({ name: 'ignore', ruleId: 'observability/console-log', reason: 'it is a CLI' });
    expect(parseCommand('> /backend-review review', 'x')).toBeUndefined();
    expect(parseCommand('```\n/backend-review review\n```', 'x')).toBeUndefined();
    expect(parseCommand('please run /backend-review review', 'x')).toBeUndefined();
    expect(parseCommand('/backend-review frobnicate', 'x')).toEqual({ name: 'unknown', word: 'frobnicate' });
  });
});

describe('slash commands', () => {
  it('help: answers the author with the command list and a reaction', async () => {
    const { pull } = world(h.emu);
    const payload = issueCommentCreated(h.emu, pull, 'dev', '/backend-review help');
    await h.receive('issue_comment', payload);
    expect(replies(h)).toHaveLength(1);
    expect(replies(h)[0].body).toContain('ignore <rule-id> <reason>');
    expect(reactionsOn(h, payload.comment.id)).toEqual(['+1']);
  });

  it('help via @slug works for a writer who is not the author', async () => {
    const { pull } = world(h.emu);
    const payload = issueCommentCreated(h.emu, pull, 'maintainer', '@backend-review help');
    await h.receive('issue_comment', payload);
    expect(replies(h)[0].body).toContain('Backend Review commands');
  });

  it('refuses review, help and explain from someone who is neither the author nor a writer', async () => {
    const { pull } = world(h.emu);
    for (const cmd of ['review', 'help', 'explain migration/create-index-non-concurrent']) {
      const payload = issueCommentCreated(h.emu, pull, 'stranger', `/backend-review ${cmd}`);
      await h.receive('issue_comment', payload);
      expect(reactionsOn(h, payload.comment.id)).toEqual([]);
    }
    expect(replies(h)).toHaveLength(3);
    expect(replies(h).every((r) => r.body.startsWith('@stranger thanks') && r.body.includes('nothing was changed'))).toBe(true);
    expect(h.emu.checkRuns).toHaveLength(0);
  });

  it('explain: replies with the rule docs and its guidance section', async () => {
    const { pull } = world(h.emu);
    await h.receive('issue_comment', issueCommentCreated(h.emu, pull, 'dev', '/backend-review explain migration/create-index-non-concurrent'));
    const [reply] = replies(h);
    expect(reply.body).toContain('`migration/create-index-non-concurrent`');
    expect(reply.body).toContain('Guidance: Database Schema Design Reference › Online DDL Safety');
  });

  it('explain with an unknown rule says so', async () => {
    const { pull } = world(h.emu);
    await h.receive('issue_comment', issueCommentCreated(h.emu, pull, 'dev', '/backend-review explain migration/nope'));
    expect(replies(h)[0].body).toContain('there is no rule `migration/nope`');
  });

  it('review: the author re-runs the review now', async () => {
    const { pull } = world(h.emu);
    const payload = issueCommentCreated(h.emu, pull, 'dev', '/backend-review review');
    await h.receive('issue_comment', payload);
    expect(reactionsOn(h, payload.comment.id)).toEqual(['+1']);
    expect(h.emu.checkRunsFor(pull)[0].conclusion).toBe('failure');
    expect(h.emu.summaryOf(pull)).toBeDefined();
  });

  it('ignore: a writer ignores a rule; it is recorded with who and why and the check is recomputed', async () => {
    const { pull, repo } = world(h.emu);
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    expect(h.emu.checkRunsFor(pull)[0].conclusion).toBe('failure');
    const thread = h.emu.threadsOf(pull).find((t) => t.comments[0].body.includes('create-index-non-concurrent'))!;
    h.emu.setPermission(repo, 'lead', 'admin');
    const payload = issueCommentCreated(h.emu, pull, 'lead', '/backend-review ignore migration/create-index-non-concurrent orders has 200 rows | fine');
    await h.receive('issue_comment', payload);
    expect(reactionsOn(h, payload.comment.id)).toEqual(['+1']);
    const runs = h.emu.checkRunsFor(pull);
    expect(runs).toHaveLength(2);
    expect(runs[1].conclusion).not.toBe('failure');
    const summary = h.emu.summaryOf(pull)!.body;
    expect(summary).toContain('### Ignored on this pull request');
    expect(summary).toContain('| `migration/create-index-non-concurrent` | @lead | orders has 200 rows \\| fine |');
    expect(thread.isResolved).toBe(true);

    // The ignore survives later pushes: the summary's marker is the record.
    h.emu.push(pull, { 'README.md': 'notes\n' });
    await h.receive('pull_request', pullRequestEvent('synchronize', pull));
    expect(h.emu.checkRunsFor(pull)[0].conclusion).not.toBe('failure');
    expect(h.emu.summaryOf(pull)!.body).toContain('@lead');
    expect(h.emu.comments.filter((c) => c.body.includes('backend-review:summary'))).toHaveLength(1);
  });

  it('ignore: refused without write access, even for the author', async () => {
    const { pull, repo } = world(h.emu);
    h.emu.setPermission(repo, 'dev', 'read');
    const payload = issueCommentCreated(h.emu, pull, 'dev', '/backend-review ignore migration/create-index-non-concurrent small table');
    await h.receive('issue_comment', payload);
    expect(replies(h)[0].body).toContain('ignoring a rule needs write access');
    expect(reactionsOn(h, payload.comment.id)).toEqual([]);
    expect(h.emu.summaryOf(pull)).toBeUndefined();
    expect(h.emu.checkRuns).toHaveLength(0);
  });

  it('ignore: asks for a reason and a known rule', async () => {
    const { pull } = world(h.emu);
    await h.receive('issue_comment', issueCommentCreated(h.emu, pull, 'maintainer', '/backend-review ignore migration/create-index-non-concurrent'));
    await h.receive('issue_comment', issueCommentCreated(h.emu, pull, 'maintainer', '/backend-review ignore nope/nothing because'));
    expect(replies(h).map((r) => r.body)).toEqual([expect.stringContaining('please say why'), expect.stringContaining('there is no rule `nope/nothing`')]);
    expect(h.emu.checkRuns).toHaveLength(0);
  });

  it('ignores comments from bots, including its own, and comments on issues', async () => {
    const { pull } = world(h.emu);
    await h.receive('issue_comment', issueCommentCreated(h.emu, pull, 'backend-review[bot]', '/backend-review review', 'Bot'));
    await h.receive('issue_comment', issueCommentCreated(h.emu, pull, 'dependabot[bot]', '/backend-review review', 'Bot'));
    const onIssue = issueCommentCreated(h.emu, pull, 'dev', '/backend-review review');
    delete onIssue.issue.pull_request;
    await h.receive('issue_comment', onIssue);
    expect(h.emu.requests.filter((r) => r.method !== 'GET' && !r.route.includes('access_tokens'))).toEqual([]);
  });

  it('answers an unknown command with the list', async () => {
    const { pull } = world(h.emu);
    await h.receive('issue_comment', issueCommentCreated(h.emu, pull, 'dev', '/backend-review frobnicate'));
    expect(replies(h)[0].body).toContain("I don't know the command `frobnicate`");
  });

  it('keeps the boxes reviewers ticked when the summary is rewritten', async () => {
    const { pull } = world(h.emu);
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    const summary = h.emu.summaryOf(pull)!;
    const box = /^- \[ \] (.+)$/m.exec(summary.body)!;
    summary.body = summary.body.replace(box[0], `- [x] ${box[1]}`);
    await h.receive('issue_comment', issueCommentCreated(h.emu, pull, 'dev', '/backend-review review'));
    expect(h.emu.summaryOf(pull)!.body).toContain(`- [x] ${box[1]}`);
  });
});
