// Reviews run in worker threads (piscina), each file under a time budget: a file that runs over is skipped with a
// note and the review is run again without it, so a pathological file never blocks the event loop or hangs a review.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { parseDuration, type Config } from '../config/schema.js';
import type { ChangeSet, RepoTree, ReviewResult } from '../model.js';
import { PermanentJobError } from '../queue/types.js';
import type { AnalysisTask, ThreadMessage, TreeReply } from './protocol.js';

/** Default of ANALYSIS_THREAD_MEMORY_MB: several times what a 1,000-file review needs (about 170 MB of heap). */
export const DEFAULT_THREAD_MEMORY_MB = 2048;
/** Default of ANALYSIS_TIMEOUT_MS: the whole analysis of one review, re-runs included. */
export const DEFAULT_REVIEW_TIMEOUT_MS = 300_000;
/** Files skipped for the per-file budget before the review gives up: each one costs a re-run. */
export const MAX_SLOW_FILES = 5;
/** An idle thread beyond the first stops after this long; the first stays (idle threads never keep the process alive). */
const IDLE_TIMEOUT_MS = 5 * 60_000;

/** The thread module: `worker.js` next to this file, or `worker.ts` when this file runs from source (tsx, vitest). */
export const ANALYSIS_WORKER = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);

export interface AnalysisPoolOptions {
  /** Threads at most (ANALYSIS_THREADS). 0 runs reviews on the calling thread, without time budgets. */
  threads?: number;
  /** The whole analysis of one review, in ms (ANALYSIS_TIMEOUT_MS). */
  reviewTimeoutMs?: number;
  /** Files skipped for the per-file budget before the review gives up (default MAX_SLOW_FILES). */
  maxSlowFiles?: number;
  /** The module a thread loads; its default export handles an AnalysisTask (tests pass a wrapper). */
  worker?: URL;
  /** A thread's JS heap limit in MB (ANALYSIS_THREAD_MEMORY_MB): past it the thread is stopped, not the process. */
  memoryLimitMb?: number;
}

export interface PoolLogger {
  warn: (obj: object, msg: string) => void;
}

export interface AnalysisMetrics {
  /** A file skipped for the per-file budget (`file`), or a review stopped by the whole-review budget (`review`). */
  recordAnalysisTimeout(scope: 'file' | 'review'): void;
}

export interface PoolReviewOptions {
  /** Stops the analysis (and its thread) when it fires; the review rejects with the signal's reason. */
  signal?: AbortSignal;
  log?: PoolLogger;
  metrics?: AnalysisMetrics;
}

/** The pool stopped a review's analysis for a limit it would reach again: not retried, the check run says why. */
export class AnalysisStoppedError extends PermanentJobError {
  override name = 'AnalysisStoppedError';
}

/** The analysis of one review ran past its whole budget, or too many files ran past theirs. */
export class AnalysisTimeoutError extends AnalysisStoppedError {
  override name = 'AnalysisTimeoutError';
}

/** A thread ran out of memory while working across files (no one file to skip). */
export class AnalysisOutOfMemoryError extends AnalysisStoppedError {
  override name = 'AnalysisOutOfMemoryError';
}

