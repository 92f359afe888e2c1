import { commentableLines } from '../sources/diff-lines.js';
import { blobSha, commitSha, countChanges, githubPatch } from './git.js';
import { handleGraphql } from './graphql.js';
import type { CheckRunRecord, Commit, IssueComment, Pull, RecordedRequest, Repo, ReviewRecord, ReviewThread } from './state.js';
import { RequestValidator, type MatchedRoute } from './validate.js';

export interface EmulatorRequest {
  method: string;
  /** Absolute URL, e.g. https://api.github.com/repos/o/r or http://localhost:1234/api/v3/repos/o/r. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}

export interface EmulatorResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface Failure {
  status: number;
  message?: string;
  headers?: Record<string, string>;
  times?: number;
}

export interface NewPull {
  title?: string;
  author?: string;
  /** Files at the head, relative to the base branch: a string sets a file, null deletes it. */
  files: Record<string, string | null>;
  draft?: boolean;
  headRef?: string;
  omitPatch?: string[];
}

type Handler = (ctx: RouteContext) => EmulatorResponse;
interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  url: URL;
  headers: EmulatorRequest['headers'];
  apiBase: string;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): EmulatorResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body,
});
const error = (status: number, message: string, extra: Record<string, unknown> = {}) =>
  json(status, { message, documentation_url: 'https://docs.github.com/rest', ...extra });

/**
 * A small GitHub API emulator for the tests and the demo. It keeps repositories, pull
 * requests and everything the app posts in memory, behaves like GitHub where it matters to
 * the app (pagination, review comments only on diff lines, 50 annotations per request,
 * body limits), and validates every request against GitHub's OpenAPI request schemas,
 * recording any violation.
 */
export class GitHubEmulator {
  readonly appSlug: string;
  readonly appId = 4242;
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  readonly repos = new Map<string, Repo>();
  readonly pulls: Pull[] = [];
  readonly checkRuns: CheckRunRecord[] = [];
  readonly comments: IssueComment[] = [];
  readonly reviews: ReviewRecord[] = [];
  readonly threads: ReviewThread[] = [];
  private readonly failures = new Map<string, Failure[]>();
  private readonly hooks = new Map<string, (() => void)[]>();
  private readonly validator = new RequestValidator();
  private readonly routes: Record<string, Handler>;
  private nextId = 1000;
  private readonly started = Date.now();
  private clock = Date.parse('2026-01-01T00:00:00Z');

  constructor(options: { appSlug?: string } = {}) {
    this.appSlug = options.appSlug ?? 'backend-review';
    this.routes = this.buildRoutes();
  }

  get botLogin(): string {
    return `${this.appSlug}[bot]`;
  }

  // ---- Setting up the world -------------------------------------------------------------

  createRepo(owner: string, name: string, files: Record<string, string>, options: { defaultBranch?: string } = {}): Repo {
    const defaultBranch = options.defaultBranch ?? 'main';
    const repo: Repo = { id: this.id(), owner, name, defaultBranch, branches: new Map(), commits: new Map(), permissions: new Map(), private: false };
    const commit = this.addCommit(repo, new Map(Object.entries(files)));
    repo.branches.set(defaultBranch, commit.sha);
    this.repos.set(`${owner}/${name}`.toLowerCase(), repo);
    return repo;
  }

  /** Commits changes on top of a branch of a repository and moves the branch. */
  commitToBranch(repo: Repo, branch: string, changes: Record<string, string | null>): string {
    const parent = repo.commits.get(repo.branches.get(branch)!)!;
    const commit = this.addCommit(repo, applyChanges(parent.files, changes), parent.sha);
    repo.branches.set(branch, commit.sha);
    return commit.sha;
  }

  openPull(repo: Repo, pr: NewPull): Pull {
    const baseSha = repo.branches.get(repo.defaultBranch)!;
    const head = this.addCommit(repo, applyChanges(repo.commits.get(baseSha)!.files, pr.files), baseSha);
    const headRef = pr.headRef ?? `change-${this.pulls.length + 1}`;
    repo.branches.set(headRef, head.sha);
    const pull: Pull = {
      repo,
      number: this.pulls.filter((p) => p.repo === repo).length + 1,
      title: pr.title ?? 'A change',
      author: pr.author ?? 'octocat',
      baseRef: repo.defaultBranch,
      baseSha,
      headRef,
      headSha: head.sha,
      draft: pr.draft ?? false,
      state: 'open',
      omitPatch: new Set(pr.omitPatch ?? []),
    };
    this.pulls.push(pull);
    return pull;
  }

