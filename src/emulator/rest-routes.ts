import { commentableLines } from '../sources/diff-lines.js';
import type { EmulatorResponse, GitHubEmulator } from './emulator.js';
import { blobSha, commitSha } from './git.js';
import type { CheckRunRecord, IssueComment, Pull, Repo, ReviewRecord } from './state.js';

export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  url: URL;
  headers: Record<string, string | string[] | undefined>;
  apiBase: string;
}

export type Handler = (ctx: RouteContext) => EmulatorResponse;

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): EmulatorResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body,
});
export const error = (status: number, message: string, extra: Record<string, unknown> = {}) =>
  json(status, { message, documentation_url: 'https://docs.github.com/rest', ...extra });

/**
 * The REST operations the emulator serves (see operations.ts), behaving like GitHub where
 * it matters to the app: pagination, review comments only on diff lines, body limits.
 */
export function restRoutes(emu: GitHubEmulator): Record<string, Handler> {
  const repoOr404 = (params: Record<string, string>) => emu.repo(params.owner, params.repo);
  const bot = { login: emu.botLogin, type: 'Bot' as const };

  return {
    'POST /app/installations/{installation_id}/access_tokens': () =>
      json(201, { token: `ghs_emulated${emu.id()}`, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: {}, repository_selection: 'all' }),

    'GET /app': () => json(200, { id: emu.appId, slug: emu.appSlug, name: 'Backend Review', owner: { login: 'backend-review' }, events: [], permissions: {} }),

    'GET /repos/{owner}/{repo}': ({ params, apiBase }) => {
      const repo = repoOr404(params);
      return repo ? json(200, repoJson(emu, repo, apiBase)) : error(404, 'Not Found');
    },

    'GET /repos/{owner}/{repo}/contents/{path}': ({ params, query, headers }) => {
      const repo = repoOr404(params);
      if (!repo) return error(404, 'Not Found');
      const ref = query.get('ref') ?? repo.defaultBranch;
      const sha = repo.branches.get(ref) ?? (repo.commits.has(ref) ? ref : undefined);
      const content = sha ? emu.fileAt(repo, sha, params.path) : undefined;
      if (content === undefined) return error(404, 'Not Found');
      const accept = String(headers.accept ?? '');
      if (accept.includes('raw')) return { status: 200, headers: { 'content-type': 'application/vnd.github.raw; charset=utf-8' }, body: content };
      return json(200, { type: 'file', encoding: 'base64', path: params.path, name: params.path.split('/').pop(), sha: blobSha(content), size: Buffer.byteLength(content), content: Buffer.from(content).toString('base64') });
    },

    'GET /repos/{owner}/{repo}/pulls': ({ params, query, url, apiBase }) => {
      const repo = repoOr404(params);
      if (!repo) return error(404, 'Not Found');
      const state = query.get('state') ?? 'open';
      const pulls = emu.pulls.filter((p) => p.repo === repo && (state === 'all' || p.state === state)).map((p) => pullJson(emu, p, apiBase));
      return paginate(pulls, query, url);
    },

    'GET /repos/{owner}/{repo}/pulls/{pull_number}': ({ params, apiBase }) => {
      const repo = repoOr404(params);
      const pull = repo && emu.pull(repo, Number(params.pull_number));
      return pull ? json(200, pullJson(emu, pull, apiBase)) : error(404, 'Not Found');
    },

    'GET /repos/{owner}/{repo}/pulls/{pull_number}/files': ({ params, query, url }) => {
      const repo = repoOr404(params);
      const pull = repo && emu.pull(repo, Number(params.pull_number));
      if (!pull) return error(404, 'Not Found');
      return paginate(emu.pullFiles(pull).slice(0, 3000), query, url);
    },

    'POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews': ({ params, body }) => {
      const repo = repoOr404(params);
      const pull = repo && emu.pull(repo, Number(params.pull_number));
      if (!pull) return error(404, 'Not Found');
      const commitId = String(body.commit_id ?? pull.headSha);
      if (!pull.repo.commits.has(commitId)) return error(422, 'Unprocessable Entity', { errors: ['commit_id is not part of the pull request'] });
      if ((body.event === 'COMMENT' || body.event === 'REQUEST_CHANGES') && !body.body) return error(422, 'Unprocessable Entity', { errors: ['Body is required for this event'] });
      const files = new Map(pullFilesAt(emu, pull, commitId).map((f) => [f.filename, f.patch]));
      const comments = (body.comments as { path: string; body: string; line?: number; start_line?: number; side?: string }[] | undefined) ?? [];
      for (const c of comments) {
        const patch = files.get(c.path);
        if (patch === undefined || c.line === undefined) return error(422, 'Unprocessable Entity', { errors: ['Path could not be resolved'] });
        const hunk = commentableLines(patch).find((r) => r.start <= c.line! && c.line! <= r.end);
        if (!hunk || c.side === 'LEFT') return error(422, 'Unprocessable Entity', { errors: ['Pull request review thread line must be part of the diff'] });
        if (c.start_line !== undefined && (c.start_line < hunk.start || c.start_line > c.line)) return error(422, 'Unprocessable Entity', { errors: ['Pull request review thread start line must be part of the same hunk as the line.'] });
        if (c.body.length > 65_536) return error(422, 'Unprocessable Entity', { errors: ['Body is too long (maximum is 65536 characters)'] });
      }
      const review: ReviewRecord = { id: emu.id(), pull, event: String(body.event ?? 'PENDING'), body: String(body.body ?? ''), commitId, author: emu.botLogin, comments: [] };
      for (const c of comments) {
        const comment = { id: emu.id(), body: c.body, path: c.path, line: c.line!, startLine: c.start_line, author: emu.botLogin, commitId };
        review.comments.push(comment);
        emu.threads.push({ id: `PRRT_${emu.id()}`, pull, path: c.path, isResolved: false, comments: [comment] });
      }
      emu.reviews.push(review);
      return json(200, { id: review.id, node_id: `PRR_${review.id}`, state: review.event === 'COMMENT' ? 'COMMENTED' : review.event, body: review.body, commit_id: commitId, user: bot, html_url: `https://github.com/${repo!.owner}/${repo!.name}/pull/${pull.number}#pullrequestreview-${review.id}` });
    },

    'POST /repos/{owner}/{repo}/check-runs': ({ params, body }) => {
      const repo = repoOr404(params);
      if (!repo) return error(404, 'Not Found');
      if (!repo.commits.has(String(body.head_sha))) return error(422, 'Unprocessable Entity', { errors: ['No commit found for SHA'] });
      const problem = checkOutput(body.output as Record<string, unknown> | undefined);
      if (problem) return error(422, problem);
      const run: CheckRunRecord = { id: emu.id(), repo, name: String(body.name), headSha: String(body.head_sha), status: String(body.status ?? 'queued'), conclusion: body.conclusion as string | undefined, output: {}, annotations: [], updates: [body] };
      if (run.conclusion) run.status = 'completed';
      mergeOutput(run, body.output as Record<string, unknown> | undefined);
      emu.checkRuns.push(run);
      return json(201, checkJson(emu, run));
    },

    'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}': ({ params, body }) => {
      const run = emu.checkRuns.find((c) => c.id === Number(params.check_run_id));
      if (!run) return error(404, 'Not Found');
      const problem = checkOutput(body.output as Record<string, unknown> | undefined);
      if (problem) return error(422, problem);
      run.updates.push(body);
      if (body.status) run.status = String(body.status);
      if (body.conclusion) {
        run.conclusion = String(body.conclusion);
        run.status = 'completed';
      }
      mergeOutput(run, body.output as Record<string, unknown> | undefined);
      return json(200, checkJson(emu, run));
    },

    'GET /repos/{owner}/{repo}/commits/{ref}/check-runs': ({ params, query }) => {
      const repo = repoOr404(params);
      if (!repo) return error(404, 'Not Found');
      const sha = repo.branches.get(params.ref) ?? params.ref;
      const name = query.get('check_name');
      let runs = emu.checkRuns.filter((c) => c.repo === repo && c.headSha === sha && (!name || c.name === name));
      // filter=latest (the default) keeps the most recent run of each name.
      if ((query.get('filter') ?? 'latest') === 'latest') runs = runs.filter((c) => !runs.some((o) => o.name === c.name && o.id > c.id));
      const sorted = [...runs].sort((a, b) => b.id - a.id);
      return json(200, { total_count: sorted.length, check_runs: sorted.map((c) => checkJson(emu, c)) });
    },

    'GET /repos/{owner}/{repo}/issues/{issue_number}/comments': ({ params, query, url }) => {
      const repo = repoOr404(params);
      if (!repo) return error(404, 'Not Found');
      const list = emu.comments.filter((c) => c.repo === repo && c.issueNumber === Number(params.issue_number)).map((c) => commentJson(emu, c));
      return paginate(list, query, url);
    },

    'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': ({ params, body }) => {
      const repo = repoOr404(params);
      if (!repo) return error(404, 'Not Found');
      if (String(body.body).length > 65_536) return error(422, 'Validation Failed', { errors: [{ message: 'Body is too long (maximum is 65536 characters)' }] });
      const comment = emu.newComment(repo, Number(params.issue_number), String(body.body), bot);
      emu.comments.push(comment);
      return json(201, commentJson(emu, comment));
    },

    'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}': ({ params, body }) => {
      const comment = emu.comments.find((c) => c.id === Number(params.comment_id));
      if (!comment) return error(404, 'Not Found');
      if (comment.user.login !== emu.botLogin) return error(403, 'Resource not accessible by integration');
      if (String(body.body).length > 65_536) return error(422, 'Validation Failed', { errors: [{ message: 'Body is too long (maximum is 65536 characters)' }] });
      comment.body = String(body.body);
      comment.updatedAt = emu.now();
      return json(200, commentJson(emu, comment));
    },

    'POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions': ({ params, body }) => {
      const comment = emu.comments.find((c) => c.id === Number(params.comment_id));
      if (!comment) return error(404, 'Not Found');
      comment.reactions.push({ content: String(body.content), user: emu.botLogin });
      return json(201, { id: emu.id(), content: body.content, user: bot, created_at: emu.now() });
    },

    'GET /repos/{owner}/{repo}/collaborators/{username}/permission': ({ params }) => {
      const repo = repoOr404(params);
      if (!repo) return error(404, 'Not Found');
      const permission = repo.permissions.get(params.username) ?? (repo.private ? 'none' : 'read');
      const legacy = permission === 'maintain' ? 'write' : permission === 'triage' ? 'read' : permission;
      return json(200, { permission: legacy, role_name: permission, user: { login: params.username, type: 'User' } });
    },

    'GET /repos/{owner}/{repo}/git/trees/{tree_sha}': ({ params, query }) => {
      const repo = repoOr404(params);
      const sha = repo && (repo.branches.get(params.tree_sha) ?? params.tree_sha);
      const commit = sha ? repo!.commits.get(sha) : undefined;
      if (!commit) return error(404, 'Not Found');
      const recursive = query.has('recursive');
      const dirs = new Set<string>();
      const tree: Record<string, unknown>[] = [];
      for (const [path, content] of [...commit.files].sort(([a], [b]) => a.localeCompare(b))) {
        const parts = path.split('/');
        if (!recursive && parts.length > 1) {
          dirs.add(parts[0]);
          continue;
        }
        for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
        tree.push({ path, mode: '100644', type: 'blob', sha: blobSha(content), size: Buffer.byteLength(content) });
      }
      for (const dir of dirs) tree.push({ path: dir, mode: '040000', type: 'tree', sha: commitSha(`tree:${sha}:${dir}`) });
      return json(200, { sha, truncated: false, tree });
    },
  };
}

