import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { ConfigError, validateConfig } from '../../src/config/load.js';
import { parseDuration } from '../../src/config/schema.js';
import { review } from '../../src/engine.js';
import type { ChangeSet, ChangedFile } from '../../src/model.js';
import { AnalysisPool, defaultThreads, poolOptionsFromEnv } from '../../src/pool/pool.js';
import { scanPaths } from '../../src/sources/local.js';

const HANGING_WORKER = new URL('./hanging-worker.ts', import.meta.url);

function changeSet(changed: Record<string, string>, others: Record<string, string> = {}): ChangeSet {
  const files: ChangedFile[] = Object.entries(changed).map(([path, content]) => ({ path, status: 'added', content, changedLines: 'all' }));
  const all = new Map(Object.entries({ ...others, ...changed }));
  return { files, mode: 'scan', tree: { paths: async () => [...all.keys()], read: async (p) => all.get(p) } };
}

const pools: AnalysisPool[] = [];
const pool = (options: ConstructorParameters<typeof AnalysisPool>[0] = {}) => {
  const p = new AnalysisPool({ threads: 1, ...options });
  pools.push(p);
  return p;
};
afterAll(async () => {
  await Promise.all(pools.map((p) => p.destroy()));
});
/** The real thread module, one thread, shared by the tests that need no special pool. */
let real: AnalysisPool | undefined;
const realPool = () => (real ??= pool());

describe('analysis pool', () => {
  it('gives the same result as a review on the calling thread', async () => {
    const cs = await scanPaths(['fixtures'], process.cwd(), 1024 * 1024); // migrations, routes of five frameworks, config files
    const config = validateConfig({}, 'test');
    const inProcess = await review(cs, config);
    const threaded = await realPool().review(cs, config);
    expect(inProcess.findings.length).toBeGreaterThan(0);
    const strip = (r: typeof inProcess) => ({ ...r, stats: { ...r.stats, durationMs: 0 } });
    expect(strip(threaded)).toEqual(strip(inProcess));
  });
});

describe('the tree, read from the main thread', () => {
  it('finds code that still reads a dropped column in files the change does not touch', async () => {
    const cs = changeSet(
      { 'db/migrations/0042_drop_orders_state.sql': 'ALTER TABLE orders DROP COLUMN state;\n' },
      { 'src/orders/repository.ts': "export async function open(pool) {\n  return pool.query('SELECT id, state FROM orders WHERE customer_id = $1', [1]);\n}\n" },
    );
    const result = await realPool().review(cs, validateConfig({}, 'test'));
    const found = result.findings.find((f) => f.ruleId === 'migration/dropped-column-still-referenced');
    expect(found?.message).toContain('src/orders/repository.ts');
  });

  it('builds the schema model from earlier migrations in the tree', async () => {
    const cs = changeSet(
      { 'db/migrations/0031_shrink.sql': 'ALTER TABLE users ALTER COLUMN email TYPE varchar(100);\n' },
      { 'db/migrations/0001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email varchar(255) NOT NULL);\n' },
    );
    const result = await realPool().review(cs, validateConfig({}, 'test'));
    const found = result.findings.find((f) => f.ruleId === 'migration/alter-column-type');
    // The old type is only known from the migration read through the tree.
    expect(found?.message).toContain('from varchar(255) to varchar(100)');
  });

  it('passes a failed read on as it failed in the main thread, status included', async () => {
    const failure = Object.assign(new Error('GitHub answered 502'), { status: 502 });
    const cs = changeSet({ 'db/migrations/0031_shrink.sql': 'ALTER TABLE users ALTER COLUMN email TYPE varchar(100);\n' });
    cs.tree = { paths: async () => ['db/migrations/0001_users.sql', 'db/migrations/0031_shrink.sql'], read: async () => Promise.reject(failure) };
    const config = validateConfig({}, 'test');
    const inProcess = await review(cs, config).then(
      (r) => ({ result: r }),
      (err) => ({ err }),
    );
    const threaded = await realPool().review(cs, config).then(
      (r) => ({ result: r }),
      (err) => ({ err }),
    );
    if ('err' in inProcess) expect((threaded as { err: unknown }).err).toBe(failure);
    else {
      const strip = (r: typeof inProcess.result) => ({ ...r, stats: { ...r.stats, durationMs: 0 } });
      expect(strip((threaded as typeof inProcess).result)).toEqual(strip(inProcess.result));
    }
  });
});