  /** A new commit on the PR's head branch. */
  push(pull: Pull, changes: Record<string, string | null>): string {
    const parent = pull.repo.commits.get(pull.headSha)!;
    const commit = this.addCommit(pull.repo, applyChanges(parent.files, changes), parent.sha);
    pull.headSha = commit.sha;
    pull.repo.branches.set(pull.headRef, commit.sha);
    return commit.sha;
  }

  setPermission(repo: Repo, user: string, permission: Repo['permissions'] extends Map<string, infer P> ? P : never): void {
    repo.permissions.set(user, permission);
  }

  /** A comment by a person, as if written on github.com. */
  addHumanComment(pull: Pull, user: string, body: string): IssueComment {
    const comment = this.newComment(pull.repo, pull.number, body, { login: user, type: 'User' });
    this.comments.push(comment);
    return comment;
  }

  /** Makes the next `times` requests to an operation (e.g. "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews", or "POST /graphql ResolveReviewThread") fail. */
  failNext(operation: string, failure: Failure): void {
    this.failures.set(operation, [...(this.failures.get(operation) ?? []), failure]);
  }

  /** Runs `action` once, just before the next request to an operation is served (e.g. a push that lands mid-review). */
  beforeNext(operation: string, action: () => void): void {
    this.hooks.set(operation, [...(this.hooks.get(operation) ?? []), action]);
  }

  private runHook(operation: string): void {
    this.hooks.get(operation)?.shift()?.();
  }

  checkRunsFor(pull: Pull): CheckRunRecord[] {
    return this.checkRuns.filter((c) => c.repo === pull.repo && c.headSha === pull.headSha);
  }

  summaryOf(pull: Pull): IssueComment | undefined {
    return this.comments.find((c) => c.repo === pull.repo && c.issueNumber === pull.number && c.user.login === this.botLogin && c.body.includes('backend-review:summary'));
  }

  threadsOf(pull: Pull): ReviewThread[] {
    return this.threads.filter((t) => t.pull === pull);
  }