function pullFilesAt(emu: GitHubEmulator, pull: Pull, commitId: string) {
  if (commitId === pull.headSha) return emu.pullFiles(pull);
  return emu.pullFiles({ ...pull, headSha: commitId });
}

function repoJson(emu: GitHubEmulator, repo: Repo, apiBase: string) {
  return {
    id: repo.id,
    node_id: `R_${repo.id}`,
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    private: repo.private,
    owner: { login: repo.owner, id: 1, type: 'Organization' },
    html_url: `https://github.com/${repo.owner}/${repo.name}`,
    url: `${apiBase}/repos/${repo.owner}/${repo.name}`,
    default_branch: repo.defaultBranch,
  };
}

function pullJson(emu: GitHubEmulator, pull: Pull, apiBase: string) {
  const repo = repoJson(emu, pull.repo, apiBase);
  return {
    id: pull.number + 9000,
    number: pull.number,
    state: pull.state,
    draft: pull.draft,
    title: pull.title,
    user: { login: pull.author, type: 'User' },
    html_url: `https://github.com/${pull.repo.owner}/${pull.repo.name}/pull/${pull.number}`,
    head: { ref: pull.headRef, sha: pull.headSha, repo, user: { login: pull.repo.owner } },
    base: { ref: pull.baseRef, sha: pull.baseSha, repo, user: { login: pull.repo.owner } },
  };
}

