import { parsePatch } from 'diff';
import type { LineRange } from '../model.js';

/**
 * Lines added at the head, from a unified diff of one file (GitHub's `patch` field or
 * `git diff` output). Context lines are not counted as changed.
 */
export function addedLines(patch: string): LineRange[] {
  const ranges: LineRange[] = [];
  // GitHub's patch field has no file headers; parsePatch accepts bare hunks.
  for (const file of parsePatch(patch)) {
    for (const hunk of file.hunks) {
      let line = hunk.newStart;
      for (const l of hunk.lines) {
        const c = l[0];
        if (c === '+') {
          push(ranges, line);
          line++;
        } else if (c === ' ') line++;
        // '-' lines and "\ No newline at end of file" do not advance the head.
      }
    }
  }
  return ranges;
}

/** Every head line that appears in a hunk, added or context: where GitHub accepts a review comment. */
export function commentableLines(patch: string): LineRange[] {
  const ranges: LineRange[] = [];
  for (const file of parsePatch(patch)) {
    for (const hunk of file.hunks) {
      let line = hunk.newStart;
      for (const l of hunk.lines) {
        if (l[0] === '+' || l[0] === ' ') {
          push(ranges, line);
          line++;
        }
      }
    }
  }
  return ranges;
}

function push(ranges: LineRange[], line: number): void {
  const last = ranges[ranges.length - 1];
  if (last && last.end === line - 1) last.end = line;
  else ranges.push({ start: line, end: line });
}

export function inRanges(ranges: LineRange[], line: number): boolean {
  return ranges.some((r) => r.start <= line && line <= r.end);
}