/** The pool's settings from the environment: ANALYSIS_THREADS and ANALYSIS_TIMEOUT_MS. Throws on a malformed value. */
export function poolOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): AnalysisPoolOptions {
  const int = (name: string, min: number): number | undefined => {
    const raw = env[name]?.trim();
    if (!raw) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer of at least ${min}, not "${raw}"`);
    return n;
  };
  return { threads: int('ANALYSIS_THREADS', 0), reviewTimeoutMs: int('ANALYSIS_TIMEOUT_MS', 1000), memoryLimitMb: int('ANALYSIS_THREAD_MEMORY_MB', 64) };
}

/** Default thread count: one per CPU, at most 4 (the main thread needs little: it waits on GitHub). */
export function defaultThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), 4));
}

/**
 * Runs whole reviews in worker threads. The engine is cross-file (schema models, the route index) and a syntax tree
 * cannot cross threads, so one review runs in one thread; reviews run in parallel up to the pool size. The change
 * set goes over by structured clone, and its tree is read back from the main thread over a MessagePort.
 *
 * A watchdog here follows which file the review is on. When one file has used up
 * `limits.max_analysis_time_per_file`, the thread is terminated and the review runs again with that file skipped
 * ("analysis took longer than 10 s; skipped"), which the reports list with the other skipped files. After
 * `maxSlowFiles` such files, or past the whole-review budget, the review fails with AnalysisTimeoutError.
 */
export class AnalysisPool {
  readonly threads: number;
  readonly reviewTimeoutMs: number;
  readonly maxSlowFiles: number;
  readonly memoryLimitMb: number;
  readonly #worker: URL;
  #piscina: Piscina | undefined;

  constructor(options: AnalysisPoolOptions = {}) {
    this.threads = options.threads ?? defaultThreads();
    this.reviewTimeoutMs = options.reviewTimeoutMs ?? DEFAULT_REVIEW_TIMEOUT_MS;
    this.maxSlowFiles = options.maxSlowFiles ?? MAX_SLOW_FILES;
    this.memoryLimitMb = options.memoryLimitMb ?? DEFAULT_THREAD_MEMORY_MB;
    this.#worker = options.worker ?? ANALYSIS_WORKER;
  }

  /** Reviews the change set in a thread; the same result as `review()` from src/engine.ts, minus files over budget. */
  async review(changeSet: ChangeSet, config: Config, options: PoolReviewOptions = {}): Promise<ReviewResult> {
    if (this.threads === 0) return (await import('../engine.js')).review(changeSet, config);
    const budgetMs = parseDuration(config.limits.max_analysis_time_per_file);
    const clock = { leftMs: this.reviewTimeoutMs };
    const slow = new Map<string, string>();
    for (;;) {
      const files = slow.size === 0 ? changeSet.files : changeSet.files.map((f) => (slow.has(f.path) ? { ...f, content: undefined, skipped: slow.get(f.path) } : f));
      const outcome = await this.#attempt({ ...changeSet, files }, config, budgetMs, clock, slow, options);
      if ('result' in outcome) return outcome.result;
      const { path, outOfMemory } = outcome;
      if (outOfMemory) {
        slow.set(path, `analysis ran out of memory (the analysis thread's ${this.memoryLimitMb} MB); skipped`);
        options.log?.warn({ path, memory_limit_mb: this.memoryLimitMb, skipped_so_far: slow.size }, `${path}: analysis ran out of memory; reviewing again without it`);
      } else {
        slow.set(path, `analysis took longer than ${formatSeconds(budgetMs)}; skipped`);
        options.metrics?.recordAnalysisTimeout('file');
        options.log?.warn({ path, budget_ms: budgetMs, skipped_so_far: slow.size }, `${path}: analysis ran past its time budget of ${formatSeconds(budgetMs)}; reviewing again without it`);
      }
      if (slow.size >= this.maxSlowFiles) {
        options.metrics?.recordAnalysisTimeout('review');
        const timeOnly = [...slow.values()].every((why) => why.startsWith('analysis took longer'));
        throw new AnalysisTimeoutError(
          timeOnly
            ? `analysis stopped: ${slow.size} files each took longer than ${formatSeconds(budgetMs)} (${[...slow.keys()].join(', ')})`
            : `analysis stopped: ${slow.size} files could not be analysed (${[...slow].map(([path, why]) => `${path}: ${why.replace(/; skipped$/, '')}`).join('; ')})`,
        );
      }
    }
  }

  /** Stops every thread; a review running then rejects. */
  async destroy(): Promise<void> {
    const piscina = this.#piscina;
    this.#piscina = undefined;
    await piscina?.destroy();
  }

  #pool(): Piscina {
    if (!this.#piscina) {
      this.#piscina = new Piscina({
        filename: this.#worker.href,
        minThreads: 1,
        maxThreads: this.threads,
        idleTimeout: IDLE_TIMEOUT_MS,
        execArgv: execArgvFor(this.#worker),
        resourceLimits: { maxOldGenerationSizeMb: this.memoryLimitMb },
      });
      // An error in a thread between tasks (a task's own errors reject its run()); unheard, it would crash the process.
      this.#piscina.on('error', (err: Error) => process.emitWarning(`analysis thread failed between reviews: ${err?.message ?? err}`));
    }
    return this.#piscina;
  }

  /** One run in one thread; `{ path }` when that file used up its time budget, or the thread's memory, and the thread was stopped. */
  async #attempt(
    changeSet: ChangeSet,
    config: Config,
    budgetMs: number,
    /** What is left of the whole-review budget: it counts from the moment a thread starts the task, not the wait for one. */
    clock: { leftMs: number },
    slow: Map<string, string>,
    options: PoolReviewOptions,
  ): Promise<{ result: ReviewResult } | { path: string; outOfMemory?: boolean }> {
    const { signal } = options;
    signal?.throwIfAborted();
    const stop = new AbortController();
    const onAbort = () => stop.abort(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });

    // The watchdog: time spent per file, summed over the review's passes (parse, rules, checklist).
    const spent = new Map<string, number>();
    let current: string | undefined;
    let since = 0;
    let fileTimer: NodeJS.Timeout | undefined;
    let overrun: string | undefined;
    let timedOut = false;
    const onFile = (path: string | undefined) => {
      const now = performance.now();
      if (current !== undefined) spent.set(current, (spent.get(current) ?? 0) + now - since);
      clearTimeout(fileTimer);
      current = path;
      since = now;
      if (path === undefined) return;
      fileTimer = setTimeout(() => {
        overrun = path;
        stop.abort();
      }, Math.max(0, budgetMs - (spent.get(path) ?? 0)));
    };
    let reviewTimer: NodeJS.Timeout | undefined;
    let started: number | undefined;
    const onStart = () => {
      started = performance.now();
      reviewTimer = setTimeout(() => {
        timedOut = true;
        stop.abort();
      }, Math.max(0, clock.leftMs));
    };

    const { port1, port2 } = new MessageChannel();
    const tree = changeSet.tree;
    /** Errors the tree threw, by message: the thread only sees the message, the caller gets the original (its HTTP status). */
    const treeErrors = new Map<string, unknown>();
    port1.on('message', (message: ThreadMessage) => {
      if (message.type === 'start') onStart();
      else if (message.type === 'file') onFile(message.path);
      else if (message.type === 'tree' && tree) void serveTree(tree, message, slow, treeErrors).then((reply) => port1.postMessage(reply));
    });

    const { tree: _tree, ...cloneable } = changeSet;
    const task: AnalysisTask = { changeSet: cloneable, hasTree: tree !== undefined, config, port: port2 };
    try {
      const result = (await this.#pool().run(task, { transferList: [port2], signal: stop.signal })) as ReviewResult;
      return { result };
    } catch (err) {
      if (overrun !== undefined) return { path: overrun };
      if (signal?.aborted) throw signal.reason;
      if ((err as { code?: string })?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        // Node stopped the thread, not the process. Messages it sent before are still arriving: let them.
        await new Promise((resolve) => setImmediate(resolve));
        if (current !== undefined) return { path: current, outOfMemory: true };
        throw new AnalysisOutOfMemoryError(`analysis ran out of memory (the analysis thread's ${this.memoryLimitMb} MB) while working across files; stopped`);
      }
      if (timedOut) {
        options.metrics?.recordAnalysisTimeout('review');
        throw new AnalysisTimeoutError(`analysis took longer than ${formatSeconds(this.reviewTimeoutMs)} in total; stopped`);
      }
      throw treeErrors.get((err as Error)?.message) ?? err;
    } finally {
      clearTimeout(fileTimer);
      clearTimeout(reviewTimer);
      if (started !== undefined) clock.leftMs -= performance.now() - started;
      signal?.removeEventListener('abort', onAbort);
      port1.close();
    }
  }
}

