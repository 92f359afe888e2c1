import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

function runWorker(env: Record<string, string>) {
  const clean = { ...process.env };
  delete clean.REDIS_URL;
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/queue/worker-main.ts'], { env: { ...clean, ...env }, encoding: 'utf8', timeout: 30_000 });
}

describe('npm run worker (src/queue/worker-main.ts)', () => {
  it('refuses to start without REDIS_URL, with exit code 78 and a JSON fatal log saying why', () => {
    const res = runWorker({ LOG_LEVEL: 'info' });
    expect(res.status).toBe(78);
    const line = JSON.parse(res.stdout.trim().split('\n').pop()!);
    expect(line).toMatchObject({ level: 60, msg: expect.stringContaining('REDIS_URL is not set') });
  });

  it.skipIf(existsSync('src/github/worker-processor.ts'))('says the review processor is not wired yet while src/github/worker-processor.ts does not exist', () => {
    // Port 1 on localhost: nothing listens, and the worker must stop before it connects anyway.
    const res = runWorker({ REDIS_URL: 'redis://127.0.0.1:1' });
    expect(res.status).toBe(78);
    expect(res.stdout).toContain('not wired into the worker yet');
  });
});