  /** Requests that changed something (POST, PATCH, PUT, DELETE and GraphQL mutations). */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET' && !/^POST \/graphql (Blobs|ReviewThreads)$/.test(r.route) && !r.route.includes('access_tokens'));
  }

  // ---- Serving requests -----------------------------------------------------------------

  handle(req: EmulatorRequest): EmulatorResponse {
    const url = new URL(req.url);
    const prefix = url.pathname.startsWith('/api/v3/') ? '/api/v3' : '';
    const pathname = url.pathname.slice(prefix.length).replace(/\/+$/, '') || '/';
    const apiBase = `${url.origin}${prefix}`;
    const method = req.method.toUpperCase();
    const body = parseBody(req.body);

    if (method === 'POST' && (pathname === '/graphql' || url.pathname === '/api/graphql')) {
      const op = /\b(?:query|mutation)\s+(\w+)/.exec(String((body as { query?: unknown })?.query ?? ''))?.[1] ?? 'anonymous';
      const route = `POST /graphql ${op}`;
      this.runHook(route);
      const auth = authProblem(route, req.headers.authorization);
      if (auth) this.violations.push(`${route}: ${auth}`);
      const failure = this.takeFailure(route);
      const res = failure ? error(failure.status, failure.message ?? 'failure injected by the test', {}) : handleGraphql(this, body);
      if (failure?.headers) Object.assign(res.headers, failure.headers);
      this.record(method, route, req.url, res.status, body);
      return res;
    }

    const route = this.validator.match(method, pathname);
    if (!route) {
      this.violations.push(`${method} ${pathname}: not a GitHub REST route the app is expected to call`);
      this.record(method, `${method} ${pathname}`, req.url, 404, body);
      return error(404, 'Not Found');
    }
    const problems = this.validator.validate(route, url.searchParams, method === 'GET' ? undefined : body);
    const auth = authProblem(route.operation, req.headers.authorization);
    if (auth) problems.push(auth);
    if (problems.length) {
      this.violations.push(`${route.operation}: ${problems.join('; ')}`);
      this.record(method, route.operation, req.url, 422, body);
      return error(422, `Invalid request.\n\n${problems.join('\n')}`);
    }
    this.runHook(route.operation);
    const failure = this.takeFailure(route.operation);
    let res: EmulatorResponse;
    if (failure) {
      res = error(failure.status, failure.message ?? 'failure injected by the test');
      Object.assign(res.headers, failure.headers ?? {});
    } else {
      res = this.routes[route.operation]({ params: route.params, query: url.searchParams, body: body as Record<string, unknown>, url, headers: req.headers, apiBase });
    }
    this.record(method, route.operation, req.url, res.status, body);
    return res;
  }

  private takeFailure(operation: string): Failure | undefined {
    const queue = this.failures.get(operation);
    const failure = queue?.[0];
    if (!failure) return undefined;
    failure.times = (failure.times ?? 1) - 1;
    if (failure.times <= 0) queue!.shift();
    return failure;
  }

  private record(method: string, route: string, url: string, status: number, body: unknown) {
    this.requests.push({ method, route, url, status, body, at: Date.now() - this.started });
  }

  // ---- Helpers used by the route handlers and GraphQL -----------------------------------

  id(): number {
    return this.nextId++;
  }

  now(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  repo(owner: string, name: string): Repo | undefined {
    return this.repos.get(`${owner}/${name}`.toLowerCase());
  }

  pull(repo: Repo, number: number): Pull | undefined {
    return this.pulls.find((p) => p.repo === repo && p.number === number);
  }

  /** The files a PR changes, as GitHub lists them, with patches against the base. */
  pullFiles(pull: Pull) {
    const base = pull.repo.commits.get(pull.baseSha)!.files;
    const head = pull.repo.commits.get(pull.headSha)!.files;
    const paths = [...new Set([...base.keys(), ...head.keys()])].sort();
    const out = [];
    for (const path of paths) {
      const before = base.get(path);
      const after = head.get(path);
      if (before === after) continue;
      const patch = githubPatch(before, after);
      const status = before === undefined ? 'added' : after === undefined ? 'removed' : 'modified';
      const { additions, deletions } = countChanges(patch);
      out.push({
        sha: after !== undefined ? blobSha(after) : null,
        filename: path,
        status,
        additions,
        deletions,
        changes: additions + deletions,
        blob_url: `https://github.com/${pull.repo.owner}/${pull.repo.name}/blob/${pull.headSha}/${path}`,
        raw_url: `https://github.com/${pull.repo.owner}/${pull.repo.name}/raw/${pull.headSha}/${path}`,
        contents_url: `https://api.github.com/repos/${pull.repo.owner}/${pull.repo.name}/contents/${path}?ref=${pull.headSha}`,
        ...(pull.omitPatch.has(path) ? {} : { patch }),
      });
    }
    return out;
  }

  fileAt(repo: Repo, sha: string, path: string): string | undefined {
    return repo.commits.get(sha)?.files.get(path);
  }

  private addCommit(repo: Repo, files: Map<string, string>, parent?: string): Commit {
    const sha = commitSha(`${repo.owner}/${repo.name}:${parent ?? ''}:${this.id()}`);
    const commit: Commit = { sha, parent, files };
    repo.commits.set(sha, commit);
    return commit;
  }

  private newComment(repo: Repo, issueNumber: number, body: string, user: IssueComment['user']): IssueComment {
    const at = this.now();
    return { id: this.id(), repo, issueNumber, body, user, createdAt: at, updatedAt: at, reactions: [] };
  }

  // ---- REST routes ----------------------------------------------------------------------

  private buildRoutes(): Record<string, Handler> {
    const repoOr404 = (params: Record<string, string>) => this.repo(params.owner, params.repo);
    const bot = { login: this.botLogin, type: 'Bot' as const };

    return {
      'POST /app/installations/{installation_id}/access_tokens': () =>
        json(201, { token: `ghs_emulated${this.id()}`, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: {}, repository_selection: 'all' }),

      'GET /app': () => json(200, { id: this.appId, slug: this.appSlug, name: 'Backend Review', owner: { login: 'backend-review' }, events: [], permissions: {} }),

      'GET /repos/{owner}/{repo}': ({ params, apiBase }) => {
        const repo = repoOr404(params);
        return repo ? json(200, this.repoJson(repo, apiBase)) : error(404, 'Not Found');
      },

      'GET /repos/{owner}/{repo}/contents/{path}': ({ params, query, headers }) => {
        const repo = repoOr404(params);
        if (!repo) return error(404, 'Not Found');
        const ref = query.get('ref') ?? repo.defaultBranch;
        const sha = repo.branches.get(ref) ?? (repo.commits.has(ref) ? ref : undefined);
        const content = sha ? this.fileAt(repo, sha, params.path) : undefined;
        if (content === undefined) return error(404, 'Not Found');
        const accept = String(headers.accept ?? '');
        if (accept.includes('raw')) return { status: 200, headers: { 'content-type': 'application/vnd.github.raw; charset=utf-8' }, body: content };
        return json(200, { type: 'file', encoding: 'base64', path: params.path, name: params.path.split('/').pop(), sha: blobSha(content), size: Buffer.byteLength(content), content: Buffer.from(content).toString('base64') });
      },

      'GET /repos/{owner}/{repo}/pulls': ({ params, query, url, apiBase }) => {
        const repo = repoOr404(params);
        if (!repo) return error(404, 'Not Found');
        const state = query.get('state') ?? 'open';
        const pulls = this.pulls.filter((p) => p.repo === repo && (state === 'all' || p.state === state)).map((p) => this.pullJson(p, apiBase));
        return paginate(pulls, query, url);
      },

      'GET /repos/{owner}/{repo}/pulls/{pull_number}': ({ params, apiBase }) => {
        const repo = repoOr404(params);
        const pull = repo && this.pull(repo, Number(params.pull_number));
        return pull ? json(200, this.pullJson(pull, apiBase)) : error(404, 'Not Found');
      },

      'GET /repos/{owner}/{repo}/pulls/{pull_number}/files': ({ params, query, url }) => {
        const repo = repoOr404(params);
        const pull = repo && this.pull(repo, Number(params.pull_number));
        if (!pull) return error(404, 'Not Found');
        return paginate(this.pullFiles(pull).slice(0, 3000), query, url);
      },

      'POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews': ({ params, body }) => {
        const repo = repoOr404(params);
        const pull = repo && this.pull(repo, Number(params.pull_number));
        if (!pull) return error(404, 'Not Found');
        const commitId = String(body.commit_id ?? pull.headSha);
        if (!pull.repo.commits.has(commitId)) return error(422, 'Unprocessable Entity', { errors: ['commit_id is not part of the pull request'] });
        if ((body.event === 'COMMENT' || body.event === 'REQUEST_CHANGES') && !body.body) return error(422, 'Unprocessable Entity', { errors: ['Body is required for this event'] });
        const files = new Map(this.pullFilesAt(pull, commitId).map((f) => [f.filename, f.patch]));
        const comments = (body.comments as { path: string; body: string; line?: number; start_line?: number; side?: string }[] | undefined) ?? [];
        for (const c of comments) {
          const patch = files.get(c.path);
          if (patch === undefined || c.line === undefined) return error(422, 'Unprocessable Entity', { errors: ['Path could not be resolved'] });
          const hunk = commentableLines(patch).find((r) => r.start <= c.line! && c.line! <= r.end);
          if (!hunk || c.side === 'LEFT') return error(422, 'Unprocessable Entity', { errors: ['Pull request review thread line must be part of the diff'] });
          if (c.start_line !== undefined && (c.start_line < hunk.start || c.start_line > c.line)) return error(422, 'Unprocessable Entity', { errors: ['Pull request review thread start line must be part of the same hunk as the line.'] });
          if (c.body.length > 65_536) return error(422, 'Unprocessable Entity', { errors: ['Body is too long (maximum is 65536 characters)'] });
        }
        const review: ReviewRecord = { id: this.id(), pull, event: String(body.event ?? 'PENDING'), body: String(body.body ?? ''), commitId, author: this.botLogin, comments: [] };
        for (const c of comments) {
          const comment = { id: this.id(), body: c.body, path: c.path, line: c.line!, startLine: c.start_line, author: this.botLogin, commitId };
          review.comments.push(comment);
          this.threads.push({ id: `PRRT_${this.id()}`, pull, path: c.path, isResolved: false, comments: [comment] });
        }
        this.reviews.push(review);
        return json(200, { id: review.id, node_id: `PRR_${review.id}`, state: review.event === 'COMMENT' ? 'COMMENTED' : review.event, body: review.body, commit_id: commitId, user: bot, html_url: `https://github.com/${repo!.owner}/${repo!.name}/pull/${pull.number}#pullrequestreview-${review.id}` });
      },

      'POST /repos/{owner}/{repo}/check-runs': ({ params, body }) => {
        const repo = repoOr404(params);
        if (!repo) return error(404, 'Not Found');
        if (!repo.commits.has(String(body.head_sha))) return error(422, 'Unprocessable Entity', { errors: ['No commit found for SHA'] });
        const problem = checkOutput(body.output as Record<string, unknown> | undefined);
        if (problem) return error(422, problem);
        const run: CheckRunRecord = { id: this.id(), repo, name: String(body.name), headSha: String(body.head_sha), status: String(body.status ?? 'queued'), conclusion: body.conclusion as string | undefined, output: {}, annotations: [], updates: [body] };
        if (run.conclusion) run.status = 'completed';
        mergeOutput(run, body.output as Record<string, unknown> | undefined);
        this.checkRuns.push(run);
        return json(201, this.checkJson(run));
      },

      'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}': ({ params, body }) => {
        const run = this.checkRuns.find((c) => c.id === Number(params.check_run_id));
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
        return json(200, this.checkJson(run));
      },

      'GET /repos/{owner}/{repo}/issues/{issue_number}/comments': ({ params, query, url }) => {
        const repo = repoOr404(params);
        if (!repo) return error(404, 'Not Found');
        const list = this.comments.filter((c) => c.repo === repo && c.issueNumber === Number(params.issue_number)).map((c) => this.commentJson(c));
        return paginate(list, query, url);
      },

      'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': ({ params, body }) => {
        const repo = repoOr404(params);
        if (!repo) return error(404, 'Not Found');
        if (String(body.body).length > 65_536) return error(422, 'Validation Failed', { errors: [{ message: 'Body is too long (maximum is 65536 characters)' }] });
        const comment = this.newComment(repo, Number(params.issue_number), String(body.body), bot);
        this.comments.push(comment);
        return json(201, this.commentJson(comment));
      },

      'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}': ({ params, body }) => {
        const comment = this.comments.find((c) => c.id === Number(params.comment_id));
        if (!comment) return error(404, 'Not Found');
        if (comment.user.login !== this.botLogin) return error(403, 'Resource not accessible by integration');
        if (String(body.body).length > 65_536) return error(422, 'Validation Failed', { errors: [{ message: 'Body is too long (maximum is 65536 characters)' }] });
        comment.body = String(body.body);
        comment.updatedAt = this.now();
        return json(200, this.commentJson(comment));
      },

      'POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions': ({ params, body }) => {
        const comment = this.comments.find((c) => c.id === Number(params.comment_id));
        if (!comment) return error(404, 'Not Found');
        comment.reactions.push({ content: String(body.content), user: this.botLogin });
        return json(201, { id: this.id(), content: body.content, user: bot, created_at: this.now() });
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

  private pullFilesAt(pull: Pull, commitId: string) {
    if (commitId === pull.headSha) return this.pullFiles(pull);
    return this.pullFiles({ ...pull, headSha: commitId });
  }

  private repoJson(repo: Repo, apiBase: string) {
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

  private pullJson(pull: Pull, apiBase: string) {
    const repo = this.repoJson(pull.repo, apiBase);
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

  private checkJson(run: CheckRunRecord) {
    return { id: run.id, name: run.name, head_sha: run.headSha, status: run.status, conclusion: run.conclusion ?? null, output: { ...run.output, annotations_count: run.annotations.length }, app: { id: this.appId, slug: this.appSlug } };
  }

  private commentJson(c: IssueComment) {
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
}

/** Endpoints under /app take the app's JWT; everything else an installation (or user) token. */
function authProblem(operation: string, header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return 'the request is not authenticated';
  const [scheme, credential = ''] = value.split(' ');
  const isJwt = /^bearer$/i.test(scheme) && credential.split('.').length === 3;
  if (operation.includes(' /app')) return isJwt ? undefined : 'app endpoints need the app JWT (Authorization: Bearer <jwt>)';
  return isJwt ? 'repository endpoints need an installation token, not the app JWT' : undefined;
}

function applyChanges(files: Map<string, string>, changes: Record<string, string | null>): Map<string, string> {
  const next = new Map(files);
  for (const [path, content] of Object.entries(changes)) {
    if (content === null) next.delete(path);
    else next.set(path, content);
  }
  return next;
}

function parseBody(body: unknown): unknown {
  if (typeof body === 'string' && body.length) {
    try {
      return JSON.parse(body);
    } catch {
      return body;
    }
  }
  return body === '' ? undefined : body;
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
