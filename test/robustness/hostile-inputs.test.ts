import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { review } from '../../src/engine.js';
import { parseConfig, validateConfig, ConfigError, MAX_CONFIG_BYTES } from '../../src/config/load.js';
import { loadSqlParser, parseSql } from '../../src/analyzers/sql/parse.js';
import { decodeFile } from '../../src/sources/file-content.js';
import { scanPaths } from '../../src/sources/local.js';
import { toMarkdown } from '../../src/reporters/markdown.js';
import type { ChangeSet, ReviewResult } from '../../src/model.js';
import {
  DEEP_TS_SHAPES,
  assertWellFormed,
  changeSetOf,
  config,
  deepSql,
  deepTs,
  fixtureSeeds,
  hugeMigration,
  minifiedJs,
  yamlAliasBomb,
} from './inputs.js';

/**
 * The pathological inputs of the "hostile and broken input" list, generated at test time.
 * Each must finish with a well-formed result, and whatever was not analysed must say so in
 * `skipped` (which the summary comment lists). Time limits are generous sanity bounds for
 * a shared machine, not performance targets: speed is measured by `npm run bench`.
 */
const SANITY_MS = 60_000;
const big = validateConfig({ limits: { max_file_size: '64MB' } }, 'test');

async function reviewed(cs: ChangeSet, cfg = config): Promise<ReviewResult> {
  const started = performance.now();
  const result = await review(cs, cfg);
  expect(performance.now() - started).toBeLessThan(SANITY_MS);
  assertWellFormed(result, cs);
  return result;
}

const reasons = (r: ReviewResult) => r.skipped.map((s) => `${s.path}: ${s.reason}`);
const ids = (r: ReviewResult) => r.findings.map((f) => `${f.ruleId}:${f.startLine}`);

describe('a 5 MB minified single-line JS file', () => {
  const bundle = minifiedJs(5 * 1024 * 1024);

  it('is skipped as too large under the default limit', async () => {
    const r = await reviewed(changeSetOf([{ path: 'src/public/bundle.js', content: bundle }]));
    expect(reasons(r)).toEqual(['src/public/bundle.js: larger than 1 MB (5 MB)']);
    expect(r.findings).toEqual([]);
    expect(toMarkdown(r)).toContain('`src/public/bundle.js`: larger than 1 MB (5 MB)');
  });

  it('is skipped as minified when the limit allows its size', async () => {
    const r = await reviewed(changeSetOf([{ path: 'src/public/bundle.js', content: bundle }]), big);
    expect(reasons(r)).toEqual(['src/public/bundle.js: minified code (a line of 5,242,880 characters); not reviewed']);
    expect(r.findings).toEqual([]);
  });

  it('the same code in ordinary lines is analysed in full', async () => {
    const lines = bundle.replace(/;/g, ';\n');
    const r = await reviewed(changeSetOf([{ path: 'src/server.js', content: lines }]), big);
    expect(r.skipped).toEqual([]);
    expect(r.findings.some((f) => f.ruleId === 'reliability/missing-timeout')).toBe(true);
  });

  it('a long data line among ordinary ones is not mistaken for minified code', async () => {
    const code = `export const logo = '${'iVBORw0KGgo'.repeat(2000)}';\n${"export function f() {\n  console.log('x');\n}\n".repeat(40)}`;
    const r = await reviewed(changeSetOf([{ path: 'src/logo.ts', content: code }]));
    expect(r.skipped).toEqual([]);
    expect(r.findings.some((f) => f.ruleId === 'observability/console-log')).toBe(true);
  });
});

