/** GitHub's hard limits that the app must respect (see docs/ and the reference notes). */
export const LIMITS = {
  /** checks: output.summary and output.text. */
  checkOutput: 65_535,
  /** Issue and review comment bodies. */
  commentBody: 65_536,
  /** checks: annotations per create/update request. */
  annotationsPerRequest: 50,
  /** checks: annotation title. */
  annotationTitle: 255,
  /** pulls.listFiles stops here. */
  listedFiles: 3_000,
  /** Blobs fetched per GraphQL query, and their total size budget. */
  blobsPerQuery: 50,
  blobBytesPerQuery: 4 * 1024 * 1024,
} as const;

export const CHECK_NAME = 'Backend Review';

/** Cuts text to a limit at a line boundary and says that it did. */
export function truncate(text: string, max: number, note = '\n\n_…cut to fit GitHub’s size limit._'): string {
  if (text.length <= max) return text;
  const room = max - note.length;
  const cut = text.lastIndexOf('\n', room);
  return text.slice(0, cut > room / 2 ? cut : room) + note;
}
