// The shared vocabulary of the engine. Nothing in here knows about GitHub or the CLI.

export const AREAS = ['migration', 'api', 'security', 'observability', 'reliability'] as const;
export type Area = (typeof AREAS)[number];

export const SEVERITIES = ['error', 'warning', 'notice'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type RuleId = `${Area}/${string}`;

/** Inclusive 1-based line range. */
export interface LineRange {
  start: number;
  end: number;
}

export type FileStatus = 'added' | 'modified' | 'removed' | 'renamed';

export interface ChangedFile {
  path: string;
  status: FileStatus;
  oldPath?: string;
  /** Head content. Undefined for removed files and for files that were skipped. */
  content?: string;
  /** Base content, for modified, renamed and removed files where the source could read it. */
  baseContent?: string;
  /**
   * Lines added or changed at the head. `'all'` means every line counts as changed
   * (scan mode, new files, or a provider that omitted the patch).
   */
  changedLines: LineRange[] | 'all';
  /** Set when the file was not analysed, with the reason shown in reports. */
  skipped?: string;
}

/**
 * Read access to the whole tree at the head, for rules that must look beyond the
 * changed files (a dropped column still read by code, a route removed elsewhere).
 */
export interface RepoTree {
  paths(): Promise<string[]>;
  read(path: string): Promise<string | undefined>;
}

export interface ChangeSet {
  files: ChangedFile[];
  /** 'scan' treats every line as changed; 'diff' keeps findings on changed lines only. */
  mode: 'scan' | 'diff';
  tree?: RepoTree;
}

/** A replacement of whole lines: startLine..endLine become `replacement`. */
export interface Fix {
  startLine: number;
  endLine: number;
  replacement: string;
}

export interface Finding {
  ruleId: string;
  category: Area | 'meta';
  severity: Severity;
  path: string;
  startLine: number;
  endLine: number;
  message: string;
  fix?: Fix;
  fingerprint: string;
  /** True for findings about the change as a whole (not tied to changed lines). */
  wholeChange?: boolean;
}

export interface Example {
  /** Path the example is analysed at; decides which analyzers see it. */
  path: string;
  code: string;
  /** Other files present in the tree (and the change set) for cross-file rules. */
  files?: Record<string, string>;
  /** Base content, for rules that compare base and head. */
  base?: string;
  /** Config overrides, as written in .github/backend-review.yml. */
  config?: Record<string, unknown>;
  /** Optional note shown in docs. */
  note?: string;
}

export interface RuleMeta {
  id: RuleId;
  area: Area;
  severity: Severity;
  title: string;
  /** The guidance section the rule cites, e.g. "Database Schema Design Reference › Online DDL Safety". */
  guidance: string;
  /** Checklist item ids this rule verifies. */
  checklist: string[];
  /** What goes wrong in production and what to do instead, in a few sentences. */
  description: string;
  examples: { bad: Example[]; good: Example[] };
  /**
   * Rules whose findings on the same lines this rule's finding makes redundant (it says
   * the same and more), so only one comment is posted.
   */
  supersedes?: RuleId[];
}

export interface ChecklistItem {
  id: string;
  area: Area;
  text: string;
  guidance: string;
  /** Which kinds of change make the item relevant. */
  appliesTo: ChangeKind[];
}

export type ChangeKind = 'migration' | 'api' | 'server-code' | 'config' | 'container';

export type ChecklistStatus = 'pass' | 'fail' | 'warn' | 'manual';

export interface ChecklistResult {
  id: string;
  area: Area;
  text: string;
  guidance: string;
  status: ChecklistStatus;
  /** Rule ids that verify the item; empty for items a human must tick. */
  rules: string[];
}

export interface ReviewStats {
  filesAnalyzed: number;
  filesSkipped: number;
  findings: number;
  bySeverity: Record<Severity, number>;
  byArea: Record<string, number>;
  durationMs: number;
}

export interface ReviewResult {
  findings: Finding[];
  checklist: ChecklistResult[];
  skipped: { path: string; reason: string }[];
  stats: ReviewStats;
  /** The verdict under the configured fail_on. */
  failed: boolean;
}
