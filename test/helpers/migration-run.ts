import { expect } from 'vitest';
import { ruleById } from '../../checks/index.js';
import { validateConfig } from '../../src/config/load.js';
import { review } from '../../src/engine.js';
import type { ChangedFile, Finding } from '../../src/model.js';

export type Files = Record<string, string>;

/**
 * Scans a set of files (path → content) with the given rules, the files doubling as the repository tree so the
 * schema model and cross-file rules see them. Fails the test if any rule errored.
 */
export async function runFiles(files: Files, ruleIds: string[], config: Record<string, unknown> = {}): Promise<Finding[]> {
  const list: ChangedFile[] = Object.entries(files).map(([path, content]) => ({ path, status: 'added', content, changedLines: 'all' }));
  const result = await review(
    { mode: 'scan', files: list, tree: { paths: async () => Object.keys(files), read: async (p) => files[p] } },
    validateConfig(config, 'test'),
    { rules: ruleIds.map((id) => ruleById.get(id)!) },
  );
  expect(result.findings.filter((f) => f.ruleId.startsWith('backend-review/'))).toEqual([]);
  return result.findings;
}

/** Findings as `rule:path:line`, without the `migration/` prefix. */
export const at = (fs: Pick<Finding, 'ruleId' | 'path' | 'startLine'>[]) => fs.map((f) => `${f.ruleId.replace('migration/', '')}:${f.path}:${f.startLine}`);
