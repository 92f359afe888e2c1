import { ts } from 'ts-morph';

/**
 * One parsed JS/TS file. Parsing uses the TypeScript compiler bundled with ts-morph,
 * without a program or type-checker: a review must stay fast and must never execute or
 * resolve the code it reads.
 */
export class CodeFile {
  readonly sourceFile: ts.SourceFile;

  constructor(
    readonly path: string,
    readonly text: string,
  ) {
    this.sourceFile = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, scriptKind(path));
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

function scriptKind(path: string): ts.ScriptKind {
  if (/\.tsx$/.test(path)) return ts.ScriptKind.TSX;
  if (/\.jsx$/.test(path)) return ts.ScriptKind.JSX;
  if (/\.(js|mjs|cjs)$/.test(path)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}
