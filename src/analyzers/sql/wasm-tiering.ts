import v8 from 'node:v8';

/**
 * V8 compiles WASM with a baseline compiler and recompiles the functions that run often
 * with its optimising compiler on background threads. For the Postgres parser that
 * recompilation costs more CPU (about 0.3 s, mostly on another core) than it saves in a
 * one-shot run: the main thread's time is about the same either way. So the CLI, which
 * runs once and exits, keeps the parser on the baseline code unless it was started with
 * WASM tiering flags of its own. Long-running processes (the app, `npm run worker`) do not
 * call this: once warm, the optimised parser is about 20 % faster. V8 flags are
 * process-wide, so this must run before the parser is first loaded.
 */
export function preferBaselineWasm(): void {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  if (!/liftoff|wasm-tier|wasm-dynamic-tiering/.test(given)) v8.setFlagsFromString('--liftoff-only');
}
