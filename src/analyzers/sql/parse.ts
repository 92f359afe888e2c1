import { createRequire } from 'node:module';

/**
 * The parts of libpg-query's Emscripten module this file calls. Its JS wrapper
 * (`parseSync`) takes a string, copies it into WASM memory a character at a time and reads
 * the result back the same way, which for a large migration costs as much as a fifth of the
 * parse; here the file's UTF-8 bytes are copied in one call and the JSON is decoded in one.
 * The calls and the result struct are the ones the wrapper of the pinned version makes.
 */
interface PgQueryModule {
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _wasm_parse_query_raw(query: number): number;
  _wasm_free_parse_result(result: number): void;
  _wasm_scan(query: number): number;
  _wasm_free_string(ptr: number): void;
  UTF8ToString(ptr: number): string;
}

/** A syntax error from the parser; `sqlDetails` tells it apart from a trap. */
class SqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly sqlDetails: { message: string; cursorPosition: number },
  ) {
    super(message);
  }
}

const utf8 = new TextDecoder();

class Parser {
  constructor(private readonly m: PgQueryModule) {}

  /** Copies the bytes into WASM memory with a terminating NUL, runs `fn` on them, frees them. */
  private withInput<T>(bytes: Uint8Array, fn: (ptr: number) => T): T {
    const ptr = this.m._malloc(bytes.length + 1);
    if (!ptr) throw new Error('Failed to parse query: memory allocation failed');
    try {
      const heap = this.m.HEAPU8;
      heap.set(bytes, ptr);
      heap[ptr + bytes.length] = 0;
      return fn(ptr);
    } finally {
      this.m._free(ptr);
    }
  }

  private text(ptr: number): string {
    const heap = this.m.HEAPU8;
    return utf8.decode(heap.subarray(ptr, heap.indexOf(0, ptr)));
  }

  /** The parse tree (libpg-query's JSON) of UTF-8 SQL; throws a SqlSyntaxError on a syntax error. */
  parse(bytes: Uint8Array): any {
    const m = this.m;
    return this.withInput(bytes, (query) => {
      const result = m._wasm_parse_query_raw(query);
      if (!result) throw new Error('Failed to parse query: memory allocation failed');
      try {
        const tree = m.HEAPU32[result >> 2];
        const error = m.HEAPU32[(result + 8) >> 2];
        if (error) {
          const messagePtr = m.HEAPU32[error >> 2];
          const cursor = m.HEAPU32[(error + 16) >> 2] | 0;
          const message = messagePtr ? m.UTF8ToString(messagePtr) : 'Unknown error';
          throw new SqlSyntaxError(message, { message, cursorPosition: cursor > 0 ? cursor - 1 : 0 });
        }
        if (!tree) throw new Error('No parse tree generated');
        return JSON.parse(this.text(tree));
      } finally {
        m._wasm_free_parse_result(result);
      }
    });
  }

  /** The Postgres scanner's tokens (byte offsets) of UTF-8 SQL. */
  scan(bytes: Uint8Array): { tokens?: { start: number; end: number; text: string }[] } {
    const m = this.m;
    return this.withInput(bytes, (query) => {
      const result = m._wasm_scan(query);
      try {
        const text = m.UTF8ToString(result);
        if (text.startsWith('syntax error') || text.startsWith('deparse error') || text.startsWith('ERROR')) throw new Error(text);
        return JSON.parse(text);
      } finally {
        if (result) m._wasm_free_string(result);
      }
    });
  }
}

async function newParser(): Promise<Parser> {
  const factory = createRequire(import.meta.url)('libpg-query/wasm/libpg-query.js') as () => Promise<PgQueryModule>;
  return new Parser(await factory());
}

// libpg-query is WASM and must be loaded once before the sync API works. Loading is
// deferred until a review actually contains SQL, so code-only reviews never pay for it.
let loaded: Promise<void> | undefined;
let parser: Parser | undefined;
/** Set when the WASM instance trapped (stack overflow): its C stack may be left corrupt. */
let trapped = false;

