import { META_RULES } from '../meta-rules.js';
import type { Finding, ReviewResult } from '../model.js';
import { toMarkdown } from '../reporters/markdown.js';
import { anchorFor } from './anchors.js';
import { annotationsFor, checkTitle, conclusionFor, type CheckRun } from './check-run.js';
import type { GitHubClient, Logger, PullRef } from './client.js';
import { inlineComment, type ReviewComment } from './inline-comment.js';
import type { SummaryState } from './markers.js';
import { listAppThreads, resolveThread, unresolveThread, type AppThread } from './review-threads.js';
import { findSummary, summaryBody, type ExistingSummary } from './summary-comment.js';
import type { WriteQueue } from './write-queue.js';

export interface PublisherOptions {
  writes: WriteQueue;
  log: Logger;
  /** The app's bot login (`slug[bot]`); when known, only its own comments are trusted. */
  botLogin?: string;
  /** `/backend-review`, shown in comments. */
  commandPrefix: string;
  /** Web URL of the repository, for links to lines (default https://github.com/owner/repo). */
  htmlUrl?: string;
}

export interface PublishInput {
  result: ReviewResult;
  headSha: string;
  patches: Map<string, string>;
  notes: string[];
  maxInlineComments: number;
  state: SummaryState;
  summary?: ExistingSummary;
}

export interface PublishOutcome {
  posted: number;
  resolved: number;
  notInline: { finding: Finding; reason: string }[];
  summaryId: number;
}

/**
 * Posts a review result to a pull request in order, one write at a time: the check-run
 * conclusion with annotations, then one review with the new inline comments (resolving
 * threads whose finding went away), then the sticky summary comment. Works with any
 * Octokit, so it does not depend on Probot's context.
 */
export class Publisher {
  constructor(
    private readonly octokit: GitHubClient,
    private readonly pull: PullRef,
    private readonly options: PublisherOptions,
  ) {}

  async publish(check: CheckRun | undefined, input: PublishInput): Promise<PublishOutcome> {
    const { result } = input;
    const link = this.blobLink(input.headSha);
    if (check) {
      const summary = `${checkTitle(result)}. The details are in the pull request's Backend Review comment.\n\n` + toMarkdown(result, { link, maxLength: 60_000 });
      await check.conclude(conclusionFor(result), checkTitle(result), summary, annotationsFor(result.findings));
    }

    const threads = await listAppThreads(this.octokit, this.pull, this.options.botLogin);
    const current = new Set(result.findings.map((f) => f.fingerprint));
    const resolved = await this.resolveGone(threads, current, unsureAbout(result));
    // A finding the app saw fixed is back (a fix was reverted): reopen its thread. Threads a person resolved stay resolved.
    for (const thread of threads) {
      if (!thread.resolvedByApp || !current.has(thread.fingerprint)) continue;
      await this.options.writes.run('unresolveReviewThread', () => unresolveThread(this.octokit, thread.id));
      thread.isResolved = false;
    }

    const known = new Set(threads.map((t) => t.fingerprint));
    const stillOpen = threads.filter((t) => !t.isResolved && current.has(t.fingerprint)).length;
    let budget = Math.max(0, input.maxInlineComments - stillOpen);
    const notInline: { finding: Finding; reason: string }[] = [];
    const comments: { finding: Finding; comment: ReviewComment }[] = [];
    const suggested: { path: string; start: number; end: number }[] = [];
    for (const finding of result.findings) {
      if (known.has(finding.fingerprint)) continue;
      const anchor = anchorFor(finding, input.patches);
      if (anchor?.suggestion) {
        // Two suggestions over the same lines cannot both be applied: the later one is shown as plain code.
        const start = anchor.startLine ?? anchor.line;
        if (suggested.some((r) => r.path === anchor.path && r.start <= anchor.line && start <= r.end)) anchor.suggestion = false;
        else suggested.push({ path: anchor.path, start, end: anchor.line });
      }
      if (!anchor) {
        notInline.push({ finding, reason: finding.path && !finding.wholeChange ? 'outside the diff' : 'about the change as a whole' });
      } else if (budget <= 0) {
        notInline.push({ finding, reason: `over the cap of ${input.maxInlineComments} inline comments` });
      } else {
        budget--;
        comments.push({ finding, comment: inlineComment(finding, anchor, this.options.commandPrefix) });
      }
    }

    let posted = 0;
    if (comments.length) {
      try {
        await this.options.writes.run('pulls.createReview', () =>
          this.octokit.rest.pulls.createReview({
            owner: this.pull.owner,
            repo: this.pull.repo,
            pull_number: this.pull.pullNumber,
            commit_id: input.headSha,
            event: 'COMMENT',
            body: `Backend Review left ${comments.length} comment${comments.length === 1 ? '' : 's'} on this push. The checklist and the full list are in the summary comment.`,
            comments: comments.map((c) => c.comment),
          }),
        );
        posted = comments.length;
      } catch (err) {
        const status = (err as { status?: number }).status;
        this.options.log.warn({ err, status }, 'the review was rejected; listing its findings in the summary instead');
        const reason = status === 422 ? 'rejected by GitHub (422: a line not in the diff, as far as GitHub is concerned)' : 'not posted because GitHub failed';
        for (const c of comments) notInline.push({ finding: c.finding, reason });
      }
    }

    const urls = new Map(threads.map((t) => [t.fingerprint, t.url]));
    if (posted) for (const t of await listAppThreads(this.octokit, this.pull, this.options.botLogin)) urls.set(t.fingerprint, t.url);
    const summaryId = await this.upsertSummary(input, {
      result,
      state: input.state,
      headSha: input.headSha,
      previousBody: input.summary?.body,
      notInline,
      notes: input.notes,
      link: (f) => urls.get(f.fingerprint) ?? link(f),
      commandPrefix: this.options.commandPrefix,
    });
    return { posted, resolved, notInline, summaryId };
  }

