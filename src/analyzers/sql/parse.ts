import { loadModule, parseSync, scanSync } from 'libpg-query';

// libpg-query is WASM and must be loaded once before the sync API works. Loading is
// deferred until a review actually contains SQL, so code-only reviews never pay for it.
let loaded: Promise<void> | undefined;
export function loadSqlParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

export interface ParsedStatement {
  /** The libpg-query node name, e.g. 'IndexStmt'. */
  kind: string;
  /** The node body, e.g. the IndexStmt object. */
  ast: any;
  text: string;
  startLine: number;
  endLine: number;
  /** Line of a `location` found in this statement's AST (a byte offset into the parsed text). */
  lineAt(location: number): number;
}

export interface SqlParseError {
  message: string;
  startLine: number;
  endLine: number;
  /** Line of the parser's cursor, when it gave one. */
  errorLine?: number;
  text: string;
}

export interface ParsedSql {
  statements: ParsedStatement[];
  errors: SqlParseError[];
}

/**
 * Maps UTF-8 byte offsets (what libpg-query reports) to 1-based lines. Offsets are bytes,
 * not UTF-16 indexes, so a multi-byte character before a statement must not shift it.
 */
class ByteLines {
  private readonly newlines: number[] = [];
  constructor(readonly bytes: Buffer) {
    for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) this.newlines.push(i);
  }
  lineAt(byte: number): number {
    let lo = 0;
    let hi = this.newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.newlines[mid] < byte) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  }
}

/**
 * psql meta-commands (\connect, \set, \i …) are not SQL, and neither are the data rows
 * that follow `COPY … FROM stdin;` up to the `\.` line. Blank them with spaces of the
 * same byte length so offsets and lines stay put.
 */
function blankMetaCommands(sql: string): string {
  if (!sql.includes('\\')) return sql;
  const blank = (m: string) => ' '.repeat(Buffer.byteLength(m));
  const lines = sql.split('\n');
  let inCopyData = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (inCopyData) {
      if (/^\\\.\s*$/.test(line)) inCopyData = false;
      lines[i] = blank(line.replace(/\r$/, '')) + (line.endsWith('\r') ? '\r' : '');
      continue;
    }
    if (/^[ \t]*\\/.test(line)) lines[i] = blank(line);
    else if (/^\s*COPY\b[^;]*\bFROM\s+STDIN\b[^;]*;\s*$/i.test(line)) inCopyData = true;
  }
  return lines.join('\n');
}

/** Byte index of the first character that is neither whitespace nor part of a comment. */
function skipTrivia(bytes: Buffer, from: number, to: number): number {
  let i = from;
  while (i < to) {
    const c = bytes[i];
    if (c === 32 || c === 9 || c === 10 || c === 13) i++;
    else if (c === 45 && bytes[i + 1] === 45) {
      const nl = bytes.indexOf(10, i);
      i = nl === -1 || nl > to ? to : nl + 1;
    } else if (c === 47 && bytes[i + 1] === 42) {
      const end = bytes.indexOf('*/', i + 2);
      i = end === -1 || end > to ? to : end + 2;
    } else break;
  }
  return i;
}

/** Last byte (exclusive) of a statement, without trailing whitespace. */
function trimEnd(bytes: Buffer, from: number, to: number): number {
  let i = to;
  while (i > from && (bytes[i - 1] === 32 || bytes[i - 1] === 9 || bytes[i - 1] === 10 || bytes[i - 1] === 13)) i--;
  return i;
}

export function parseSql(source: string, lineOffset = 0): ParsedSql {
  const sql = blankMetaCommands(source);
  const bytes = Buffer.from(sql, 'utf8');
  const lines = new ByteLines(bytes);
  const out: ParsedSql = { statements: [], errors: [] };
  try {
    collect(parseSync(sql), 0, bytes.length, bytes, lines, lineOffset, out);
    return out;
  } catch {
    // One bad statement must not hide the rest: parse piece by piece.
  }
  for (const [from, to] of splitStatements(sql, bytes)) {
    const piece = bytes.subarray(from, to).toString('utf8');
    if (piece.trim() === '' || skipTrivia(bytes, from, to) >= to) continue;
    try {
      collect(parseSync(piece), from, to, bytes, lines, lineOffset, out);
    } catch (err) {
      const start = skipTrivia(bytes, from, to);
      const end = trimEnd(bytes, start, to);
      const details = (err as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
      const cursor = details?.cursorPosition;
      out.errors.push({
        message: (err as Error).message,
        startLine: lines.lineAt(start) + lineOffset,
        endLine: lines.lineAt(Math.max(start, end - 1)) + lineOffset,
        errorLine: typeof cursor === 'number' ? lines.lineAt(from + cursor) + lineOffset : undefined,
        text: bytes.subarray(start, end).toString('utf8'),
      });
    }
  }
  return out;
}

function collect(
  result: any,
  base: number,
  limit: number,
  bytes: Buffer,
  lines: ByteLines,
  lineOffset: number,
  out: ParsedSql,
): void {
  for (const raw of result.stmts ?? []) {
    const loc = base + (raw.stmt_location ?? 0);
    const end = raw.stmt_len ? loc + raw.stmt_len : limit;
    const start = skipTrivia(bytes, loc, end);
    const stop = trimEnd(bytes, start, end);
    const [kind] = Object.keys(raw.stmt ?? {});
    if (!kind) continue;
    const lineAt = (location: number): number =>
      typeof location === 'number' && location >= 0 ? lines.lineAt(base + location) + lineOffset : lines.lineAt(start) + lineOffset;
    out.statements.push({
      lineAt,
      kind,
      ast: raw.stmt[kind],
      text: bytes.subarray(start, stop).toString('utf8'),
      startLine: lines.lineAt(start) + lineOffset,
      endLine: lines.lineAt(Math.max(start, stop - 1)) + lineOffset,
    });
  }
}

/**
 * Splits SQL into byte ranges at top-level semicolons using the Postgres scanner, so
 * semicolons inside strings, dollar-quoted bodies and comments do not split. When even
 * the scanner fails (an unterminated quote), falls back to splitting at line-ending
 * semicolons.
 */
function splitStatements(sql: string, bytes: Buffer): [number, number][] {
  const ranges: [number, number][] = [];
  try {
    const tokens = scanSync(sql).tokens ?? [];
    let from = 0;
    let depth = 0;
    // CREATE RULE … ( a; b ) and BEGIN ATOMIC bodies nest statements in parentheses.
    for (const t of tokens) {
      if (t.text === '(') depth++;
      else if (t.text === ')') depth = Math.max(0, depth - 1);
      else if (t.text === ';' && depth === 0) {
        ranges.push([from, t.end]);
        from = t.end;
      }
    }
    if (from < bytes.length) ranges.push([from, bytes.length]);
    return ranges;
  } catch {
    let from = 0;
    for (let i = bytes.indexOf(';'); i !== -1; i = bytes.indexOf(';', i + 1)) {
      const next = bytes[i + 1];
      if (next === undefined || next === 10 || next === 13) {
        ranges.push([from, i + 1]);
        from = i + 1;
      }
    }
    if (from < bytes.length) ranges.push([from, bytes.length]);
    return ranges;
  }
}
