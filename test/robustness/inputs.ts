import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ruleById } from '../../checks/index.js';
import { defaultConfig } from '../../src/config/load.js';
import { META_RULES } from '../../src/meta-rules.js';
import type { ChangeSet, ChangedFile, Finding, ReviewResult } from '../../src/model.js';

/**
 * Inputs for the robustness suite: the repository's own fixtures as seeds, and generators
 * for the pathological files (minified bundles, deep nesting, huge migrations, alias bombs).
 * Everything big is generated at test time; nothing large is committed.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const SEED_DIRS = ['fixtures/migrations', 'fixtures/sample-service', 'fixtures/vulnerable', 'fixtures/demo'];

export interface Seed {
  /** Path relative to the fixture folder it came from, e.g. `db/migrations/0001_init.sql`. */
  path: string;
  content: string;
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    const abs = join(dir, name);
    if (statSync(abs).isDirectory()) walk(abs, out);
    else out.push(abs);
  }
}

let seeds: Seed[] | undefined;
/** Every text file of the seed fixtures, with the path it has inside its own project. */
export function fixtureSeeds(): Seed[] {
  if (seeds) return seeds;
  const files: string[] = [];
  for (const dir of SEED_DIRS) walk(join(ROOT, dir), files);
  seeds = files.sort().map((abs) => {
    const rel = relative(ROOT, abs).split('\\').join('/');
    // fixtures/migrations/sql/app/db/migrations/x.sql → db/migrations/x.sql
    const path = rel.replace(/^fixtures\/(?:migrations\/(?:sql|js)\/[^/]+|sample-service\/[^/]+|vulnerable|demo)\//, '');
    return { path, content: readFileSync(abs, 'utf8') };
  });
  return seeds;
}

export type SeedKind = 'sql' | 'code' | 'yaml' | 'json' | 'dockerfile' | 'env';

export function kindOfPath(path: string): SeedKind | undefined {
  const base = path.split('/').pop()!.toLowerCase();
  if (base.endsWith('.sql')) return 'sql';
  if (/\.(ts|tsx|js|mjs|cjs)$/.test(base)) return 'code';
  if (/\.ya?ml$/.test(base)) return 'yaml';
  if (base.endsWith('.json')) return 'json';
  if (base === 'dockerfile' || base.startsWith('dockerfile.')) return 'dockerfile';
  if (base === '.env' || base.startsWith('.env.')) return 'env';
  return undefined;
}

export function seedsOf(kind: SeedKind): Seed[] {
  return fixtureSeeds().filter((s) => kindOfPath(s.path) === kind);
}

/** A change set in scan mode whose tree holds exactly its files. */
export function changeSetOf(files: { path: string; content?: string; skipped?: string }[], mode: 'scan' | 'diff' = 'scan'): ChangeSet {
  const changed: ChangedFile[] = files.map((f) => ({ status: 'added', changedLines: 'all', ...f }));
  const byPath = new Map(changed.map((f) => [f.path, f.content]));
  return { files: changed, mode, tree: { paths: async () => [...byPath.keys()], read: async (p) => byPath.get(p) } };
}

export const config = defaultConfig();

const META = new Set<string>(Object.values(META_RULES));

/**
 * The shape every review must have, whatever it was fed: findings of known rules on lines
 * that exist in their file, fixes inside the file, consistent stats, and no analyzer
 * failures (a rule that threw is a bug to fix, not an acceptable outcome).
 */
export function assertWellFormed(result: ReviewResult, changeSet: ChangeSet): void {
  const lineCount = new Map(changeSet.files.map((f) => [f.path, f.content === undefined ? 0 : f.content.split(/\r?\n/).length]));
  const problems: string[] = [];
  for (const f of result.findings) {
    const where = `${f.ruleId} at ${f.path}:${f.startLine}-${f.endLine}`;
    if (!ruleById.has(f.ruleId) && !META.has(f.ruleId)) problems.push(`unknown rule id: ${where}`);
    if (f.ruleId === META_RULES.analyzerError) problems.push(`analyzer error: ${where}: ${f.message}`);
    if (!Number.isInteger(f.startLine) || !Number.isInteger(f.endLine) || f.startLine < 1 || f.endLine < f.startLine) {
      problems.push(`bad line range: ${where}`);
    }
    if (typeof f.message !== 'string' || f.message.trim() === '') problems.push(`empty message: ${where}`);
    if (typeof f.fingerprint !== 'string' || f.fingerprint === '') problems.push(`no fingerprint: ${where}`);
    if (!['error', 'warning', 'notice'].includes(f.severity)) problems.push(`bad severity: ${where}`);
    const lines = lineCount.get(f.path);
    // A finding about the change as a whole may name no file ('') or a file outside the change.
    if (lines !== undefined && !f.wholeChange && f.endLine > Math.max(1, lines)) problems.push(`past the end (${lines} lines): ${where}`);
    if (lines !== undefined && f.wholeChange && f.startLine > Math.max(1, lines)) problems.push(`past the end (${lines} lines): ${where}`);
    if (f.fix) {
      const { startLine, endLine, replacement } = f.fix;
      if (typeof replacement !== 'string' || startLine < 1 || endLine < startLine || (lines !== undefined && endLine > lines)) {
        problems.push(`bad fix ${startLine}-${endLine}: ${where}`);
      }
    }
  }
  if (result.stats.findings !== result.findings.length) problems.push('stats.findings does not match the findings');
  if (result.stats.filesSkipped !== result.skipped.length) problems.push('stats.filesSkipped does not match skipped');
  if (problems.length > 0) throw new Error(`review result is not well-formed:\n${problems.slice(0, 20).join('\n')}`);
}

export function findingIds(findings: Finding[]): string[] {
  return findings.map((f) => `${f.ruleId}:${f.path}:${f.startLine}`);
}

// ---------------------------------------------------------------------------------------
// Pathological files

/**
 * A minified bundle: one line of `size` characters made of real server code (Express
 * routes with request input reaching SQL, logging, fetch without timeouts, secrets),
 * so the rules have something to chew on rather than a line of filler.
 */
export function minifiedJs(size: number): string {
  const chunk = (i: number) =>
    `var r${i}=require("express").Router();` +
    `r${i}.get("/v1/items${i}/:id",async function(q,s){const x=await db.query("SELECT * FROM t${i} WHERE id="+q.params.id);console.log("item",q.params.id);s.json(x.rows)});` +
    `r${i}.post("/v1/items${i}",function(q,s,n){fetch("https://api.example.com/"+q.body.u).then(function(a){s.status(201).json(a)}).catch(function(e){})});` +
    `var k${i}={apiKey:"sk_live_${'a1B2'.repeat(6)}",n:${i},re:/^(a+)+$/,s:'\\'"${'x'.repeat(i % 40)}'};` +
    `function f${i}(a,b){return a&&b?f${i}(b,a-1):a||b||[1,2,3].map(function(v){return v*${i}})}`;
  const parts: string[] = ['"use strict";'];
  let length = parts[0].length;
  for (let i = 0; length < size; i++) {
    const c = chunk(i);
    parts.push(c);
    length += c.length;
  }
  return parts.join('').slice(0, size);
}

export const DEEP_TS_SHAPES = ['parens', 'binary', 'calls', 'arrays', 'objects', 'arrows', 'blocks', 'ternary', 'concat', 'chain', 'members'] as const;
export type DeepTsShape = (typeof DEEP_TS_SHAPES)[number];

/** Expressions nested `depth` deep, in the shapes a parser or a tree walker recurses on. */
export function deepTs(depth: number, shape: DeepTsShape): string {
  // One nesting level per line, so the file is deep but not minified-looking.
  const open = (token: string) => `${token}\n`.repeat(depth);
  const close = (token: string) => token.repeat(depth);
  const terms = (term: (i: number) => string, op: string) => Array.from({ length: depth }, (_, i) => term(i)).join(`${op}\n`);
  switch (shape) {
    case 'parens':
      return `export const x = ${open('(')}1${close(')')};\n`;
    case 'binary':
      // Left-leaning: the parser loops, but the tree is `depth` deep.
      return `export const x = ${terms((i) => `a${i % 10}`, ' +')};\n`;
    case 'calls':
      return `export const x = ${open('f(')}req.query.id${close(')')};\n`;
    case 'arrays':
      return `export const x = ${open('[')}1${close(']')};\n`;
    case 'objects':
      return `export const x = ${open('{a:')}1${close('}')};\n`;
    case 'arrows':
      return `export const x = ${open('() =>')}console.log(1);\n`;
    case 'blocks':
      return `export function f() {\n${open('if (a) {')}console.log(1);${close('}')}\n}\n`;
    case 'ternary':
      return `export const x = ${open('a ? b :')}c;\n`;
    case 'concat':
      // Request input concatenated into SQL inside a route: taint and SQL rules walk this.
      return `import express from 'express';\nconst app = express();\napp.get('/v1/items', async (req, res) => {\n  const rows = await db.query('SELECT * FROM items WHERE a = ' +\n${terms((i) => (i % 2 ? `req.query.p${i}` : `' OR b = '`), ' +')});\n  res.json(rows);\n});\n`;
    case 'chain':
      // A builder chain: parsed in a loop, but each call is the callee of the next.
      return `export const q = knex('orders')\n${open('.where("a", 1)')}.select('*');\n`;
    case 'members':
      return `export const v = req\n${open('.a')};\n`;
  }
}

/** SQL with `depth`-deep nesting in a migration. */
export function deepSql(depth: number, shape: 'parens' | 'subqueries' | 'case' | 'and'): string {
  switch (shape) {
    case 'parens':
      return `ALTER TABLE orders ADD CONSTRAINT c CHECK (${'(\n'.repeat(depth)}total > 0${')'.repeat(depth)});\n`;
    case 'subqueries':
      return `UPDATE orders SET total = ${'(SELECT\n'.repeat(depth)}1${')'.repeat(depth)};\n`;
    case 'case':
      return `UPDATE orders SET total = ${'CASE WHEN a THEN\n'.repeat(depth)}1${' END'.repeat(depth)};\n`;
    case 'and':
      return `UPDATE orders SET total = 0 WHERE ${Array.from({ length: depth }, (_, i) => `c${i} = ${i}`).join(' AND\n')};\n`;
  }
}

/** One migration of `count` statements cycling through common DDL and DML over 200 tables. */
export function hugeMigration(count: number): string {
  const t = (i: number) => `orders_${i % 200}`;
  const forms = [
    (i: number) => `CREATE TABLE t${i} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());`,
    (i: number) => `ALTER TABLE ${t(i)} ADD COLUMN c${i} integer;`,
    (i: number) => `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${t(i)}_c${i}_idx ON ${t(i)} (c${i});`,
    (i: number) => `INSERT INTO settings (key, value) VALUES ('k${i}', 'v; ${i}');`,
    (i: number) => `COMMENT ON COLUMN ${t(i)}.c${i} IS 'column ${i}';`,
    (i: number) => `UPDATE settings SET value = 'x' WHERE key = 'k${i}';`,
    (i: number) => `ALTER TABLE ${t(i)} DROP COLUMN IF EXISTS old${i};`,
    (i: number) => `CREATE INDEX ${t(i)}_d${i}_idx ON ${t(i)} (c${i});`,
  ];
  const out: string[] = ["SET lock_timeout = '2s';"];
  for (let i = 0; i < count - 1; i++) out.push(forms[i % forms.length](i));
  return out.join('\n') + '\n';
}

/** The "billion laughs" of YAML: each level doubles the one before through aliases. */
export function yamlAliasBomb(levels: number, prefix = ''): string {
  const lines = [prefix, 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let i = 1; i < levels; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(', ')}]`);
  lines.push(`bomb: *a${levels - 1}`);
  return lines.join('\n') + '\n';
}
