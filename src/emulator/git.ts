import { createHash } from 'node:crypto';
import { structuredPatch } from 'diff';

/** Git's blob id: sha1 of "blob <size>\0<content>". */
export function blobSha(content: string): string {
  const bytes = Buffer.from(content, 'utf8');
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

export function commitSha(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

/** A unified diff of one file in the shape of GitHub's `patch` field (hunks only, 3 lines of context). */
export function githubPatch(base: string | undefined, head: string | undefined): string {
  const { hunks } = structuredPatch('a', 'b', base ?? '', head ?? '', '', '', { context: 3 });
  return hunks
    .map((h) => {
      const oldStart = h.oldLines === 0 ? h.oldStart - 1 : h.oldStart;
      const newStart = h.newLines === 0 ? h.newStart - 1 : h.newStart;
      return [`@@ -${oldStart},${h.oldLines} +${newStart},${h.newLines} @@`, ...h.lines].join('\n');
    })
    .join('\n');
}

export function countChanges(patch: string): { additions: number; deletions: number } {
  let additions = 0;
  let deletions = 0;
  for (const line of patch.split('\n')) {
    if (line.startsWith('+')) additions++;
    else if (line.startsWith('-')) deletions++;
  }
  return { additions, deletions };
}
