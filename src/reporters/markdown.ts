import { AREA_ORDER } from '../checklist.js';
import type { ChecklistStatus, Finding, ReviewResult, Severity } from '../model.js';

const ICON: Record<Severity, string> = { error: '❌', warning: '⚠️', notice: 'ℹ️' };
const STATUS: Record<Exclude<ChecklistStatus, 'manual'>, string> = { pass: '✅', fail: '❌', warn: '⚠️' };
const AREA_TITLE: Record<string, string> = {
  security: 'Security',
  api: 'API design',
  migration: 'Migration safety',
  observability: 'Observability',
  reliability: 'Reliability',
  meta: 'Review notes',
};

export interface MarkdownOptions {
  /** GitHub's limit for a comment body is 65,536 characters; stay under it. */
  maxLength?: number;
  /** Link for a finding's location, e.g. a blob URL on GitHub. */
  link?: (f: Finding) => string | undefined;
  /** Extra sections (ignored rules, files not anchored) appended before the findings. */
  extra?: string[];
}

/** The summary comment: verdict, counts per area, the checklist, then findings by file. */
export function toMarkdown(result: ReviewResult, options: MarkdownOptions = {}): string {
  const max = options.maxLength ?? 60_000;
  const { bySeverity } = result.stats;
  const head: string[] = [];
  const verdict = result.failed
    ? `❌ **Changes needed**: ${plural(bySeverity.error, 'error')}${bySeverity.warning ? ` and ${plural(bySeverity.warning, 'warning')}` : ''} reach the gate`
    : result.findings.length
      ? `⚠️ **Passes with comments**: ${plural(result.findings.length, 'finding')}, none that blocks the merge`
      : '✅ **No problems found** in what this change touches';
  head.push('## Backend Review', '', verdict, '');

  const areas = [...AREA_ORDER, 'meta'].filter((a) => result.findings.some((f) => f.category === a));
  if (areas.length) {
    head.push('| Area | Errors | Warnings | Notices |', '|---|---:|---:|---:|');
    for (const area of areas) {
      const of = (s: Severity) => result.findings.filter((f) => f.category === area && f.severity === s).length;
      head.push(`| ${AREA_TITLE[area]} | ${of('error')} | ${of('warning')} | ${of('notice')} |`);
    }
    head.push('');
  }

  if (result.checklist.length) {
    head.push('### Checklist', '', '<sub>✅ checked by the rules named in the docs, nothing found in this change · ❌ ⚠️ see the findings · ☐ for a person to confirm</sub>', '');
    for (const area of AREA_ORDER) {
      const items = result.checklist.filter((i) => i.area === area);
      if (!items.length) continue;
      head.push(`**${AREA_TITLE[area]}**`, '');
      for (const item of items) {
        const cite = `<sub>${escape(item.guidance)}</sub>`;
        head.push(item.status === 'manual' ? `- [ ] ${escape(item.text)} ${cite}` : `- ${STATUS[item.status]} ${escape(item.text)} ${cite}`);
      }
      head.push('');
    }
  }

  for (const section of options.extra ?? []) head.push(section, '');

  if (result.skipped.length) {
    head.push(`<details><summary>${plural(result.skipped.length, 'file')} not analysed</summary>`, '');
    for (const s of result.skipped.slice(0, 100)) head.push(`- \`${s.path}\`: ${escape(s.reason)}`);
    if (result.skipped.length > 100) head.push(`- …and ${result.skipped.length - 100} more`);
    head.push('', '</details>', '');
  }

  const body: string[] = [];
  const byFile = new Map<string, Finding[]>();
  for (const f of result.findings) byFile.set(f.path, [...(byFile.get(f.path) ?? []), f]);
  if (byFile.size) body.push('### Findings', '');
  let length = head.join('\n').length;
  let omitted = 0;
  for (const [path, findings] of byFile) {
    const block: string[] = [`<details${findings.some((f) => f.severity === 'error') ? ' open' : ''}><summary><code>${escape(path || 'the change as a whole')}</code>: ${plural(findings.length, 'finding')}</summary>`, ''];
    for (const f of findings) {
      const at = `L${f.startLine}${f.endLine !== f.startLine ? `–${f.endLine}` : ''}`;
      const link = options.link?.(f);
      block.push(`- ${ICON[f.severity]} ${link ? `[${at}](${link})` : at} \`${f.ruleId}\`: ${f.message}`);
    }
    block.push('', '</details>', '');
    const text = block.join('\n');
    if (length + text.length > max - 200) {
      omitted += findings.length;
      continue;
    }
    length += text.length;
    body.push(text);
  }
  if (omitted) body.push(`_${plural(omitted, 'more finding')} not shown: the comment would exceed GitHub's size limit. Run \`backend-review review\` locally for the full list._`, '');
  body.push(`<sub>${plural(result.stats.filesAnalyzed, 'file')} analysed in ${result.stats.durationMs} ms.</sub>`);
  return [...head, ...body].join('\n');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Keeps user-controlled text from breaking out of the markdown structure. */
function escape(text: string): string {
  return text.replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
