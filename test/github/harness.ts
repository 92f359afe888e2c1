import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import nock from 'nock';
import { pino } from 'pino';
import { Probot, ProbotOctokit } from 'probot';
import { GitHubEmulator } from '../../src/emulator/index.js';
import { createApp } from '../../src/github/app.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

export interface Harness {
  emu: GitHubEmulator;
  probot: Probot;
  logs: Record<string, unknown>[];
  sleeps: number[];
  receive: (name: string, payload: Record<string, unknown>) => Promise<void>;
}

/**
 * The app under test, loaded into a real Probot, with nock routing every request to
 * api.github.com into the emulator (which validates it against GitHub's OpenAPI request
 * schemas). Nothing reaches the network.
 */
export function startHarness(existing?: GitHubEmulator): Harness {
  nock.disableNetConnect();
  const emu = existing ?? new GitHubEmulator();
  const scope = nock('https://api.github.com').persist();
  for (const method of ['GET', 'POST', 'PATCH', 'PUT', 'DELETE']) {
    // nock 15 hands the reply function a fetch Request.
    scope.intercept(/.*/, method).reply(async (request: Request) => {
      const headers: Record<string, string> = {};
      request.headers.forEach((value, key) => (headers[key] = value));
      const res = emu.handle({ method, url: request.url, headers, body: method === 'GET' ? undefined : await request.text() });
      return [res.status, typeof res.body === 'string' ? res.body : JSON.stringify(res.body), res.headers];
    });
  }
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      done();
    },
  });
  const sleeps: number[] = [];
  const probot = new Probot({
    appId: emu.appId,
    privateKey,
    log: pino({ level: 'info' }, sink),
    // ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }) as the
    // docs show, but as a function: Probot layers its own throttle options over an object
    // default (a shallow merge), which would switch the 1 s write pacing back on.
    Octokit: ProbotOctokit.defaults((options: Record<string, any>) => ({
      ...options,
      retry: { enabled: false },
      throttle: { ...options.throttle, enabled: false },
    })),
  });
  probot.load(createApp({ writes: { minIntervalMs: 0, sleep: async (ms) => void sleeps.push(ms) } }));
  let delivery = 0;
  return {
    emu,
    probot,
    logs,
    sleeps,
    receive: (name, payload) => probot.receive({ id: `delivery-${++delivery}`, name: name as never, payload: payload as never }),
  };
}

export function stopHarness(): void {
  nock.cleanAll();
  nock.enableNetConnect();
}
