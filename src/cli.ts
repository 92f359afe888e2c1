#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { CONFIG_PATH, ConfigError, defaultConfig, parseByteSize } from './config/defaults.js';
import type { Config } from './config/schema.js';
import type { ChangeSet, ReviewResult } from './model.js';
import type * as Pool from './pool/pool.js';
import { gitChangeSet, scanPaths, SourceError } from './sources/local.js';
import { preferBaselineWasm } from './analyzers/sql/wasm-tiering.js';
import type * as Trace from './trace.js';

/** Set once `--isolate` or CI mode loaded the analysis pool (its errors, its threads); other runs never load it. */
let poolModule: typeof Pool | undefined;

const FORMATS = ['text', 'markdown', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) return JSON.parse(readFileSync(candidate, 'utf8')).version ?? '0.0.0';
    dir = dirname(dir);
  }
  return '0.0.0';
}

function repoRoot(cwd: string): string | undefined {
  const res = spawnSync('git', ['rev-parse', '--show-toplevel'], { cwd, encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : undefined;
}

/** The config file: --config, else .github/backend-review.yml at the repo root (or cwd outside a repo). */
async function resolveConfig(cwd: string, explicit: string | undefined, failOn: string | undefined): Promise<Config> {
  // The YAML parser and zod are loaded only when there is a config file to read.
  const loadConfigFile = async (path: string) => (await import('./config/load.js')).loadConfigFile(path);
  let config: Config;
  if (explicit) config = await loadConfigFile(resolve(cwd, explicit));
  else {
    const path = join(repoRoot(cwd) ?? cwd, CONFIG_PATH);
    config = existsSync(path) ? await loadConfigFile(path) : defaultConfig();
  }
  if (failOn) config = { ...config, fail_on: failOn as Config['fail_on'] };
  return config;
}

/** Only the reporter asked for is loaded (SARIF reads the whole rule registry). */
async function render(result: ReviewResult, format: Format, color: boolean): Promise<string> {
  switch (format) {
    case 'json':
      return (await import('./reporters/json.js')).toJson(result) + '\n';
    case 'sarif':
      return (await import('./reporters/sarif.js')).toSarif(result, { version: packageVersion() }) + '\n';
    case 'markdown':
      return (await import('./reporters/markdown.js')).toMarkdown(result) + '\n';
    default:
      return (await import('./reporters/text.js')).toText(result, { color });
  }
}

interface CommonOptions {
  format: Format;
  config?: string;
  failOn?: string;
  color?: boolean;
  isolate?: boolean;
}

export interface CliIO {
  cwd: string;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
}

/** Runs the CLI and returns the exit status; never calls process.exit, so piped output is never cut short. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  let status: number = EXIT.ok;
  // The engine and its rules load only for `scan` and `review`, the trace module only for `trace`.
  let traceModule: typeof Trace | undefined;
  const run = async (makeChangeSet: (config: Config) => Promise<ChangeSet>, opts: CommonOptions) => {
    const config = await resolveConfig(io.cwd, opts.config, opts.failOn);
    const changeSet = await makeChangeSet(config);
    const result = opts.isolate ? await reviewInThread(changeSet, config, io) : await (await import('./engine.js')).review(changeSet, config);
    io.stdout(await render(result, opts.format, opts.color ?? io.isTTY));
    status = result.failed ? EXIT.failed : EXIT.ok;
  };

  const program = new Command()
    .name('backend-review')
    .description('Reviews SQL migrations, API handlers and config against senior backend guidance.')
    .version(packageVersion())
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showSuggestionAfterError();

  const common = (cmd: Command) =>
    cmd
      .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('text'))
      .option('-c, --config <file>', `config file (default: ${CONFIG_PATH} at the repository root)`)
      .addOption(new Option('--fail-on <level>', 'override fail_on from the config').choices(['error', 'warning', 'never']))
      .option('--no-color', 'plain text output')
      .option('--isolate', 'analyse in a worker thread: a file whose analysis runs past limits.max_analysis_time_per_file is skipped with a note instead of hanging (costs about half a second to start)');

  common(program.command('scan').argument('[paths...]', 'files or folders (default: the current folder)'))
    .description('analyse whole files: every line counts as changed')
    .action(async (paths: string[], opts: CommonOptions) => {
      await run((config) => scanPaths(paths, io.cwd, parseByteSize(config.limits.max_file_size)), opts);
    });

  common(program.command('review'))
    .description('analyse what changed between the merge base of --base and --head (default: the working tree)')
    .option('--base <ref>', 'branch or commit to compare against (default: origin/HEAD, main or master)')
    .option('--head <ref>', 'commit to review (default: the working tree, including untracked files)')
    .option('--github', 'CI mode: review the pull request of this CI job (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_EVENT_PATH) and post the check run, review and summary')
    .option('--sarif <file>', 'with --github: also write the findings as SARIF (on a read-only token, e.g. fork PRs, they go only to the log and this file)')
    .action(async (opts: CommonOptions & { base?: string; head?: string; github?: boolean; sarif?: string }) => {
      if (opts.github) {
        poolModule = await import('./pool/pool.js');
        const { runCiMode } = await import('./github/ci-mode.js');
        status = await runCiMode({ env: process.env, cwd: io.cwd, stdout: io.stdout, stderr: io.stderr, sarif: opts.sarif, config: opts.config, failOn: opts.failOn as Config['fail_on'] | undefined, color: opts.color ?? io.isTTY, version: packageVersion() });
        return;
      }
      await run(
        (config) => gitChangeSet({ cwd: io.cwd, base: opts.base, head: opts.head, maxBytes: parseByteSize(config.limits.max_file_size) }),
        opts,
      );
    });

  program
    .command('trace')
    .argument('<files...>', 'migration files (SQL or JS/TS)')
    .description('run migrations in an in-process Postgres (PGlite) and print the locks each statement really takes')
    .option('-c, --config <file>', `config file (default: ${CONFIG_PATH} at the repository root)`)
    .option('--json', 'print the trace as JSON')
    .action(async (files: string[], opts: { config?: string; json?: boolean }) => {
      const config = await resolveConfig(io.cwd, opts.config, undefined);
      traceModule = await import('./trace.js');
      const results = await traceModule.trace(files, io.cwd, config, (msg) => io.stderr(`${msg}\n`));
      io.stdout(opts.json ? JSON.stringify(results, null, 2) + '\n' : traceModule.formatTrace(results));
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return status;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof ConfigError || err instanceof SourceError || (traceModule && err instanceof traceModule.TraceError) || (poolModule && err instanceof poolModule.AnalysisStoppedError)) {
      io.stderr(`backend-review: ${err.message}\n`);
      return EXIT.usage;
    }
    io.stderr(`backend-review: unexpected error: ${(err as Error).stack ?? err}\n`);
    return EXIT.usage;
  }
}

/** `--isolate`: one review in one worker thread, under the per-file and whole-review time budgets. */
async function reviewInThread(changeSet: ChangeSet, config: Config, io: CliIO): Promise<ReviewResult> {
  poolModule = await import('./pool/pool.js');
  const pool = new poolModule.AnalysisPool({ ...poolModule.poolOptionsFromEnv(), threads: 1 });
  try {
    return await pool.review(changeSet, config, { log: { warn: (_fields, msg) => io.stderr(`backend-review: ${msg}\n`) } });
  } finally {
    await pool.destroy();
  }
}

function invokedDirectly(): boolean {
  try {
    return Boolean(process.argv[1]) && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  preferBaselineWasm();
  runCli(process.argv.slice(2), {
    cwd: process.cwd(),
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    isTTY: Boolean(process.stdout.isTTY),
  }).then(async (code) => {
    process.exitCode = code;
    // CI mode's threads; idle threads would not hold the process open, but stop them rather than leave it to exit.
    await poolModule?.closeSharedAnalysisPool();
  });
}
