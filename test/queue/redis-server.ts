import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { freePort } from '../../src/emulator/index.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** Whether a redis-server binary is on PATH. */
export const redisServerAvailable = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
/** CI=true (most CI systems) or REQUIRE_REDIS_TESTS=1 (.ci/run): the Redis tests must run. */
const required = process.env.CI === 'true' || process.env.CI === '1' || process.env.REQUIRE_REDIS_TESTS === '1';

/**
 * Redis tests run when redis-server is installed, and always in CI (where a missing server must fail the run).
 * Elsewhere they are skipped with a message saying why.
 */
export const skipRedisTests = !redisServerAvailable && !required;
if (skipRedisTests) {
  console.warn('[redis tests] SKIPPED: redis-server is not installed (apt-get install -y redis-server). In CI (CI=true) or .ci/run they run and fail instead.');
}


/** A throwaway redis-server on 127.0.0.1, random port, data (AOF) in a temp dir. */
export class TestRedis {
  private proc?: ChildProcess;
  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<TestRedis> {
    if (!redisServerAvailable) throw new Error('redis-server is not installed but the Redis tests must run here (CI=true or REQUIRE_REDIS_TESTS=1)');
    const server = new TestRedis(await freePort(), mkdtempSync(join(tmpdir(), 'br-redis-')));
    await server.startProcess();
    return server;
  }

  private async startProcess(): Promise<void> {
    const args = [
      '--port', String(this.port),
      '--bind', '127.0.0.1',
      '--dir', this.dir,
      '--save', '',
      '--appendonly', 'yes',
      '--appendfsync', 'always',
      '--maxmemory-policy', 'noeviction',
      '--daemonize', 'no',
      '--logfile', '',
    ];
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    let output = '';
    proc.stdout!.on('data', (d) => (output += d));
    proc.stderr!.on('data', (d) => (output += d));
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}: ${output}`);
      const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => {});
      try {
        await client.connect();
        if ((await client.ping()) === 'PONG') return;
      } catch {
        // not up yet
      } finally {
        client.disconnect();
      }
      if (Date.now() > deadline) throw new Error(`redis-server did not start: ${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGTERM: Redis flushes the append-only file and exits, as in an ordinary restart. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  }

  async restart(downMs = 0): Promise<void> {
    await this.stop();
    if (downMs) await new Promise((r) => setTimeout(r, downMs));
    await this.startProcess();
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
