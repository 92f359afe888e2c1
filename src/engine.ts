import { loadTypeScript, syntaxKind, ts } from './analyzers/code/ts.js';
import { RULES, ruleById } from '../checks/index.js';
import { areaEnabled, parseByteSize } from './config/defaults.js';
import type { Config } from './config/schema.js';
import { formatBytes } from './sources/file-content.js';
import { classify, isSelected, type FileKind } from './files.js';
import type { ChangeKind, ChangeSet, ChangedFile, Finding, ReviewResult, Severity } from './model.js';
import type { AnalyzedFile, BaseContext, Report, Rule } from './rule.js';
import { CodeFile } from './analyzers/code/code-file.js';
import { routesOf } from './analyzers/code/routes.js';
import { loadSqlParser, parseSql } from './analyzers/sql/parse.js';
import { applyStatement, createState, frameworkOf, runnerWrapsSql, type Migration } from './analyzers/sql/migration.js';
import { extractJsMigration, safeJsFix } from './analyzers/sql/js-migration.js';
import { attachSchemaModels } from './analyzers/sql/schema.js';
import { parseSuppressions, type Suppression } from './suppressions.js';
import { assignFingerprints } from './fingerprint.js';
import { evaluateChecklist } from './checklist.js';
import { META_RULES } from './meta-rules.js';

type RawFinding = Omit<Finding, 'fingerprint'>;

export interface ReviewOptions {
  /** Replace the rule registry (tests run single rules this way). */
  rules?: Rule[];
  /**
   * Told the path of the file the review starts work on, and undefined when it moves on to work across files.
   * The analysis pool's watchdog times each file by it (src/pool/).
   */
  onFile?: (path: string | undefined) => void;
}


/**
 * Reviews a change set: runs every enabled rule once over each relevant file (each file
 * is parsed once and shared by all rules), then applies suppressions, the config and the
 * changed-lines filter, and evaluates the checklist. Knows nothing about GitHub.
 */
