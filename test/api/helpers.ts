import { validateConfig } from '../../src/config/load.js';
import { review } from '../../src/engine.js';
import type { ChangeSet, ChangedFile, Finding } from '../../src/model.js';
import type { Rule } from '../../src/rule.js';

export interface Scenario {
  /** Files changed at the head (added unless a base is given). */
  changed: Record<string, string>;
  /** Base contents of changed files (modified), or of removed files (content null in `changed`). */
  base?: Record<string, string>;
  /** Files removed by the change, with their base content. */
  removed?: Record<string, string>;
  /** Unchanged files of the head tree. */
  tree?: Record<string, string>;
  config?: Record<string, unknown>;
  /** Review without a tree (as when the source cannot read one). */
  noTree?: boolean;
}

export async function run(rules: Rule[], s: Scenario): Promise<Finding[]> {
  const files: ChangedFile[] = [];
  for (const [path, content] of Object.entries(s.changed)) {
    const base = s.base?.[path];
    files.push({ path, status: base === undefined ? 'added' : 'modified', content, baseContent: base, changedLines: 'all' });
  }
  for (const [path, baseContent] of Object.entries(s.removed ?? {})) files.push({ path, status: 'removed', baseContent, changedLines: 'all' });
  const head = new Map<string, string>([...Object.entries(s.tree ?? {}), ...Object.entries(s.changed)]);
  const changeSet: ChangeSet = {
    files,
    mode: 'diff',
    tree: s.noTree ? undefined : { paths: async () => [...head.keys()], read: async (p) => head.get(p) },
  };
  const result = await review(changeSet, validateConfig(s.config ?? {}), { rules });
  const broken = result.findings.filter((f) => f.ruleId.startsWith('backend-review/'));
  if (broken.length) throw new Error(broken.map((f) => f.message).join('\n'));
  return result.findings;
}

export const at = (fs: Finding[]) => fs.map((f) => `${f.ruleId} ${f.path}:${f.startLine}`);