/**
 * Loads the parser. A trap inside the WASM parser (the native stack running out on a very
 * deep statement) leaves the module's own stack pointer where it was, and after a few dozen
 * traps every later parse fails. A trapped instance is therefore replaced by a new one
 * (each call of the Emscripten factory makes an instance with its own memory and stack).
 */
export function loadSqlParser(): Promise<void> {
  if (trapped) {
    trapped = false;
    loaded = undefined;
  }
  loaded ??= newParser().then((p) => {
    parser = p;
  });
  return loaded;
}

function loadedParser(): Parser {
  if (!parser) throw new Error('The SQL parser is not loaded: call loadSqlParser() first.');
  return parser;
}

/** Deepest bracket nesting passed to the parser; deeper statements are not parsed. */
export const MAX_SQL_NESTING = 1000;
/** Binary operators that count as one level of nesting (a chain of them is a deep tree). */
const CHAIN_PER_LEVEL = 4;
/** After this many traps in one file the rest of it is not parsed (the instance is suspect). */
const MAX_TRAPS = 3;

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
  /** Byte offset in the source that the AST's `location` values count from. */
  offset: number;
}

export interface SqlParseError {
  message: string;
  startLine: number;
  endLine: number;
  /** Line of the parser's cursor, when it gave one. */
  errorLine?: number;
  text: string;
}

/** A statement the analyser did not parse because of its size, not because of its syntax. */
export interface SqlSkip {
  startLine: number;
  endLine: number;
  reason: string;
}

export interface ParsedSql {
  statements: ParsedStatement[];
  errors: SqlParseError[];
  /** Statements left out because they are too deeply nested to parse safely. */
  skipped: SqlSkip[];
}

/**
 * Maps UTF-8 byte offsets (what libpg-query reports) to 1-based lines. Offsets are bytes,
 * not UTF-16 indexes, so a multi-byte character before a statement must not shift it.
 */
