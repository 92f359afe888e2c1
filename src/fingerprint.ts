import { createHash } from 'node:crypto';
import type { Finding } from './model.js';

/**
 * Gives each finding a fingerprint that depends on the rule, the file and the text of the
 * flagged lines, never on line numbers, so a re-run after unrelated lines moved produces
 * the same fingerprints and nothing is posted twice. Identical flagged text in one file
 * (the same statement twice) is told apart by its order of appearance.
 */
export function assignFingerprints(findings: Omit<Finding, 'fingerprint'>[], contentOf: (path: string) => string[] | undefined): Finding[] {
  const seen = new Map<string, number>();
  const sorted = [...findings].sort((a, b) => a.path.localeCompare(b.path) || a.startLine - b.startLine || a.ruleId.localeCompare(b.ruleId));
  return sorted.map((f) => {
    const lines = contentOf(f.path);
    const flagged = lines
      ? lines.slice(Math.max(0, f.startLine - 1), Math.max(f.startLine, f.endLine)).join('\n').replace(/\s+/g, ' ').trim()
      : f.message;
    const key = `${f.ruleId}\u0000${f.path}\u0000${flagged}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    const fingerprint = createHash('sha256').update(`${key}\u0000${n}`).digest('hex').slice(0, 20);
    return { ...f, fingerprint };
  });
}
