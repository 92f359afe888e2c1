#!/usr/bin/env node
/**
 * `npm run worker`: a queue-mode review worker. Needs REDIS_URL; takes jobs the app instances enqueue.
 *
 * The review itself comes from the app (issue 5): this process imports `src/github/worker-processor.ts`
 * (built to dist/src/github/worker-processor.js), which must export
 *
 *   export async function createWorkerProcessor(deps: WorkerDeps): Promise<WorkerProcessor>
 *
 * Until that module exists the worker stops at start-up with exit code 78 and says so. See docs/operations.md.
 */
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { createLogger, secretsFromEnv } from '../ops/logger.js';
import { createMetrics, queueObserver, type ReviewMetrics } from '../ops/metrics.js';
import { createOpsHandler, startOpsServer } from '../ops/http.js';
import { queueLogObserver } from '../ops/logger.js';
import { exitOnSignals, shutdownPlan, shutdownTimeoutFromEnv } from '../ops/shutdown.js';
import { queueOptionsFromEnv, stallSettingsFromEnv } from './options.js';
import type { QueueHooks, ReviewProcessor } from './types.js';
import { startWorker } from './worker.js';

/** What the worker hands the app's processor factory. */
export interface WorkerDeps {
  logger: Logger;
  /** Record reviews (`recordReview`), findings (`recordFindings`) and instrument Octokit (`instrumentOctokit`). */
  metrics: ReviewMetrics;
  env: NodeJS.ProcessEnv;
}

/** What `createWorkerProcessor` returns. */
export interface WorkerProcessor {
  processor: ReviewProcessor;
  hooks?: QueueHooks;
  /** Called after the worker stopped taking jobs (close Octokit clients, flush). */
  close?: () => Promise<void>;
}

export const PROCESSOR_MODULE = '../github/worker-processor.js';
/** EX_CONFIG from sysexits.h: the worker is not configured to run. */
export const EXIT_NOT_WIRED = 78;

async function loadProcessorFactory(log: Logger): Promise<(deps: WorkerDeps) => Promise<WorkerProcessor>> {
  const url = new URL(PROCESSOR_MODULE, import.meta.url);
  try {
    const mod = (await import(url.href)) as { createWorkerProcessor?: (deps: WorkerDeps) => Promise<WorkerProcessor> };
    if (typeof mod.createWorkerProcessor !== 'function') throw new Error(`${url.pathname} does not export createWorkerProcessor()`);
    return mod.createWorkerProcessor;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('worker-processor')) {
      log.fatal({ module: url.pathname }, 'the review processor is not wired into the worker yet (see docs/operations.md, "Worker wiring")');
      process.exit(EXIT_NOT_WIRED);
    }
    throw e;
  }
}

async function main(): Promise<void> {
  const env = process.env;
  const log = createLogger({ secrets: secretsFromEnv(env) });
  const { redisUrl } = queueOptionsFromEnv(env);
  if (!redisUrl) {
    log.fatal('REDIS_URL is not set: `npm run worker` takes jobs from Redis (without REDIS_URL the app reviews in-process and needs no worker)');
    process.exit(EXIT_NOT_WIRED);
  }
  const shutdownTimeoutMs = shutdownTimeoutFromEnv(env);
  const createWorkerProcessor = await loadProcessorFactory(log);
  const metrics = createMetrics();
  const app = await createWorkerProcessor({ logger: log, metrics, env });
  // SIGTERM: running reviews get most of SHUTDOWN_TIMEOUT_MS to finish; the rest of it is for putting the unfinished
  // ones back in the queue (another worker takes them, keeping their check run) and closing the connections.
  const handle = await startWorker(app.processor, {
    hooks: app.hooks,
    observer: queueObserver(metrics, queueLogObserver(log)),
    env,
    overrides: { shutdownGraceMs: shutdownPlan(shutdownTimeoutMs).drainMs, ...stallSettingsFromEnv(env) },
  });
  metrics.watchQueue(handle);

  const ops = createOpsHandler({ registry: metrics.registry, checks: [{ name: 'redis', check: () => handle.ping() }] });
  const port = Number(env.METRICS_PORT ?? 9464);
  const host = env.METRICS_HOST ?? '0.0.0.0';
  const server: Server = await startOpsServer(ops, port, host);
  log.info({ worker_id: handle.worker.id, concurrency: handle.worker.concurrency, metrics_port: port }, 'review worker started');

  exitOnSignals(
    async (signal) => {
      log.info({ signal, running: handle.activeJobIds().length, timeout_ms: shutdownTimeoutMs }, 'review worker stopping: finishing running reviews');
      ops.markShuttingDown();
      try {
        await handle.close();
        await app.close?.();
      } finally {
        server.close();
        log.info('review worker stopped');
      }
      return 0;
    },
    // Past this the process exits anyway; a job it still held is retaken by another worker once its lock expires.
    { hardLimitMs: shutdownTimeoutMs + 2_000, onError: (err) => log.error({ err }, 'review worker did not stop cleanly') },
  );
}

main().catch((e) => {
  createLogger().fatal({ err: e }, 'review worker failed to start');
  process.exit(1);
});
