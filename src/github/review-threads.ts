import type { GitHubClient, PullRef } from './client.js';
import { fingerprintOf } from './markers.js';

/** A review thread the app opened, recognised by the fingerprint marker in its first comment. */
export interface AppThread {
  id: string;
  fingerprint: string;
  isResolved: boolean;
  /** Resolved by the app itself (its finding had gone away), not by a person. */
  resolvedByApp: boolean;
  path: string;
  url: string;
}

interface ThreadsPage {
  repository: {
    pullRequest: {
      reviewThreads: {
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        nodes: {
          id: string;
          isResolved: boolean;
          resolvedBy: { login: string } | null;
          path: string;
          comments: { nodes: { body: string; url: string; author: { login: string } | null }[] };
        }[];
      };
    } | null;
  };
}

const THREADS = `query ReviewThreads($owner: String!, $name: String!, $number: Int!, $cursor: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes { id isResolved resolvedBy { login } path comments(first: 1) { nodes { body url author { login } } } }
      }
    }
  }
}`;

const RESOLVE = `mutation ResolveReviewThread($threadId: ID!) {
  resolveReviewThread(input: { threadId: $threadId }) { thread { id isResolved } }
}`;

/**
 * The app's own review threads on a PR. Only threads whose first comment was written by
 * the app (its bot login) and carries a fingerprint marker count, so a user quoting a
 * marker cannot make the app resolve their thread.
 */
export async function listAppThreads(octokit: GitHubClient, pull: PullRef, botLogin: string | undefined): Promise<AppThread[]> {
  const out: AppThread[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 30; page++) {
    const data: ThreadsPage = await octokit.graphql<ThreadsPage>(THREADS, { owner: pull.owner, name: pull.repo, number: pull.pullNumber, cursor });
    const threads = data.repository.pullRequest?.reviewThreads;
    if (!threads) break;
    for (const node of threads.nodes) {
      const first = node.comments.nodes[0];
      const fingerprint = fingerprintOf(first?.body);
      if (!first || !fingerprint) continue;
      if (botLogin && !sameBot(first.author?.login, botLogin)) continue;
      const resolvedByApp = node.isResolved && Boolean(node.resolvedBy) && sameBot(node.resolvedBy!.login, first.author?.login ?? '');
      out.push({ id: node.id, fingerprint, isResolved: node.isResolved, resolvedByApp, path: node.path, url: first.url });
    }
    if (!threads.pageInfo.hasNextPage) break;
    cursor = threads.pageInfo.endCursor;
  }
  return out;
}

export async function resolveThread(octokit: GitHubClient, threadId: string): Promise<void> {
  await octokit.graphql(RESOLVE, { threadId });
}

const UNRESOLVE = `mutation UnresolveReviewThread($threadId: ID!) {
  unresolveReviewThread(input: { threadId: $threadId }) { thread { id isResolved } }
}`;

export async function unresolveThread(octokit: GitHubClient, threadId: string): Promise<void> {
  await octokit.graphql(UNRESOLVE, { threadId });
}

/** GraphQL names a bot author "slug" where REST says "slug[bot]". */
export function sameBot(login: string | undefined, botLogin: string): boolean {
  if (!login) return false;
  const strip = (l: string) => l.replace(/\[bot\]$/, '').toLowerCase();
  return strip(login) === strip(botLogin);
}