describe('10,000-deep nesting', () => {
  for (const shape of DEEP_TS_SHAPES) {
    it(`TypeScript: ${shape}`, async () => {
      const r = await reviewed(changeSetOf([{ path: 'src/deep.ts', content: deepTs(10_000, shape) }]));
      expect(reasons(r)).toHaveLength(1);
      expect(reasons(r)[0]).toMatch(/^src\/deep\.ts: code nested (too deeply to parse|more than 1,000 levels deep); code rules skipped$/);
    });
  }

  it('TypeScript just under the limit is still analysed (the guard is not too eager)', async () => {
    const r = await reviewed(changeSetOf([{ path: 'src/routes/items.ts', content: deepTs(400, 'concat') }]));
    expect(r.skipped).toEqual([]);
    expect(ids(r)).toContain('security/sql-injection:6');
  });

  it('a JS migration: skipped with a reason at 10,000 levels, extracted at 500', async () => {
    const body = (depth: number) => `exports.up = (knex) => knex.raw('ALTER TABLE orders DROP COLUMN x').then(() => ${'f(\n'.repeat(depth)}1${')'.repeat(depth)});\nexports.down = () => {};\n`;
    const deep = await reviewed(changeSetOf([{ path: 'migrations/20240101000000_deep.js', content: body(10_000) }]));
    expect(reasons(deep)).toEqual(['migrations/20240101000000_deep.js: code nested too deeply to parse; migration rules skipped']);
    const fine = await reviewed(changeSetOf([{ path: 'migrations/20240101000000_deep.js', content: body(500) }]));
    expect(fine.skipped).toEqual([]);
    expect(ids(fine)).toContain('migration/drop-column:1');
  });

  for (const shape of ['parens', 'subqueries', 'case', 'and'] as const) {
    it(`SQL: ${shape}, followed by a statement that is still reviewed`, async () => {
      const sql = `${deepSql(10_000, shape)}ALTER TABLE orders DROP COLUMN legacy;\n`;
      const r = await reviewed(changeSetOf([{ path: 'db/migrations/0001_deep.sql', content: sql }]));
      const last = sql.split('\n').length - 1;
      expect(ids(r)).toContain(`migration/drop-column:${last}`);
      // Either Postgres itself rejects the nesting (its parser stack is bounded too, so the
      // notice is true) or the statement is skipped with a reason, or it is fine to analyse.
      const deep = r.findings.filter((f) => f.startLine < last);
      for (const f of deep.filter((x) => x.ruleId === 'migration/unparseable-sql')) expect(f.message).toMatch(/memory exhausted|stack depth/);
      for (const s of r.skipped) expect(s.reason).toMatch(/^statement at line 1: .*not (parsed|analysed); the rest of the file was reviewed$/);
    });
  }

  it('SQL chains deep enough to overflow the WASM parser: skipped, and the parser keeps working', async () => {
    await loadSqlParser();
    const chain = `CREATE VIEW v AS SELECT 1 FROM t0${Array.from({ length: 16_000 }, (_, i) => `\nJOIN t${i + 1} ON true`).join('')};\nALTER TABLE orders DROP COLUMN c;\n`;
    for (let i = 0; i < 3; i++) {
      await loadSqlParser(); // replaces the instance after a trap
      const parsed = parseSql(chain);
      expect(parsed.statements.map((s) => s.kind)).toEqual(['AlterTableStmt']);
      expect(parsed.skipped).toHaveLength(1);
      expect(parsed.errors).toEqual([]);
    }
    await loadSqlParser();
    expect(parseSql('CREATE INDEX i ON t (a);').statements.map((s) => s.kind)).toEqual(['IndexStmt']);
  });

  it('a run of operator characters (quadratic in the Postgres lexer) is skipped, not scanned', async () => {
    const sql = `ALTER TABLE orders DROP COLUMN a;\n${'/*'.repeat(200_000)}\nALTER TABLE orders DROP COLUMN b;\n`;
    const r = await reviewed(changeSetOf([{ path: 'db/migrations/0002_ops.sql', content: sql }]));
    expect(reasons(r)).toEqual([
      'db/migrations/0002_ops.sql: statement at line 2: a run of 400,000 operator characters, which the Postgres lexer rescans over and over; not parsed; the rest of the file was reviewed',
    ]);
    expect(ids(r)).toContain('migration/drop-column:1');
  });
});

describe('100,000 SQL statements in one migration', () => {
  const sql = hugeMigration(100_000);

  it('is skipped as too large under the default limit', async () => {
    const r = await reviewed(changeSetOf([{ path: 'db/migrations/0001_big.sql', content: sql }]));
    expect(reasons(r)).toEqual([expect.stringMatching(/^db\/migrations\/0001_big\.sql: larger than 1 MB \(\d+(\.\d)? MB\)$/)]);
  });

  it('is analysed statement by statement when the limit allows it', async () => {
    const r = await reviewed(changeSetOf([{ path: 'db/migrations/0001_big.sql', content: sql }]), big);
    expect(r.skipped).toEqual([]);
    // Every eighth statement drops a column and every eighth creates an index without CONCURRENTLY.
    expect(r.findings.filter((f) => f.ruleId === 'migration/drop-column')).toHaveLength(12_500);
    expect(r.findings.filter((f) => f.ruleId === 'migration/create-index-non-concurrent')).toHaveLength(12_499);
    expect(new Set(r.findings.map((f) => f.fingerprint)).size).toBe(r.findings.length);
  });
});

