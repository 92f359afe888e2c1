import type { RepoTree } from '../model.js';
import { fetchBlobs, type Blob } from './blobs.js';
import type { GitHubClient, RepoRef } from './client.js';
import { LIMITS } from './limits.js';

export interface TreeEntry {
  path: string;
  size: number;
}

export interface HeadTree {
  entries: Map<string, TreeEntry>;
  /** GitHub cut the recursive listing short (very large repositories). */
  truncated: boolean;
}

/** Every file at a commit, with sizes, in one request (git trees API, recursive). */
export async function loadHeadTree(octokit: GitHubClient, repo: RepoRef, sha: string): Promise<HeadTree> {
  const { data } = await octokit.rest.git.getTree({ ...repo, tree_sha: sha, recursive: 'true' });
  const entries = new Map<string, TreeEntry>();
  for (const item of data.tree) {
    if (item.type === 'blob' && item.path) entries.set(item.path, { path: item.path, size: item.size ?? 0 });
  }
  return { entries, truncated: Boolean(data.truncated) };
}

/**
 * The head tree for cross-file rules. Files the PR changed are served from what was
 * already loaded; other files are read lazily in batched GraphQL queries: reads made in
 * the same tick share a query, and a read also fetches the next files of the same type in
 * tree order, since rules scan the tree file by file.
 */
export function gitHubRepoTree(
  octokit: GitHubClient,
  repo: RepoRef,
  sha: string,
  tree: HeadTree,
  loaded: Map<string, string | undefined>,
  maxBytes: number,
): RepoTree {
  const cache = new Map<string, Promise<string | undefined>>();
  let pending: { path: string; resolve: (text: string | undefined) => void; reject: (err: unknown) => void }[] = [];

  const flush = async () => {
    const batch = pending;
    pending = [];
    try {
      const blobs = await fetchBlobs(
        octokit,
        repo,
        batch.map((p) => ({ expression: `${sha}:${p.path}`, size: tree.entries.get(p.path)?.size })),
      );
      for (const p of batch) p.resolve(textOf(blobs.get(`${sha}:${p.path}`)));
    } catch (err) {
      for (const p of batch) {
        cache.delete(p.path);
        p.reject(err);
      }
    }
  };

  const order = [...tree.entries.keys()];
  const position = new Map(order.map((p, i) => [p, i]));
  const fetchable = (path: string) => {
    const entry = tree.entries.get(path);
    return Boolean(entry) && entry!.size <= maxBytes && !loaded.has(path) && !cache.has(path);
  };
  const request = (path: string) => {
    const result = new Promise<string | undefined>((resolve, reject) => {
      pending.push({ path, resolve, reject });
    });
    // A read-ahead nobody awaits must not become an unhandled rejection.
    result.catch(() => undefined);
    cache.set(path, result);
  };

  return {
    async paths() {
      return order;
    },
    read(path) {
      if (loaded.has(path)) return Promise.resolve(loaded.get(path));
      if (!cache.has(path)) {
        if (!fetchable(path)) return Promise.resolve(undefined);
        const first = pending.length === 0;
        request(path);
        // Rules scan the tree one file at a time; reading ahead the next files with the
        // same extension turns a scan of n files into n/50 queries instead of n.
        const ext = extension(path);
        for (let i = (position.get(path) ?? order.length) + 1; i < order.length && pending.length < LIMITS.blobsPerQuery; i++) {
          if (extension(order[i]) === ext && fetchable(order[i])) request(order[i]);
        }
        if (first) setImmediate(() => void flush());
      }
      return cache.get(path)!;
    },
  };
}

function extension(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot).toLowerCase() : base;
}

function textOf(blob: Blob | null | undefined): string | undefined {
  if (!blob || blob.isBinary || blob.isTruncated || blob.text === null) return undefined;
  return blob.text.replace(/^\uFEFF/, '');
}
