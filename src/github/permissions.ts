import type { GitHubClient, RepoRef } from './client.js';

/** Whether a user can push to the repository (write, maintain or admin), per the collaborator-permission API. */
export async function hasWriteAccess(octokit: GitHubClient, repo: RepoRef, username: string): Promise<boolean> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username });
    const role = (data as { role_name?: string }).role_name;
    return data.permission === 'admin' || data.permission === 'write' || role === 'maintain' || role === 'admin' || role === 'write';
  } catch (err) {
    // 404: not a collaborator at all.
    if ((err as { status?: number }).status === 404) return false;
    throw err;
  }
}
