import { createHash, type Hash } from 'node:crypto';
import type { Finding } from './model.js';

/**
 * Gives each finding a fingerprint that depends on the rule, the file and the text of the
 * flagged lines, never on line numbers, so a re-run after unrelated lines moved produces
 * the same fingerprints and nothing is posted twice. Identical flagged text in one file
 * (the same statement twice) is told apart by its order of appearance.
 */
export function assignFingerprints(findings: Omit<Finding, 'fingerprint'>[], contentOf: (path: string) => string[] | undefined): Finding[] {
  const seen = new Map<string, number>();
  // Many findings on one long line (a minified file) must not normalise and hash that line
  // once per finding: the flagged text and the hash of the key are computed once per range.
  const flaggedText = new Map<string, string>();
  const keyHash = new Map<string, Hash>();
  const textIds = new Map<string, number>();
  const sorted = [...findings].sort((a, b) => a.path.localeCompare(b.path) || a.startLine - b.startLine || a.ruleId.localeCompare(b.ruleId));
  return sorted.map((f) => {
    const lines = contentOf(f.path);
    let flagged = f.message;
    if (lines) {
      const range = `${f.path}\u0000${f.startLine}\u0000${f.endLine}`;
      let text = flaggedText.get(range);
      if (text === undefined) {
        text = lines.slice(Math.max(0, f.startLine - 1), Math.max(f.startLine, f.endLine)).join('\n').replace(/\s+/g, ' ').trim();
        flaggedText.set(range, text);
      }
      flagged = text;
    }
    // The maps are keyed by a short id of the text, not by the (possibly huge) text itself.
    let textId = textIds.get(flagged);
    if (textId === undefined) {
      textId = textIds.size;
      textIds.set(flagged, textId);
    }
    const id = `${f.ruleId}\u0000${f.path}\u0000${textId}`;
    const n = seen.get(id) ?? 0;
    seen.set(id, n + 1);
    let hash = keyHash.get(id);
    if (!hash) {
      hash = createHash('sha256').update(`${f.ruleId}\u0000${f.path}\u0000${flagged}\u0000`);
      keyHash.set(id, hash);
    }
    const fingerprint = hash.copy().update(String(n)).digest('hex').slice(0, 20);
    return { ...f, fingerprint };
  });
}