export async function review(changeSet: ChangeSet, config: Config, options: ReviewOptions = {}): Promise<ReviewResult> {
  const started = performance.now();
  const rules = (options.rules ?? RULES).filter((r) => ruleEnabled(r, config));
  const onFile = options.onFile ?? (() => undefined);
  const raw: RawFinding[] = [];
  const skipped: { path: string; reason: string }[] = [];

  const analyzed: AnalyzedFile[] = [];
  for (const file of changeSet.files) {
    if (!isSelected(file.path, config)) continue;
    if (file.skipped) {
      skipped.push({ path: file.path, reason: file.skipped });
      continue;
    }
    const kinds = classify(file.path, config);
    const unfit = file.content === undefined || file.status === 'removed' ? undefined : unfitForAnalysis(file.content, kinds, config);
    if (unfit) {
      skipped.push({ path: file.path, reason: unfit });
      continue;
    }
    analyzed.push({ file, kinds });
  }
  const present = analyzed.filter((a) => a.file.status !== 'removed' && a.file.content !== undefined);
  // The TypeScript compiler loads only for JS/TS files, and here, before any file's time budget runs (onFile).
  if (present.some((a) => a.kinds.has('code') || a.kinds.has('js-migration'))) loadTypeScript();

  const reporter = (rule: Rule, path: string) => (r: Report) => {
    raw.push({
      ruleId: rule.meta.id,
      category: rule.meta.area,
      severity: r.severity ?? rule.meta.severity,
      path: r.path ?? path,
      startLine: Math.max(1, r.startLine),
      endLine: Math.max(r.startLine, r.endLine ?? r.startLine),
      message: r.message,
      fix: r.fix,
      wholeChange: r.wholeChange,
    });
  };
  // One broken rule must not take the review down; say which rule failed where.
  const failed = (rule: Rule, path: string, err: unknown) => {
    raw.push({
      ruleId: META_RULES.analyzerError,
      category: 'meta',
      severity: 'notice',
      path,
      startLine: 1,
      endLine: 1,
      message: `Rule \`${rule.meta.id}\` failed on this file and was skipped: ${(err as Error).message}`,
      wholeChange: true,
    });
  };
  const guard = (rule: Rule, path: string, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      failed(rule, path, err);
    }
  };

  // Migrations: parse once, then walk the statements in order with the state they ran in.
  const migrations: Migration[] = [];
  const sqlRules = rules.filter((r) => r.sql || r.migration);
  const migrationFiles = present.filter((a) => a.kinds.has('sql-migration') || a.kinds.has('js-migration'));
  if (migrationFiles.length > 0 && (sqlRules.length > 0 || rules.some((r) => r.change))) {
    await loadSqlParser();
    for (const { file, kinds } of migrationFiles) {
      onFile(file.path);
      let migration: Migration | undefined;
      try {
        migration = kinds.has('sql-migration')
          ? sqlMigration(file, config, (reason) => skipped.push({ path: file.path, reason }))
          : extractJsMigration(file.path, file.content!, config);
      } catch (err) {
        // The TypeScript parser and the extraction recurse per nesting level.
        if (!(err instanceof RangeError)) throw err;
        skipped.push({ path: file.path, reason: 'nested too deeply to parse; migration rules skipped' });
      }
      if (migration) migrations.push(migration);
      else if (kinds.has('js-migration')) {
        // Extraction gives up quietly on files it cannot walk; say so when nesting was why.
        const probe = new CodeFile(file.path, file.content!);
        if (probe.unanalysable) skipped.push({ path: file.path, reason: probe.unanalysable.replace('code rules', 'migration rules') });
      }
    }
    onFile(undefined);
    await attachSchemaModels(migrations, changeSet.tree, config, changeSet);
    for (const migration of migrations) {
      onFile(migration.path);
      runMigrationRules(migration, sqlRules, config, reporter, guard);
    }
  }

  // Code: parse once, one traversal, nodes dispatched by kind to the rules that asked.
  const codeFiles = new Map<string, CodeFile>();
  const codeRules = rules.filter((r) => r.code);
  const byKind = new Map<ts.SyntaxKind, Rule[]>();
  // Rules name their kinds; numbering them loads the TypeScript compiler, which only code files need.
  const hasCode = present.some((a) => a.kinds.has('code'));
  if (hasCode) for (const rule of codeRules) for (const kind of rule.code!.kinds.map(syntaxKind)) byKind.set(kind, [...(byKind.get(kind) ?? []), rule]);
  const presentByPath = new Map(present.map((a) => [a.file.path, a]));
  const codeFile = (path: string): CodeFile | undefined => {
    const entry = presentByPath.get(path);
    if (!entry || !(entry.kinds.has('code') || entry.kinds.has('js-migration'))) return undefined;
    let cf = codeFiles.get(path);
    if (!cf) {
      cf = new CodeFile(path, entry.file.content!);
      codeFiles.set(path, cf);
    }
    return cf;
  };
  if (codeRules.length > 0 && hasCode) {
    for (const { file, kinds } of present) {
      if (!kinds.has('code')) continue;
      onFile(file.path);
      const cf = codeFile(file.path)!;
      if (cf.unanalysable) {
        skipped.push({ path: file.path, reason: cf.unanalysable });
        continue;
      }
      const contexts = new Map(codeRules.map((rule) => [rule, { config, file: cf, report: reporter(rule, file.path) }]));
      // Depth-first in source order, without recursion: a deeply nested expression must not
      // overflow the stack, and each rule starts from a shallow stack.
      const pending: ts.Node[] = [cf.sourceFile];
      const children: ts.Node[] = [];
      const collect = (child: ts.Node): void => {
        children.push(child);
      };
      while (pending.length > 0) {
        const node = pending.pop()!;
        const interested = byKind.get(node.kind);
        if (interested) {
          // guard() inlined: a closure per node and rule is most of what the dispatch allocates.
          for (const rule of interested) {
            try {
              rule.code!.visit(node, contexts.get(rule)!);
            } catch (err) {
              failed(rule, file.path, err);
            }
          }
        }
        ts.forEachChild(node, collect);
        for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]);
        children.length = 0;
      }
      // The code rules are done with the tree: let it go while it is young (the route model
      // stays for the whole-change rules and parses the file again only if they read a node).
      cf.release();
    }
  }

  // Text: env files, YAML, Dockerfiles and anything else read line by line.
  const textRules = rules.filter((r) => r.text);
  if (textRules.length > 0) {
    for (const { file, kinds } of present) {
      const wanted = textRules.filter((r) => r.text!.kinds.some((k) => kinds.has(k)));
      if (wanted.length === 0) continue;
      onFile(file.path);
      const text = file.content!;
      const textFile = { path: file.path, text, lines: text.split(/\r?\n/), kinds, file };
      for (const rule of wanted) guard(rule, file.path, () => rule.text!.check({ config, file: textFile, report: reporter(rule, file.path) }));
    }
  }

  // The change as a whole: cross-file and base-versus-head rules.
  onFile(undefined);
  for (const rule of rules.filter((r) => r.change)) {
    try {
      await rule.change!({ config, files: analyzed, tree: changeSet.tree, migrations, codeFile, report: reporter(rule, '') });
    } catch (err) {
      raw.push({
        ruleId: META_RULES.analyzerError,
        category: 'meta',
        severity: 'notice',
        path: '',
        startLine: 1,
        endLine: 1,
        message: `Rule \`${rule.meta.id}\` failed and was skipped: ${(err as Error).message}`,
        wholeChange: true,
      });
    }
  }

  const filesByPath = new Map(changeSet.files.map((f) => [f.path, f]));
  // A migration's lines are the same split of its content: not split again.
  const contents = new Map<string, string[]>(migrations.map((m) => [m.path, m.lines]));
  const linesOf = (path: string) => {
    let lines = contents.get(path);
    if (!lines) {
      const content = filesByPath.get(path)?.content;
      if (content === undefined) return undefined;
      lines = content.split(/\r?\n/);
      contents.set(path, lines);
    }
    return lines;
  };

  const afterSuppression = applySuppressions(raw, present, migrations, linesOf, (id) => rules.some((r) => r.meta.id === id));
  const configured = afterSuppression
    .map((f) => ({ ...f, severity: effectiveSeverity(f.ruleId, f.severity, config) }))
    .filter((f): f is RawFinding & { severity: Severity } => f.severity !== undefined);
  const inScope = dropSuperseded(configured, rules).filter((f) => onChangedLines(f, changeSet.mode, filesByPath.get(f.path)));
  const findings = assignFingerprints(inScope, linesOf).sort(byLocation);

  const touched = touchedKinds(present, (path) => (onFile(path), codeFile(path)));
  onFile(undefined);
  const checklist = evaluateChecklist(touched, rules.map((r) => r.meta), findings);
  const bySeverity: Record<Severity, number> = { error: 0, warning: 0, notice: 0 };
  const byArea: Record<string, number> = {};
  for (const f of findings) {
    bySeverity[f.severity]++;
    byArea[f.category] = (byArea[f.category] ?? 0) + 1;
  }
  return {
    findings,
    checklist,
    skipped,
    stats: {
      filesAnalyzed: present.length,
      filesSkipped: skipped.length,
      findings: findings.length,
      bySeverity,
      byArea,
      durationMs: Math.round(performance.now() - started),
    },
    failed: config.fail_on === 'never' ? false : config.fail_on === 'warning' ? bySeverity.error + bySeverity.warning > 0 : bySeverity.error > 0,
  };
}

