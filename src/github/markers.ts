/**
 * Hidden HTML-comment markers the app leaves in what it posts, so it can find its own
 * comments again without storing anything: the app is stateless.
 */

const FINDING = /<!-- backend-review:finding ([0-9a-f]{8,64}) -->/;
const SUMMARY = /<!-- backend-review:summary (?:([A-Za-z0-9_-]*) )?-->/;

export function findingMarker(fingerprint: string): string {
  return `<!-- backend-review:finding ${fingerprint} -->`;
}

export function fingerprintOf(body: string | null | undefined): string | undefined {
  return body ? FINDING.exec(body)?.[1] : undefined;
}

/** A rule ignored for one PR with `/backend-review ignore`. */
export interface Ignore {
  rule: string;
  by: string;
  reason: string;
  at: string;
}

/** What the sticky summary remembers between runs. */
export interface SummaryState {
  ignores: Ignore[];
  /** The head commit the summary describes. */
  head?: string;
}

export function summaryMarker(state: SummaryState): string {
  // base64url keeps the JSON from ever containing "-->".
  return `<!-- backend-review:summary ${Buffer.from(JSON.stringify(state)).toString('base64url')} -->`;
}

export function isSummary(body: string | null | undefined): boolean {
  return Boolean(body && SUMMARY.test(body));
}

export function summaryStateOf(body: string | null | undefined): SummaryState {
  const data = body ? SUMMARY.exec(body)?.[1] : undefined;
  if (!data) return { ignores: [] };
  try {
    const parsed = JSON.parse(Buffer.from(data, 'base64url').toString('utf8')) as Partial<SummaryState>;
    const ignores = Array.isArray(parsed.ignores)
      ? parsed.ignores.filter((i): i is Ignore => Boolean(i) && typeof i.rule === 'string' && typeof i.by === 'string' && typeof i.reason === 'string')
      : [];
    return typeof parsed.head === 'string' ? { ignores, head: parsed.head } : { ignores };
  } catch {
    return { ignores: [] };
  }
}
