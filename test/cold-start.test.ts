import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config/load.js';
import { configSchema } from '../src/config/schema.js';
import { review } from '../src/engine.js';
import type { ChangeSet } from '../src/model.js';
import { loadTypeScript, ts, typeScriptLoaded } from '../src/analyzers/code/ts.js';

// Loading the TypeScript compiler costs more CPU than a whole review of a small migration,
// so a review without JS/TS files must never load it, and neither may loading the CLI.

const MIGRATION = 'prisma/migrations/20210107112842_add_archivedat/migration.sql';
const SQL = '-- AlterTable\nALTER TABLE "Order" ADD COLUMN "archivedAt" TIMESTAMP(3) NOT NULL;\n\n-- CreateIndex\nCREATE INDEX "Order_archivedAt_idx" ON "Order"("archivedAt");\n';
const HANDLER = 'src/routes/users.ts';
const CODE = "import express from 'express';\nconst app = express();\napp.get('/users', async (req, res) => {\n  const rows = await db.query(`SELECT * FROM users WHERE name = '${req.query.name}'`);\n  res.json(rows);\n});\n";

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cold-start-'));
  for (const [path, text] of [[MIGRATION, SQL], [HANDLER, CODE]]) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface ChildReport {
  code: number;
  ruleIds: string[];
  /** Files of the TypeScript compiler or ts-morph in the child's module cache. */
  compiler: string[];
  /** Whether the YAML parser was loaded (only needed for YAML files and config files). */
  yaml: boolean;
}

/** Runs `backend-review scan <paths> --format json` in a fresh Node process and reports what it loaded. */
function scanInChild(paths: string[]): ChildReport {
  const cli = pathToFileURL(join(import.meta.dirname, '../src/cli.ts')).href;
  const script = `
    import { createRequire } from 'node:module';
    const { runCli } = await import(${JSON.stringify(cli)});
    let out = '';
    const code = await runCli(['scan', ...${JSON.stringify(paths)}, '--format', 'json'], { cwd: process.cwd(), stdout: (s) => (out += s), stderr: (s) => process.stderr.write(s), isTTY: false });
    const loaded = Object.keys(createRequire(process.cwd() + '/').cache);
    process.stdout.write(JSON.stringify({ code, ruleIds: JSON.parse(out).findings.map((f) => f.ruleId), compiler: loaded.filter((p) => /[\\\\/](typescript|ts-morph|@ts-morph)[\\\\/]/.test(p)), yaml: loaded.some((p) => /[\\\\/]node_modules[\\\\/]yaml[\\\\/]/.test(p)) }));
  `;
  // tsx by its path: the child runs in the temporary folder, outside this package.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const res = spawnSync(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  if (res.status !== 0) throw new Error(`child failed (${res.status ?? res.signal}): ${res.stderr}`);
  return JSON.parse(res.stdout) as ChildReport;
}

describe('the TypeScript compiler is loaded only for JS/TS files', () => {
  it('a CLI scan of a SQL migration does not load it, and still reports the migration', () => {
    const child = scanInChild([MIGRATION]);
    expect(child.ruleIds.length).toBeGreaterThan(0);
    expect(child.ruleIds.every((id) => id.startsWith('migration/'))).toBe(true);
    expect(child.compiler).toEqual([]);
    expect(child.yaml).toBe(false);
  }, 90_000);

  it('a CLI scan of a TS file does load it (so the check above can see a load)', () => {
    const child = scanInChild([HANDLER]);
    expect(child.ruleIds).toContain('security/sql-injection');
    expect(child.compiler.length).toBeGreaterThan(0);
  }, 90_000);

  it('the engine loads it for code, not for SQL, and rebinds `ts` to the compiler itself', async () => {
    const changeSet = (path: string, content: string): ChangeSet => ({ mode: 'scan', files: [{ path, status: 'added', content, changedLines: 'all' }] });
    const sqlOnly = await review(changeSet(MIGRATION, SQL), defaultConfig());
    expect(sqlOnly.findings.length).toBeGreaterThan(0);
    expect(typeScriptLoaded()).toBe(false);

    const code = await review(changeSet(HANDLER, CODE), defaultConfig());
    expect(code.findings.map((f) => f.ruleId)).toContain('security/sql-injection');
    expect(typeScriptLoaded()).toBe(true);
    // Hot loops read `ts.*` on every node: after loading, the binding is the compiler, not the stand-in.
    expect(ts).toBe(loadTypeScript());
    expect(ts.SyntaxKind[ts.SyntaxKind.CallExpression]).toBe('CallExpression');
  });

  it('the defaults written out for runs without a config file are what the schema gives', () => {
    expect(JSON.stringify(defaultConfig())).toBe(JSON.stringify(configSchema.parse({})));
    expect(defaultConfig()).not.toBe(defaultConfig());
  });
});