describe('YAML alias bombs', () => {
  it('in the config: rejected with a ConfigError, not expanded', () => {
    expect(() => parseConfig(yamlAliasBomb(12))).toThrow(ConfigError);
    expect(() => parseConfig(`${yamlAliasBomb(12)}exclude: *a11\n`)).toThrow(/alias/i);
  });

  const under: [string, string][] = [
    ['deploy/k8s/secret.yaml', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\nstringData:\n  password: *a11\n'],
    ['deploy/k8s/configmap.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata: *a11\n'],
    ['docker-compose.yml', 'services:\n  app:\n    image: app\n    environment: *a11\n'],
    ['api/openapi.yaml', 'openapi: 3.0.3\ninfo: { title: api, version: "1" }\npaths: *a11\n'],
  ];
  for (const [path, doc] of under) {
    it(`in a reviewed file (${path}): the review finishes without expanding it`, async () => {
      const content = yamlAliasBomb(12) + doc;
      const cs = changeSetOf([{ path, content }]);
      // Base versus head as well: the OpenAPI rule compares both.
      cs.files[0].status = 'modified';
      cs.files[0].baseContent = content.replace('*a11', '{}');
      const before = process.memoryUsage().heapUsed;
      await reviewed(cs);
      expect(process.memoryUsage().heapUsed - before).toBeLessThan(512 * 1024 * 1024);
    });
  }
});

describe('invalid UTF-8 and NUL bytes', () => {
  it('a source turns them into skipped files with a reason', () => {
    expect(decodeFile(Buffer.from([0x41, 0xff, 0xfe, 0x42]), 1024)).toEqual({ skipped: 'not valid UTF-8' });
    expect(decodeFile(Buffer.from('ALTER TABLE a DROP COLUMN b;\0\0', 'utf8'), 1024)).toEqual({ skipped: 'binary file' });
    expect(decodeFile(Buffer.from([0xed, 0xa0, 0x80]), 1024)).toEqual({ skipped: 'not valid UTF-8' }); // an encoded lone surrogate
  });

  const dir = mkdtempSync(join(tmpdir(), 'br-hostile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('scanning a folder of such files reports each one in the summary', async () => {
    mkdirSync(join(dir, 'db/migrations'), { recursive: true });
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'db/migrations/0001_bad.sql'), Buffer.concat([Buffer.from('ALTER TABLE a DROP COLUMN b;\n'), Buffer.from([0xc3, 0x28])]));
    writeFileSync(join(dir, 'src/nul.ts'), Buffer.from('export const a = 1;\0\n'));
    writeFileSync(join(dir, 'src/ok.ts'), "export function f() {\n  console.log('x');\n}\n");
    const cs = await scanPaths(['.'], dir, 1024 * 1024);
    const r = await reviewed(cs);
    expect(reasons(r)).toEqual(['db/migrations/0001_bad.sql: not valid UTF-8', 'src/nul.ts: binary file']);
    expect(ids(r)).toEqual(['observability/console-log:2']);
    const md = toMarkdown(r);
    expect(md).toContain('`db/migrations/0001_bad.sql`: not valid UTF-8');
    expect(md).toContain('`src/nul.ts`: binary file');
  });

  it('text that reaches the engine with NULs, replacement characters and lone surrogates is analysed safely', async () => {
    const junk = '\0\uFFFD\uD800\uDFFF\u2028\r';
    const files = fixtureSeeds()
      .filter((s) => /\.(sql|ts|js|ya?ml|json)$|Dockerfile$|\.env/.test(s.path))
      .slice(0, 60)
      .map((s) => ({ path: s.path, content: s.content.split('\n').map((l, i) => (i % 3 === 1 ? `${l}${junk}` : l)).join('\n') }));
    const unique = [...new Map(files.map((f) => [f.path, f])).values()];
    const r = await reviewed(changeSetOf(unique));
    expect(r.findings.length).toBeGreaterThan(0);
  });
});

describe('a 3,000-file change set', () => {
  it('is reviewed in full, with a bounded summary', async () => {
    const seeds = fixtureSeeds();
    const files: { path: string; content: string }[] = [];
    for (let k = 0; files.length < 3000; k++) for (const s of seeds) if (files.length < 3000) files.push({ path: `services/svc${k}/${s.path}`, content: s.content });
    const cs = changeSetOf(files, 'diff');
    const r = await reviewed(cs);
    expect(r.stats.filesAnalyzed).toBe(3000);
    expect(r.skipped).toEqual([]);
    expect(r.findings.length).toBeGreaterThan(1000);
    // The summary comment stays within GitHub's 65,536-character body limit.
    expect(toMarkdown(r).length).toBeLessThan(65_536);
  });
});

describe('a config file of 1 MB', () => {
  const MB = 1024 * 1024;
  const cases: [string, string][] = [
    ['a long comment', `# ${'x'.repeat(MB)}\nfail_on: warning\n`],
    ['forty thousand exclude globs', `exclude:\n${Array.from({ length: 40_000 }, (_, i) => `  - "gen/dir${i}/**/*.ts"`).join('\n')}\n`.slice(0, MB + 100)],
    ['one long string', `include: ["${'a'.repeat(MB)}"]\n`],
    ['an open bracket per byte', '['.repeat(MB)],
  ];
  for (const [name, text] of cases) {
    it(`is rejected quickly with a reason (${name})`, () => {
      const started = performance.now();
      expect(() => parseConfig(text)).toThrow(`.github/backend-review.yml: the config is 1`);
      expect(performance.now() - started).toBeLessThan(SANITY_MS);
    });
  }

  it('just under the size limit, long glob lists are refused before they slow every file down', () => {
    const globs = Array.from({ length: 5000 }, (_, i) => `  - "gen/d${i}/**"`).join('\n');
    expect(Buffer.byteLength(globs)).toBeLessThan(MAX_CONFIG_BYTES);
    expect(() => parseConfig(`exclude:\n${globs}\n`)).toThrow('exclude: 5000 globs, more than the 1000 allowed');
  });

  it('nesting that overflows the YAML parser is a ConfigError', () => {
    expect(() => parseConfig(`exclude: ${'['.repeat(100_000)}`)).toThrow(/nested too deeply/);
    expect(() => parseConfig(`exclude: ${'[a, '.repeat(20_000)}`)).toThrow(ConfigError);
  });
});
