import { createHash, hash as oneShotHash, type Hash } from 'node:crypto';
import type { Finding } from './model.js';

/** Flagged text longer than this is hashed once per key and the hash copied per finding. */
const LONG_TEXT = 4096;

/**
 * Gives each finding a fingerprint that depends on the rule, the file and the text of the
 * flagged lines, never on line numbers, so a re-run after unrelated lines moved produces
 * the same fingerprints and nothing is posted twice. Identical flagged text in one file
 * (the same statement twice) is told apart by its order of appearance.
 */
export function assignFingerprints(findings: Omit<Finding, 'fingerprint'>[], contentOf: (path: string) => string[] | undefined): Finding[] {
  const seen = new Map<string, number>();
  // Many findings on one long line (a minified file) must not normalise and hash that line
  // once per finding: the flagged text is computed once per range, and a long one is
  // hashed once per key (the hash state copied for each occurrence).
  const flaggedText = new Map<string, string>();
  const keyHash = new Map<string, Hash>();
  const textIds = new Map<string, number>();
  // Same order as path.localeCompare || startLine || ruleId.localeCompare; equal strings
  // skip the (slow) locale comparison, which returns 0 for them anyway.
  const sorted = [...findings].sort(
    (a, b) =>
      (a.path === b.path ? 0 : a.path.localeCompare(b.path)) || a.startLine - b.startLine || (a.ruleId === b.ruleId ? 0 : a.ruleId.localeCompare(b.ruleId)),
  );
  let linesPath: string | undefined;
  let lines: string[] | undefined;
  return sorted.map((f) => {
    if (f.path !== linesPath) {
      linesPath = f.path;
      lines = contentOf(f.path);
    }
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
    let digest: string;
    if (flagged.length <= LONG_TEXT) {
      digest = oneShotHash('sha256', `${f.ruleId}\u0000${f.path}\u0000${flagged}\u0000${n}`, 'hex');
    } else {
      let hash = keyHash.get(id);
      if (!hash) {
        hash = createHash('sha256').update(`${f.ruleId}\u0000${f.path}\u0000${flagged}\u0000`);
        keyHash.set(id, hash);
      }
      digest = hash.copy().update(String(n)).digest('hex');
    }
    return { ...f, fingerprint: digest.slice(0, 20) };
  });
}