  /**
   * Resolves the app's open threads whose finding is no longer reported. Where a rule
   * crashed this time, a missing finding proves nothing, so those threads stay open.
   */
  private async resolveGone(threads: AppThread[], current: Set<string>, unsure: (path: string) => boolean): Promise<number> {
    let resolved = 0;
    for (const thread of threads) {
      if (thread.isResolved || current.has(thread.fingerprint) || unsure(thread.path)) continue;
      await this.options.writes.run('resolveReviewThread', () => resolveThread(this.octokit, thread.id));
      resolved++;
    }
    return resolved;
  }

  /** Edits the sticky summary in place, or creates it the first time. Unchanged bodies are not re-sent. */
  async upsertSummary(input: { summary?: ExistingSummary }, summary: Parameters<typeof summaryBody>[0]): Promise<number> {
    const body = summaryBody(summary);
    return this.writeSummary(body, input.summary ?? (await findSummary(this.octokit, this.pull, this.options.botLogin)));
  }

  async writeSummary(body: string, existing: ExistingSummary | undefined): Promise<number> {
    const { owner, repo, pullNumber } = this.pull;
    if (existing) {
      if (existing.body !== body) {
        await this.options.writes.run('issues.updateComment', () =>
          this.octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body }),
        );
      }
      return existing.id;
    }
    const { data } = await this.options.writes.run('issues.createComment', () =>
      this.octokit.rest.issues.createComment({ owner, repo, issue_number: pullNumber, body }),
    );
    return data.id;
  }

  private blobLink(sha: string): (f: Finding) => string | undefined {
    const base = this.options.htmlUrl ?? `https://github.com/${this.pull.owner}/${this.pull.repo}`;
    return (f) =>
      f.path ? `${base}/blob/${sha}/${f.path.split('/').map(encodeURIComponent).join('/')}#L${f.startLine}${f.endLine > f.startLine ? `-L${f.endLine}` : ''}` : undefined;
  }
}

/** Paths where a rule failed during this review (every path, if a whole-change rule failed). */
function unsureAbout(result: ReviewResult): (path: string) => boolean {
  const failed = result.findings.filter((f) => f.ruleId === META_RULES.analyzerError);
  if (failed.some((f) => !f.path)) return () => true;
  const paths = new Set(failed.map((f) => f.path));
  return (path) => paths.has(path);
}
