import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RULES } from '../checks/index.js';
import { replaceTable, rulesPage } from '../scripts/rule-table.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('has the rule table the registry generates (run `npm run docs:rules` after changing a rule)', () => {
    expect(replaceTable(readme)).toBe(readme);
  });

  it('has a rules page generated from the rule modules (run `npm run docs:rules`)', () => {
    expect(readFileSync(new URL('../docs/rules.md', import.meta.url), 'utf8')).toBe(rulesPage());
  });

  it('lists every registered rule id', () => {
    for (const rule of RULES) expect(readme).toContain(`\`${rule.meta.id}\``);
  });

  it('gives the two commands a new user needs', () => {
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm test');
  });
});
