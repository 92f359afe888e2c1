import pc from 'picocolors';
import type { Finding, ReviewResult, Severity } from '../model.js';

const MARK: Record<Severity, (s: string) => string> = {
  error: (s) => pc.red(pc.bold(s)),
  warning: (s) => pc.yellow(s),
  notice: (s) => pc.cyan(s),
};

/** The terminal report: findings grouped by file, then a one-line verdict. */
export function toText(result: ReviewResult, options: { color?: boolean } = {}): string {
  const c = options.color === false ? pc.createColors(false) : pc;
  const mark: Record<Severity, (s: string) => string> =
    options.color === false ? { error: (s) => s, warning: (s) => s, notice: (s) => s } : MARK;
  const out: string[] = [];
  const byFile = new Map<string, Finding[]>();
  for (const f of result.findings) byFile.set(f.path, [...(byFile.get(f.path) ?? []), f]);
  for (const [path, findings] of byFile) {
    out.push(c.underline(path || '(the change as a whole)'));
    for (const f of findings) {
      const where = `${f.startLine}${f.endLine !== f.startLine ? `-${f.endLine}` : ''}`.padStart(7);
      out.push(`${c.dim(where)}  ${mark[f.severity](f.severity.padEnd(7))}  ${f.message}  ${c.dim(f.ruleId)}`);
      if (f.fix) {
        out.push(c.dim('         suggested fix:'));
        for (const line of f.fix.replacement.split('\n')) out.push(c.green(`           ${line}`));
      }
    }
    out.push('');
  }
  for (const s of result.skipped) out.push(c.dim(`skipped ${s.path}: ${s.reason}`));
  if (result.skipped.length) out.push('');
  const { bySeverity, filesAnalyzed, durationMs } = result.stats;
  const counts = `${bySeverity.error} error${bySeverity.error === 1 ? '' : 's'}, ${bySeverity.warning} warning${bySeverity.warning === 1 ? '' : 's'}, ${bySeverity.notice} notice${bySeverity.notice === 1 ? '' : 's'}`;
  const verdict = result.failed ? c.red(c.bold('✖ fails the review gate')) : c.green('✔ passes the review gate');
  out.push(`${verdict}: ${counts} in ${filesAnalyzed} file${filesAnalyzed === 1 ? '' : 's'} (${durationMs} ms)`);
  return out.join('\n') + '\n';
}
