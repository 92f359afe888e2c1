import { ts } from './ts.js';

/**
 * Deepest syntax tree a code file may have. Real code stays far below it; past it the
 * recursive walks of the rules could overflow the stack, so the file is not analysed.
 */
export const MAX_AST_DEPTH = 1000;

/**
 * One parsed JS/TS file. Parsing uses the TypeScript compiler bundled with ts-morph,
 * without a program or type-checker: a review must stay fast and must never execute or
 * resolve the code it reads.
 */
export class CodeFile {
  readonly sourceFile: ts.SourceFile;
  /**
   * Why the file could not be analysed (nesting too deep to parse or walk). The source
   * file is then empty, so every rule sees nothing rather than crashing.
   */
  readonly unanalysable?: string;

  constructor(
    readonly path: string,
    readonly text: string,
  ) {
    let sourceFile: ts.SourceFile | undefined;
    try {
      sourceFile = ts.createSourceFile(path, withLineFeedsOnly(text), ts.ScriptTarget.Latest, true, scriptKind(path));
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
    this.sourceFile = sourceFile ?? ts.createSourceFile(path, '', ts.ScriptTarget.Latest, true, scriptKind(path));
  }

  /** 1-based line of the node's first token (not of its leading comments). */
  lineOf(node: ts.Node): number {
    return this.sourceFile.getLineAndCharacterOfPosition(node.getStart(this.sourceFile)).line + 1;
  }

  endLineOf(node: ts.Node): number {
    return this.sourceFile.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
  }

  lineText(line: number): string {
    const starts = this.sourceFile.getLineStarts();
    const from = starts[line - 1] ?? 0;
    const to = starts[line] ?? this.text.length;
    return this.text.slice(from, to).replace(/\r?\n$/, '');
  }
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
  const nodes: ts.Node[] = [root];
  const depths: number[] = [1];
  let max = 1;
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    if (depth > max) {
      max = depth;
      if (max > limit) return max;
    }
    ts.forEachChild(node, (child) => {
      nodes.push(child);
      depths.push(depth + 1);
    });
  }
  return max;
}

function scriptKind(path: string): ts.ScriptKind {
  if (/\.tsx$/.test(path)) return ts.ScriptKind.TSX;
  if (/\.jsx$/.test(path)) return ts.ScriptKind.JSX;
  if (/\.(js|mjs|cjs)$/.test(path)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}
