import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Octokit } from '@octokit/rest';
import { CONFIG_PATH, ConfigError, defaultConfig, loadConfigFile, parseConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { ReviewResult } from '../model.js';
import { AnalysisStoppedError, sharedAnalysisPool, type AnalysisPool } from '../pool/pool.js';
import { toSarif } from '../reporters/sarif.js';
import { toText } from '../reporters/text.js';
import { CheckRun } from './check-run.js';
import type { GitHubClient, Logger, PullRef } from './client.js';
import { loadPullChangeSet } from './pr-source.js';
import { concludeAfterFailure, runReview } from './run-review.js';
import { WriteQueue } from './write-queue.js';

export const CI_EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface CiModeOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Also (and on a read-only token, instead) write the findings as SARIF to this file. */
  sarif?: string;
  /** A local config file instead of the one on the default branch. */
  config?: string;
  failOn?: Config['fail_on'];
  color?: boolean;
  version: string;
  /** Tests: pacing of writes (GitHub asks for about a second between mutations). */
  writes?: WriteQueue;
  /** Tests: the Octokit to use instead of one built from GITHUB_TOKEN and GITHUB_API_URL. */
  octokit?: GitHubClient;
  /** Where the analysis runs (default: the process's shared worker-thread pool). */
  analysis?: AnalysisPool;
}

class UsageError extends Error {}

interface Target {
  pull: PullRef;
  headSha: string;
}

