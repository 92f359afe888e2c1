import type { ProbotOctokit } from 'probot';

/**
 * What the GitHub layer needs from an Octokit: the REST methods, pagination and GraphQL.
 * Any Octokit with those plugins fits (Probot's context.octokit, `new ProbotOctokit({ auth })`
 * or @octokit/rest), so the publisher can be reused outside the app.
 */
export type GitHubClient = Pick<InstanceType<typeof ProbotOctokit>, 'rest' | 'paginate' | 'graphql' | 'request'>;

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface PullRef extends RepoRef {
  pullNumber: number;
}

export interface Logger {
  info: (obj: object | string, msg?: string) => void;
  warn: (obj: object | string, msg?: string) => void;
  error: (obj: object | string, msg?: string) => void;
  debug?: (obj: object | string, msg?: string) => void;
}
