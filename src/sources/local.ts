import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { ChangeSet, ChangedFile, FileStatus, LineRange, RepoTree } from '../model.js';
import { decodeFile } from './file-content.js';

const IGNORED_DIRS = ['**/node_modules/**', '**/.git/**', '**/dist/**', '**/build/**', '**/coverage/**', '**/.next/**', '**/vendor/**'];

export class SourceError extends Error {
  override name = 'SourceError';
}

const toPosix = (p: string) => p.split(sep).join('/');

/** Whole files or folders, every line counted as changed. */
export async function scanPaths(paths: string[], cwd: string, maxBytes: number): Promise<ChangeSet> {
  const targets = paths.length > 0 ? paths : ['.'];
  const found = new Set<string>();
  for (const target of targets) {
    const abs = resolve(cwd, target);
    let stat;
    try {
      stat = statSync(abs);
    } catch {
      throw new SourceError(`${target}: no such file or directory`);
    }
    if (stat.isFile()) found.add(abs);
    else {
      // Loaded here: scanning named files needs no glob.
      const { glob } = await import('tinyglobby');
      for (const f of await glob('**/*', { cwd: abs, absolute: true, dot: true, ignore: IGNORED_DIRS, onlyFiles: true })) found.add(f);
    }
  }
  const files: ChangedFile[] = [];
  for (const abs of [...found].sort()) {
    const path = toPosix(relative(cwd, abs));
    const decoded = decodeFile(readFileSync(abs), maxBytes);
    files.push({ path, status: 'added', changedLines: 'all', ...decoded });
  }
  const byPath = new Map(files.map((f) => [f.path, f]));
  // A file named on its own is scanned with its folder around it: the files beside it are part of the tree (not
  // reviewed), so a rule that looks for a neighbour (the `.down.sql` of an `.up.sql`, an earlier migration of the
  // same folder) finds it instead of reporting it missing.
  const neighbours = new Map<string, string>(); // path → absolute path
  const folders = new Set(targets.map((t) => resolve(cwd, t)).filter((abs) => statSync(abs).isFile()).map((abs) => dirname(abs)));
  for (const folder of folders) {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const path = toPosix(relative(cwd, join(folder, entry.name)));
      if (!byPath.has(path)) neighbours.set(path, join(folder, entry.name));
    }
  }
  const tree: RepoTree = {
    paths: async () => [...byPath.keys(), ...neighbours.keys()],
    read: async (p) => {
      if (byPath.has(p)) return byPath.get(p)!.content;
      const abs = neighbours.get(p);
      if (abs === undefined) return undefined;
      const decoded = decodeFile(await readFile(abs), maxBytes);
      return 'content' in decoded ? decoded.content : undefined;
    },
  };
  return { files, mode: 'scan', tree };
}

function git(cwd: string, args: string[]): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    throw new SourceError(`git ${args.join(' ')} failed: ${stderr || (err as Error).message}`);
  }
}

function refExists(cwd: string, ref: string): boolean {
  return spawnSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd, stdio: 'ignore' }).status === 0;
}

/** The branch a review compares against when --base is not given. */
export function defaultBase(cwd: string): string {
  for (const ref of ['origin/HEAD', 'origin/main', 'origin/master', 'main', 'master']) {
    if (refExists(cwd, ref)) return ref;
  }
  return 'HEAD';
}

/** Reads many blobs in one `git cat-file --batch` process instead of one process per file. */
function readBlobs(root: string, specs: string[]): Map<string, Buffer | undefined> {
  const out = new Map<string, Buffer | undefined>();
  if (specs.length === 0) return out;
  const res = spawnSync('git', ['cat-file', '--batch'], { cwd: root, input: specs.join('\n') + '\n', maxBuffer: 2 * 1024 * 1024 * 1024 });
  if (res.status !== 0) throw new SourceError(`git cat-file failed: ${res.stderr?.toString().trim()}`);
  const buf = res.stdout;
  let pos = 0;
  for (const spec of specs) {
    const nl = buf.indexOf(10, pos);
    const header = buf.subarray(pos, nl).toString('utf8');
    pos = nl + 1;
    const m = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
    if (!m) {
      out.set(spec, undefined); // "<spec> missing"
      continue;
    }
    const size = Number(m[2]);
    out.set(spec, m[1] === 'blob' ? buf.subarray(pos, pos + size) : undefined);
    pos += size + 1;
  }
  return out;
}

interface NameStatus {
  status: FileStatus;
  path: string;
  oldPath?: string;
}

function parseNameStatus(raw: string): NameStatus[] {
  const parts = raw.split('\0').filter((p) => p !== '');
  const out: NameStatus[] = [];
  for (let i = 0; i < parts.length; ) {
    const code = parts[i++];
    if (code.startsWith('R') || code.startsWith('C')) {
      const oldPath = parts[i++];
      const path = parts[i++];
      out.push({ status: code.startsWith('R') ? 'renamed' : 'added', path, oldPath: code.startsWith('R') ? oldPath : undefined });
    } else {
      const path = parts[i++];
      out.push({ status: code === 'A' ? 'added' : code === 'D' ? 'removed' : 'modified', path });
    }
  }
  return out;
}

