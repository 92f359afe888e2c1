import { createRequire } from 'node:module';
import type { GitHubEmulator } from '../../src/emulator/index.js';
import type { Pull, Repo } from '../../src/emulator/state.js';

const require = createRequire(import.meta.url);
type Json = Record<string, any>;
const examples: { name: string; examples: Json[] }[] = require('@octokit/webhooks-examples/api.github.com/index.json');

/** A real payload from @octokit/webhooks-examples (deep copy). */
export function example(name: string, action: string, pick: (p: Json) => boolean = () => true): Json {
  const found = examples.find((e) => e.name === name)?.examples.find((p) => p.action === action && pick(p));
  if (!found) throw new Error(`no ${name}.${action} example`);
  return structuredClone(found);
}

export const INSTALLATION = { id: 77, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNzc=' };

/** Points a payload's repository at the emulator's repository; adds `installation`. */
function adaptRepo(payload: Json, repo: Repo): Json {
  payload.repository.id = repo.id;
  payload.repository.name = repo.name;
  payload.repository.full_name = `${repo.owner}/${repo.name}`;
  payload.repository.owner.login = repo.owner;
  payload.repository.html_url = `https://github.com/${repo.owner}/${repo.name}`;
  payload.repository.default_branch = repo.defaultBranch;
  payload.installation = INSTALLATION;
  return payload;
}

export function pullRequestEvent(action: 'opened' | 'synchronize' | 'reopened' | 'ready_for_review', pull: Pull): Json {
  const payload = adaptRepo(example('pull_request', action), pull.repo);
  payload.number = pull.number;
  Object.assign(payload.pull_request, { number: pull.number, draft: pull.draft, state: 'open' });
  payload.pull_request.user.login = pull.author;
  payload.pull_request.head.sha = pull.headSha;
  payload.pull_request.base.sha = pull.baseSha;
  payload.pull_request.base.repo.id = pull.repo.id;
  return payload;
}

/** check_run.rerequested as GitHub sends it for a fork PR: `pull_requests` is empty. */
export function checkRunRerequested(pull: Pull, name = 'Backend Review'): Json {
  const payload = adaptRepo(example('check_run', 'rerequested'), pull.repo);
  payload.check_run.name = name;
  payload.check_run.head_sha = pull.headSha;
  payload.check_run.pull_requests = [];
  return payload;
}

export function checkSuiteRerequested(pull: Pull): Json {
  const payload = adaptRepo(example('check_suite', 'rerequested'), pull.repo);
  payload.check_suite.head_sha = pull.headSha;
  const listed = payload.check_suite.pull_requests[0];
  listed.number = pull.number;
  listed.head.sha = pull.headSha;
  listed.base.repo.id = pull.repo.id;
  payload.check_suite.pull_requests = [listed];
  return payload;
}

/** issue_comment.created on a PR: the example plus `issue.pull_request`. */
export function issueCommentCreated(emu: GitHubEmulator, pull: Pull, user: string, body: string, type: 'User' | 'Bot' = 'User'): Json {
  const payload = adaptRepo(example('issue_comment', 'created'), pull.repo);
  const comment = type === 'User' ? emu.addHumanComment(pull, user, body) : { id: emu.id(), createdAt: new Date().toISOString() };
  payload.issue.number = pull.number;
  payload.issue.user.login = pull.author;
  payload.issue.pull_request = {
    url: `https://api.github.com/repos/${pull.repo.owner}/${pull.repo.name}/pulls/${pull.number}`,
    html_url: `https://github.com/${pull.repo.owner}/${pull.repo.name}/pull/${pull.number}`,
    diff_url: `https://github.com/${pull.repo.owner}/${pull.repo.name}/pull/${pull.number}.diff`,
    patch_url: `https://github.com/${pull.repo.owner}/${pull.repo.name}/pull/${pull.number}.patch`,
  };
  Object.assign(payload.comment, { id: comment.id, body, created_at: comment.createdAt });
  Object.assign(payload.comment.user, { login: user, type });
  return payload;
}