class ByteLines {
  private readonly newlines: number[] = [];
  /** The same text as a string when it is all ASCII (byte offsets are then string indexes). */
  private readonly ascii: string | undefined;
  constructor(readonly bytes: Buffer, text: string) {
    for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) this.newlines.push(i);
    this.ascii = text.length === bytes.length ? text : undefined;
  }
  /** The text between two byte offsets. */
  text(from: number, to: number): string {
    return this.ascii !== undefined ? this.ascii.slice(from, to) : this.bytes.subarray(from, to).toString('utf8');
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
  const text = blankMetaCommands(source);
  const bytes = Buffer.from(text, 'utf8');
  const runs = blankOperatorRuns(bytes);
  const sql = runs.length > 0 ? bytes.toString('utf8') : text;
  const lines = new ByteLines(bytes, sql);
  const out: ParsedSql = { statements: [], errors: [], skipped: [] };
  let traps = 0;
  const isTrap = (err: unknown) => {
    // A syntax error is a SqlError with details; anything else came from the WASM itself.
    if ((err as { sqlDetails?: unknown }).sqlDetails !== undefined) return false;
    if (err instanceof RangeError || err instanceof WebAssembly.RuntimeError) {
      trapped = true;
      traps++;
      return true;
    }
    return false;
  };
  const outline = scanOutline(bytes, 0, bytes.length, bytes.length >= 2 * CHUNK_BYTES ? CHUNK_BYTES : 0);
  const deep = outline.nesting > MAX_SQL_NESTING;
  if (!deep && runs.length === 0) {
    try {
      if (outline.cuts.length > 0 && parseChunks(bytes, outline.cuts, lines, lineOffset, out)) return out;
      collect(loadedParser().parse(bytes), 0, bytes.length, bytes, lines, lineOffset, out);
      return out;
    } catch (err) {
      // One bad statement must not hide the rest: parse piece by piece.
      isTrap(err);
    }
  }
  for (const [from, to] of splitStatements(bytes)) {
    const run = runs.find(([a, b]) => a < to && b > from);
    if (run) {
      // The blanked run may be all the piece holds, so report it by its own position.
      const start = Math.max(from, run[0]);
      out.skipped.push({
        startLine: lines.lineAt(start) + lineOffset,
        endLine: lines.lineAt(Math.max(start, Math.min(to, run[1]) - 1)) + lineOffset,
        reason: `a run of ${(run[1] - run[0]).toLocaleString('en-US')} operator characters, which the Postgres lexer rescans over and over; not parsed`,
      });
      continue;
    }
    const piece = bytes.subarray(from, to).toString('utf8');
    if (piece.trim() === '' || skipTrivia(bytes, from, to) >= to) continue;
    const skip = (reason: string) => {
      const start = skipTrivia(bytes, from, to);
      const end = trimEnd(bytes, start, to);
      out.skipped.push({ startLine: lines.lineAt(start) + lineOffset, endLine: lines.lineAt(Math.max(start, end - 1)) + lineOffset, reason });
    };
    if (traps >= MAX_TRAPS) {
      skip('not parsed: the SQL parser failed on earlier statements of this file');
      continue;
    }
    const nesting = deep ? maxNesting(bytes, from, to) : 0;
    if (nesting > MAX_SQL_NESTING) {
      skip(`nested about ${nesting.toLocaleString('en-US')} levels deep (more than ${MAX_SQL_NESTING.toLocaleString('en-US')}); not parsed`);
      continue;
    }
    try {
      collect(loadedParser().parse(bytes.subarray(from, to)), from, to, bytes, lines, lineOffset, out);
    } catch (err) {
      if (isTrap(err)) {
        skip('too deeply nested for the SQL parser; not parsed');
        continue;
      }
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

/** Files at least twice this size are parsed in pieces of about this many bytes. */
const CHUNK_BYTES = 128 * 1024;

/**
 * Parses a large file in chunks cut after top-level semicolons. One call over a whole large
 * file is much slower than calls over chunks: on a 6.7 MB file of 50,000 statements, parse
 * and JSON.parse took about 0.86 s of CPU as one call and 0.57 s in 128 KB chunks (each
 * chunk's JSON text, and the parser's memory for it, stay small). A cut is a guess from a
 * light scan (quotes, comments, dollar quotes, parentheses): a cut inside a string, comment,
 * body or parenthesis leaves that chunk unterminated, which the parser rejects, and a `;` on
 * a line holding `--` is never cut after, so it is never one hidden in a line comment. Every
 * chunk parsing cleanly therefore means every cut was a statement boundary, and the
 * statements are the ones a single call returns. Returns false (leaving `out` as it was)
 * when some chunk has a syntax error; the caller then parses the whole file as before.
 * Traps throw.
 */
function parseChunks(bytes: Buffer, cuts: number[], lines: ByteLines, lineOffset: number, out: ParsedSql): boolean {
  const statements: ParsedStatement[] = [];
  const chunkOut: ParsedSql = { statements, errors: [], skipped: out.skipped };
  const skippedBefore = out.skipped.length;
  let from = 0;
  for (let k = 0; k <= cuts.length; k++) {
    const to = k < cuts.length ? cuts[k] : bytes.length;
    if (to <= from) continue;
    let result: any;
    try {
      result = loadedParser().parse(bytes.subarray(from, to));
    } catch (err) {
      if ((err as { sqlDetails?: unknown }).sqlDetails === undefined) throw err;
      out.skipped.length = skippedBefore;
      return false;
    }
    collect(result, from, to, bytes, lines, lineOffset, chunkOut);
    from = to;
  }
  for (const s of statements) out.statements.push(s);
  return true;
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
    // Every level of nesting costs at least one byte of source and adds a handful of JSON
    // levels, so a short statement cannot reach the limit: skip the walk for those.
    if (stop - start >= MIN_BYTES_FOR_DEEP_TREE && jsonDepth(raw.stmt, MAX_AST_DEPTH) > MAX_AST_DEPTH) {
      // Parsed, but the rules walk the tree recursively and could overflow on it.
      out.skipped.push({
        startLine: lines.lineAt(start) + lineOffset,
        endLine: lines.lineAt(Math.max(start, stop - 1)) + lineOffset,
        reason: 'parse tree more than 2,000 levels deep (an expression nested or chained a thousand times or more); not analysed',
      });
      continue;
    }
    const lineAt = (location: number): number =>
      typeof location === 'number' && location >= 0 ? lines.lineAt(base + location) + lineOffset : lines.lineAt(start) + lineOffset;
    out.statements.push({
      lineAt,
      offset: base,
      kind,
      ast: raw.stmt[kind],
      text: lines.text(start, stop),
      startLine: lines.lineAt(start) + lineOffset,
      endLine: lines.lineAt(Math.max(start, stop - 1)) + lineOffset,
    });
  }
}

/** Deepest parse tree (in JSON levels) handed to the rules. */
const MAX_AST_DEPTH = 2000;
/** Statements shorter than this are never walked for depth (at most 8 JSON levels per source byte). */
const MIN_BYTES_FOR_DEEP_TREE = MAX_AST_DEPTH / 8;

// The walk's stack, kept between calls (statements are checked one at a time).
const depthStack: unknown[] = [];
const depthOf: number[] = [];

/** Depth of a JSON tree, walked without recursion or per-node allocation; stops once past `limit`. */
function jsonDepth(root: unknown, limit: number): number {
  const values = depthStack;
  const depths = depthOf;
  let n = 1;
  values[0] = root;
  depths[0] = 1;
  let max = 0;
  while (n > 0) {
    n--;
    const value = values[n];
    const depth = depths[n];
    values[n] = undefined;
    if (depth > max && (max = depth) > limit) {
      values.length = 0;
      return max;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const child = value[i];
        if (child !== null && typeof child === 'object') {
          values[n] = child;
          depths[n++] = depth + 1;
        }
      }
    } else if (value !== null && typeof value === 'object') {
      for (const key in value) {
        const child = (value as Record<string, unknown>)[key];
        if (child !== null && typeof child === 'object') {
          values[n] = child;
          depths[n++] = depth + 1;
        }
      }
    }
  }
  return max;
}

/** Longest run of operator characters passed to the Postgres lexer. */
const MAX_OPERATOR_RUN = 4096;
// ~ ! @ # ^ & | ` ? + - * / % < > =
const OPERATOR_CHAR = new Uint8Array(128);
for (const c of '~!@#^&|`?+-*/%<>=') OPERATOR_CHAR[c.charCodeAt(0)] = 1;

/**
 * The Postgres lexer reads a run of operator characters as one token and backs up when it
 * finds a comment start inside it, so a long run of slashes and stars costs time quadratic in
 * its length (a few seconds for 50 KB, half an hour for 1 MB). Such runs never occur in
 * real SQL; they are blanked with spaces (same byte length) and their statements skipped.
 */
function blankOperatorRuns(bytes: Buffer): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  for (let i = 0; i <= bytes.length; i++) {
    const op = i < bytes.length && bytes[i] < 128 && OPERATOR_CHAR[bytes[i]] === 1;
    if (op && start < 0) start = i;
    else if (!op && start >= 0) {
      if (i - start > MAX_OPERATOR_RUN) {
        bytes.fill(32, start, i);
        runs.push([start, i]);
      }
      start = -1;
    }
  }
  return runs;
}

