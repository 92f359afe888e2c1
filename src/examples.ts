import { validateConfig } from './config/load.js';
import { review } from './engine.js';
import type { ChangeSet, ChangedFile, Example, Finding, ReviewResult } from './model.js';
import type { Rule } from './rule.js';

/** A change set holding one rule example: the example file plus any companion files. */
export function changeSetForExample(example: Example): ChangeSet {
  const files: ChangedFile[] = [
    { path: example.path, status: example.base === undefined ? 'added' : 'modified', content: example.code, baseContent: example.base, changedLines: 'all' },
  ];
  for (const [path, content] of Object.entries(example.files ?? {})) {
    files.push({ path, status: 'added', content, changedLines: 'all' });
  }
  const byPath = new Map(files.map((f) => [f.path, f.content]));
  return { files, mode: 'scan', tree: { paths: async () => [...byPath.keys()], read: async (p) => byPath.get(p) } };
}

/** Reviews an example with only the given rule enabled, as the docs and tests do. */
export async function runExample(rule: Rule, example: Example): Promise<ReviewResult> {
  const config = validateConfig(example.config ?? {}, `example config of ${rule.meta.id}`);
  return review(changeSetForExample(example), config, { rules: [rule] });
}

export function findingsOf(result: ReviewResult, rule: Rule): Finding[] {
  return result.findings.filter((f) => f.ruleId === rule.meta.id);
}

/** Applies a finding's fix to the text, as a reviewer accepting the suggestion would. */
export function applyFix(text: string, finding: Finding): string {
  if (!finding.fix) return text;
  const lines = text.split('\n');
  lines.splice(finding.fix.startLine - 1, finding.fix.endLine - finding.fix.startLine + 1, ...finding.fix.replacement.split('\n'));
  return lines.join('\n');
}
