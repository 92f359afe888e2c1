import { describe, expect, it } from 'vitest';
import { RULES } from '../checks/index.js';
import { applyFix, findingsOf, runExample } from '../src/examples.js';

// Every rule's documented examples are its tests: the bad ones must fire, the good ones
// must stay quiet, and a suggested fix must make the finding go away.
describe.each(RULES.map((rule) => [rule.meta.id, rule] as const))('%s', (_id, rule) => {
  it('has at least one bad and one good example', () => {
    expect(rule.meta.examples.bad.length).toBeGreaterThan(0);
    expect(rule.meta.examples.good.length).toBeGreaterThan(0);
  });

  it.each(rule.meta.examples.bad.map((ex, i) => [i, ex] as const))('fires on bad example %i', async (_i, example) => {
    const result = await runExample(rule, example);
    const findings = findingsOf(result, rule);
    expect(findings.length, `no ${rule.meta.id} finding on ${example.path}`).toBeGreaterThan(0);
    for (const f of findings) {
      expect(f.message.length).toBeGreaterThan(40);
      expect(f.severity).toMatch(/error|warning|notice/);
    }
    const meta = result.findings.filter((f) => f.ruleId.startsWith('backend-review/analyzer-error'));
    expect(meta).toEqual([]);
  });

  it.each(rule.meta.examples.good.map((ex, i) => [i, ex] as const))('stays quiet on good example %i', async (_i, example) => {
    const result = await runExample(rule, example);
    expect(findingsOf(result, rule).map((f) => `${f.path}:${f.startLine} ${f.message}`)).toEqual([]);
    expect(result.findings.filter((f) => f.ruleId === 'backend-review/analyzer-error')).toEqual([]);
  });

  it('suggested fixes resolve their finding', async () => {
    for (const example of rule.meta.examples.bad) {
      const result = await runExample(rule, example);
      for (const f of findingsOf(result, rule).filter((x) => x.fix && x.path === example.path)) {
        const fixed = applyFix(example.code, f);
        const again = findingsOf(await runExample(rule, { ...example, code: fixed }), rule);
        expect(again.filter((g) => g.startLine === f.fix!.startLine).map((g) => g.message)).toEqual([]);
      }
    }
  });
});
