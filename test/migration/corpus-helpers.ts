import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { review } from '../../src/engine.js';
import { validateConfig } from '../../src/config/load.js';
import type { ChangeSet, Finding } from '../../src/model.js';

export const CORPUS = join(import.meta.dirname, '../../fixtures/migrations/sql');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** Scans the whole corpus as the CLI's scan mode would: every file changed, the tree is the folder. */
export async function reviewCorpus(config: Record<string, unknown> = {}): Promise<Finding[]> {
  const files = new Map(walk(CORPUS).map((p) => [relative(CORPUS, p).split('\\').join('/'), readFileSync(p, 'utf8')]));
  const cs: ChangeSet = {
    mode: 'scan',
    files: [...files].map(([path, content]) => ({ path, status: 'added' as const, content, changedLines: 'all' as const })),
    tree: { paths: async () => [...files.keys()], read: async (p) => files.get(p) },
  };
  const result = await review(cs, validateConfig(config, 'corpus'));
  return result.findings;
}
