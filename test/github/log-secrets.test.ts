import { createHmac } from 'node:crypto';
import nock from 'nock';
import { pino } from 'pino';
import { Probot, Server } from 'probot';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/github/app.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { world } from './world.js';
import { issueCommentCreated, pullRequestEvent } from './payloads.js';
import { privateKey, startHarness, stopHarness, TestOctokit } from './harness.js';
import { freePort, post } from './http-helpers.js';

let server: Server | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
  stopHarness();
});

describe('the logs of a full run hold no credential', () => {
  it('webhooks over HTTP, a review with a retried GitHub failure, a slash command: no private key, installation token or webhook secret in any log line', async () => {
    const h = startHarness(); // nock routes api.github.com into the emulator
    nock.enableNetConnect('127.0.0.1');
    const { pull } = world(h.emu);
    const secret = 'whsec-log-test-5d1f0c7a9b2e';
    const port = await freePort();
    // A real pino destination at the most verbose level, as raw text: what would reach the log collector.
    let text = '';
    const log = pino({ level: 'trace' }, { write: (line: string) => void (text += line) });
    server = new Server({ host: '127.0.0.1', port, log, Probot: Probot.defaults({ appId: h.emu.appId, privateKey, secret, log, Octokit: TestOctokit }) });
    const appFn = createApp({
      writes: { minIntervalMs: 0 },
      metrics: createMetrics({ defaultMetrics: false }),
      env: {},
      queue: { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } },
    });
    await server.load(appFn);
    await server.start();
    const send = (event: string, id: string, payload: unknown) => {
      const body = JSON.stringify(payload);
      const signature = 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
      return post(`http://127.0.0.1:${port}/api/github/webhooks`, { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': id, 'x-hub-signature-256': signature }, body);
    };

    // 1. A full review: webhook → queue → config read → check run → review → inline comments and summary.
    expect(await send('pull_request', 'sec-1', pullRequestEvent('opened', pull))).toBe(200);
    await appFn.runtime!.idle();
    expect(h.emu.checkRunsFor(pull)[0]?.conclusion).toBe('failure');
    expect(h.emu.reviews).toHaveLength(1);

    // 2. A push whose first try fails on GitHub (the error, with its request, is logged), then the retry publishes.
    h.emu.push(pull, { 'README.md': 'more\n' });
    h.emu.failNext('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', { status: 500, message: 'Server Error' });
    expect(await send('pull_request', 'sec-2', pullRequestEvent('synchronize', pull))).toBe(200);
    await appFn.runtime!.idle();
    expect(h.emu.checkRunsFor(pull).at(-1)?.status).toBe('completed');

    // 3. A slash command (permission check, then a re-run).
    const runsBefore = h.emu.checkRunsFor(pull).length;
    expect(await send('issue_comment', 'sec-3', issueCommentCreated(h.emu, pull, 'dev', '/backend-review review'))).toBe(200);
    await appFn.runtime!.idle();
    expect(h.emu.checkRunsFor(pull).length).toBe(runsBefore + 1);

    // 4. A forged delivery: refused, and logged as such.
    const body = JSON.stringify(pullRequestEvent('opened', pull));
    const forged = await post(`http://127.0.0.1:${port}/api/github/webhooks`, { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': 'sec-4', 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) }, body);
    expect(forged).toBeGreaterThanOrEqual(400);

    // The run really used credentials, and really logged: the search below can fail.
    const tokensIssued = h.emu.requests.filter((r) => r.route.includes('access_tokens')).length;
    expect(tokensIssued).toBeGreaterThan(0);
    expect(text).toContain('sec-1');
    expect(text).toContain('Server Error');
    expect(text.split('\n').length).toBeGreaterThan(20);

    // The webhook secret, the private key (whole, its base64 lines, and the one-line `\n` form of PRIVATE_KEY), any installation token.
    expect(text).not.toContain(secret);
    expect(text).not.toContain(privateKey);
    expect(text).not.toContain(privateKey.replace(/\n/g, '\\n'));
    for (const line of privateKey.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----'))) expect(text).not.toContain(line);
    // The emulator issues `ghs_emulated<id>`; the app must log none of them (also not as `token …` in a request header).
    expect(text).not.toMatch(/ghs_emulated\d+/);
    expect(text).not.toMatch(/(?:token|bearer) (?!\[REDACTED\])[A-Za-z0-9_.-]{20,}/i);
  });
});
