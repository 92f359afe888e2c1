import type { Log, ReportingDescriptor, Result } from 'sarif';
import { RULES } from '../../checks/index.js';
import type { ReviewResult, Severity } from '../model.js';
import { META_RULE_DOCS } from '../meta-rules.js';

const LEVEL: Record<Severity, Result.level> = { error: 'error', warning: 'warning', notice: 'note' };

export interface SarifOptions {
  version: string;
  informationUri?: string;
}

/**
 * SARIF 2.1.0 for GitHub code scanning and other viewers. Every rule is described in the
 * driver (not just the ones that fired), so a viewer can show help for any id, and each
 * result carries our fingerprint so code scanning tracks it across commits.
 */
export function toSarif(result: ReviewResult, options: SarifOptions): string {
  const descriptors: ReportingDescriptor[] = [
    ...RULES.map((r) => ({
      id: r.meta.id,
      name: r.meta.id.replace(/[/-](\w)/g, (_, c: string) => c.toUpperCase()),
      shortDescription: { text: r.meta.title },
      fullDescription: { text: r.meta.description },
      help: {
        text: `${r.meta.description}\n\nGuidance: ${r.meta.guidance}`,
        markdown: `${r.meta.description}\n\n**Guidance:** ${r.meta.guidance}`,
      },
      defaultConfiguration: { level: LEVEL[r.meta.severity] },
      properties: { tags: [r.meta.area], area: r.meta.area, guidance: r.meta.guidance, checklist: r.meta.checklist },
    })),
    ...META_RULE_DOCS.map((m) => ({
      id: m.id,
      shortDescription: { text: m.title },
      fullDescription: { text: m.description },
      defaultConfiguration: { level: 'note' as const },
      properties: { tags: ['meta'] },
    })),
  ];
  const index = new Map(descriptors.map((d, i) => [d.id, i]));
  const results: Result[] = result.findings.map((f) => {
    const region = { startLine: f.startLine, endLine: f.endLine };
    const location = f.path ? [{ physicalLocation: { artifactLocation: { uri: encodeURI(f.path), uriBaseId: '%SRCROOT%' }, region } }] : [];
    const out: Result = {
      ruleId: f.ruleId,
      ruleIndex: index.get(f.ruleId),
      level: LEVEL[f.severity],
      message: { text: f.message },
      locations: location,
      partialFingerprints: { 'backendReview/v1': f.fingerprint },
    };
    if (f.fix && f.path) {
      out.fixes = [
        {
          description: { text: 'Replace the flagged lines with the safer form' },
          artifactChanges: [
            {
              artifactLocation: { uri: encodeURI(f.path), uriBaseId: '%SRCROOT%' },
              replacements: [
                {
                  deletedRegion: { startLine: f.fix.startLine, startColumn: 1, endLine: f.fix.endLine + 1, endColumn: 1 },
                  insertedContent: { text: f.fix.replacement + '\n' },
                },
              ],
            },
          ],
        },
      ];
    }
    return out;
  });
  const log: Log = {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: {
          driver: {
            name: 'backend-review',
            semanticVersion: options.version,
            informationUri: options.informationUri ?? 'https://github.com/backend-review/backend-review',
            rules: descriptors,
          },
        },
        results,
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
  return JSON.stringify(log, null, 2);
}
