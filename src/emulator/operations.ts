/**
 * The GitHub REST operations the app calls, as "METHOD /path/{template}". Their request
 * schemas are extracted from @octokit/openapi into fixtures/github/schemas.json by
 * scripts/extract-github-schemas.ts; the emulator and the tests validate every request
 * against them. Add an operation here before the app starts calling it.
 */
export const OPERATIONS = [
  'POST /app/installations/{installation_id}/access_tokens',
  'GET /app',
  'GET /repos/{owner}/{repo}',
  'GET /repos/{owner}/{repo}/contents/{path}',
  'GET /repos/{owner}/{repo}/pulls',
  'GET /repos/{owner}/{repo}/pulls/{pull_number}',
  'GET /repos/{owner}/{repo}/pulls/{pull_number}/files',
  'POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews',
  'POST /repos/{owner}/{repo}/check-runs',
  'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
  'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
  'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
  'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
  'POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions',
  'GET /repos/{owner}/{repo}/collaborators/{username}/permission',
  'GET /repos/{owner}/{repo}/git/trees/{tree_sha}',
  'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
] as const;

export type Operation = (typeof OPERATIONS)[number];
