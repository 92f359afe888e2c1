import type { ReviewResult } from '../model.js';

/**
 * The JSON output is a public contract (documented in the README): add fields, never
 * rename or remove them.
 */
export function toJson(result: ReviewResult): string {
  return JSON.stringify(
    {
      findings: result.findings.map((f) => ({
        ruleId: f.ruleId,
        category: f.category,
        severity: f.severity,
        path: f.path,
        startLine: f.startLine,
        endLine: f.endLine,
        message: f.message,
        ...(f.fix ? { fix: f.fix } : {}),
        fingerprint: f.fingerprint,
      })),
      checklist: result.checklist,
      skipped: result.skipped,
      stats: result.stats,
      failed: result.failed,
    },
    null,
    2,
  );
}
