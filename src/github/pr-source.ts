import { applyPatch, parsePatch, reversePatch } from 'diff';
import { parseByteSize, type Config } from '../config/schema.js';
import { classify, isSelected } from '../files.js';
import type { ChangeSet, ChangedFile, FileStatus } from '../model.js';
import { addedLines } from '../sources/diff-lines.js';
import { formatBytes } from '../sources/file-content.js';
import { fetchBlobs } from './blobs.js';
import type { GitHubClient, PullRef } from './client.js';
import { LIMITS } from './limits.js';
import { gitHubRepoTree, loadHeadTree } from './repo-tree.js';

export interface LoadedPull {
  changeSet: ChangeSet;
  /** GitHub's `patch` per head path, where GitHub sent one. */
  patches: Map<string, string>;
  /** Things the summary must say about what was not fully reviewed. */
  notes: string[];
}

/**
 * Builds the engine's ChangeSet for a pull request: the listed files (paginated, up to
 * GitHub's 3,000), the head tree with sizes (one request), and the contents of only the
 * files an analyzer will read, fetched in batched GraphQL queries.
 */
export async function loadPullChangeSet(octokit: GitHubClient, pull: PullRef, headSha: string, config: Config): Promise<LoadedPull> {
  const repo = { owner: pull.owner, repo: pull.repo };
  const maxBytes = parseByteSize(config.limits.max_file_size);
  const notes: string[] = [];

  const listed = await octokit.paginate(octokit.rest.pulls.listFiles, { ...repo, pull_number: pull.pullNumber, per_page: 100 });
  if (listed.length >= LIMITS.listedFiles) {
    notes.push(`GitHub lists at most ${LIMITS.listedFiles.toLocaleString('en')} files of a pull request; files after those were not reviewed.`);
  }
  const tree = await loadHeadTree(octokit, repo, headSha);
  if (tree.truncated) {
    notes.push('The repository is too large for GitHub to list in one request, so checks that look beyond the changed files saw only part of it.');
  }

  const files: ChangedFile[] = [];
  const patches = new Map<string, string>();
  const wanted: ChangedFile[] = [];
  for (const item of listed) {
    const status = statusOf(item.status);
    const file: ChangedFile = { path: item.filename, status, changedLines: [] };
    if (status === 'renamed' && item.previous_filename) file.oldPath = item.previous_filename;
    if (item.patch !== undefined) patches.set(item.filename, item.patch);
    file.changedLines = status === 'added' ? 'all' : item.patch !== undefined ? addedLines(item.patch) : 'all';
    if (item.patch === undefined && status !== 'removed' && (item.changes ?? 0) > 0 && analysed(item.filename, config)) {
      notes.push(`GitHub sent no diff for \`${item.filename}\` (too large), so the whole file was reviewed and its findings are listed here instead of inline.`);
    }
    files.push(file);
    if (status === 'removed' || !analysed(item.filename, config)) {
      if (status === 'removed' && item.patch && analysed(item.filename, config)) file.baseContent = baseFromPatch('', item.patch);
      continue;
    }
    const size = tree.entries.get(item.filename)?.size;
    if (size !== undefined && size > maxBytes) {
      file.skipped = `larger than ${formatBytes(maxBytes)} (${formatBytes(size)})`;
      continue;
    }
    wanted.push(file);
  }

  const blobs = await fetchBlobs(
    octokit,
    repo,
    wanted.map((f) => ({ expression: `${headSha}:${f.path}`, size: tree.entries.get(f.path)?.size })),
  );
  const loaded = new Map<string, string | undefined>();
  for (const file of wanted) {
    const blob = blobs.get(`${headSha}:${file.path}`);
    if (!blob) file.skipped = 'could not be read at the head commit';
    else if (blob.isBinary) file.skipped = 'binary file';
    else if (blob.byteSize > maxBytes) file.skipped = `larger than ${formatBytes(maxBytes)} (${formatBytes(blob.byteSize)})`;
    else if (blob.isTruncated || blob.text === null) file.skipped = 'GitHub returned the file truncated';
    else {
      file.content = blob.text.replace(/^\uFEFF/, '');
      const patch = patches.get(file.path);
      if (file.status !== 'added' && patch !== undefined) file.baseContent = baseFromPatch(file.content, patch);
    }
    loaded.set(file.path, file.content);
  }

  return {
    changeSet: { files, mode: 'diff', tree: gitHubRepoTree(octokit, repo, headSha, tree, loaded, maxBytes) },
    patches,
    notes,
  };
}

function analysed(path: string, config: Config): boolean {
  return isSelected(path, config) && classify(path, config).size > 0;
}

function statusOf(status: string): FileStatus {
  switch (status) {
    case 'added':
    case 'copied':
      return 'added';
    case 'removed':
      return 'removed';
    case 'renamed':
      return 'renamed';
    default:
      return 'modified';
  }
}

/**
 * The file as it was at the merge base, rebuilt from the head and GitHub's patch, which
 * is relative to the merge base. Costs no request; undefined if the patch does not apply.
 */
export function baseFromPatch(head: string, patch: string): string | undefined {
  try {
    const [parsed] = parsePatch(patch);
    if (!parsed) return undefined;
    const base = applyPatch(head, reversePatch(parsed));
    return base === false ? undefined : base;
  } catch {
    return undefined;
  }
}
