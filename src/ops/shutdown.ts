/**
 * Graceful stop on SIGTERM/SIGINT, shared by the app (`probot run`) and `npm run worker`. See docs/operations.md,
 * "Stopping and restarting".
 */

/** Below Kubernetes' default 30 s termination grace period, so the process exits before it is killed. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 25_000;
/** The most kept at the end of the timeout for concluding the reviews that could not finish. */
const MAX_RESERVE_MS = 5_000;

/** SHUTDOWN_TIMEOUT_MS: how long a stopping process may take, in all. An invalid value throws (fail at start-up). */
export function shutdownTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SHUTDOWN_TIMEOUT_MS;
  if (raw === undefined || raw.trim() === '') return DEFAULT_SHUTDOWN_TIMEOUT_MS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1000) throw new Error(`SHUTDOWN_TIMEOUT_MS must be an integer >= 1000, got ${JSON.stringify(raw)}`);
  return n;
}

/**
 * How a stop spends its time: `drainMs` letting queued and running reviews finish, then `reserveMs` (a fifth of the
 * timeout, at most 5 s) to abort what is left and conclude its check runs, then the process exits.
 */
export function shutdownPlan(timeoutMs: number): { drainMs: number; reserveMs: number } {
  const reserveMs = Math.min(MAX_RESERVE_MS, Math.floor(timeoutMs / 5));
  return { drainMs: timeoutMs - reserveMs, reserveMs };
}

/** Resolves `value` after `ms` (unref'd: it never keeps the process alive by itself). */
export function after<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
}

export interface SignalOptions {
  /** Default SIGTERM and SIGINT. */
  signals?: NodeJS.Signals[];
  /** Exits with 1 if `stop` has not settled after this long (the timeout plus a margin). */
  hardLimitMs: number;
  /** For tests: default process.exit. */
  exit?: (code: number) => void;
  onError?: (err: unknown) => void;
}

/**
 * Runs `stop` on the first SIGTERM or SIGINT and exits with the code it returns (1 if it throws). A second signal,
 * or `stop` running past `hardLimitMs`, exits with 1 at once. Returns a function that removes the handlers.
 */
export function exitOnSignals(stop: (signal: NodeJS.Signals) => Promise<number>, options: SignalOptions): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      exit(1);
      return;
    }
    stopping = true;
    setTimeout(() => exit(1), options.hardLimitMs).unref();
    stop(signal).then(exit, (err: unknown) => {
      options.onError?.(err);
      exit(1);
    });
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
