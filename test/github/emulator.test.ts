import { describe, expect, it } from 'vitest';
import { GitHubEmulator } from '../../src/emulator/index.js';

const API = 'https://api.github.com';
const TOKEN = { authorization: 'token ghs_installation' };
const call = (emu: GitHubEmulator, method: string, path: string, body?: unknown) => emu.handle({ method, url: API + path, headers: TOKEN, body: body === undefined ? undefined : JSON.stringify(body) });

function setup() {
  const emu = new GitHubEmulator();
  const repo = emu.createRepo('acme', 'orders', { 'a.sql': 'select 1;\n'.repeat(20) });
  const files: Record<string, string> = { 'a.sql': 'select 1;\n'.repeat(9) + 'select 2;\n' + 'select 1;\n'.repeat(10) };
  for (let i = 0; i < 45; i++) files[`f${i}.txt`] = `${i}\n`;
  const pull = emu.openPull(repo, { files });
  return { emu, repo, pull };
}

describe('GitHub emulator', () => {
  it('validates request bodies against the OpenAPI schemas and records violations', () => {
    const { emu, pull } = setup();
    const res = call(emu, 'POST', '/repos/acme/orders/pulls/1/reviews', { commit_id: pull.headSha, event: 'LGTM', body: 'x' });
    expect(res.status).toBe(422);
    expect(emu.violations[0]).toMatch(/reviews: body\/event must be equal to one of the allowed values \(APPROVE, REQUEST_CHANGES, COMMENT\)/);
    call(emu, 'POST', '/repos/acme/orders/check-runs', { head_sha: pull.headSha });
    expect(emu.violations[1]).toMatch(/check-runs: body must have required property 'name'/);
    call(emu, 'GET', '/repos/acme/orders/pulls/one');
    expect(emu.violations[2]).toMatch(/pull_number must be a number/);
    call(emu, 'GET', '/repos/acme/orders/pulls/1/files?per_page=100&colour=blue');
    expect(emu.violations[3]).toMatch(/unknown query parameter colour/);
    call(emu, 'DELETE', '/repos/acme/orders');
    expect(emu.violations[4]).toMatch(/not a GitHub REST route/);
    emu.handle({ method: 'POST', url: `${API}/graphql`, headers: TOKEN, body: JSON.stringify({ query: 'query Blobs($owner: String!, $name: String!) { x }', variables: { owner: 'acme' } }) });
    expect(emu.violations[5]).toMatch(/\$name \(String!\) was not supplied/);
    emu.handle({ method: 'GET', url: `${API}/repos/acme/orders`, headers: {} });
    expect(emu.violations[6]).toMatch(/not authenticated/);
    emu.handle({ method: 'GET', url: `${API}/app`, headers: TOKEN });
    expect(emu.violations[7]).toMatch(/app endpoints need the app JWT/);
  });

  it('rejects review comments outside the diff like GitHub, with 422', () => {
    const { emu, pull } = setup();
    const review = (line: number, start_line?: number) =>
      call(emu, 'POST', '/repos/acme/orders/pulls/1/reviews', { commit_id: pull.headSha, event: 'COMMENT', body: 'b', comments: [{ path: 'a.sql', body: 'c', line, side: 'RIGHT', ...(start_line ? { start_line, start_side: 'RIGHT' } : {}) }] });
    expect(review(10).status).toBe(200);
    expect(review(7).status).toBe(200); // context line
    expect(review(2).status).toBe(422);
    expect(review(10, 2).status).toBe(422);
    expect(emu.violations).toEqual([]);
    expect(emu.threadsOf(pull)).toHaveLength(2);
  });

  it('paginates with Link headers and serves GHES-style /api/v3 URLs', () => {
    const { emu } = setup();
    const first = emu.handle({ method: 'GET', url: 'http://127.0.0.1:9/api/v3/repos/acme/orders/pulls/1/files?per_page=30', headers: TOKEN });
    expect((first.body as unknown[]).length).toBe(30);
    expect(first.headers.link).toContain('http://127.0.0.1:9/api/v3/repos/acme/orders/pulls/1/files?per_page=30&page=2');
    const second = emu.handle({ method: 'GET', url: first.headers.link.match(/<([^>]+)>; rel="next"/)![1], headers: TOKEN });
    expect((second.body as unknown[]).length).toBe(16);
    expect(second.headers.link).toBeUndefined();
  });

  it('enforces the check-run limits: 50 annotations per request, 65,535 characters of summary', () => {
    const { emu, pull } = setup();
    const annotation = { path: 'a.sql', start_line: 1, end_line: 1, annotation_level: 'warning', message: 'm' };
    const tooMany = call(emu, 'POST', '/repos/acme/orders/check-runs', { name: 'n', head_sha: pull.headSha, output: { title: 't', summary: 's', annotations: Array(51).fill(annotation) } });
    expect(tooMany.status).toBe(422);
    const tooLong = call(emu, 'POST', '/repos/acme/orders/check-runs', { name: 'n', head_sha: pull.headSha, output: { title: 't', summary: 'x'.repeat(65_536) } });
    expect(tooLong.status).toBe(422);
    // GitHub's own schema carries both limits.
    expect(emu.violations).toEqual([expect.stringMatching(/annotations must NOT have more than 50 items/), expect.stringMatching(/summary must NOT have more than 65535 characters/)]);
  });
});
