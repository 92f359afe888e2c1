import type { Context } from 'probot';
import { ruleDoc } from './rule-docs.js';
import { helpText, parseCommand, type Command } from './command-parser.js';
import type { GitHubClient, PullRef } from './client.js';
import { hasWriteAccess } from './permissions.js';
import { findSummary, pendingSummaryBody } from './summary-comment.js';
import { Publisher, type PublisherOptions } from './publisher.js';
import { summaryMarker, type SummaryState } from './markers.js';

export interface CommandDeps {
  slug: string;
  botLogin?: string;
  publisherOptions: () => Promise<PublisherOptions>;
  /** Re-reviews the PR's current head (used by `review` and after `ignore`). */
  reviewNow: (context: Context<'issue_comment.created'>, pullNumber: number) => Promise<void>;
}

/**
 * Handles `/backend-review …` comments on pull requests. Bots (this app included) are
 * ignored. `review`, `help` and `explain` are open to the PR author and anyone with write
 * access; `ignore` needs write access. Accepted commands get a 👍 reaction; refused ones
 * get a polite reply and change nothing.
 */
export async function handleComment(context: Context<'issue_comment.created'>, deps: CommandDeps): Promise<void> {
  const { comment, issue } = context.payload;
  if (!issue.pull_request) return;
  if (!comment.user || comment.user.type === 'Bot' || comment.user.login.endsWith('[bot]') || comment.user.login === deps.botLogin) return;
  const command = parseCommand(comment.body ?? '', deps.slug);
  if (!command) return;

  const octokit = context.octokit;
  const repo = context.repo();
  const pull: PullRef = { ...repo, pullNumber: issue.number };
  const user = comment.user.login;
  const isAuthor = issue.user?.login === user;
  const { writes } = await deps.publisherOptions();
  const reply = (body: string) =>
    writes.run('issues.createComment (reply)', () => octokit.rest.issues.createComment({ ...repo, issue_number: issue.number, body: `@${user} ${body}` }));
  const acknowledge = () =>
    writes.run('reactions.createForIssueComment', () => octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: comment.id, content: '+1' }));
  context.log.info({ pull: issue.number, user, command: command.name }, 'slash command');

  if (command.name === 'unknown') {
    await reply(`I don't know the command \`${escapeCode(command.word)}\`.\n\n${helpText(deps.slug)}`);
    return;
  }
  const needsWrite = command.name === 'ignore';
  const allowed = !needsWrite && isAuthor ? true : await hasWriteAccess(octokit as unknown as GitHubClient, repo, user);
  if (!allowed) {
    await reply(
      needsWrite
        ? 'thanks — ignoring a rule needs write access to this repository, so nothing was changed. Someone with write access can run it.'
        : 'thanks — only the pull request author and people with write access can run Backend Review commands, so nothing was changed.',
    );
    return;
  }

  switch (command.name) {
    case 'help':
      await acknowledge();
      await reply(helpText(deps.slug));
      return;
    case 'explain':
      return explain(command, reply, acknowledge);
    case 'review':
      await acknowledge();
      await deps.reviewNow(context, issue.number);
      return;
    case 'ignore': {
      const doc = command.ruleId ? ruleDoc(command.ruleId) : undefined;
      if (!command.ruleId || !doc) {
        await reply(`${command.ruleId ? `there is no rule \`${escapeCode(command.ruleId)}\`.` : 'which rule?'} Write \`/backend-review ignore <rule-id> <reason>\`, with an id from the summary or the README.`);
        return;
      }
      if (!command.reason) {
        await reply(`please say why: \`/backend-review ignore ${doc.id} <reason>\`. The reason is recorded in the summary.`);
        return;
      }
      const publisher = new Publisher(octokit as unknown as GitHubClient, pull, await deps.publisherOptions());
      const existing = await findSummary(octokit as unknown as GitHubClient, pull, deps.botLogin);
      const state = existing?.state ?? { ignores: [] };
      const ignores = [...state.ignores.filter((i) => i.rule !== doc.id), { rule: doc.id, by: user, reason: command.reason.slice(0, 500), at: comment.created_at }];
      // Persist first: the app keeps no state of its own, the summary's marker is the record.
      const body = existing ? replaceMarker(existing.body, { ...state, ignores }) : pendingSummaryBody({ ignores });
      await publisher.writeSummary(body, existing);
      await acknowledge();
      await deps.reviewNow(context, issue.number);
      return;
    }
  }
}

async function explain(command: Extract<Command, { name: 'explain' }>, reply: (body: string) => Promise<unknown>, acknowledge: () => Promise<unknown>) {
  const doc = command.ruleId ? ruleDoc(command.ruleId) : undefined;
  if (!doc) {
    await reply(`${command.ruleId ? `there is no rule \`${escapeCode(command.ruleId)}\`.` : 'which rule?'} Write \`/backend-review explain <rule-id>\`, with an id from a review comment or the README.`);
    return;
  }
  await acknowledge();
  await reply(
    [`**\`${doc.id}\`: ${doc.title}** (${doc.severity})`, '', doc.description, ...(doc.guidance ? ['', `Guidance: ${doc.guidance}`] : [])].join('\n'),
  );
}

function replaceMarker(body: string, state: SummaryState): string {
  return body.replace(/<!-- backend-review:summary [^>]*-->/, summaryMarker(state));
}

function escapeCode(text: string): string {
  return text.replace(/`/g, "'").slice(0, 100);
}
