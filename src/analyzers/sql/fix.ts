import type { Fix } from '../../model.js';

/**
 * Builds a whole-line fix by applying one regex replacement to lines start..end. Returns
 * undefined unless the pattern matches exactly once, so a fix is only offered when the
 * rewrite is unambiguous.
 */
export function rewriteLines(lines: string[], start: number, end: number, pattern: RegExp, replacement: string): Fix | undefined {
  const original = lines.slice(start - 1, end).join('\n');
  const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g');
  const matches = original.match(global);
  if (!matches || matches.length !== 1) return undefined;
  const replaced = original.replace(pattern, replacement);
  if (replaced === original) return undefined;
  return { startLine: start, endLine: end, replacement: replaced };
}

/** A fix that inserts lines before `line`, keeping that line as it is. */
export function insertBefore(lines: string[], line: number, inserted: string): Fix {
  return { startLine: line, endLine: line, replacement: `${inserted}\n${lines[line - 1] ?? ''}` };
}
