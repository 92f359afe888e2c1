import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replaceAliases } from '../scripts/ts-namespace.js';

describe('src/analyzers/code/ts.ts', () => {
  it('declares a type alias for every type of the compiler ts-morph bundles (else run `npx tsx scripts/ts-namespace.ts`)', () => {
    const source = readFileSync(new URL('../src/analyzers/code/ts.ts', import.meta.url), 'utf8');
    expect(replaceAliases(source)).toBe(source);
  });
});
