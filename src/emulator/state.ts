/** The emulator's in-memory GitHub: repositories, commits, pull requests and what the app posted. */

export interface Commit {
  sha: string;
  parent?: string;
  files: Map<string, string>;
}

export interface Repo {
  id: number;
  owner: string;
  name: string;
  defaultBranch: string;
  branches: Map<string, string>;
  commits: Map<string, Commit>;
  permissions: Map<string, 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'>;
  private: boolean;
}

export interface Pull {
  repo: Repo;
  number: number;
  title: string;
  author: string;
  baseRef: string;
  baseSha: string;
  headRef: string;
  headSha: string;
  draft: boolean;
  state: 'open' | 'closed';
  /** Paths whose `patch` GitHub leaves out (as it does for huge diffs). */
  omitPatch: Set<string>;
}

export interface CheckRunRecord {
  id: number;
  repo: Repo;
  name: string;
  headSha: string;
  status: string;
  conclusion?: string;
  output: { title?: string; summary?: string; text?: string };
  annotations: { path: string; start_line: number; end_line: number; annotation_level: string; message: string; title?: string }[];
  /** Every update received, in order, for tests that check the sequence. */
  updates: Record<string, unknown>[];
}

export interface IssueComment {
  id: number;
  repo: Repo;
  issueNumber: number;
  body: string;
  user: { login: string; type: 'User' | 'Bot' };
  createdAt: string;
  updatedAt: string;
  reactions: { content: string; user: string }[];
}

export interface ReviewComment {
  id: number;
  body: string;
  path: string;
  line: number;
  startLine?: number;
  author: string;
  commitId: string;
}

export interface ReviewThread {
  id: string;
  pull: Pull;
  path: string;
  isResolved: boolean;
  resolvedBy?: string;
  comments: ReviewComment[];
}

export interface ReviewRecord {
  id: number;
  pull: Pull;
  event: string;
  body: string;
  commitId: string;
  author: string;
  comments: ReviewComment[];
}

export interface RecordedRequest {
  method: string;
  route: string;
  url: string;
  status: number;
  body: unknown;
  /** Milliseconds since the emulator started. */
  at: number;
}
