import type { Finding, ReviewResult, Severity } from '../model.js';
import type { GitHubClient, PullRef, RepoRef } from './client.js';
import { findSummary } from './summary-comment.js';
import { CHECK_NAME, LIMITS, truncate } from './limits.js';
import type { WriteQueue } from './write-queue.js';

type AnnotationLevel = 'failure' | 'warning' | 'notice';
const LEVEL: Record<Severity, AnnotationLevel> = { error: 'failure', warning: 'warning', notice: 'notice' };

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: AnnotationLevel;
  message: string;
  title: string;
}

export type Conclusion = 'success' | 'neutral' | 'failure' | 'cancelled';

/** The check run that gates the merge. Every write goes through the write queue. */
export class CheckRun {
  private constructor(
    private readonly octokit: GitHubClient,
    private readonly repo: RepoRef,
    private readonly writes: WriteQueue,
    readonly id: number,
  ) {}

  /** Creates the run as in_progress on the head SHA. */
  static async start(octokit: GitHubClient, repo: RepoRef, headSha: string, writes: WriteQueue): Promise<CheckRun> {
    const { data } = await writes.run('checks.create', () =>
      octokit.rest.checks.create({
        ...repo,
        name: CHECK_NAME,
        head_sha: headSha,
        status: 'in_progress',
        started_at: new Date().toISOString(),
        output: { title: 'Reviewing…', summary: 'Backend Review is reading the changed migrations, handlers and config.' },
      }),
    );
    return new CheckRun(octokit, repo, writes, data.id);
  }

  /** A run created earlier (by the webhook handler), for a worker to conclude. */
  static existing(octokit: GitHubClient, repo: RepoRef, id: number, writes: WriteQueue): CheckRun {
    return new CheckRun(octokit, repo, writes, id);
  }

  /**
   * Concludes the run. GitHub takes at most 50 annotations per request and appends the
   * annotations of later updates, so all batches but the last go out while the run is
   * still in progress and the last one comes with the conclusion.
   */
  async conclude(conclusion: Conclusion, title: string, summary: string, annotations: Annotation[] = []): Promise<void> {
    const output = { title: truncate(title, LIMITS.annotationTitle, '…'), summary: truncate(summary, LIMITS.checkOutput) };
    const batches: Annotation[][] = [];
    for (let i = 0; i < annotations.length; i += LIMITS.annotationsPerRequest) batches.push(annotations.slice(i, i + LIMITS.annotationsPerRequest));
    const last = batches.pop() ?? [];
    for (const batch of batches) {
      await this.writes.run('checks.update (annotations)', () =>
        this.octokit.rest.checks.update({ ...this.repo, check_run_id: this.id, output: { ...output, annotations: batch } }),
      );
    }
    await this.writes.run('checks.update (conclusion)', () =>
      this.octokit.rest.checks.update({
        ...this.repo,
        check_run_id: this.id,
        status: 'completed',
        conclusion,
        completed_at: new Date().toISOString(),
        output: last.length ? { ...output, annotations: last } : output,
      }),
    );
  }
}

/** Titles of concluded runs that did not review anything, so the head still needs a review. */
const NOT_A_REVIEW = new Set(['Backend Review could not finish', 'Invalid configuration', 'Superseded', 'Superseded by a newer push', 'Pull request not found']);

/**
 * Whether this app already reviewed (or is reviewing) a PR at a head commit: its latest
 * check run there is running, or concluded with a verdict that the summary still shows
 * (after a force-push back to an older commit the summary shows another head, so it is
 * reviewed again). Lets a redelivered or duplicate webhook be dropped even by another app
 * instance or after a restart.
 */
export async function alreadyReviewed(octokit: GitHubClient, pull: PullRef, headSha: string, appSlug: string | undefined, botLogin: string | undefined): Promise<boolean> {
  const found = await headRuns(octokit, pull, headSha, appSlug, botLogin);
  return found.running !== undefined || found.reviewed;
}

/**
 * This app's check runs on a head commit, as the worker needs them: the one still running (left by an earlier try
 * of the job, whose run the worker takes over instead of starting a second one), and whether a finished run there
 * already holds a review that the summary still shows. One request, two when a verdict needs the summary checked.
 */
export async function headRuns(octokit: GitHubClient, pull: PullRef, headSha: string, appSlug: string | undefined, botLogin: string | undefined): Promise<{ running?: number; reviewed: boolean }> {
  const repo = { owner: pull.owner, repo: pull.repo };
  const { data } = await octokit.rest.checks.listForRef({ ...repo, ref: headSha, check_name: CHECK_NAME, filter: 'latest', per_page: 10 });
  const mine = data.check_runs.filter((r) => !appSlug || r.app?.slug === appSlug);
  const running = mine.find((r) => r.status !== 'completed')?.id;
  if (running !== undefined) return { running, reviewed: false };
  if (!mine.some((r) => r.conclusion !== 'cancelled' && !NOT_A_REVIEW.has(r.output?.title ?? ''))) return { reviewed: false };
  const summary = await findSummary(octokit, pull, botLogin);
  return { reviewed: summary?.state.head === headSha };
}

/** Only `failure` blocks a merge: required checks pass on success and neutral. */
export function conclusionFor(result: ReviewResult): Conclusion {
  if (result.failed) return 'failure';
  return result.findings.length > 0 ? 'neutral' : 'success';
}

export function checkTitle(result: ReviewResult): string {
  const { error, warning, notice } = result.stats.bySeverity;
  if (result.findings.length === 0) return 'No problems found';
  const parts = [
    error ? `${error} error${error === 1 ? '' : 's'}` : '',
    warning ? `${warning} warning${warning === 1 ? '' : 's'}` : '',
    notice ? `${notice} notice${notice === 1 ? '' : 's'}` : '',
  ].filter(Boolean);
  return parts.join(', ');
}

export function annotationsFor(findings: Finding[]): Annotation[] {
  return findings
    .filter((f) => f.path)
    .map((f) => ({
      path: f.path,
      start_line: f.startLine,
      end_line: f.endLine,
      annotation_level: LEVEL[f.severity],
      title: truncate(f.ruleId, LIMITS.annotationTitle, '…'),
      message: truncate(f.message, 60_000),
    }));
}