/** Longest line, in characters, that code may have before it counts as minified. */
const MINIFIED_LINE = 10_000;

/**
 * Why a file's content is not analysed, if it is not: larger than the configured limit
 * (whatever source produced it), or minified code, where every finding would land on one
 * line of generated text nobody edits.
 */
function unfitForAnalysis(content: string, kinds: Set<FileKind>, config: Config): string | undefined {
  const max = parseByteSize(config.limits.max_file_size);
  // UTF-8 takes at most 3 bytes per UTF-16 unit, so most files need no byte count.
  if (content.length * 3 > max) {
    const bytes = Buffer.byteLength(content, 'utf8');
    if (bytes > max) return `larger than ${formatBytes(max)} (${formatBytes(bytes)})`;
  }
  if ((kinds.has('code') || kinds.has('js-migration')) && content.length > MINIFIED_LINE) {
    let longest = 0;
    let lines = 0;
    for (let from = 0; from <= content.length; lines++) {
      let to = content.indexOf('\n', from);
      if (to === -1) to = content.length;
      longest = Math.max(longest, to - from);
      from = to + 1;
    }
    // A long data literal (a base64 blob) is one line among many ordinary ones; a bundle is
    // a few enormous lines.
    if (longest > MINIFIED_LINE && content.length / lines > 1000) {
      return `minified code (a line of ${longest.toLocaleString('en-US')} characters); not reviewed`;
    }
  }
  return undefined;
}