/** Splits `git diff` output into per-file patches keyed by the head path. */
function splitDiff(raw: string): Map<string, string> {
  const patches = new Map<string, string>();
  const chunks = raw.split(/^(?=diff --git )/m);
  for (const chunk of chunks) {
    const plus = /^\+\+\+ (?:b\/(.*)|\/dev\/null)$/m.exec(chunk);
    if (plus?.[1]) patches.set(unquote(plus[1]), chunk);
  }
  return patches;
}

function unquote(p: string): string {
  return p.startsWith('"') ? JSON.parse(p) : p;
}

export interface GitRangeOptions {
  cwd: string;
  base?: string;
  /** Omit to compare against the working tree (including untracked files). */
  head?: string;
  maxBytes: number;
}

/** What changed between the merge base of base and head (or the working tree). */
export async function gitChangeSet(opts: GitRangeOptions): Promise<ChangeSet> {
  const { cwd, maxBytes } = opts;
  const root = git(cwd, ['rev-parse', '--show-toplevel']).trim();
  const base = opts.base ?? defaultBase(cwd);
  if (!refExists(cwd, base)) throw new SourceError(`--base ${base}: not a commit in this repository`);
  if (opts.head && !refExists(cwd, opts.head)) throw new SourceError(`--head ${opts.head}: not a commit in this repository`);
  const headRef = opts.head ?? 'HEAD';
  const mergeBase = git(cwd, ['merge-base', base, headRef]).trim();
  const range = opts.head ? [mergeBase, opts.head] : [mergeBase];

  const statuses = parseNameStatus(git(root, ['diff', '--name-status', '-z', '-M', '--no-ext-diff', ...range]));
  if (!opts.head) {
    for (const path of git(root, ['ls-files', '--others', '--exclude-standard', '-z']).split('\0').filter(Boolean)) {
      statuses.push({ status: 'added', path });
    }
  }
  const patches = splitDiff(git(root, ['diff', '-U0', '--no-color', '--no-ext-diff', '-M', ...range]));
  // The patch parser is loaded here, so that `scan` never loads it.
  const { addedLines } = await import('./diff-lines.js');

  const headSpecs = opts.head ? statuses.filter((s) => s.status !== 'removed').map((s) => `${opts.head}:${s.path}`) : [];
  const baseSpecs = statuses.filter((s) => s.status !== 'added').map((s) => `${mergeBase}:${s.oldPath ?? s.path}`);
  const blobs = readBlobs(root, [...headSpecs, ...baseSpecs]);

  const rel = (p: string) => toPosix(relative(cwd, join(root, p)));
  const files: ChangedFile[] = [];
  for (const s of statuses) {
    const file: ChangedFile = { path: rel(s.path), status: s.status, oldPath: s.oldPath ? rel(s.oldPath) : undefined, changedLines: [] };
    if (s.status !== 'removed') {
      const bytes = opts.head ? blobs.get(`${opts.head}:${s.path}`) : readWorkingFile(join(root, s.path));
      if (!bytes) file.skipped = 'could not be read';
      else Object.assign(file, decodeFile(bytes, maxBytes));
    }
    if (s.status !== 'added') {
      const bytes = blobs.get(`${mergeBase}:${s.oldPath ?? s.path}`);
      const decoded = bytes ? decodeFile(bytes, maxBytes) : undefined;
      if (decoded && 'content' in decoded) file.baseContent = decoded.content;
    }
    const patch = patches.get(s.path);
    file.changedLines = s.status === 'added' ? 'all' : patch ? addedLines(patch) : ([] as LineRange[]);
    files.push(file);
  }

  return { files, mode: 'diff', tree: gitTree(root, cwd, opts.head) };
}

function readWorkingFile(abs: string): Buffer | undefined {
  try {
    return readFileSync(abs);
  } catch {
    return undefined;
  }
}

function gitTree(root: string, cwd: string, head: string | undefined): RepoTree {
  let listed: string[] | undefined;
  const toRoot = (p: string) => toPosix(relative(root, isAbsolute(p) ? p : join(cwd, p)));
  return {
    async paths() {
      listed ??= (head
        ? git(root, ['ls-tree', '-r', '--name-only', '-z', head])
        : git(root, ['ls-files', '-co', '--exclude-standard', '-z'])
      )
        .split('\0')
        .filter(Boolean)
        .map((p) => toPosix(relative(cwd, join(root, p))));
      return listed;
    },
    async read(path) {
      if (head) {
        const bytes = readBlobs(root, [`${head}:${toRoot(path)}`]).get(`${head}:${toRoot(path)}`);
        return bytes ? bytes.toString('utf8') : undefined;
      }
      try {
        return await readFile(join(cwd, path), 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}
