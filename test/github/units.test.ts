import { describe, expect, it } from 'vitest';
import { anchorFor } from '../../src/github/anchors.js';
import { fenceFor, inlineComment } from '../../src/github/inline-comment.js';
import { summaryStateOf, summaryMarker, fingerprintOf, findingMarker } from '../../src/github/markers.js';
import { baseFromPatch } from '../../src/github/pr-source.js';
import { keepTicks } from '../../src/github/summary-comment.js';
import { WriteQueue } from '../../src/github/write-queue.js';
import { githubPatch } from '../../src/emulator/git.js';
import type { Finding } from '../../src/model.js';

const finding = (over: Partial<Finding>): Finding => ({
  ruleId: 'migration/create-index-non-concurrent',
  category: 'migration',
  severity: 'error',
  path: 'a.sql',
  startLine: 1,
  endLine: 1,
  message: 'm',
  fingerprint: 'abcdef0123456789abcd',
  ...over,
});

describe('anchorFor', () => {
  const base = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
  const head = base.replace('line 5\n', 'line 5 changed\n').replace('line 30\n', 'line 30 changed\n');
  const patches = new Map([['a.sql', githubPatch(base, head)]]);

  it('anchors on changed and context lines of a hunk, and nowhere else', () => {
    expect(anchorFor(finding({ startLine: 5, endLine: 5 }), patches)).toEqual({ path: 'a.sql', line: 5, startLine: undefined, suggestion: false });
    expect(anchorFor(finding({ startLine: 7, endLine: 7 }), patches)?.line).toBe(7); // context line
    expect(anchorFor(finding({ startLine: 15, endLine: 15 }), patches)).toBeUndefined();
    expect(anchorFor(finding({ path: 'other.sql' }), patches)).toBeUndefined();
    expect(anchorFor(finding({ startLine: 5, wholeChange: true }), patches)).toBeUndefined();
  });

  it('keeps a range inside one hunk; a range across hunks falls back to its first line', () => {
    expect(anchorFor(finding({ startLine: 4, endLine: 6 }), patches)).toMatchObject({ line: 6, startLine: 4 });
    expect(anchorFor(finding({ startLine: 5, endLine: 30 }), patches)).toMatchObject({ line: 5, startLine: undefined });
  });

  it('anchors a fix on exactly its lines so the suggestion replaces them', () => {
    const fixed = finding({ startLine: 5, endLine: 5, fix: { startLine: 4, endLine: 5, replacement: 'x' } });
    expect(anchorFor(fixed, patches)).toMatchObject({ line: 5, startLine: 4, suggestion: true });
    const outside = finding({ startLine: 5, endLine: 5, fix: { startLine: 12, endLine: 12, replacement: 'x' } });
    expect(anchorFor(outside, patches)).toMatchObject({ line: 5, suggestion: false });
  });
});

describe('inline comments', () => {
  it('uses a fence longer than any backtick run in the fix', () => {
    expect(fenceFor('plain')).toBe('```');
    expect(fenceFor('a ```` b')).toBe('`````');
    const c = inlineComment(finding({ fix: { startLine: 1, endLine: 1, replacement: 'x = ```y```' } }), { path: 'a.sql', line: 1, suggestion: true }, '/backend-review');
    expect(c.body).toContain('````suggestion\nx = ```y```\n````');
    expect(fingerprintOf(c.body)).toBe('abcdef0123456789abcd');
  });

  it('shows a fix that cannot be a suggestion as a plain block', () => {
    const c = inlineComment(finding({ fix: { startLine: 3, endLine: 4, replacement: 'y' } }), { path: 'a.sql', line: 1, suggestion: false }, '/backend-review');
    expect(c.body).toContain('Replace lines 3–4 with:');
    expect(c.body).not.toContain('suggestion');
  });
});

describe('markers', () => {
  it('round-trips the summary state and never emits "-->" inside it', () => {
    const state = { ignores: [{ rule: 'a/b', by: 'x', reason: 'tricky --> <!-- reason', at: '2026-01-01' }] };
    const marker = summaryMarker(state);
    expect(marker.indexOf('-->')).toBe(marker.length - 3);
    expect(summaryStateOf(`hello\n${marker}\n`)).toEqual(state);
    expect(summaryStateOf('<!-- backend-review:summary !!notbase64 -->')).toEqual({ ignores: [] });
    expect(fingerprintOf(findingMarker('0123456789abcdef'))).toBe('0123456789abcdef');
  });

  it('keeps ticked boxes by their text', () => {
    const before = '- [x] Tested against a production-sized dataset <sub>g</sub>\n- [ ] Other <sub>g</sub>';
    const after = '- [ ] Tested against a production-sized dataset <sub>g</sub>\n- [ ] Other <sub>g</sub>\n- [ ] New <sub>g</sub>';
    expect(keepTicks(after, before)).toBe('- [x] Tested against a production-sized dataset <sub>g</sub>\n- [ ] Other <sub>g</sub>\n- [ ] New <sub>g</sub>');
  });
});

describe('baseFromPatch', () => {
  it('rebuilds the merge-base file from the head and the patch', () => {
    const base = 'a\nb\nc\nd\ne\nf\ng\nh\n';
    const head = 'a\nB\nc\nd\ne\nf\ng\nh\ni\n';
    expect(baseFromPatch(head, githubPatch(base, head))).toBe(base);
    expect(baseFromPatch('', githubPatch(base, undefined))).toBe(base);
    expect(baseFromPatch('unrelated\n', githubPatch(base, head))).toBeUndefined();
  });
});

describe('WriteQueue', () => {
  const rateLimited = (retryAfter?: string) => Object.assign(new Error('You have exceeded a secondary rate limit'), { status: 403, response: { headers: retryAfter ? { 'retry-after': retryAfter } : {} } });

  it('runs writes one at a time, in order', async () => {
    const q = new WriteQueue({ minIntervalMs: 0, sleep: async () => {} });
    const events: string[] = [];
    const slow = (name: string, ms: number) => q.run(name, async () => {
      events.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, ms));
      events.push(`end ${name}`);
    });
    await Promise.all([slow('a', 20), slow('b', 1)]);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('honours retry-after on a secondary rate limit, then gives up after the retries', async () => {
    const sleeps: number[] = [];
    const q = new WriteQueue({ minIntervalMs: 0, maxRetries: 2, sleep: async (ms) => void sleeps.push(ms) });
    let calls = 0;
    await expect(q.run('x', async () => {
      calls++;
      throw rateLimited('3');
    })).rejects.toThrow('secondary rate limit');
    expect(calls).toBe(3);
    expect(sleeps).toEqual([3000, 3000]);
  });

  it('backs off a minute (doubling) without retry-after, and never retries other errors', async () => {
    const sleeps: number[] = [];
    const q = new WriteQueue({ minIntervalMs: 0, sleep: async (ms) => void sleeps.push(ms) });
    let n = 0;
    await q.run('x', async () => {
      if (n++ < 2) throw rateLimited();
      return 1;
    });
    expect(sleeps).toEqual([60_000, 120_000]);
    let m = 0;
    await expect(q.run('y', async () => {
      m++;
      throw Object.assign(new Error('nope'), { status: 422 });
    })).rejects.toThrow('nope');
    expect(m).toBe(1);
  });

  it('paces writes', async () => {
    const sleeps: number[] = [];
    const q = new WriteQueue({ minIntervalMs: 1000, sleep: async (ms) => void sleeps.push(ms) });
    await q.run('a', async () => 1);
    await q.run('b', async () => 2);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThan(900);
  });
});