describe('the per-file time budget', () => {
  const config = validateConfig({ limits: { max_analysis_time_per_file: '300ms' } }, 'test');
  const files = {
    'db/migrations/0001_hang-forever.sql': 'CREATE TABLE a (id bigint PRIMARY KEY);\n',
    'db/migrations/0002_index.sql': 'CREATE INDEX orders_customer_idx ON orders (customer_id);\n',
    'src/log.ts': "export function hello(name: string) {\n  console.log('hello ' + name);\n}\n",
  };

  it('stops a file whose analysis never ends, and delivers the rest of the review with a note', async () => {
    const metrics: string[] = [];
    const warnings: object[] = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    const started = performance.now();
    const result = await pool({ worker: HANGING_WORKER })
      .review(changeSet(files), config, { metrics: { recordAnalysisTimeout: (scope) => metrics.push(scope) }, log: { warn: (o) => warnings.push(o) } })
      .finally(() => clearInterval(timer));
    const elapsed = performance.now() - started;
    expect(result.skipped).toContainEqual({ path: 'db/migrations/0001_hang-forever.sql', reason: 'analysis took longer than 0.3 s; skipped' });
    expect(result.findings.map((f) => `${f.path} ${f.ruleId}`)).toEqual(
      expect.arrayContaining(['db/migrations/0002_index.sql migration/create-index-non-concurrent', 'src/log.ts observability/console-log']),
    );
    expect(result.findings.some((f) => f.path.includes('hang-forever'))).toBe(false);
    expect(metrics).toEqual(['file']);
    expect(warnings).toEqual([{ path: 'db/migrations/0001_hang-forever.sql', budget_ms: 300, skipped_so_far: 1 }]);
    // The main thread kept running timers while the thread spun (20 ms interval).
    expect(ticks).toBeGreaterThan(elapsed / 20 / 4);
  });

  it('skips a file whose analysis runs the thread out of memory, and delivers the rest of the review with a note', async () => {
    const warnings: object[] = [];
    const { 'db/migrations/0001_hang-forever.sql': _hang, ...rest } = files;
    const hungry = { ...rest, 'db/migrations/0001_eat-memory.sql': 'SELECT 1;\n' };
    const result = await pool({ worker: HANGING_WORKER, memoryLimitMb: 64 }).review(changeSet(hungry), config, { log: { warn: (o) => warnings.push(o) } });
    expect(result.skipped).toContainEqual({ path: 'db/migrations/0001_eat-memory.sql', reason: "analysis ran out of memory (the analysis thread's 64 MB); skipped" });
    expect(result.findings.map((f) => `${f.path} ${f.ruleId}`)).toEqual(
      expect.arrayContaining(['db/migrations/0002_index.sql migration/create-index-non-concurrent', 'src/log.ts observability/console-log']),
    );
    expect(warnings).toEqual([{ path: 'db/migrations/0001_eat-memory.sql', memory_limit_mb: 64, skipped_so_far: 1 }]);
  }, 60_000);

  it('reads the thread memory limit from ANALYSIS_THREAD_MEMORY_MB', () => {
    expect(poolOptionsFromEnv({ ANALYSIS_THREAD_MEMORY_MB: '512' }).memoryLimitMb).toBe(512);
    expect(poolOptionsFromEnv({}).memoryLimitMb).toBeUndefined();
    expect(() => poolOptionsFromEnv({ ANALYSIS_THREAD_MEMORY_MB: '8' })).toThrow(/ANALYSIS_THREAD_MEMORY_MB must be an integer of at least 64/);
  });

  it('gives up after a bounded number of files over budget', async () => {
    const many = { ...files, 'db/migrations/0003_hang-forever.sql': 'SELECT 1;\n', 'db/migrations/0004_hang-forever.sql': 'SELECT 1;\n' };
    const metrics: string[] = [];
    await expect(pool({ worker: HANGING_WORKER, maxSlowFiles: 2 }).review(changeSet(many), config, { metrics: { recordAnalysisTimeout: (s) => metrics.push(s) } })).rejects.toThrow(
      /analysis stopped: 2 files each took longer than 0.3 s/,
    );
    expect(metrics).toEqual(['file', 'file', 'review']);
  });

  it('ends a review that runs past the whole-review budget with an error, never a hang', async () => {
    const generous = validateConfig({ limits: { max_analysis_time_per_file: 300 } }, 'test');
    const err = await pool({ worker: HANGING_WORKER, reviewTimeoutMs: 1000 }).review(changeSet(files), generous).catch((e) => e);
    expect(err).toMatchObject({ name: 'AnalysisTimeoutError', message: 'analysis took longer than 1 s in total; stopped' });
  });

  it('stops the thread when the caller aborts', async () => {
    const generous = validateConfig({ limits: { max_analysis_time_per_file: 300 } }, 'test');
    const controller = new AbortController();
    const reason = new Error('superseded');
    setTimeout(() => controller.abort(reason), 1500);
    await expect(pool({ worker: HANGING_WORKER }).review(changeSet(files), generous, { signal: controller.signal })).rejects.toBe(reason);
  });
});

