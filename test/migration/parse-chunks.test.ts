import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser, parseSql, type ParsedSql } from '../../src/analyzers/sql/parse.js';

// Files of 256 KB and more are parsed in chunks cut after top-level semicolons (see
// parseChunks). These files repeat a block full of semicolons that are not statement ends
// (strings, dollar-quoted bodies, comments, rule bodies, an E'' string that the cutting
// scan misreads), so cuts are tried at every kind of place. Whatever the chunking does,
// the result must be the block's own parse, repeated, lines shifted.

function block(i: number): string {
  return [
    `CREATE TABLE t_${i} (id bigint PRIMARY KEY, note text DEFAULT 'a;`,
    `b;', amount numeric(10,2));`,
    `DO $body$ BEGIN PERFORM 1;`,
    `  PERFORM 2; END $body$;`,
    `/* a comment;`,
    `   still a comment; */ ALTER TABLE t_${i} ADD COLUMN c_${i} int; -- trailing;`,
    `SELECT E'it\\'s;' -- a line comment after the statement's end is reached;`,
    `  , 1;`,
    `CREATE RULE r_${i} AS ON INSERT TO t_${i} DO ALSO (SELECT 1;`,
    `  SELECT 2);`,
    `CREATE INDEX t_${i}_note_idx ON t_${i} (note); SELECT 'ünïcödé;', "Ü;x" FROM t_${i};`,
    `COMMENT ON TABLE t_${i} IS 'x';`,
    '',
  ].join('\n');
}

const LINES_PER_BLOCK = block(0).split('\n').length - 1;

/** Every `location` in an AST, with the line lineAt gives it. */
function locationLines(ast: unknown, lineAt: (n: number) => number, out: number[] = []): number[] {
  if (Array.isArray(ast)) for (const x of ast) locationLines(x, lineAt, out);
  else if (ast && typeof ast === 'object') {
    for (const [k, v] of Object.entries(ast)) {
      if (k === 'location' && typeof v === 'number') out.push(lineAt(v));
      else locationLines(v, lineAt, out);
    }
  }
  return out;
}

function withoutLocations(ast: unknown): string {
  return JSON.stringify(ast, (k, v) => (k === 'location' || k === 'stmt_location' || k === 'stmt_len' ? undefined : v));
}

function summary(parsed: ParsedSql) {
  return {
    statements: parsed.statements.map((s) => ({
      kind: s.kind,
      startLine: s.startLine,
      endLine: s.endLine,
      text: s.text,
      ast: withoutLocations(s.ast),
      locations: locationLines(s.ast, s.lineAt),
    })),
    errors: parsed.errors.map((e) => ({ message: e.message, startLine: e.startLine, endLine: e.endLine, errorLine: e.errorLine, text: e.text })),
    skipped: parsed.skipped,
  };
}

/** What parsing `blocks` one at a time gives, shifted to where each block sits in the file. */
function expected(blocks: string[]) {
  const out: ReturnType<typeof summary> = { statements: [], errors: [], skipped: [] };
  blocks.forEach((b, n) => {
    const s = summary(parseSql(b, n * LINES_PER_BLOCK));
    out.statements.push(...s.statements);
    out.errors.push(...s.errors);
    out.skipped.push(...s.skipped);
  });
  return out;
}

describe('parsing a large file in chunks', () => {
  beforeAll(async () => {
    await loadSqlParser();
  });

  it('gives the statements, lines and AST locations of parsing it whole', () => {
    const blocks = Array.from({ length: 1200 }, (_, i) => block(i));
    const sql = blocks.join('');
    expect(Buffer.byteLength(sql)).toBeGreaterThan(512 * 1024);
    const whole = summary(parseSql(sql));
    expect(whole.errors).toEqual([]);
    expect(whole.statements).toHaveLength(1200 * 8);
    expect(whole).toEqual(expected(blocks));
  });

  it('reports a syntax error in the middle where it is, and keeps the other statements', () => {
    const blocks = Array.from({ length: 1200 }, (_, i) => block(i));
    blocks[700] = blocks[700].replace('ADD COLUMN c_700 int', 'ADD COLUMN c_700 int int');
    const parsed = summary(parseSql(blocks.join('')));
    expect(parsed.errors).toHaveLength(1);
    expect(parsed.errors[0].startLine).toBe(700 * LINES_PER_BLOCK + 6);
    expect(parsed.statements).toHaveLength(1200 * 8 - 1);
    expect(parsed).toEqual(expected(blocks));
  });

  it('keeps a statement whole when a line comment holds its only semicolon-like text', () => {
    // `SELECT 1 -- ;` then `+ 1;`: cutting after the commented `;` would split one statement in two.
    const filler = Array.from({ length: 9000 }, (_, i) => `COMMENT ON TABLE t IS 'filler ${i}';`).join('\n');
    const sql = `${filler}\nSELECT 1 -- ;\n+ 1;\n${filler}\n`;
    const parsed = parseSql(sql);
    expect(parsed.errors).toEqual([]);
    const select = parsed.statements.filter((s) => s.kind === 'SelectStmt');
    expect(select.map((s) => [s.startLine, s.endLine])).toEqual([[9001, 9002]]);
    expect(parsed.statements).toHaveLength(18001);
  });
});
