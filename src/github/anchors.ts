import type { Finding, LineRange } from '../model.js';
import { commentableLines } from '../sources/diff-lines.js';

/** Where an inline comment goes: `line` (and `start_line` for a range) on the head side. */
export interface Anchor {
  path: string;
  line: number;
  startLine?: number;
  /** The comment range is exactly the fix's range, so the fix can be a suggestion. */
  suggestion: boolean;
}

/**
 * Validates a finding's lines against the diff hunks before anything is posted: one
 * comment outside the diff makes GitHub reject the whole review with a 422. A range must
 * sit inside one hunk. A suggestion replaces exactly the commented lines, so a finding
 * with a fix is anchored on the fix's lines or, failing that, without a suggestion.
 */
export function anchorFor(finding: Finding, patches: Map<string, string>): Anchor | undefined {
  if (!finding.path || finding.wholeChange) return undefined;
  const patch = patches.get(finding.path);
  if (patch === undefined) return undefined;
  const hunks = commentableLines(patch);
  const fits = (start: number, end: number) => hunks.some((h: LineRange) => h.start <= start && end <= h.end);
  const make = (start: number, end: number, suggestion: boolean): Anchor => ({
    path: finding.path,
    line: end,
    startLine: start < end ? start : undefined,
    suggestion,
  });
  if (finding.fix && fits(finding.fix.startLine, finding.fix.endLine)) return make(finding.fix.startLine, finding.fix.endLine, true);
  if (fits(finding.startLine, finding.endLine)) return make(finding.startLine, finding.endLine, false);
  if (fits(finding.startLine, finding.startLine)) return make(finding.startLine, finding.startLine, false);
  return undefined;
}
