import type { SyntaxKindName, ts } from './analyzers/code/ts.js';
import type { Config } from './config/schema.js';
import type { FileKind } from './files.js';
import type { ChangedFile, Fix, RepoTree, RuleMeta, Severity } from './model.js';
import type { Migration, SqlStatement, StatementState } from './analyzers/sql/migration.js';
import type { CodeFile } from './analyzers/code/code-file.js';

/** What a rule hands back; the engine adds the rule id, path, severity and fingerprint. */
export interface Report {
  startLine: number;
  endLine?: number;
  message: string;
  fix?: Fix;
  /** Overrides the rule's default severity for this one finding (e.g. TRUNCATE … CASCADE). */
  severity?: Severity;
  /** Report against another file than the one being analysed (cross-file rules). */
  path?: string;
  /** The finding is about the change as a whole, so it survives the changed-lines filter. */
  wholeChange?: boolean;
}

export interface BaseContext {
  config: Config;
  report(r: Report): void;
}

export interface SqlContext extends BaseContext {
  migration: Migration;
  /** What was known just before this statement ran: transaction, timeouts, new objects. */
  state: StatementState;
}

export interface CodeContext extends BaseContext {
  file: CodeFile;
}

export interface TextFile {
  path: string;
  text: string;
  lines: string[];
  kinds: Set<FileKind>;
  file: ChangedFile;
}

export interface TextContext extends BaseContext {
  file: TextFile;
}

export interface ChangeContext extends BaseContext {
  files: AnalyzedFile[];
  tree?: RepoTree;
  /** Parsed migrations of the change, shared with the statement rules. */
  migrations: Migration[];
  codeFile(path: string): CodeFile | undefined;
}

export interface AnalyzedFile {
  file: ChangedFile;
  kinds: Set<FileKind>;
}

export interface Rule {
  meta: RuleMeta;
  /** Called for every statement of every migration (raw SQL and SQL found in JS/TS migrations). */
  sql?: {
    /** libpg-query node names to receive, e.g. ['IndexStmt']; omit for all statements. */
    kinds?: string[];
    check(stmt: SqlStatement, ctx: SqlContext): void;
  };
  /** Called once per migration file, after its statements were parsed. */
  migration?(migration: Migration, ctx: BaseContext): void;
  /** Called for the nodes of every server code file, in one shared traversal. */
  code?: {
    /** Syntax kinds by name, e.g. ['CallExpression']; naming them loads nothing (see analyzers/code/ts.ts). */
    kinds: SyntaxKindName[];
    visit(node: ts.Node, ctx: CodeContext): void;
  };
  /** Called with the text of files of the given kinds. */
  text?: {
    kinds: FileKind[];
    check(ctx: TextContext): void;
  };
  /** Called once per review with every changed file, for rules about the change as a whole. */
  change?(ctx: ChangeContext): void | Promise<void>;
}

export function defineRule(rule: Rule): Rule {
  return rule;
}
