import type { Context, Probot } from 'probot';
import { alreadyReviewed, CheckRun } from './check-run.js';
import type { GitHubClient, Logger } from './client.js';
import { handleComment } from './commands.js';
import { loadRepoConfig } from './config.js';
import { openPullsForSha } from './find-pulls.js';
import { Lanes } from './lanes.js';
import { CHECK_NAME } from './limits.js';
import type { PublisherOptions } from './publisher.js';
import { runReview } from './run-review.js';
import { WriteQueue, type WriteQueueOptions } from './write-queue.js';

export interface AppOptions {
  /** Pacing of writes; tests turn the pauses off. */
  writes?: Omit<WriteQueueOptions, 'log'>;
  /** The app's slug when GitHub cannot be asked (defaults to APP_SLUG or `backend-review`). */
  slug?: string;
}

type AnyContext = Context<'pull_request' | 'check_run' | 'check_suite' | 'issue_comment'>;

interface Identity {
  slug: string;
  botLogin?: string;
}

const COMMAND_PREFIX = '/backend-review';

/**
 * The Backend Review GitHub App. Reviews pull requests on open, push, reopen and ready
 * for review; re-runs on the check's Re-run button; answers slash commands; logs
 * installations. All analysis happens in the engine; this layer only talks to GitHub.
 */
