import type { Config } from '../config/schema.js';
import type { ReviewResult } from '../model.js';
import { sharedAnalysisPool, type AnalysisMetrics, type AnalysisPool } from '../pool/pool.js';
import { CheckRun, conclusionFor, type Conclusion } from './check-run.js';
import type { GitHubClient, Logger, PullRef } from './client.js';
import { loadPullChangeSet } from './pr-source.js';
import { Publisher, type PublisherOptions } from './publisher.js';
import { findSummary } from './summary-comment.js';

export type ReviewOutcome = 'reviewed' | 'stale' | 'failed';

export interface RunReviewInput {
  octokit: GitHubClient;
  pull: PullRef;
  headSha: string;
  config: Config;
  publisher: PublisherOptions;
  log: Logger;
  /** Aborted when a newer job supersedes this one (a queue worker); nothing is posted after it fires. */
  signal?: AbortSignal;
  /** The in_progress run the webhook handler created; without it a new run is created here. */
  check?: CheckRun;
  /**
   * Queue mode: a failure is thrown (so the queue retries it, and its dead-letter hook concludes the run)
   * instead of concluding the run as neutral here; an abort throws the signal's reason and posts nothing.
   */
  rethrow?: boolean;
  /** Called once the result is published, with the conclusion posted. */
  onPublished?: (result: ReviewResult, conclusion: Conclusion) => void;
  /** Where the analysis runs: the process's shared worker-thread pool unless given (src/pool/pool.ts). */
  analysis?: AnalysisPool;
  /** Counts files skipped for the per-file time budget and reviews stopped by the whole budget. */
  metrics?: AnalysisMetrics;
}

/**
 * Reviews one head commit of a pull request end to end. The check run is created first
 * and is always concluded: with the verdict, as cancelled when a newer push arrived while
 * the review ran, or as neutral with the reason when the review or GitHub failed, so the
 * bot's own trouble never turns a pull request red.
 */
export async function runReview(input: RunReviewInput): Promise<ReviewOutcome> {
  const { octokit, pull, headSha, log } = input;
  const repo = { owner: pull.owner, repo: pull.repo };
  const check = input.check ?? (await CheckRun.start(octokit, repo, headSha, input.publisher.writes));
  const stopIfAborted = () => {
    if (input.rethrow && input.signal?.aborted) throw input.signal.reason ?? new Error('aborted');
  };
  try {
    const loaded = await loadPullChangeSet(octokit, pull, headSha, input.config);
    stopIfAborted();
    const summary = await findSummary(octokit, pull, input.publisher.botLogin);
    const state = summary?.state ?? { ignores: [] };
    const config = withIgnores(input.config, state.ignores.map((i) => i.rule));
    // In a worker thread: a pathological file is skipped past its time budget; a review past the whole budget
    // throws AnalysisStoppedError (a PermanentJobError: retrying the same commit would stop again).
    let result: ReviewResult | undefined;
    try {
      result = await (input.analysis ?? sharedAnalysisPool()).review(loaded.changeSet, config, { signal: input.signal, log, metrics: input.metrics });
    } catch (err) {
      // The signal stops the analysis thread too; that is handled as an abort below, not as a failure.
      if (!input.signal?.aborted) throw err;
    }

    stopIfAborted();
    if (input.signal?.aborted || !result) {
      log.info({ pull: pull.pullNumber, headSha }, 'review aborted before publishing');
      await check.conclude('cancelled', 'Superseded', 'This review was stopped before anything was posted; a newer review of this pull request replaces it.');
      return 'stale';
    }
    // Just before posting: a newer push owns the PR now, so this result is dropped.
    const { data: current } = await octokit.rest.pulls.get({ ...repo, pull_number: pull.pullNumber });
    stopIfAborted();
    if (current.head.sha !== headSha) {
      log.info({ pull: pull.pullNumber, headSha, newer: current.head.sha }, 'head moved during the review; dropping the result');
      await check.conclude('cancelled', 'Superseded by a newer push', `A newer commit (${current.head.sha.slice(0, 7)}) was pushed while this one was reviewed; the review of the newer commit replaces this one.`);
      return 'stale';
    }

    const outcome = await new Publisher(octokit, pull, input.publisher).publish(check, {
      result,
      headSha,
      patches: loaded.patches,
      notes: loaded.notes,
      maxInlineComments: input.config.github.max_inline_comments,
      state,
      summary,
    });
    log.info({ pull: pull.pullNumber, headSha, findings: result.findings.length, posted: outcome.posted, resolved: outcome.resolved }, 'review published');
    input.onPublished?.(result, conclusionFor(result));
    return 'reviewed';
  } catch (err) {
    if (input.rethrow) throw err;
    log.error({ err, pull: pull.pullNumber, headSha }, 'review failed');
    await concludeAfterFailure(check, err, log);
    return 'failed';
  }
}

/** Rules ignored on this PR with `/backend-review ignore` are switched off for it. */
export function withIgnores(config: Config, rules: string[]): Config {
  if (!rules.length) return config;
  const off = Object.fromEntries(rules.map((r) => [r, 'off' as const]));
  return { ...config, rules: { ...config.rules, ...off } };
}

export async function concludeAfterFailure(check: CheckRun, err: unknown, log: Logger, note?: string): Promise<void> {
  const status = (err as { status?: number }).status;
  const reason = status
    ? `GitHub answered ${status} (${firstLine((err as Error).message)}).`
    : `The review stopped with an error: ${firstLine((err as Error).message ?? String(err))}.`;
  const summary = `${reason}${note ? ` ${note}` : ''}\n\nThis is a problem with Backend Review or GitHub, not with your change, so the check is neutral and does not block the merge. Comment \`/backend-review review\` to try again.`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await check.conclude('neutral', 'Backend Review could not finish', summary);
      return;
    } catch (again) {
      log.error({ err: again, attempt }, 'could not conclude the check run after a failure');
    }
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0].slice(0, 300);
}