/**
 * Deepest nesting of ( and [ between two byte offsets, outside quotes and comments, or
 * the length of the operator chains there (four operators counting as one level). A cheap
 * bound on how deep the parser (and the rules after it) would recurse.
 */
function maxNesting(bytes: Buffer, from: number, to: number): number {
  return scanOutline(bytes, from, to, 0).nesting;
}

/**
 * One pass over the bytes: their nesting (see maxNesting) and, when `chunk` is not 0,
 * where to cut them into chunks of at least `chunk` bytes: just after a `;` outside
 * parentheses, quotes and comments, on a line with no `--` before it (see parseChunks).
 */
function scanOutline(bytes: Buffer, from: number, to: number, chunk: number): { nesting: number; cuts: number[] } {
  const cuts: number[] = [];
  let depth = 0;
  let max = 0;
  let operators = 0;
  let lastCut = from;
  let seen = from; // bytes before this were searched for newlines
  let dashFrom = from; // on the current line, bytes before this were searched for `--`
  let dashOnLine = false;
  for (let i = from; i < to; i++) {
    const c = bytes[i];
    // Binary operators chain into trees as deep as the chain is long: 'a' || 'b' || …, x::a::b.
    if (c === 43 || c === 42 || (c === 124 && bytes[i + 1] === 124) || (c === 58 && bytes[i + 1] === 58)) {
      operators++;
      if (c === 124 || c === 58) i++;
      if (operators / CHAIN_PER_LEVEL > max) max = Math.ceil(operators / CHAIN_PER_LEVEL);
    } else if (c === 40 || c === 91) {
      if (++depth > max) max = depth;
    } else if (c === 41 || c === 93) {
      if (depth > 0) depth--;
    } else if (c === 39 || c === 34) {
      // '…' and "…" ('' and "" inside are two quotes in a row, which this handles too).
      const close = bytes.indexOf(c, i + 1);
      i = close === -1 || close >= to ? to : close;
    } else if (c === 45 && bytes[i + 1] === 45) {
      const nl = bytes.indexOf(10, i);
      i = nl === -1 || nl >= to ? to : nl;
    } else if (c === 47 && bytes[i + 1] === 42) {
      const end = bytes.indexOf('*/', i + 2);
      i = end === -1 || end >= to ? to : end + 1;
    } else if (c === 36) {
      // $tag$ … $tag$ bodies (functions, DO blocks) are strings to the outer statement.
      let j = i + 1;
      while (j < to && (bytes[j] === 95 || (bytes[j] >= 48 && bytes[j] <= 57) || (bytes[j] | 32) >= 97 && (bytes[j] | 32) <= 122)) j++;
      if (j < to && bytes[j] === 36 && !(bytes[i + 1] >= 48 && bytes[i + 1] <= 57)) {
        const tag = bytes.subarray(i, j + 1);
        const close = bytes.indexOf(tag, j + 1);
        i = close === -1 || close >= to ? to : close + tag.length - 1;
      }
    } else if (c === 59 && chunk > 0 && depth === 0 && i + 1 - lastCut >= chunk && to - (i + 1) >= chunk) {
      // The line of this `;` must not hold `--` before it (even one this scan took for part
      // of a string): a `;` the parser sees inside a line comment would not end a chunk.
      // Both searches resume where the last stopped, so a long line is read once.
      const nl = bytes.subarray(seen, i).lastIndexOf(10);
      if (nl !== -1) {
        dashFrom = seen + nl + 1;
        dashOnLine = false;
      }
      if (!dashOnLine) dashOnLine = bytes.subarray(dashFrom, i).indexOf('--') !== -1;
      dashFrom = Math.max(dashFrom, i - 1);
      seen = i;
      if (!dashOnLine) {
        cuts.push(i + 1);
        lastCut = i + 1;
      }
    }
  }
  return { nesting: max, cuts };
}

/**
 * Splits SQL into byte ranges at top-level semicolons using the Postgres scanner, so
 * semicolons inside strings, dollar-quoted bodies and comments do not split. When even
 * the scanner fails (an unterminated quote), falls back to splitting at line-ending
 * semicolons.
 */
function splitStatements(bytes: Buffer): [number, number][] {
  const ranges: [number, number][] = [];
  try {
    const tokens = loadedParser().scan(bytes).tokens ?? [];
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