async function serveTree(
  tree: RepoTree,
  message: ThreadMessage & { type: 'tree' },
  slow: Map<string, string>,
  errors: Map<string, unknown>,
): Promise<TreeReply> {
  try {
    if (message.op === 'paths') return { id: message.id, value: await tree.paths() };
    // A file skipped for its time budget is not handed to cross-file rules either.
    return { id: message.id, value: slow.has(message.path) ? undefined : await tree.read(message.path) };
  } catch (err) {
    const text = (err as Error)?.message ?? String(err);
    errors.set(text, err);
    return { id: message.id, error: text };
  }
}

/**
 * Node options for the threads. From source (tsx, vitest) a thread needs tsx to load `.ts`; vitest's own
 * transform does not reach worker threads.
 */
function execArgvFor(worker: URL): string[] | undefined {
  if (!worker.pathname.endsWith('.ts')) return undefined;
  if (process.execArgv.some((a) => a.includes('tsx'))) return undefined;
  const loader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return [...process.execArgv, '--import', loader];
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

let shared: AnalysisPool | undefined;

/** The process's pool, created on first use from the environment (ANALYSIS_THREADS, ANALYSIS_TIMEOUT_MS). */
export function sharedAnalysisPool(): AnalysisPool {
  return (shared ??= new AnalysisPool(poolOptionsFromEnv()));
}

/** Stops the shared pool's threads (a worker process shutting down, a test file ending). */
export async function closeSharedAnalysisPool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.destroy();
}
