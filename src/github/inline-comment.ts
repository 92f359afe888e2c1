import type { Finding, Severity } from '../model.js';
import type { Anchor } from './anchors.js';
import { findingMarker } from './markers.js';
import { ruleDoc } from './rule-docs.js';

const ICON: Record<Severity, string> = { error: '❌', warning: '⚠️', notice: 'ℹ️' };

/** The shape pulls.createReview takes for one comment. */
export interface ReviewComment {
  path: string;
  body: string;
  line: number;
  side: 'RIGHT';
  start_line?: number;
  start_side?: 'RIGHT';
}

/**
 * One inline comment: what breaks and the safer form, the fix as a suggestion block when
 * it replaces exactly the commented lines, the guidance it cites, and a hidden marker with
 * the finding's fingerprint so a re-run recognises it.
 */
export function inlineComment(finding: Finding, anchor: Anchor, commandPrefix: string): ReviewComment {
  const doc = ruleDoc(finding.ruleId);
  const lines = [`${ICON[finding.severity]} **${doc?.title ?? finding.ruleId}** · \`${finding.ruleId}\``, '', finding.message];
  if (finding.fix) {
    const fence = fenceFor(finding.fix.replacement);
    if (anchor.suggestion) {
      lines.push('', fence + 'suggestion', finding.fix.replacement, fence);
    } else {
      const at = finding.fix.startLine === finding.fix.endLine ? `line ${finding.fix.startLine}` : `lines ${finding.fix.startLine}–${finding.fix.endLine}`;
      lines.push('', `Replace ${at} with:`, '', fence, finding.fix.replacement, fence);
    }
  }
  const guidance = doc?.guidance ? `Guidance: ${doc.guidance} · ` : '';
  lines.push('', `<sub>${guidance}\`${commandPrefix} explain ${finding.ruleId}\` for details · \`${commandPrefix} ignore ${finding.ruleId} <reason>\` to ignore it on this PR</sub>`);
  lines.push(findingMarker(finding.fingerprint));
  const comment: ReviewComment = { path: anchor.path, body: lines.join('\n'), line: anchor.line, side: 'RIGHT' };
  if (anchor.startLine !== undefined) {
    comment.start_line = anchor.startLine;
    comment.start_side = 'RIGHT';
  }
  return comment;
}

/** A code fence longer than any run of backticks in the content. */
export function fenceFor(content: string): string {
  const longest = Math.max(0, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}