function checkJson(emu: GitHubEmulator, run: CheckRunRecord) {
  return { id: run.id, name: run.name, head_sha: run.headSha, status: run.status, conclusion: run.conclusion ?? null, output: { ...run.output, annotations_count: run.annotations.length }, app: { id: emu.appId, slug: emu.appSlug } };
}

function commentJson(emu: GitHubEmulator, c: IssueComment) {
  return {
    id: c.id,
    node_id: `IC_${c.id}`,
    body: c.body,
    user: { login: c.user.login, type: c.user.type },
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    html_url: `https://github.com/${c.repo.owner}/${c.repo.name}/pull/${c.issueNumber}#issuecomment-${c.id}`,
    author_association: c.user.type === 'Bot' ? 'NONE' : 'MEMBER',
  };
}

function paginate(items: unknown[], query: URLSearchParams, url: URL): EmulatorResponse {
  const perPage = Math.min(100, Number(query.get('per_page') ?? 30));
  const page = Number(query.get('page') ?? 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const headers: Record<string, string> = {};
  if (page < last) {
    const link = (p: number) => {
      const next = new URL(url);
      next.searchParams.set('page', String(p));
      next.searchParams.set('per_page', String(perPage));
      return next.toString();
    };
    headers.link = `<${link(page + 1)}>; rel="next", <${link(last)}>; rel="last"`;
  }
  return json(200, slice, headers);
}

function checkOutput(output: Record<string, unknown> | undefined): string | undefined {
  if (!output) return undefined;
  for (const key of ['summary', 'text'] as const) {
    if (typeof output[key] === 'string' && (output[key] as string).length > 65_535) return `Invalid request.\n\nOnly 65535 characters are allowed; ${(output[key] as string).length} were supplied (output.${key}).`;
  }
  const annotations = output.annotations as unknown[] | undefined;
  if (annotations && annotations.length > 50) return 'Invalid request.\n\nOnly 50 annotations are allowed per request.';
  return undefined;
}

function mergeOutput(run: CheckRunRecord, output: Record<string, unknown> | undefined): void {
  if (!output) return;
  for (const key of ['title', 'summary', 'text'] as const) if (typeof output[key] === 'string') run.output[key] = output[key] as string;
  if (Array.isArray(output.annotations)) run.annotations.push(...(output.annotations as CheckRunRecord['annotations']));
}
