import type { Finding, ReviewResult } from '../model.js';
import { toMarkdown } from '../reporters/markdown.js';
import type { GitHubClient, PullRef } from './client.js';
import { LIMITS, truncate } from './limits.js';
import { isSummary, summaryMarker, summaryStateOf, type Ignore, type SummaryState } from './markers.js';
import { sameBot } from './review-threads.js';

export interface ExistingSummary {
  id: number;
  body: string;
  state: SummaryState;
}

/**
 * Finds the app's sticky summary comment by its hidden marker. Only a comment written by
 * the app counts when the bot login is known, so nobody can plant state in it.
 */
export async function findSummary(octokit: GitHubClient, pull: PullRef, botLogin: string | undefined): Promise<ExistingSummary | undefined> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner: pull.owner,
    repo: pull.repo,
    issue_number: pull.pullNumber,
    per_page: 100,
  });
  const mine = comments.find((c) => isSummary(c.body) && (!botLogin || sameBot(c.user?.login, botLogin)));
  return mine ? { id: mine.id, body: mine.body ?? '', state: summaryStateOf(mine.body) } : undefined;
}

export interface SummaryInput {
  result: ReviewResult;
  state: SummaryState;
  headSha: string;
  /** The previous summary, whose ticked boxes are kept. */
  previousBody?: string;
  /** Findings that were not posted inline, with the reason. */
  notInline: { finding: Finding; reason: string }[];
  notes: string[];
  link: (f: Finding) => string | undefined;
  commandPrefix: string;
}

/** The sticky summary: the checklist, counts, ignored rules, skipped files and findings. */
export function summaryBody(input: SummaryInput): string {
  const extra: string[] = [];
  if (input.state.ignores.length) extra.push(ignoredSection(input.state.ignores));
  if (input.notInline.length) {
    const reasons = new Map<string, number>();
    for (const n of input.notInline) reasons.set(n.reason, (reasons.get(n.reason) ?? 0) + 1);
    extra.push(
      `**Not posted inline:** ${[...reasons].map(([reason, n]) => `${n} ${reason}`).join('; ')}. They are listed under Findings below and as annotations on the check run.`,
    );
  }
  for (const note of input.notes) extra.push(`> ${note}`);
  if (input.result.findings.length > PER_FILE_THRESHOLD) extra.push(perFileTable(input.result.findings));
  const marker = summaryMarker({ ...input.state, head: input.headSha });
  const footer = `\n\n<sub>Reviewed at ${input.headSha.slice(0, 7)}. Commands: \`${input.commandPrefix} review\`, \`${input.commandPrefix} help\`.</sub>`;
  const room = LIMITS.commentBody - marker.length - footer.length - 100;
  let body = toMarkdown(input.result, { maxLength: Math.min(60_000, room), link: input.link, extra });
  body = linkChecklist(body, input.result, input.link);
  body = keepTicks(body, input.previousBody);
  return `${marker}\n${truncate(body, room)}${footer}`;
}

/** A short body used when a rule is ignored before the first review has finished. */
export function pendingSummaryBody(state: SummaryState): string {
  return `${summaryMarker(state)}\n## Backend Review\n\nReview in progress…\n\n${ignoredSection(state.ignores)}`;
}

/** Above this many findings the summary also counts them per file, since not every detail fits. */
const PER_FILE_THRESHOLD = 50;

function perFileTable(findings: Finding[]): string {
  const counts = new Map<string, { error: number; warning: number; notice: number }>();
  for (const f of findings) {
    const c = counts.get(f.path) ?? { error: 0, warning: 0, notice: 0 };
    c[f.severity]++;
    counts.set(f.path, c);
  }
  const rows = [...counts].sort(([, a], [, b]) => b.error - a.error || b.warning - a.warning || b.notice - a.notice);
  const shown = rows.slice(0, 100).map(([path, c]) => `| \`${(path || 'the change as a whole').replace(/`/g, "'")}\` | ${c.error} | ${c.warning} | ${c.notice} |`);
  const more = rows.length > 100 ? [`| …and ${rows.length - 100} more files | | | |`] : [];
  return ['<details><summary>Findings per file</summary>', '', '| File | Errors | Warnings | Notices |', '|---|---:|---:|---:|', ...shown, ...more, '', '</details>'].join('\n');
}

function ignoredSection(ignores: Ignore[]): string {
  const rows = ignores.map((i) => `| \`${i.rule}\` | @${i.by} | ${escapeCell(i.reason)} |`);
  return ['### Ignored on this pull request', '', '| Rule | By | Reason |', '|---|---|---|', ...rows].join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r?\n/g, ' ');
}

/** Adds links to the comments (or lines) behind each failed or warned checklist item. */
export function linkChecklist(body: string, result: ReviewResult, link: (f: Finding) => string | undefined): string {
  for (const item of result.checklist) {
    if (item.status !== 'fail' && item.status !== 'warn') continue;
    const urls = [...new Set(result.findings.filter((f) => item.rules.includes(f.ruleId)).map(link).filter((u): u is string => Boolean(u)))];
    if (!urls.length) continue;
    const line = `- ${item.status === 'fail' ? '❌' : '⚠️'} ${item.text.replace(/</g, '&lt;').replace(/>/g, '&gt;')} <sub>`;
    const refs = urls.slice(0, 3).map((u, i) => `[${i + 1}](${u})`).join(' ') + (urls.length > 3 ? ` +${urls.length - 3}` : '');
    body = body.replace(line, `${line.slice(0, -'<sub>'.length)}(${refs}) <sub>`);
  }
  return body;
}

/** Reviewers tick the ☐ items by hand; a re-run must not untick them. */
export function keepTicks(body: string, previous: string | undefined): string {
  if (!previous) return body;
  const ticked = new Set<string>();
  for (const m of previous.matchAll(/^- \[[xX]\] (.+)$/gm)) ticked.add(m[1].trim());
  if (!ticked.size) return body;
  return body.replace(/^- \[ \] (.+)$/gm, (line, rest: string) => (ticked.has(rest.trim()) ? `- [x] ${rest}` : line));
}
