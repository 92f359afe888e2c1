/**
 * Decides whether raw file bytes can be analysed, and decodes them. Binary, oversized
 * and invalid UTF-8 files are skipped with a reason instead of crashing a rule.
 */
export type Decoded = { content: string } | { skipped: string };

const decoder = new TextDecoder('utf-8', { fatal: true });

export function decodeFile(bytes: Uint8Array, maxBytes: number): Decoded {
  if (bytes.length > maxBytes) {
    return { skipped: `larger than ${formatBytes(maxBytes)} (${formatBytes(bytes.length)})` };
  }
  const head = bytes.subarray(0, 8000);
  if (head.includes(0)) return { skipped: 'binary file' };
  try {
    return { content: decoder.decode(bytes).replace(/^\uFEFF/, '') };
  } catch {
    return { skipped: 'not valid UTF-8' };
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}
