import { blobSha, commitSha, countChanges, githubPatch } from './git.js';
import { handleGraphql } from './graphql.js';
import { error, restRoutes, type Handler } from './rest-routes.js';
import type { CheckRunRecord, Commit, IssueComment, Pull, RecordedRequest, Repo, ReviewRecord, ReviewThread } from './state.js';
import { RequestValidator } from './validate.js';

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
    this.routes = restRoutes(this);
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

  newComment(repo: Repo, issueNumber: number, body: string, user: IssueComment['user']): IssueComment {
    const at = this.now();
    return { id: this.id(), repo, issueNumber, body, user, createdAt: at, updatedAt: at, reactions: [] };
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