/** Owner, repo, PR number and head SHA from GITHUB_REPOSITORY and the event payload at GITHUB_EVENT_PATH. */
function targetFromEnv(env: NodeJS.ProcessEnv): Target {
  const [owner, repo, ...rest] = (env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !repo || rest.length) throw new UsageError('GITHUB_REPOSITORY must be set to owner/repo');
  if (!env.GITHUB_EVENT_PATH) throw new UsageError('GITHUB_EVENT_PATH must point to the event payload of a pull_request event');
  let event: { pull_request?: { number?: number; head?: { sha?: string } }; number?: number };
  try {
    event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read the event payload ${env.GITHUB_EVENT_PATH}: ${(err as Error).message}`);
  }
  const number = event.pull_request?.number ?? event.number;
  const headSha = event.pull_request?.head?.sha;
  if (!Number.isInteger(number) || !headSha) {
    throw new UsageError('the event is not a pull request (no pull_request.number and head.sha): run --github on pull_request or pull_request_target events');
  }
  return { pull: { owner, repo, pullNumber: number! }, headSha };
}

/**
 * The config from the default branch, as the app reads it, so a pull request cannot switch its own review off.
 * (The organisation's `.github` repository and `_extends` are not read in CI mode.)
 */
async function remoteConfig(octokit: GitHubClient, pull: PullRef): Promise<Config> {
  const { data: repo } = await octokit.rest.repos.get({ owner: pull.owner, repo: pull.repo });
  try {
    const { data } = await octokit.rest.repos.getContent({ owner: pull.owner, repo: pull.repo, path: CONFIG_PATH, ref: repo.default_branch });
    if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) return defaultConfig();
    return parseConfig(Buffer.from(data.content, 'base64').toString('utf8'), `${CONFIG_PATH} (${repo.default_branch})`);
  } catch (err) {
    if ((err as { status?: number }).status === 404) return defaultConfig();
    throw err;
  }
}

/** A write refused because the token cannot write here (a fork PR's read-only GITHUB_TOKEN), not a rate limit. */
function isReadOnly(err: unknown): boolean {
  const e = err as { status?: number; message?: string; response?: { headers?: Record<string, string | undefined> } };
  if (e?.status !== 403 && e?.status !== 404) return false;
  if (e.response?.headers?.['retry-after'] || /rate limit|abuse/i.test(e.message ?? '')) return false;
  return true;
}

/**
 * `backend-review review --github`: reviews the pull request of the current CI job and posts the check run, the inline
 * review and the sticky summary through @octokit/rest with the same publisher as the App. When the token cannot write
 * (fork pull requests get a read-only GITHUB_TOKEN), the findings go to the job log and to SARIF instead. The exit
 * status follows fail_on either way.
 */
export async function runCiMode(options: CiModeOptions): Promise<number> {
  const { env } = options;
  const logLines: string[] = [];
  const log: Logger = {
    info: (o, m) => logLines.push(String(m ?? o)),
    warn: (o, m) => options.stderr(`backend-review: ${m ?? (typeof o === 'string' ? o : JSON.stringify(o))}\n`),
    error: (o, m) => options.stderr(`backend-review: ${m ?? (typeof o === 'string' ? o : JSON.stringify(o))}\n`),
  };
  let target: Target;
  let octokit: GitHubClient;
  try {
    target = targetFromEnv(env);
    if (!options.octokit && !env.GITHUB_TOKEN) throw new UsageError('GITHUB_TOKEN must be set (in GitHub Actions: env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }})');
    octokit =
      options.octokit ??
      (new Octokit({ auth: env.GITHUB_TOKEN, baseUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/$/, ''), userAgent: `backend-review/${options.version}` }) as unknown as GitHubClient);
  } catch (err) {
    if (err instanceof UsageError) {
      options.stderr(`backend-review: ${err.message}\n`);
      return CI_EXIT.usage;
    }
    throw err;
  }
  const { pull, headSha } = target;
  const where = `${pull.owner}/${pull.repo}#${pull.pullNumber} at ${headSha.slice(0, 7)}`;

  let config: Config;
  try {
    config = options.config ? await loadConfigFile(resolve(options.cwd, options.config)) : await remoteConfig(octokit, pull);
  } catch (err) {
    if (err instanceof ConfigError) {
      options.stderr(`backend-review: ${err.message}\n`);
      return CI_EXIT.usage;
    }
    throw err;
  }
  if (options.failOn) config = { ...config, fail_on: options.failOn };

  const analysis = options.analysis ?? sharedAnalysisPool();
  const writes = options.writes ?? new WriteQueue({ log: { warn: (o, m) => log.warn(o, m) } });
  const publisher = {
    writes,
    log,
    // In GitHub Actions, GITHUB_TOKEN comments as github-actions[bot]; elsewhere say who posts (BACKEND_REVIEW_BOT_LOGIN).
    botLogin: env.BACKEND_REVIEW_BOT_LOGIN || (env.GITHUB_ACTIONS === 'true' ? 'github-actions[bot]' : undefined),
    commandPrefix: '/backend-review',
    htmlUrl: env.GITHUB_SERVER_URL ? `${env.GITHUB_SERVER_URL.replace(/\/$/, '')}/${pull.owner}/${pull.repo}` : undefined,
  };

  let result: ReviewResult | undefined;
  let readOnlyReason: string | undefined;
  let check: CheckRun | undefined;
  try {
    check = await CheckRun.start(octokit, { owner: pull.owner, repo: pull.repo }, headSha, writes);
  } catch (err) {
    if (!isReadOnly(err)) throw err;
    readOnlyReason = `GitHub refused to create the check run (${(err as { status?: number }).status})`;
  }
  if (check) {
    try {
      const outcome = await runReview({ octokit, pull, headSha, config, publisher, log, check, rethrow: true, analysis, onPublished: (r) => (result = r) });
      if (outcome === 'stale') {
        options.stderr(`backend-review: ${where} is no longer the head of the pull request; the check run is cancelled and nothing was posted.\n`);
        return CI_EXIT.ok;
      }
    } catch (err) {
      if (err instanceof AnalysisStoppedError) {
        await concludeAfterFailure(check, err, log);
        options.stderr(`backend-review: ${err.message}. The check run on ${where} is concluded neutral with that reason and nothing else was posted.\n`);
        return CI_EXIT.ok;
      }
      if (!isReadOnly(err)) {
        await check.conclude('neutral', 'Backend Review could not finish', `GitHub answered ${(err as { status?: number }).status ?? 'with an error'} while publishing. The findings are in the CI job log.`).catch(() => undefined);
        throw err;
      }
      // The publisher concludes the check run first, so it already carries the verdict; a refused conclusion would be refused again.
      readOnlyReason = `GitHub refused a write while publishing (${(err as { status?: number }).status})`;
    }
  }
  if (!result) {
    // Read-only: reading still works, so review the same files the App would and report them locally.
    const loaded = await loadPullChangeSet(octokit, pull, headSha, config);
    try {
      result = await analysis.review(loaded.changeSet, config, { log: { warn: (o, m) => log.warn(o, m) } });
    } catch (err) {
      if (!(err instanceof AnalysisStoppedError)) throw err;
      options.stderr(`backend-review: ${err.message}. ${readOnlyReason}, so nothing was posted on ${where} either.\n`);
      return CI_EXIT.ok;
    }
  }

  options.stdout(toText(result, { color: options.color ?? false }));
  if (options.sarif) {
    writeFileSync(resolve(options.cwd, options.sarif), toSarif(result, { version: options.version }) + '\n');
  }
  if (readOnlyReason) {
    options.stderr(
      `backend-review: ${readOnlyReason}: the token is read-only here, as GITHUB_TOKEN is on pull requests from forks. ` +
        `Nothing was posted on ${where}; the findings are printed above` +
        (options.sarif ? ` and written as SARIF to ${options.sarif} (upload it with github/codeql-action/upload-sarif to see them as code scanning alerts).` : '. Pass --sarif FILE to also write them as SARIF.') +
        '\n',
    );
  } else {
    options.stderr(`backend-review: posted the check run, the review and the summary on ${where}${options.sarif ? `; SARIF written to ${options.sarif}` : ''}.\n`);
  }
  return result.failed ? CI_EXIT.failed : CI_EXIT.ok;
}
