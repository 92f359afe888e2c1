import { describe, expect, it } from 'vitest';
import { defaultConfig, validateConfig } from '../src/config/load.js';
import { review } from '../src/engine.js';
import type { ChangeSet, ChangedFile } from '../src/model.js';
import { defineRule } from '../src/rule.js';
import { ruleById } from '../checks/index.js';

// Engine behaviour is tested with two fixed rules, so rules added later cannot change it.
const core = { rules: [ruleById.get('migration/create-index-non-concurrent')!, ruleById.get('observability/console-log')!] };

function changeSet(files: Partial<ChangedFile>[], mode: 'scan' | 'diff' = 'scan'): ChangeSet {
  return { mode, files: files.map((f) => ({ status: 'added', changedLines: 'all', ...f }) as ChangedFile) };
}

const INDEX = 'CREATE INDEX orders_email_idx ON orders (email);';

describe('suppressions', () => {
  it('silences the named rule on the next statement, with a reason', async () => {
    const sql = `-- backend-review-ignore migration/create-index-non-concurrent: orders has 40 rows\nCREATE INDEX a_idx\n  ON orders (a);\n${INDEX}\n`;
    const r = await review(changeSet([{ path: 'db/migrations/1.sql', content: sql }]), defaultConfig(), core);
    expect(r.findings.map((f) => `${f.ruleId}:${f.startLine}`)).toEqual(['migration/create-index-non-concurrent:4']);
  });

  it('silences a finding on a later line of the same multi-line statement', async () => {
    // A stand-in that reports on the statement's last line, under a real rule id.
    const lastLine = defineRule({
      meta: { id: 'migration/create-index-non-concurrent', area: 'migration', severity: 'warning', title: 't', guidance: 'g', checklist: [], description: 'd', examples: { bad: [], good: [] } },
      sql: { check: (stmt, ctx) => ctx.report({ startLine: stmt.endLine, message: 'on the last line' }) },
    });
    const sql = '-- backend-review-ignore migration/create-index-non-concurrent: fine\nCREATE INDEX a_idx\n  ON orders (a);\nCREATE INDEX b_idx\n  ON orders (b);\n';
    const r = await review(changeSet([{ path: 'db/migrations/1.sql', content: sql }]), defaultConfig(), { rules: [lastLine] });
    expect(r.findings.map((f) => `${f.ruleId}:${f.startLine}`)).toEqual(['migration/create-index-non-concurrent:5']);
  });

  it('does not call a suppression unused when its rule is turned off', async () => {
    const sql = `-- backend-review-ignore migration/create-index-non-concurrent: fine\n${INDEX}\n`;
    const r = await review(changeSet([{ path: 'db/migrations/1.sql', content: sql }]), validateConfig({ rules: { 'migration/create-index-non-concurrent': 'off' } }), core);
    expect(r.findings).toEqual([]);
  });

  it('silences the whole file with the file-level form', async () => {
    const sql = `-- backend-review-ignore-file migration/create-index-non-concurrent: lookup tables only\n${INDEX}\n\n${INDEX.replace('orders_email', 'x')}\n`;
    const r = await review(changeSet([{ path: 'db/migrations/1.sql', content: sql }]), defaultConfig(), core);
    expect(r.findings).toEqual([]);
  });

  it('works in TS files for the next line and for a trailing comment', async () => {
    const ts = "export function f() {\n  // backend-review-ignore observability/console-log: startup banner\n  console.log('a');\n  console.log('b'); // backend-review-ignore observability/console-log: same\n  console.log('c');\n}\n";
    const r = await review(changeSet([{ path: 'src/server.ts', content: ts }]), defaultConfig(), core);
    expect(r.findings.map((f) => `${f.ruleId}:${f.startLine}`)).toEqual(['observability/console-log:5']);
  });

  it('reports a suppression without a reason, and it suppresses nothing', async () => {
    const sql = `-- backend-review-ignore migration/create-index-non-concurrent\n${INDEX}\n`;
    const r = await review(changeSet([{ path: 'db/migrations/1.sql', content: sql }]), defaultConfig(), core);
    expect(r.findings.map((f) => `${f.ruleId}:${f.startLine}:${f.severity}`)).toEqual([
      'backend-review/invalid-suppression:1:notice',
      'migration/create-index-non-concurrent:2:error',
    ]);
    expect(r.findings[0].message).toMatch(/gives no reason/);
  });

  it('reports an unknown rule id and a suppression with no rule instead of suppressing everything', async () => {
    const sql = `-- backend-review-ignore migration/create-index: typo\n${INDEX}\n-- backend-review-ignore: everything\n${INDEX}\n`;
    const r = await review(changeSet([{ path: 'db/migrations/1.sql', content: sql }]), defaultConfig(), core);
    expect(r.findings.map((f) => `${f.ruleId}:${f.startLine}`)).toEqual([
      'backend-review/invalid-suppression:1',
      'migration/create-index-non-concurrent:2',
      'backend-review/invalid-suppression:3',
      'migration/create-index-non-concurrent:4',
    ]);
  });

  it('reports a suppression that matches nothing', async () => {
    const sql = `-- backend-review-ignore migration/create-index-non-concurrent: was needed once\nCREATE INDEX CONCURRENTLY a ON b (c);\n`;
    const r = await review(changeSet([{ path: 'db/migrations/1.sql', content: sql }]), defaultConfig(), core);
    expect(r.findings.map((f) => f.ruleId)).toEqual(['backend-review/unused-suppression']);
  });

  it('ignores prose that mentions the directive without a comment leader', async () => {
    const ts = "export const doc = 'use backend-review-ignore to silence a rule';\n";
    const r = await review(changeSet([{ path: 'src/doc.ts', content: ts }]), defaultConfig(), core);
    expect(r.findings).toEqual([]);
  });
});

