import type { AnalyzedFile, ChangeContext } from '../../rule.js';
import { isTestOrGenerated } from '../../files.js';
import { resolveImport, resolveRoutes, routesOf, routesOfText, type FileRoutes, type Route } from './routes.js';

/**
 * The routes of a review's changed code files, with prefixes and middleware resolved
 * across files: routers mounted by files outside the change are found by reading a few
 * likely parents from the head tree (same and enclosing folders, NestJS `main.ts`).
 * Built once per review and shared by every change rule.
 */
export interface RouteIndex {
  /** Routes declared in the changed files (head), fully resolved as far as the files seen allow. */
  routes: Route[];
  /** Per-file models of the changed files. */
  changed: Map<string, FileRoutes>;
  /** Every file model loaded (changed files and the neighbours read from the tree). */
  loaded: Map<string, FileRoutes>;
  /** Reads and parses another file of the head tree (cached); undefined when absent. */
  load(path: string): Promise<FileRoutes | undefined>;
  /** Head tree paths (empty without a tree). */
  treePaths: string[];
}

const CODE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;
const MAX_PARENT_READS = 60;
const cache = new WeakMap<AnalyzedFile[], Promise<RouteIndex>>();

export function routeIndex(ctx: ChangeContext): Promise<RouteIndex> {
  let p = cache.get(ctx.files);
  if (!p) {
    p = build(ctx);
    cache.set(ctx.files, p);
  }
  return p;
}

async function build(ctx: ChangeContext): Promise<RouteIndex> {
  const changed = new Map<string, FileRoutes>();
  for (const { file, kinds } of ctx.files) {
    if (!kinds.has('code') || file.status === 'removed' || file.content === undefined) continue;
    const cf = ctx.codeFile(file.path);
    if (cf) changed.set(file.path, routesOf(cf));
  }
  const loaded = new Map<string, FileRoutes>(changed);
  const missing = new Set<string>();
  let treePaths: string[] = [];
  if (ctx.tree && changed.size > 0) {
    try {
      treePaths = (await ctx.tree.paths()).filter((p) => CODE.test(p) && !p.endsWith('.d.ts') && !p.includes('node_modules/') && !isTestOrGenerated(p));
    } catch {
      treePaths = [];
    }
  }
  const load = async (path: string): Promise<FileRoutes | undefined> => {
    const have = loaded.get(path);
    if (have) return have;
    if (missing.has(path) || !ctx.tree) return undefined;
    let text: string | undefined;
    try {
      text = await ctx.tree.read(path);
    } catch {
      text = undefined;
    }
    if (text === undefined || text.length > 1_000_000) {
      missing.add(path);
      return undefined;
    }
    const fr = routesOfText(path, text);
    loaded.set(path, fr);
    return fr;
  };

  if (treePaths.length > 0) {
    const byDir = new Map<string, string[]>();
    for (const p of treePaths) {
      const d = dirOf(p);
      const list = byDir.get(d) ?? [];
      list.push(p);
      byDir.set(d, list);
    }
    let reads = 0;
    const searched = new Set<string>();
    // Find parents of routers that are not mounted in their own file, a few levels up.
    let frontier = [...changed.values()].filter(needsParent);
    for (let round = 0; round < 3 && frontier.length > 0 && reads < MAX_PARENT_READS; round++) {
      const next: FileRoutes[] = [];
      for (const fr of frontier) {
        const path = fr.file.path;
        const stem = stemOf(path);
        const nest = fr.raw.some((r) => r.framework === 'nest');
        const candidates = new Set<string>();
        let d = dirOf(path);
        for (let up = 0; up < 4; up++) {
          for (const c of byDir.get(d) ?? []) if (c !== path) candidates.add(c);
          if (!d) break;
          d = dirOf(d);
        }
        if (nest) for (const p of treePaths) if (/(^|\/)main\.[jt]s$/.test(p)) candidates.add(p);
        for (const c of candidates) {
          if (searched.has(c) || loaded.has(c) && !changed.has(c)) continue;
          searched.add(c);
          if (changed.has(c)) continue;
          if (reads >= MAX_PARENT_READS) break;
          reads++;
          const text = ctx.tree ? await safeRead(ctx, c) : undefined;
          if (text === undefined) continue;
          if (!text.includes(stem) && !(nest && /setGlobalPrefix|NestFactory/.test(text))) continue;
          const parent = routesOfText(c, text);
          loaded.set(c, parent);
          if (needsParent(parent) && parent.mounts.length > 0) next.push(parent);
        }
      }
      frontier = next;
    }
  }

  const all = resolveRoutes([...loaded.values()]);
  const routes = all.filter((r) => changed.has(r.file));
  return { routes, changed, loaded, load, treePaths };
}

async function safeRead(ctx: ChangeContext, path: string): Promise<string | undefined> {
  try {
    return await ctx.tree!.read(path);
  } catch {
    return undefined;
  }
}

function needsParent(fr: FileRoutes): boolean {
  if (fr.raw.some((r) => r.framework === 'nest')) return !fr.globalPrefix;
  return [...fr.routers.values()].some((r) => r.kind !== 'app') && fr.routes.some((r) => !r.mounted);
}

export function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** The name an importer would use for a module: `routes/users.ts` → `users`, `users/index.ts` → `users`. */
function stemOf(path: string): string {
  const base = path.split('/').pop()!.replace(/\.[^.]+$/, '');
  if (base === 'index') return dirOf(path).split('/').pop() ?? base;
  return base;
}

/**
 * The files an entry point reaches through relative imports (itself included), read
 * from the changed files or the head tree: an app's routers, modules and middleware.
 */
export async function importClosure(index: RouteIndex, entry: FileRoutes, maxFiles = 80): Promise<FileRoutes[]> {
  const seen = new Map<string, FileRoutes>([[entry.file.path, entry]]);
  const queue = [entry];
  const known = new Set([...index.treePaths, ...index.loaded.keys()]);
  while (queue.length > 0 && seen.size < maxFiles) {
    const fr = queue.shift()!;
    for (const imp of new Set(importsOf(fr))) {
      const target = resolveImport(fr.file.path, imp, (p) => known.has(p));
      if (!target || seen.has(target)) continue;
      const next = await index.load(target);
      if (!next) continue;
      seen.set(target, next);
      queue.push(next);
    }
  }
  return [...seen.values()];
}

/**
 * Relative modules a file imports: `import … from`, side-effect imports, re-exports,
 * `require()` and dynamic `import()`. Read from the text, so files without routes count too.
 */
export function importsOf(fr: FileRoutes): string[] {
  const out: string[] = [];
  for (const m of fr.file.text.matchAll(/(?:\bfrom|\bimport|\brequire\s*\(|\bimport\s*\()\s*['"](\.{1,2}\/[^'"]+|\.)['"]/g)) out.push(m[1]);
  return out;
}