function ruleEnabled(rule: Rule, config: Config): boolean {
  if (!areaEnabled(config, rule.meta.area)) return false;
  return config.rules[rule.meta.id] !== 'off';
}

function effectiveSeverity(ruleId: string, severity: Severity, config: Config): Severity | undefined {
  const set = config.rules[ruleId];
  if (set === 'off') return undefined;
  // A per-finding escalation (TRUNCATE … CASCADE) is kept unless the config sets one.
  return set ?? severity;
}

function sqlMigration(file: ChangedFile, config: Config, skip: (reason: string) => void): Migration {
  const framework = frameworkOf(file.path);
  const parsed = parseSql(file.content!);
  // Statements too deep to parse safely: the rest of the file is still reviewed.
  for (const s of parsed.skipped) skip(`statement at line ${s.startLine}: ${s.reason}; the rest of the file was reviewed`);
  return {
    path: file.path,
    framework,
    runnerTransaction: runnerWrapsSql(framework, config),
    // The parsed statements are this migration's own, so they are numbered in place.
    statements: parsed.statements.map((s, index) => Object.assign(s, { index })),
    errors: parsed.errors,
    lines: file.content!.split(/\r?\n/),
  };
}

function runMigrationRules(
  migration: Migration,
  rules: Rule[],
  config: Config,
  reporter: (rule: Rule, path: string) => (r: Report) => void,
  guard: (rule: Rule, path: string, fn: () => void) => void,
): void {
  const state = createState(migration, config);
  const byKind = new Map<string, Rule[]>();
  const forAll: Rule[] = [];
  for (const rule of rules) {
    if (!rule.sql) continue;
    if (!rule.sql.kinds) forAll.push(rule);
    else for (const kind of rule.sql.kinds) byKind.set(kind, [...(byKind.get(kind) ?? []), rule]);
  }
  // A fix is whole-line text; in a JS/TS migration it is kept only if it edits the SQL string alone.
  const report = (rule: Rule) => (r: Report) => reporter(rule, migration.path)(r.fix ? { ...r, fix: safeJsFix(migration, r.fix) } : r);
  const contexts = new Map(rules.map((rule) => [rule, { config, migration, state, report: report(rule) }]));
  for (const stmt of migration.statements) {
    for (const rule of byKind.get(stmt.kind) ?? []) guard(rule, migration.path, () => rule.sql!.check(stmt, contexts.get(rule)!));
    for (const rule of forAll) guard(rule, migration.path, () => rule.sql!.check(stmt, contexts.get(rule)!));
    applyStatement(state, stmt, migration.runnerTransaction);
  }
  for (const rule of rules) {
    if (!rule.migration) continue;
    const ctx: BaseContext = { config, report: report(rule) };
    guard(rule, migration.path, () => rule.migration!(migration, ctx));
  }
}

