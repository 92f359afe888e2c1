import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import nock from 'nock';
import { pino } from 'pino';
import { Probot, ProbotOctokit } from 'probot';
import { GitHubEmulator } from '../../src/emulator/index.js';
import { createApp, type AppRuntime } from '../../src/github/app.js';
import { createMetrics } from '../../src/ops/metrics.js';
import type { AnalysisPool } from '../../src/pool/pool.js';

export const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

/**
 * Probot's Octokit without its retry and throttle plugins (the app paces and retries its own writes). A function,
 * not an object default: Probot layers its own throttle options over an object default (a shallow merge), which
 * would switch the 1 s write pacing back on.
 */
export const TestOctokit = ProbotOctokit.defaults((options: Record<string, any>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...options.throttle, enabled: false },
}));

export interface Harness {
  emu: GitHubEmulator;
  probot: Probot;
  logs: Record<string, unknown>[];
  sleeps: number[];
  /** Delivers the event and waits until the review queue is idle (the review runs off the webhook path). */
  receive: (name: string, payload: Record<string, unknown>) => Promise<void>;
  runtime: AppRuntime;
}

export interface HarnessOptions {
  /** Tries per job; 1 (no retry) unless a test is about retries. */
  maxAttempts?: number;
  /** The app's environment (REDIS_URL, QUEUE_*); empty by default, so the in-process queue is used. */
  env?: NodeJS.ProcessEnv;
  /** Where reviews are analysed; default the shared worker-thread pool (test/setup/analysis-pool.ts stops it). */
  analysis?: AnalysisPool;
}

/**
 * The app under test, loaded into a real Probot, with nock routing every request to
 * api.github.com into the emulator (which validates it against GitHub's OpenAPI request
 * schemas). Nothing reaches the network.
 */
export function startHarness(existing?: GitHubEmulator, options: HarnessOptions = {}): Harness {
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
    Octokit: TestOctokit,
  });
  const appFn = createApp({
    writes: { minIntervalMs: 0, sleep: async (ms) => void sleeps.push(ms) },
    metrics: createMetrics({ defaultMetrics: false }),
    // In-process queue whatever the machine's environment says; no real pauses between tries.
    env: options.env ?? {},
    analysis: options.analysis,
    queue: { retry: { maxAttempts: options.maxAttempts ?? 1, baseDelayMs: 1, maxDelayMs: 2 } },
  });
  const loaded = probot.load(appFn);
  let delivery = 0;
  return {
    emu,
    probot,
    logs,
    sleeps,
    get runtime() {
      return appFn.runtime!;
    },
    receive: async (name, payload) => {
      await loaded;
      await probot.receive({ id: `delivery-${++delivery}`, name: name as never, payload: payload as never });
      await appFn.runtime!.idle();
    },
  };
}

export function stopHarness(): void {
  nock.cleanAll();
  nock.enableNetConnect();
}
