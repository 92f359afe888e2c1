import type { LineRange } from './model.js';

export interface Suppression {
  /** Line of the comment itself. */
  line: number;
  ruleIds: string[];
  reason: string;
  fileLevel: boolean;
  /** Lines the suppression silences; ignored for file-level ones. */
  target: LineRange;
  /** Rule ids that actually silenced something, filled by the engine. */
  used: Set<string>;
}

export interface SuppressionProblem {
  line: number;
  message: string;
}

// Comment leaders for SQL, JS/TS, YAML, env and Dockerfiles. The directive must follow
// the leader directly, so prose that merely mentions it is not a suppression.
const DIRECTIVE = /(?:--|\/\/|#|\/\*)\s*backend-review-ignore(-file)?(?![\w-])(.*)$/;
const RULE_ID = /^[a-z]+\/[a-z0-9-]+$/;
const COMMENT_ONLY = /^\s*(--|\/\/|#|\/\*|\*)/;

/**
 * Finds `backend-review-ignore <rule-id>[, <rule-id>]: <reason>` comments. A malformed one
 * never suppresses anything: it is returned as a problem so the author sees it.
 */
export function parseSuppressions(
  lines: string[],
  knownRule: (id: string) => boolean,
  statementEnd?: (line: number) => number | undefined,
): { suppressions: Suppression[]; problems: SuppressionProblem[] } {
  const suppressions: Suppression[] = [];
  const problems: SuppressionProblem[] = [];
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i];
    if (!text.includes('backend-review-ignore')) continue;
    const m = DIRECTIVE.exec(text);
    if (!m) continue;
    const line = i + 1;
    const fileLevel = m[1] === '-file';
    const rest = m[2].replace(/\*\/\s*$/, '').trim();
    const colon = rest.indexOf(':');
    const idsPart = colon === -1 ? rest : rest.slice(0, colon);
    const reason = colon === -1 ? '' : rest.slice(colon + 1).trim();
    const ids = idsPart.split(/[\s,]+/).filter(Boolean);
    const directive = fileLevel ? 'backend-review-ignore-file' : 'backend-review-ignore';
    if (ids.length === 0) {
      problems.push({ line, message: `\`${directive}\` names no rule, so it suppresses nothing. Write \`${directive} <rule-id>: <reason>\`.` });
      continue;
    }
    const bad = ids.filter((id) => !RULE_ID.test(id) || !knownRule(id));
    if (bad.length > 0) {
      problems.push({ line, message: `\`${directive}\` names an unknown rule \`${bad[0]}\`, so it suppresses nothing. Rule ids look like \`migration/drop-column\`.` });
      continue;
    }
    if (!reason) {
      problems.push({ line, message: `\`${directive} ${ids.join(', ')}\` gives no reason, so it suppresses nothing. Add one after a colon: \`${directive} ${ids[0]}: <why this is safe>\`.` });
      continue;
    }
    const codeBefore = !COMMENT_ONLY.test(text.slice(0, m.index + 2)) && text.slice(0, m.index).trim() !== '';
    let targetLine = line;
    if (!codeBefore) {
      targetLine = line + 1;
      while (targetLine <= lines.length && (lines[targetLine - 1].trim() === '' || COMMENT_ONLY.test(lines[targetLine - 1]))) {
        targetLine++;
      }
    }
    const end = statementEnd?.(targetLine) ?? targetLine;
    suppressions.push({ line, ruleIds: ids, reason, fileLevel, target: { start: targetLine, end: Math.max(end, targetLine) }, used: new Set() });
  }
  return { suppressions, problems };
}