describe('config effects', () => {
  const demo = changeSet([
    { path: 'db/migrations/1.sql', content: `${INDEX}\n` },
    { path: 'src/a.ts', content: "console.log('x');\n" },
  ]);

  it('turns a rule off, changes its severity, and turns off an area', async () => {
    const off = await review(demo, validateConfig({ rules: { 'migration/create-index-non-concurrent': 'off' } }), core);
    expect(off.findings.map((f) => f.ruleId)).toEqual(['observability/console-log']);
    const notice = await review(demo, validateConfig({ rules: { 'migration/create-index-non-concurrent': 'notice' } }), core);
    expect(notice.findings.find((f) => f.ruleId.startsWith('migration/'))?.severity).toBe('notice');
    expect(notice.failed).toBe(false);
    const area = await review(demo, validateConfig({ areas: { observability: false } }), core);
    expect(area.findings.map((f) => f.ruleId)).toEqual(['migration/create-index-non-concurrent']);
  });

  it('applies include and exclude globs', async () => {
    const r = await review(demo, validateConfig({ exclude: ['src/**'] }), core);
    expect(r.findings.map((f) => f.path)).toEqual(['db/migrations/1.sql']);
    const only = await review(demo, validateConfig({ include: ['src/**'] }), core);
    expect(only.findings.map((f) => f.path)).toEqual(['src/a.ts']);
  });

  it('decides the verdict by fail_on', async () => {
    expect((await review(demo, validateConfig({ fail_on: 'error' }), core)).failed).toBe(true);
    expect((await review(demo, validateConfig({ fail_on: 'never' }), core)).failed).toBe(false);
    const warnOnly = changeSet([{ path: 'src/a.ts', content: "console.log('x');\n" }]);
    expect((await review(warnOnly, validateConfig({ fail_on: 'error' }), core)).failed).toBe(false);
    expect((await review(warnOnly, validateConfig({ fail_on: 'warning' }), core)).failed).toBe(true);
  });

  it('uses custom migration paths', async () => {
    const cs = changeSet([{ path: 'schema/changes/0001.sql', content: `${INDEX}\n` }]);
    expect((await review(cs, defaultConfig(), core)).findings).toEqual([]);
    const custom = await review(cs, validateConfig({ migrations: { paths: ['schema/changes/*.sql'] } }), core);
    expect(custom.findings.map((f) => f.ruleId)).toEqual(['migration/create-index-non-concurrent']);
  });
});

describe('changed-lines filter', () => {
  it('keeps findings on changed lines only in diff mode', async () => {
    const sql = `${INDEX}\n${INDEX.replace('orders_email', 'orders_b')}\n`;
    const cs = changeSet([{ path: 'db/migrations/1.sql', content: sql, status: 'modified', changedLines: [{ start: 2, end: 2 }] }], 'diff');
    const r = await review(cs, defaultConfig(), core);
    expect(r.findings.map((f) => f.startLine)).toEqual([2]);
  });

  it('keeps findings about the change as a whole', async () => {
    const rule = defineRule({
      meta: { id: 'migration/whole', area: 'migration', severity: 'warning', title: 't', guidance: 'g', checklist: [], description: 'd', examples: { bad: [], good: [] } },
      change: (ctx) => ctx.report({ path: 'db/migrations/1.sql', startLine: 1, message: 'about the change', wholeChange: true }),
    });
    const cs = changeSet([{ path: 'db/migrations/1.sql', content: 'SELECT 1;\n', status: 'modified', changedLines: [] }], 'diff');
    expect((await review(cs, defaultConfig(), { rules: [rule] })).findings.map((f) => f.message)).toEqual(['about the change']);
  });
});

