import { ts } from './ts.js';

/**
 * Deepest syntax tree a code file may have. Real code stays far below it; past it the
 * recursive walks of the rules could overflow the stack, so the file is not analysed.
 */
export const MAX_AST_DEPTH = 1000;

/**
 * A per-file analysis result cached on the CodeFile (route model, taint index, imports).
 * `keep` says how a result outlives the syntax tree when the file is released: without it
 * the result is dropped with the tree.
 */
export class FileMemo<T> {
  constructor(
    readonly name: string,
    readonly keep?: (value: T, file: CodeFile) => void,
  ) {}
}

/**
 * One parsed JS/TS file. Parsing uses the TypeScript compiler bundled with ts-morph,
 * without a program or type-checker: a review must stay fast and must never execute or
 * resolve the code it reads.
 *
 * The engine releases the syntax tree once the code rules have walked the file
 * (`release()`): trees are most of a review's memory, and kept alive they are copied by
 * every young-generation GC and promoted. Reading `sourceFile` afterwards parses the text
 * again (the same tree, node for node), so a late reader only pays when it needs one.
 */
export class CodeFile {
  /**
   * Why the file could not be analysed (nesting too deep to parse or walk). The source
   * file is then empty, so every rule sees nothing rather than crashing.
   */
  readonly unanalysable?: string;
  private tree: ts.SourceFile | undefined;
  private lineStarts: readonly number[] | undefined;
  // Results keyed by the file itself rather than held in module-level WeakMaps: an entry of a
  // WeakMap whose value points back at its key keeps the tree alive through every minor GC.
  private readonly memos = new Map<object, unknown>();

  constructor(
    readonly path: string,
    readonly text: string,
  ) {
    let sourceFile: ts.SourceFile | undefined;
    try {
      sourceFile = parse(path, text);
      const depth = treeDepth(sourceFile, MAX_AST_DEPTH);
      if (depth > MAX_AST_DEPTH) {
        this.unanalysable = `code nested more than ${MAX_AST_DEPTH.toLocaleString('en-US')} levels deep; code rules skipped`;
        sourceFile = undefined;
      }
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      // The TypeScript parser recurses per nesting level: thousands of levels overflow it.
      this.unanalysable = 'code nested too deeply to parse; code rules skipped';
    }
    this.tree = sourceFile ?? ts.createSourceFile(path, '', ts.ScriptTarget.Latest, true, scriptKind(path));
  }

  /** The syntax tree; parsed again on first use after `release()`. */
  get sourceFile(): ts.SourceFile {
    if (!this.tree) this.tree = parse(this.path, this.text);
    return this.tree;
  }

  /** Whether the syntax tree is in memory (false after `release()` until it is read again). */
  get parsed(): boolean {
    return this.tree !== undefined;
  }

  /** The cached result of `make` for this file (`make` must not return undefined). */
  memo<T>(key: FileMemo<T>, make: (file: CodeFile) => T): T {
    let value = this.memos.get(key) as T | undefined;
    if (value === undefined) {
      value = make(this);
      this.memos.set(key, value);
    }
    return value;
  }

  /**
   * Drops the syntax tree and the results that point into it (those whose memo key has no
   * `keep`). Results with `keep` are detached from the tree first. Unanalysable files keep
   * their empty tree.
   */
  release(): void {
    if (this.unanalysable || !this.tree) return;
    this.lineStarts = this.tree.getLineStarts();
    for (const [key, value] of this.memos) {
      const keep = (key as FileMemo<unknown>).keep;
      if (keep) keep(value, this);
      else this.memos.delete(key);
    }
    this.tree = undefined;
  }

  /** 1-based line of the node's first token (not of its leading comments). */
  lineOf(node: ts.Node): number {
    return this.sourceFile.getLineAndCharacterOfPosition(node.getStart(this.sourceFile)).line + 1;
  }

  endLineOf(node: ts.Node): number {
    return this.sourceFile.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
  }

  lineText(line: number): string {
    const starts = this.tree ? this.tree.getLineStarts() : this.lineStarts!;
    const from = starts[line - 1] ?? 0;
    const to = starts[line] ?? this.text.length;
    return this.text.slice(from, to).replace(/\r?\n$/, '');
  }
}

function parse(path: string, text: string): ts.SourceFile {
  return ts.createSourceFile(path, withLineFeedsOnly(text), ts.ScriptTarget.Latest, true, scriptKind(path));
}

/**
 * The text as TypeScript should see it for line numbers to agree with git and GitHub,
 * which break lines at \n only: TypeScript also breaks at a lone \r and at U+2028/U+2029,
 * so after one of those every line number would be off. They become spaces (same length,
 * so positions are unchanged).
 */
export function withLineFeedsOnly(text: string): string {
  return /\r(?!\n)|[\u2028\u2029]/.test(text) ? text.replace(/\r(?!\n)|[\u2028\u2029]/g, ' ') : text;
}

/** Depth of the tree, walked without recursion; stops counting once past `limit`. */
function treeDepth(root: ts.Node, limit: number): number {
  walkNodes.push(root);
  walkDepths.push(1);
  let max = 1;
  try {
    while (walkNodes.length > 0) {
      const node = walkNodes.pop()!;
      const depth = walkDepths.pop()!;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
      childDepth = depth + 1;
      ts.forEachChild(node, pushChild);
    }
    return max;
  } finally {
    // Nothing of the tree stays referenced from here.
    walkNodes.length = 0;
    walkDepths.length = 0;
  }
}

// The walk's stacks and one shared callback, so walking a file allocates nothing per node.
const walkNodes: ts.Node[] = [];
const walkDepths: number[] = [];
let childDepth = 0;
const pushChild = (child: ts.Node): void => {
  walkNodes.push(child);
  walkDepths.push(childDepth);
};

function scriptKind(path: string): ts.ScriptKind {
  if (/\.tsx$/.test(path)) return ts.ScriptKind.TSX;
  if (/\.jsx$/.test(path)) return ts.ScriptKind.JSX;
  if (/\.(js|mjs|cjs)$/.test(path)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}
