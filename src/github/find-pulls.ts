import type { GitHubClient, RepoRef } from './client.js';

export interface PullHead {
  number: number;
  headSha: string;
}

/**
 * The open pull requests whose head is a commit. Check-run and check-suite payloads list
 * none for pull requests from forks, so the app looks them up itself.
 */
export async function openPullsForSha(octokit: GitHubClient, repo: RepoRef, sha: string): Promise<PullHead[]> {
  const pulls = await octokit.paginate(octokit.rest.pulls.list, { ...repo, state: 'open', per_page: 100 });
  return pulls.filter((p) => p.head.sha === sha).map((p) => ({ number: p.number, headSha: p.head.sha }));
}