describe('superseded findings', () => {
  it('drops a finding that a more specific rule on the same lines already covers', async () => {
    const meta = { area: 'migration' as const, severity: 'warning' as const, title: 't', guidance: 'g', checklist: [], description: 'd', examples: { bad: [], good: [] } };
    const general = defineRule({ meta: { ...meta, id: 'migration/create-index-non-concurrent' }, sql: { check: (s, ctx) => ctx.report({ startLine: s.startLine, message: 'general' }) } });
    const specific = defineRule({
      meta: { ...meta, id: 'observability/console-log', supersedes: ['migration/create-index-non-concurrent'] },
      sql: { check: (s, ctx) => s.startLine === 2 && ctx.report({ startLine: 2, message: 'specific' }) },
    });
    const cs = changeSet([{ path: 'db/migrations/1.sql', content: `${INDEX}\n${INDEX}\n` }]);
    const r = await review(cs, defaultConfig(), { rules: [general, specific] });
    expect(r.findings.map((f) => `${f.startLine} ${f.message}`)).toEqual(['1 general', '2 specific']);
  });
});

describe('fingerprints', () => {
  it('survive unrelated lines moving and tell identical statements apart', async () => {
    const before = await review(changeSet([{ path: 'db/migrations/1.sql', content: `${INDEX}\n${INDEX}\n` }]), defaultConfig(), core);
    const after = await review(changeSet([{ path: 'db/migrations/1.sql', content: `-- a comment\n\nSELECT 1;\n${INDEX}\n${INDEX}\n` }]), defaultConfig(), core);
    expect(before.findings.map((f) => f.fingerprint)).toEqual(after.findings.map((f) => f.fingerprint));
    expect(new Set(before.findings.map((f) => f.fingerprint)).size).toBe(2);
    expect(before.findings[0].startLine).not.toBe(after.findings[0].startLine);
  });

  it('change when the flagged code changes', async () => {
    const a = await review(changeSet([{ path: 'db/migrations/1.sql', content: `${INDEX}\n` }]), defaultConfig(), core);
    const b = await review(changeSet([{ path: 'db/migrations/1.sql', content: `${INDEX.replace('email', 'phone')}\n` }]), defaultConfig(), core);
    expect(a.findings[0].fingerprint).not.toBe(b.findings[0].fingerprint);
  });
});

describe('robustness', () => {
  it('keeps going when a rule throws, and says which rule failed where', async () => {
    const broken = defineRule({
      meta: { id: 'observability/broken', area: 'observability', severity: 'warning', title: 't', guidance: 'g', checklist: [], description: 'd', examples: { bad: [], good: [] } },
      text: {
        kinds: ['code'],
        check() {
          throw new Error('boom');
        },
      },
    });
    const r = await review(changeSet([{ path: 'src/a.ts', content: 'export {};\n' }]), defaultConfig(), { rules: [broken] });
    expect(r.findings.map((f) => `${f.ruleId} ${f.message}`)).toEqual(['backend-review/analyzer-error Rule `observability/broken` failed on this file and was skipped: boom']);
  });

  it('never crashes on SQL that does not parse, and reports each bad part', async () => {
    const sql = `SELECT 1;\nALTER TABLE x ADD COLUM y int;\n${INDEX}\n\\connect other\nCOPY t FROM stdin;\n`;
    const r = await review(changeSet([{ path: 'db/migrations/1.sql', content: sql }]), defaultConfig());
    expect(r.findings.some((f) => f.ruleId === 'migration/create-index-non-concurrent' && f.startLine === 3)).toBe(true);
    expect(r.findings.filter((f) => f.ruleId === 'migration/unparseable-sql').map((f) => f.startLine)).toEqual([2]);
    expect(r.findings.filter((f) => f.ruleId === 'backend-review/analyzer-error')).toEqual([]);
  });

  it('shows only the checklist items for what the change touches', async () => {
    const sqlOnly = await review(changeSet([{ path: 'db/migrations/1.sql', content: 'SELECT 1;\n' }]), defaultConfig(), core);
    expect(new Set(sqlOnly.checklist.map((i) => i.area))).toEqual(new Set(['migration']));
    const codeOnly = await review(changeSet([{ path: 'src/a.ts', content: 'export {};\n' }]), defaultConfig(), core);
    expect(codeOnly.checklist.some((i) => i.area === 'migration')).toBe(false);
    expect(codeOnly.checklist.some((i) => i.area === 'observability')).toBe(true);
  });

  it('ticks verified items and leaves the others for a human', async () => {
    const r = await review(changeSet([{ path: 'db/migrations/1.sql', content: `${INDEX}\n` }]), defaultConfig(), core);
    expect(r.checklist.find((i) => i.id === 'migration.concurrent-indexes')?.status).toBe('fail');
    expect(r.checklist.find((i) => i.id === 'migration.production-data')?.status).toBe('manual');
  });
});
