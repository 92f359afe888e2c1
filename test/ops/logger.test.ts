import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, jobLogger, queueLogObserver, scrubSecrets, secretsFromEnv, startTimer } from '../../src/ops/logger.js';
import { InProcessQueue } from '../../src/queue/memory.js';
import { makeJob } from '../queue/helpers.js';

/** A destination that keeps every line. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { stream, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const PRIVATE_KEY = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const WEBHOOK_SECRET = 'wh-secret-8f2b1c9d7e';
const INSTALLATION_TOKEN = 'ghs_' + 'A1b2C3d4E5'.repeat(4);

describe('createLogger', () => {
  it('writes JSON lines with level, ISO time, service name and message', () => {
    const { stream, records } = capture();
    const log = createLogger({ destination: stream, level: 'info' });
    log.info({ status: 200 }, 'webhook accepted');
    log.debug('hidden at info');
    const [r] = records();
    expect(records()).toHaveLength(1);
    expect(r).toMatchObject({ level: 30, name: 'backend-review', msg: 'webhook accepted', status: 200 });
    expect(String(r!.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('rejects an unknown LOG_LEVEL at start-up', () => {
    expect(() => createLogger({ level: 'verbose' })).toThrow(/LOG_LEVEL/);
  });

  it('child loggers carry delivery id, repo, PR, head SHA and job id; the timer adds duration_ms', () => {
    const { stream, records } = capture();
    const job = makeJob({ deliveryId: 'dlv-77', owner: 'acme', repo: 'shop', pullNumber: 12, headSha: 'b'.repeat(40) });
    const log = jobLogger(createLogger({ destination: stream }), job, 'rv-123');
    let now = 1_000;
    const t = startTimer(log, () => now);
    now += 1234.56;
    t.done('review concluded', { conclusion: 'failure' });
    expect(records()[0]).toMatchObject({
      delivery_id: 'dlv-77',
      repo: 'acme/shop',
      pr: 12,
      head_sha: 'b'.repeat(40),
      job_id: 'rv-123',
      conclusion: 'failure',
      duration_ms: 1234.6,
      msg: 'review concluded',
    });
  });

  it('never writes the private key, the installation token or the webhook secret, whatever field or message carries them', () => {
    const { stream, lines } = capture();
    const log = createLogger({ destination: stream, secrets: secretsFromEnv({ PRIVATE_KEY, WEBHOOK_SECRET }) });
    log.info({ privateKey: PRIVATE_KEY, token: INSTALLATION_TOKEN, webhookSecret: WEBHOOK_SECRET }, 'loaded config');
    log.info({ headers: { authorization: `token ${INSTALLATION_TOKEN}`, 'x-hub-signature-256': 'sha256=' + 'c'.repeat(64) } }, 'request');
    log.info({ octokit: { auth: { token: INSTALLATION_TOKEN } } }, 'nested');
    log.warn(`retrying with ${INSTALLATION_TOKEN} after secret ${WEBHOOK_SECRET} mismatch`);
    log.error({ err: new Error(`signing failed for key ${PRIVATE_KEY}`) }, 'jwt');
    log.info({ config: { note: PRIVATE_KEY.replace(/\n/g, '\\n') } }, 'env-style escaped key');
    const all = lines.join('\n');
    expect(lines).toHaveLength(6);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(all).not.toContain(INSTALLATION_TOKEN);
    expect(all).not.toContain(WEBHOOK_SECRET);
    expect(all).not.toContain('PRIVATE KEY-----');
    const keyBody = PRIVATE_KEY.split('\n')[2]!;
    expect(all).not.toContain(keyBody);
    expect(all).not.toContain('c'.repeat(64));
    expect(all).toContain('[REDACTED]');
  });

  it('scrubSecrets leaves ordinary text alone and skips too-short "secrets"', () => {
    expect(scrubSecrets('{"msg":"review concluded","head_sha":"' + 'a'.repeat(40) + '"}', ['abc'])).toBe('{"msg":"review concluded","head_sha":"' + 'a'.repeat(40) + '"}');
  });
});

describe('queueLogObserver', () => {
  it('logs progress at info, a retry at warn and a dead letter at error, each with the job fields', async () => {
    const { stream, records } = capture();
    const log = createLogger({ destination: stream });
    const q = new InProcessQueue(
      async (_job, _signal, info) => {
        throw new Error(`GitHub 502 (try ${info.attempt})`);
      },
      { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 }, observer: queueLogObserver(log) },
    );
    try {
      await q.enqueue(makeJob({ deliveryId: 'dlv-9', pullNumber: 9 }));
      await q.idle();
    } finally {
      await q.close();
    }
    const rs = records();
    expect(rs.map((r) => [r.level, r.msg])).toEqual([
      [30, 'review job enqueue'],
      [30, 'review job started'],
      [40, 'review job failed, will retry'],
      [30, 'review job started'],
      [50, 'review job dead-lettered'],
    ]);
    for (const r of rs) expect(r).toMatchObject({ delivery_id: 'dlv-9', pr: 9, repo: 'acme/shop' });
    expect(rs[4]).toMatchObject({ outcome: 'dead_lettered', attempt: 2, err: { message: 'GitHub 502 (try 2)' } });
    expect(typeof rs[4]!.duration_ms).toBe('number');
  });
});
