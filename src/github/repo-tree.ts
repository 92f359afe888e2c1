import type { RepoTree } from '../model.js';
import { fetchBlobs, type Blob } from './blobs.js';
import type { GitHubClient, RepoRef } from './client.js';

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
 * already loaded; other files are read lazily, and reads made in the same tick share one
 * GraphQL query.
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
      for (const p of batch) p.reject(err);
    }
  };

  return {
    async paths() {
      return [...tree.entries.keys()];
    },
    read(path) {
      if (loaded.has(path)) return Promise.resolve(loaded.get(path));
      const entry = tree.entries.get(path);
      if (!entry || entry.size > maxBytes) return Promise.resolve(undefined);
      let result = cache.get(path);
      if (!result) {
        result = new Promise<string | undefined>((resolve, reject) => {
          if (pending.length === 0) setImmediate(() => void flush());
          pending.push({ path, resolve, reject });
        });
        cache.set(path, result);
      }
      return result;
    },
  };
}

function textOf(blob: Blob | null | undefined): string | undefined {
  if (!blob || blob.isBinary || blob.isTruncated || blob.text === null) return undefined;
  return blob.text.replace(/^\uFEFF/, '');
}