export function createApp(options: AppOptions = {}) {
  return (app: Probot): void => {
    const lanes = new Lanes();
    const queues = new Map<number, WriteQueue>();
    const writesFor = (installation: number | undefined) => {
      const key = installation ?? 0;
      let queue = queues.get(key);
      if (!queue) {
        queue = new WriteQueue({ ...options.writes, log: app.log });
        queues.set(key, queue);
      }
      return queue;
    };

    let identity: Promise<Identity> | undefined;
    const whoAmI = (): Promise<Identity> =>
      (identity ??= (async () => {
        try {
          const octokit = await app.auth();
          const { data } = await octokit.rest.apps.getAuthenticated();
          if (data?.slug) return { slug: data.slug, botLogin: `${data.slug}[bot]` };
        } catch (err) {
          app.log.warn({ err }, 'could not look up the app slug; comments are matched by marker only');
          identity = undefined;
        }
        return { slug: options.slug ?? process.env.APP_SLUG ?? 'backend-review' };
      })());

    const publisherOptions = async (context: AnyContext): Promise<PublisherOptions> => {
      const me = await whoAmI();
      return {
        writes: writesFor((context.payload as { installation?: { id: number } }).installation?.id),
        log: context.log as unknown as Logger,
        botLogin: me.botLogin,
        commandPrefix: COMMAND_PREFIX,
        htmlUrl: context.payload.repository.html_url,
      };
    };

    /** Reviews one head commit of one PR, in the PR's lane. */
    const reviewPull = async (context: AnyContext, pullNumber: number, headSha: string, how: { draft?: boolean; duplicateCheck: boolean }) => {
      const repo = context.repo();
      const lane = `${repo.owner}/${repo.repo}#${pullNumber}`;
      await lanes.run(lane, async () => {
        // Claim the head either way, so a late duplicate webhook after an explicit re-run is dropped too.
        const firstClaim = lanes.claim(lane, headSha);
        if (how.duplicateCheck && !firstClaim) {
          context.log.info({ pull: pullNumber, headSha }, 'this head was already reviewed; ignoring the duplicate event');
          return;
        }
        const publisher = await publisherOptions(context);
        const octokit = context.octokit as unknown as GitHubClient;
        const me = await whoAmI();
        // Only filter by app when the slug really came from GitHub.
        if (how.duplicateCheck && (await alreadyReviewed(octokit, { ...repo, pullNumber }, headSha, me.botLogin ? me.slug : undefined, me.botLogin))) {
          context.log.info({ pull: pullNumber, headSha }, 'this head already has a Backend Review check run; ignoring the event');
          return;
        }
        let loaded;
        try {
          loaded = await loadRepoConfig(context);
        } catch (err) {
          lanes.release(lane, headSha);
          const check = await CheckRun.start(octokit, repo, headSha, publisher.writes);
          await check.conclude('neutral', 'Backend Review could not finish', `Reading the configuration failed: GitHub answered ${(err as { status?: number }).status}. Comment \`${COMMAND_PREFIX} review\` to try again.`);
          return;
        }
        if ('error' in loaded) {
          // Once the config is fixed, a redelivery or reopen of this head may review it.
          lanes.release(lane, headSha);
          const check = await CheckRun.start(octokit, repo, headSha, publisher.writes);
          await check.conclude(
            'failure',
            'Invalid configuration',
            `${loaded.error}\n\nFix \`.github/backend-review.yml\` on the default branch (or the organisation's \`.github\` repository). Nothing was reviewed.`,
          );
          return;
        }
        if (how.draft && !loaded.config.github.review_drafts) {
          lanes.release(lane, headSha);
          context.log.info({ pull: pullNumber }, 'draft pull request; set github.review_drafts to review drafts');
          return;
        }
        const outcome = await runReview({ octokit, pull: { ...repo, pullNumber }, headSha, config: loaded.config, publisher, log: publisher.log });
        if (outcome !== 'reviewed') lanes.release(lane, headSha);
      });
    };

    app.on(['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request.ready_for_review'], async (context) => {
      const pr = context.payload.pull_request;
      if (pr.state === 'closed') return;
      await reviewPull(context, pr.number, pr.head.sha, { draft: pr.draft, duplicateCheck: true });
    });

    const rerun = async (context: AnyContext, headSha: string, listed: { number: number; base: { repo: { id: number } } }[]) => {
      const here = listed.filter((p) => p.base.repo.id === context.payload.repository.id).map((p) => p.number);
      // Fork PRs are not listed in check payloads: find them by their head commit.
      const numbers = here.length ? here : (await openPullsForSha(context.octokit as unknown as GitHubClient, context.repo(), headSha)).map((p) => p.number);
      if (!numbers.length) context.log.info({ headSha }, 'no open pull request has this head; nothing to re-run');
      for (const n of numbers) await reviewPull(context, n, headSha, { duplicateCheck: false });
    };

    app.on('check_run.rerequested', async (context) => {
      const run = context.payload.check_run;
      if (run.name !== CHECK_NAME) return;
      await rerun(context, run.head_sha, run.pull_requests);
    });

    app.on('check_suite.rerequested', async (context) => {
      const suite = context.payload.check_suite;
      await rerun(context, suite.head_sha, suite.pull_requests);
    });

    app.on('issue_comment.created', async (context) => {
      const me = await whoAmI();
      await handleComment(context, {
        slug: me.slug,
        botLogin: me.botLogin,
        publisherOptions: () => publisherOptions(context),
        reviewNow: async (ctx, pullNumber) => {
          const { data } = await ctx.octokit.rest.pulls.get({ ...ctx.repo(), pull_number: pullNumber });
          await reviewPull(ctx, pullNumber, data.head.sha, { duplicateCheck: false });
        },
      });
    });

    app.on(['installation', 'installation_repositories'], async (context) => {
      const p = context.payload as { action: string; installation: { id: number; account?: { login?: string } | null }; repositories_added?: { full_name: string }[]; repositories_removed?: { full_name: string }[]; repositories?: { full_name: string }[] };
      context.log.info(
        {
          event: context.name,
          action: p.action,
          installation: p.installation.id,
          account: p.installation.account?.login,
          added: (p.repositories_added ?? (p.action === 'created' ? p.repositories : undefined))?.map((r) => r.full_name),
          removed: p.repositories_removed?.map((r) => r.full_name),
        },
        'installation changed; nothing to set up per repository',
      );
    });
  };
}

export default createApp();