function applySuppressions(
  raw: RawFinding[],
  files: AnalyzedFile[],
  migrations: Migration[],
  linesOf: (path: string) => string[] | undefined,
  isEnabled: (ruleId: string) => boolean,
): RawFinding[] {
  const byPath = new Map<string, Suppression[]>();
  const migrationByPath = new Map(migrations.map((m) => [m.path, m]));
  const out: RawFinding[] = [];
  for (const { file } of files) {
    if (!file.content?.includes('backend-review-ignore')) continue;
    const migration = migrationByPath.get(file.path);
    const statementEnd = migration
      ? (line: number) => migration.statements.find((s) => s.startLine <= line && line <= s.endLine)?.endLine
      : undefined;
    const { suppressions, problems } = parseSuppressions(linesOf(file.path)!, (id) => ruleById.has(id), statementEnd);
    byPath.set(file.path, suppressions);
    for (const p of problems) {
      out.push({ ruleId: META_RULES.invalidSuppression, category: 'meta', severity: 'notice', path: file.path, startLine: p.line, endLine: p.line, message: p.message });
    }
  }
  for (const f of raw) {
    const list = byPath.get(f.path);
    const hit = list?.find(
      (s) => s.ruleIds.includes(f.ruleId) && (s.fileLevel || (f.startLine <= s.target.end && f.endLine >= s.target.start)),
    );
    if (hit) hit.used.add(f.ruleId);
    else out.push(f);
  }
  for (const [path, list] of byPath) {
    for (const s of list) {
      // A suppression of a rule the config turned off cannot be judged, so it is not "unused".
      const unused = s.ruleIds.filter((id) => !s.used.has(id) && isEnabled(id));
      if (unused.length === 0) continue;
      out.push({
        ruleId: META_RULES.unusedSuppression,
        category: 'meta',
        severity: 'notice',
        path,
        startLine: s.line,
        endLine: s.line,
        message: `This suppression of \`${unused.join('`, `')}\` matches no finding${s.fileLevel ? ' in this file' : ' on the next statement'}. Remove it, or move it above the line it is meant for.`,
      });
    }
  }
  return out;
}

/** Removes findings that another rule's finding on the same lines already covers. */
function dropSuperseded<T extends RawFinding>(findings: T[], rules: Rule[]): T[] {
  const supersedes = new Map<string, Set<string>>(rules.filter((r) => r.meta.supersedes?.length).map((r) => [r.meta.id, new Set<string>(r.meta.supersedes ?? [])]));
  if (supersedes.size === 0) return findings;
  const covering = findings.filter((f) => supersedes.has(f.ruleId));
  return findings.filter(
    (f) => !covering.some((c) => c.path === f.path && supersedes.get(c.ruleId)!.has(f.ruleId) && f.startLine <= c.endLine && f.endLine >= c.startLine),
  );
}

function onChangedLines(f: RawFinding, mode: ChangeSet['mode'], file: ChangedFile | undefined): boolean {
  if (mode === 'scan' || f.wholeChange) return true;
  if (!file) return true; // a cross-file finding about the change as a whole
  if (file.changedLines === 'all') return true;
  return file.changedLines.some((r) => f.startLine <= r.end && f.endLine >= r.start);
}

function byLocation(a: Finding, b: Finding): number {
  return a.path.localeCompare(b.path) || a.startLine - b.startLine || a.ruleId.localeCompare(b.ruleId);
}

/** What the change touches, which decides the checklist sections shown. */
function touchedKinds(files: AnalyzedFile[], codeFile: (path: string) => CodeFile | undefined): Set<ChangeKind> {
  const touched = new Set<ChangeKind>();
  const config: FileKind[] = ['env', 'yaml', 'json', 'dockerfile'];
  for (const { file, kinds } of files) {
    if (kinds.has('sql-migration') || kinds.has('js-migration')) touched.add('migration');
    if (kinds.has('code')) {
      touched.add('server-code');
      // The route model is cached per file, so the route rules already paid for it.
      const cf = codeFile(file.path);
      if (cf && routesOf(cf).routes.length > 0) touched.add('api');
    }
    if (config.some((k) => kinds.has(k))) touched.add('config');
    if (kinds.has('dockerfile')) touched.add('container');
  }
  return touched;
}