describe('limits.max_analysis_time_per_file', () => {
  it('takes seconds, "10s" or "500ms", from 100 ms to 300 s', () => {
    expect(parseDuration(validateConfig({}, 'test').limits.max_analysis_time_per_file)).toBe(10_000);
    expect(parseDuration(validateConfig({ limits: { max_analysis_time_per_file: 2.5 } }, 'test').limits.max_analysis_time_per_file)).toBe(2500);
    expect(parseDuration(validateConfig({ limits: { max_analysis_time_per_file: '30s' } }, 'test').limits.max_analysis_time_per_file)).toBe(30_000);
    expect(parseDuration(validateConfig({ limits: { max_analysis_time_per_file: '500ms' } }, 'test').limits.max_analysis_time_per_file)).toBe(500);
    for (const bad of ['ten seconds', '50ms', 301, 0, '-1s']) {
      expect(() => validateConfig({ limits: { max_analysis_time_per_file: bad } }, 'test')).toThrow(ConfigError);
    }
  });
});

describe('backend-review scan --isolate', () => {
  it('prints the same report as the in-process review', async () => {
    const run = async (...extra: string[]) => {
      let stdout = '';
      const status = await runCli(['scan', 'fixtures/demo', '-f', 'json', ...extra], { cwd: process.cwd(), stdout: (s) => void (stdout += s), stderr: () => undefined, isTTY: false });
      return { status, report: JSON.parse(stdout.replace(/"durationMs": \d+/, '"durationMs": 0')) };
    };
    const plain = await run();
    expect(plain.report.findings.length).toBeGreaterThan(0);
    expect(await run('--isolate')).toEqual(plain);
  });
});

describe('pool settings from the environment', () => {
  it('reads ANALYSIS_THREADS and ANALYSIS_TIMEOUT_MS, and names a malformed one', () => {
    expect(poolOptionsFromEnv({})).toEqual({ threads: undefined, reviewTimeoutMs: undefined });
    expect(poolOptionsFromEnv({ ANALYSIS_THREADS: '2', ANALYSIS_TIMEOUT_MS: '60000' })).toEqual({ threads: 2, reviewTimeoutMs: 60_000 });
    expect(poolOptionsFromEnv({ ANALYSIS_THREADS: '0' }).threads).toBe(0);
    expect(() => poolOptionsFromEnv({ ANALYSIS_THREADS: 'two' })).toThrow(/ANALYSIS_THREADS must be an integer of at least 0, not "two"/);
    expect(() => poolOptionsFromEnv({ ANALYSIS_TIMEOUT_MS: '10' })).toThrow(/ANALYSIS_TIMEOUT_MS must be an integer of at least 1000/);
    expect(defaultThreads()).toBeGreaterThanOrEqual(1);
    expect(defaultThreads()).toBeLessThanOrEqual(4);
  });

  it('ANALYSIS_THREADS=0 reviews on the calling thread, where no thread module is loaded', async () => {
    const cs = changeSet({ 'src/hang-forever.ts': "export function hello(name: string) {\n  console.log('hello ' + name);\n}\n" });
    const result = await new AnalysisPool({ threads: 0, worker: HANGING_WORKER }).review(cs, validateConfig({}, 'test'));
    expect(result.findings.map((f) => `${f.path} ${f.ruleId}`)).toContain('src/hang-forever.ts observability/console-log');
  });
});
