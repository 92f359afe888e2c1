/**
 * `npm run bench`: measures backend-review against its anchors and writes docs/benchmarks.md.
 *
 *   1. Migration linting against squawk, both as whole processes on the same generated files:
 *      ~700 migration files and one file of ~50,000 statements; cold start on one small file.
 *   2. Code analysis of 1,000 generated TypeScript handler files.
 *   3./4. End-to-end reviews through the GitHub App and the local GitHub emulator (see e2e below).
 *
 * Options: --runs N (default 5, the fewest a published median may use), --only sql,code,e2e,
 * --out FILE (default docs/benchmarks.md), --no-profile, --keep (keep the generated corpora).
 * Expects a build (`npm run bench` builds first): it times `node dist/src/cli.js`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateCodeCorpus } from './corpus/code.js';
import { CATEGORIES, MAIN_MIX, generateLargeMigration, generateMigrationCorpus, type Category } from './corpus/sql.js';
import { profileMarkdown, summariseProfile, type CpuProfile, type ProfileSummary } from './bench-profile.js';
import { runE2E, type E2EResult } from './bench-e2e.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist/src/cli.js');
const TIME = ['/usr/bin/time', '/bin/time'].find((p) => existsSync(p) && spawnSync(p, ['-f', '%M', 'true']).status === 0);

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  runs: number;
  only: Set<string>;
  out: string;
  profile: boolean;
  keep: boolean;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { runs: 5, only: new Set(['sql', 'code', 'e2e']), out: join(ROOT, 'docs/benchmarks.md'), profile: true, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--runs') opts.runs = Math.max(1, Number(value()));
    else if (flag === '--only') opts.only = new Set(value().split(','));
    else if (flag === '--out') opts.out = resolve(value());
    else if (flag === '--no-profile') opts.profile = false;
    else if (flag === '--keep') opts.keep = true;
    else throw new Error(`unknown option ${argv[i]}`);
  }
  return opts;
}

// ---------------------------------------------------------------------------------------------
// Running a process and measuring it

interface Run {
  wallMs: number;
  /** Peak resident set size in KiB (GNU time's %M, else polled VmHWM). */
  maxRssKb?: number;
  cpuS?: number;
  status: number | null;
}

interface Measured {
  label: string;
  command: string;
  runs: Run[];
  medianMs: number;
  minMs: number;
  maxMs: number;
  peakRssKb?: number;
  medianCpuS?: number;
  /** Median of the job's probe over the timed runs. */
  medianProbe?: number;
  stdout: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function runOnce(cmd: string, args: string[], cwd: string, scratch: string, env?: NodeJS.ProcessEnv): Promise<Run & { stdoutPath: string; stderr: string }> {
  const stdoutPath = join(scratch, 'stdout');
  const stderrPath = join(scratch, 'stderr');
  const timePath = join(scratch, 'time');
  rmSync(timePath, { force: true });
  const out = openSync(stdoutPath, 'w');
  const err = openSync(stderrPath, 'w');
  const argv = TIME ? [TIME, '-f', '%M %U %S', '-o', timePath, cmd, ...args] : [cmd, ...args];
  const started = performance.now();
  const child = spawn(argv[0], argv.slice(1), { cwd, stdio: ['ignore', out, err], env: env ?? process.env });
  let polledKb = 0;
  const poll = TIME
    ? undefined
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) polledKb = Math.max(polledKb, Number(m[1]));
        } catch {
          /* exited */
        }
      }, 5);
  const status = await new Promise<number | null>((res, rej) => {
    child.on('error', rej);
    child.on('exit', (code) => res(code));
  });
  const wallMs = performance.now() - started;
  if (poll) clearInterval(poll);
  closeSync(out);
  closeSync(err);
  let maxRssKb: number | undefined = polledKb || undefined;
  let cpuS: number | undefined;
  if (TIME && existsSync(timePath)) {
    const last = readFileSync(timePath, 'utf8').trim().split('\n').pop() ?? '';
    const [rss, user, sys] = last.split(' ').map(Number);
    maxRssKb = rss;
    cpuS = user + sys;
  }
  return { wallMs, maxRssKb, cpuS, status, stdoutPath, stderr: readFileSync(stderrPath, 'utf8') };
}

interface Job {
  label: string;
  cmd: string;
  args: string[];
  cwd: string;
  /** Shown in the doc instead of the full argument list. */
  display: string;
  okStatus: number[];
  /** Reads a figure from each timed run's output (our JSON's stats.durationMs). */
  probe?: (stdout: string) => number;
}

/** Runs jobs interleaved (a, b, a, b …) after one warm-up each, so drift hits both alike. */
async function measure(jobs: Job[], runs: number, scratch: string): Promise<Measured[]> {
  const results = jobs.map((j) => ({ job: j, runs: [] as Run[], stdout: '', probes: [] as number[] }));
  for (let i = -1; i < runs; i++) {
    for (const r of results) {
      const { job } = r;
      const run = await runOnce(job.cmd, job.args, job.cwd, scratch);
      if (!job.okStatus.includes(run.status ?? -1)) {
        throw new Error(`${job.label}: exit status ${run.status}\n${job.display}\n${run.stderr.slice(0, 2000)}`);
      }
      if (i === -1) {
        r.stdout = readFileSync(run.stdoutPath, 'utf8');
        continue; // warm-up: caches, page cache, JIT of the disk
      }
      r.runs.push(run);
      if (job.probe) r.probes.push(job.probe(readFileSync(run.stdoutPath, 'utf8')));
    }
  }
  return results.map(({ job, runs: rs, stdout, probes }) => {
    const walls = rs.map((r) => r.wallMs);
    const rss = rs.map((r) => r.maxRssKb).filter((x): x is number => x !== undefined);
    const cpu = rs.map((r) => r.cpuS).filter((x): x is number => x !== undefined);
    return {
      label: job.label,
      command: job.display,
      runs: rs,
      medianMs: median(walls),
      minMs: Math.min(...walls),
      maxMs: Math.max(...walls),
      peakRssKb: rss.length ? Math.max(...rss) : undefined,
      medianCpuS: cpu.length ? median(cpu) : undefined,
      medianProbe: probes.length ? median(probes) : undefined,
      stdout,
    };
  });
}

/** Checks our JSON output really analysed what we meant it to (not skipped as too large, say). */
const engineMs = (stdout: string) => (JSON.parse(stdout) as { stats: { durationMs: number } }).stats.durationMs;

function ourOutput(m: Measured, expectFiles: number): { findings: number; meta: number; engineMs: number } {
  const json = JSON.parse(m.stdout) as {
    findings: { ruleId: string }[];
    skipped: { path: string; reason: string }[];
    stats: { filesAnalyzed: number; durationMs: number };
  };
  if (json.skipped.length > 0) throw new Error(`${m.label}: backend-review skipped ${json.skipped.length} files: ${json.skipped[0].reason}`);
  if (json.stats.filesAnalyzed !== expectFiles) throw new Error(`${m.label}: analysed ${json.stats.filesAnalyzed} files, expected ${expectFiles}`);
  const meta = json.findings.filter((f) => f.ruleId.startsWith('meta/')).length;
  return { findings: json.findings.length - meta, meta, engineMs: m.medianProbe ?? json.stats.durationMs };
}

function squawkOutput(m: Measured): number {
  const json = JSON.parse(m.stdout || '[]') as unknown[];
  if (!Array.isArray(json)) throw new Error(`${m.label}: squawk output is not a JSON array`);
  return json.length;
}

async function cpuProfile(args: string[], cwd: string, dir: string, intervalUs?: number): Promise<ProfileSummary> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const flags = ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...(intervalUs ? [`--cpu-prof-interval=${intervalUs}`] : [])];
  const res = spawnSync(process.execPath, [...flags, CLI, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  if (res.status !== 0 && res.status !== 1) throw new Error(`profile run failed (${res.status}): ${res.stderr}`);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('node --cpu-prof wrote no profile');
  return summariseProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile, 25);
}

// ---------------------------------------------------------------------------------------------
// Formatting

const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`);
const mb = (kb?: number) => (kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(0)} MB`);
const num = (x: number) => Math.round(x).toLocaleString('en-US');
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

interface TargetRow {
  measure: string;
  target: string;
  result: string;
  met: boolean | undefined;
  /** How far off, when missed. */
  by?: string;
}

function statusCell(t: TargetRow): string {
  if (t.met === undefined) return 'not measured';
  return t.met ? 'met' : `**missed**${t.by ? ` (${t.by})` : ''}`;
}

function squawkBinary(): { path: string; version: string } {
  const require = createRequire(join(ROOT, 'package.json'));
  let path: string;
  try {
    path = (require('squawk-cli/js/index.js') as { getBinaryPath(): string }).getBinaryPath();
  } catch {
    path = join(ROOT, 'node_modules/.bin/squawk'); // the Node wrapper; slower to start
  }
  const version = spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.trim();
  return { path, version };
}

function machine() {
  const cpus = os.cpus();
  const git = (args: string[]) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  const dirty = git(['status', '--porcelain', '--untracked-files=no']).length > 0;
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    nproc: os.availableParallelism?.() ?? cpus.length,
    memGb: os.totalmem() / 1024 ** 3,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    commit: `${git(['rev-parse', '--short', 'HEAD'])}${dirty ? ' (with uncommitted changes)' : ''}`,
    version: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string,
  };
}

async function ruleCounts(): Promise<{ total: number; sql: number; code: number; text: number; change: number }> {
  const mod = (await import(pathToFileURL(join(ROOT, 'dist/checks/index.js')).href)) as { RULES: { sql?: unknown; migration?: unknown; code?: unknown; text?: unknown; change?: unknown }[] };
  const r = mod.RULES;
  return {
    total: r.length,
    sql: r.filter((x) => x.sql || x.migration).length,
    code: r.filter((x) => x.code).length,
    text: r.filter((x) => x.text).length,
    change: r.filter((x) => x.change).length,
  };
}

function writeFiles(root: string, files: { path: string; content: string }[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    const abs = join(root, f.path);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, f.content);
    out.push(f.path);
  }
  return out;
}

function mixTable(counts: Record<Category, number>, total: number): string {
  const names: Record<Category, string> = {
    'alter-table': 'ALTER TABLE',
    'create-index': 'CREATE INDEX',
    insert: 'INSERT',
    'create-table': 'CREATE TABLE',
    update: 'UPDATE',
    comment: 'COMMENT ON',
    grant: 'GRANT / REVOKE',
    function: 'CREATE FUNCTION',
    view: 'CREATE [MATERIALIZED] VIEW',
    trigger: 'CREATE TRIGGER',
    enum: 'CREATE TYPE … AS ENUM / ALTER TYPE … ADD VALUE',
    do: 'DO blocks',
    set: 'SET',
    transaction: 'BEGIN / COMMIT',
  };
  const rows = CATEGORIES.map((c) => `| ${names[c]} | ${num(counts[c])} | ${pct(counts[c] / total)} | ${MAIN_MIX[c] ? `≈ ${(MAIN_MIX[c]! * 100).toFixed(0)} %` : 'rest'} |`);
  return ['| Statement | Count | Share | Target share |', '|---|---:|---:|---:|', ...rows].join('\n');
}

// ---------------------------------------------------------------------------------------------

/**
 * What no Node process can go below, from the rows measured in this run: Node's start, plus loading the Postgres
 * parser, plus loading the engine and its rules, each alone. Said beside squawk's time on the many-files corpus,
 * where the gap is mostly start-up rather than analysis.
 */
function floorNote(parts: Measured[], squawkMany: Measured, files: number): string {
  const pick = (label: string) => parts.find((p) => p.label === label);
  const node = pick('node');
  const parser = pick('libpg-query');
  const engine = pick('engine');
  if (!node || !parser || !engine) return '';
  const floor = parser.medianMs + engine.medianMs - node.medianMs;
  return `- **A floor for Node:** starting Node and loading the Postgres parser, and starting Node and loading the engine with its rules, take ${ms(parser.medianMs)} and ${ms(engine.medianMs)} (rows below); together, counting Node's own start (${ms(node.medianMs)}) once, about ${ms(floor)} before the first statement is read. squawk lints all ${files} files in ${ms(squawkMany.medianMs)}${floor >= squawkMany.medianMs ? ', less than that floor, so the 1.0× target on this corpus is out of reach for a Node process however fast its analysis is' : ''}.`;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(CLI)) throw new Error(`${relative(ROOT, CLI)} is missing: run \`npm run build\` first (npm run bench does).`);
  const started = new Date();
  const t0 = performance.now();
  const log = (s: string) => process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)}s] ${s}\n`);
  const work = mkdtempSync(join(os.tmpdir(), 'backend-review-bench-'));
  const scratch = join(work, 'scratch');
  mkdirSync(scratch);
  const loadBefore = os.loadavg();
  const squawk = squawkBinary();
  const rules = await ruleCounts();
  const targets: TargetRow[] = [];
  const sections: string[] = [];
  const profiles: string[] = [];
  // Our config for the timed runs: the default, with the file-size limit raised so the
  // 50,000-statement file (several MB) is analysed rather than skipped as too large.
  const config = join(work, 'bench-config.yml');
  writeFileSync(config, 'limits:\n  max_file_size: 64MB\n');
  const ours = (args: string[]) => [CLI, 'scan', ...args, '--format', 'json', '--config', config];
  log(`work dir ${work}; ${opts.runs} timed runs per case; squawk ${squawk.version} at ${squawk.path}`);

  try {
    // ------------------------------------------------------------------ 1. migrations vs squawk
    if (opts.only.has('sql')) {
      const many = generateMigrationCorpus({ files: 700, seed: 7 });
      const manyDir = join(work, 'migrations-700');
      const manyPaths = writeFiles(manyDir, many.files);
      const large = generateLargeMigration({ statements: 50_000, seed: 8 });
      const largeDir = join(work, 'migrations-large');
      const largePath = 'db/migrations/0001_squashed_schema.sql';
      writeFiles(largeDir, [{ path: largePath, content: large.content }]);
      const hand = many.files.filter((f) => f.style === 'hand').length;
      log(`corpus: ${many.files.length} files / ${many.statements} statements; one file of ${large.statements} statements (${(large.content.length / 1e6).toFixed(1)} MB)`);

      const pair = (name: string, cwd: string, paths: string[], display: string) => [
        { label: `backend-review ${name}`, cmd: process.execPath, args: ours(paths), cwd, display: `node dist/src/cli.js scan ${display} --format json --config bench-config.yml`, okStatus: [0, 1], probe: engineMs },
        { label: `squawk ${name}`, cmd: squawk.path, args: ['--reporter', 'json', ...paths], cwd, display: `squawk --reporter json ${display}`, okStatus: [0, 1] },
      ];
      log('timing the 50,000-statement file');
      const [usLarge, sqLarge] = await measure(pair('large', largeDir, [largePath], largePath), opts.runs, scratch);
      log(`  backend-review ${ms(usLarge.medianMs)}, squawk ${ms(sqLarge.medianMs)}`);
      log('timing the 700-file corpus');
      const [usMany, sqMany] = await measure(pair('700 files', manyDir, manyPaths, '<the 700 files>'), opts.runs, scratch);
      log(`  backend-review ${ms(usMany.medianMs)}, squawk ${ms(sqMany.medianMs)}`);

      // Cold start: one small, typical Prisma migration; default config, as a user would run it.
      const small = many.files.find((f) => f.style === 'prisma' && f.statements >= 2 && f.statements <= 4) ?? many.files[0];
      const coldRuns = Math.max(opts.runs, 7);
      log('timing cold start');
      // Where a cold start goes: Node itself, loading our modules, and the two parsers alone.
      const resolvable = (pkg: string) => {
        try {
          createRequire(join(ROOT, 'package.json')).resolve(pkg);
          return true;
        } catch {
          return false;
        }
      };
      const parts: Job[] = [
        { label: 'node', cmd: process.execPath, args: ['-e', '0'], cwd: manyDir, display: '`node -e 0` (Node\'s own start)', okStatus: [0] },
        { label: 'cli --version', cmd: process.execPath, args: [CLI, '--version'], cwd: manyDir, display: '`node dist/src/cli.js --version` (the CLI module and commander; rules and reporters load per command)', okStatus: [0] },
        { label: 'engine', cmd: process.execPath, args: ['--input-type=module', '-e', "await import('./dist/src/engine.js')"], cwd: ROOT, display: "`import('dist/src/engine.js')` alone (the engine and every rule module)", okStatus: [0] },
        ...(resolvable('ts-morph')
          ? [{ label: 'typescript', cmd: process.execPath, args: ['--input-type=module', '-e', "(await import('./dist/src/analyzers/code/ts.js')).loadTypeScript()"], cwd: ROOT, display: '`loadTypeScript()` alone (the TypeScript compiler, loaded only for JS/TS files)', okStatus: [0] }]
          : []),
        ...(resolvable('libpg-query')
          ? [{ label: 'libpg-query', cmd: process.execPath, args: ['--input-type=module', '-e', "await (await import('libpg-query')).loadModule()"], cwd: ROOT, display: "`import('libpg-query')` and `loadModule()` alone (the Postgres parser)", okStatus: [0] }]
          : []),
      ];
      const [usCold, sqCold, ...partsMeasured] = await measure(
        [
          { label: 'backend-review cold', cmd: process.execPath, args: [CLI, 'scan', small.path, '--format', 'json'], cwd: manyDir, display: `node dist/src/cli.js scan ${small.path} --format json`, okStatus: [0, 1] },
          { label: 'squawk cold', cmd: squawk.path, args: ['--reporter', 'json', small.path], cwd: manyDir, display: `squawk --reporter json ${small.path}`, okStatus: [0, 1] },
          ...parts,
        ],
        coldRuns,
        scratch,
      );
      const [nodeBare, cliVersion] = partsMeasured;
      log(`  backend-review ${ms(usCold.medianMs)}, squawk ${ms(sqCold.medianMs)}, node ${ms(nodeBare.medianMs)}, --version ${ms(cliVersion.medianMs)}`);

      const outLarge = ourOutput(usLarge, 1);
      const outMany = ourOutput(usMany, many.files.length);
      const ratioLarge = usLarge.medianMs / sqLarge.medianMs;
      const ratioMany = usMany.medianMs / sqMany.medianMs;
      const by = (us: Measured, sq: Measured) => `${ms(us.medianMs - sq.medianMs)} slower, +${((us.medianMs / sq.medianMs - 1) * 100).toFixed(0)} %`;
      targets.push(
        { measure: 'scan vs squawk, one 50,000-statement file', target: '≤ 1.0× squawk', result: `${ratioLarge.toFixed(2)}× (${ms(usLarge.medianMs)} vs ${ms(sqLarge.medianMs)})`, met: ratioLarge <= 1, by: ratioLarge > 1 ? by(usLarge, sqLarge) : undefined },
        { measure: 'scan vs squawk, 700 migration files', target: '≤ 1.0× squawk', result: `${ratioMany.toFixed(2)}× (${ms(usMany.medianMs)} vs ${ms(sqMany.medianMs)})`, met: ratioMany <= 1, by: ratioMany > 1 ? by(usMany, sqMany) : undefined },
        { measure: 'cold start, one small migration', target: '< 300 ms', result: ms(usCold.medianMs), met: usCold.medianMs < 300, by: usCold.medianMs >= 300 ? `${ms(usCold.medianMs - 300)} over` : undefined },
      );

      const row = (corpus: string, m: Measured, statements: number, findings: string) =>
        `| ${corpus} | ${m.label.split(' ')[0]} | **${ms(m.medianMs)}** | ${ms(m.minMs)} – ${ms(m.maxMs)} | ${num(statements / (m.medianMs / 1000))} | ${mb(m.peakRssKb)} | ${m.medianCpuS === undefined ? 'n/a' : `${m.medianCpuS.toFixed(2)} s`} | ${findings} |`;
      sections.push(`## 1. Migration linting against squawk

Both tools run as whole processes on the same generated files, output as JSON to a file,
${opts.runs} timed runs each after one warm-up, the two tools interleaved. squawk is its native binary from
\`squawk-cli\` ${squawk.version.replace(/^squawk /, '')}, called directly (not through the package's Node wrapper, which would add
a Node start to its time). Both exit 1 when they find problems; that is expected. The rule sets differ
(squawk reports many more findings, e.g. a missing \`lock_timeout\` on every statement), so the
findings columns are context, not a score.

| Corpus | Tool | Median wall | Min – max | Statements/s | Peak RSS | CPU (user+sys, median) | Findings |
|---|---|---:|---:|---:|---:|---:|---:|
${row(`one file, ${num(large.statements)} statements`, usLarge, large.statements, `${num(outLarge.findings)}${outLarge.meta ? ` (+${outLarge.meta} meta)` : ''}`)}
${row(`one file, ${num(large.statements)} statements`, sqLarge, large.statements, num(squawkOutput(sqLarge)))}
${row(`${many.files.length} files, ${num(many.statements)} statements`, usMany, many.statements, `${num(outMany.findings)}${outMany.meta ? ` (+${outMany.meta} meta)` : ''}`)}
${row(`${many.files.length} files, ${num(many.statements)} statements`, sqMany, many.statements, num(squawkOutput(sqMany)))}

- **Ratio** (backend-review ÷ squawk, medians): ${ratioLarge.toFixed(2)}× on the large file, ${ratioMany.toFixed(2)}× on the 700 files.${
        usLarge.medianCpuS && sqLarge.medianCpuS && usMany.medianCpuS && sqMany.medianCpuS
          ? ` In CPU time (less sensitive to other load on the machine): ${(usLarge.medianCpuS / sqLarge.medianCpuS).toFixed(2)}× and ${(usMany.medianCpuS / sqMany.medianCpuS).toFixed(2)}×.`
          : ''
      }
- Time inside the review engine (median of the JSON's \`stats.durationMs\`): ${ms(outLarge.engineMs)} for the large file, ${ms(outMany.engineMs)} for the 700 files; the rest of the wall time is process start, module loading, reading files and writing the output.
${floorNote(partsMeasured, sqMany, many.files.length)}

**Cold start** (one ${small.statements}-statement Prisma migration, default config, ${coldRuns} runs):

| Process | Median wall | Min – max | Peak RSS |
|---|---:|---:|---:|
| \`${usCold.command}\` | **${ms(usCold.medianMs)}** | ${ms(usCold.minMs)} – ${ms(usCold.maxMs)} | ${mb(usCold.peakRssKb)} |
| \`${sqCold.command}\` | ${ms(sqCold.medianMs)} | ${ms(sqCold.minMs)} – ${ms(sqCold.maxMs)} | ${mb(sqCold.peakRssKb)} |
${partsMeasured.map((p) => `| ${p.command} | ${ms(p.medianMs)} | ${ms(p.minMs)} – ${ms(p.maxMs)} | ${mb(p.peakRssKb)} |`).join('\n')}

**The corpus** (\`scripts/corpus/sql.ts\`, seeds 7 and 8): ${many.files.length} files, ${hand} of them hand-written
(snake_case, schemas, BEGIN/COMMIT, PL/pgSQL functions and DO blocks) and ${many.files.length - hand} in the style
\`prisma migrate\` generates; the large file is ${num(large.statements)} statements of the same mix concatenated
(${(large.content.length / 1e6).toFixed(1)} MB). Statement mix of the 700-file corpus
(test/bench-corpus.test.ts parses the output with libpg-query and checks these shares):

${mixTable(many.counts, many.statements)}
`);

      if (opts.profile) {
        if (ratioLarge > 1) {
          log('profiling the large file');
          const p = await cpuProfile(['scan', largePath, '--format', 'json', '--config', config], largeDir, join(work, 'prof-large'));
          profiles.push(`### The 50,000-statement file\n\n\`node --cpu-prof dist/src/cli.js scan ${largePath} …\`\n\n${profileMarkdown(p)}`);
        }
        if (ratioMany > 1) {
          log('profiling the 700 files');
          const p = await cpuProfile(['scan', ...manyPaths, '--format', 'json', '--config', config], manyDir, join(work, 'prof-many'));
          profiles.push(`### The 700 migration files\n\n\`node --cpu-prof dist/src/cli.js scan <the 700 files> …\`\n\n${profileMarkdown(p)}`);
        }
        if (usCold.medianMs >= 300) {
          log('profiling the cold start');
          const p = await cpuProfile(['scan', small.path, '--format', 'json'], manyDir, join(work, 'prof-cold'), 100);
          profiles.push(`### Cold start on one small migration\n\n\`node --cpu-prof --cpu-prof-interval=100 dist/src/cli.js scan ${small.path} --format json\`\n\n${profileMarkdown(p)}`);
        }
      }
    }

    // ------------------------------------------------------------------ 2. code analysis
    if (opts.only.has('code')) {
      const files = generateCodeCorpus({ files: 1000, seed: 11 });
      const codeDir = join(work, 'code-1000');
      writeFiles(codeDir, files);
      const lines = files.reduce((s, f) => s + f.lines, 0);
      log(`timing code analysis of ${files.length} files (${num(lines)} lines)`);
      const [code] = await measure(
        [{ label: 'backend-review code', cmd: process.execPath, args: ours(['src']), cwd: codeDir, display: 'node dist/src/cli.js scan src --format json --config bench-config.yml', okStatus: [0, 1], probe: engineMs }],
        opts.runs,
        scratch,
      );
      const out = ourOutput(code, files.length);
      const perS = files.length / (code.medianMs / 1000);
      log(`  ${ms(code.medianMs)} = ${perS.toFixed(0)} files/s`);
      targets.push({ measure: 'code analysis, 1,000 handler files', target: '≥ 300 files/s', result: `${num(perS)} files/s (${ms(code.medianMs)})`, met: perS >= 300, by: perS < 300 ? `${num(300 - perS)} files/s short` : undefined });
      const byStyle = files.reduce<Record<string, number>>((a, f) => ((a[f.style] = (a[f.style] ?? 0) + 1), a), {});
      sections.push(`## 2. Code analysis

${files.length} generated TypeScript handler files (\`scripts/corpus/code.ts\`, seed 11): ${Object.entries(byStyle).map(([k, v]) => `${v} ${k === 'nest' ? 'NestJS' : k === 'express' ? 'Express' : 'Fastify'}`).join(', ')};
${num(lines)} lines, ${Math.round(lines / files.length)} per file on average, with validation, SQL through pg/Knex/Prisma,
structured and console logging and fetch calls to other services. \`${code.command}\`, ${opts.runs} runs after one warm-up.

| Median wall | Min – max | Files/s (whole process) | Files/s (engine only) | Peak RSS | CPU (user+sys, median) | Findings |
|---:|---:|---:|---:|---:|---:|---:|
| **${ms(code.medianMs)}** | ${ms(code.minMs)} – ${ms(code.maxMs)} | **${num(perS)}** | ${num(files.length / (out.engineMs / 1000))} | ${mb(code.peakRssKb)} | ${code.medianCpuS === undefined ? 'n/a' : `${code.medianCpuS.toFixed(2)} s`} | ${num(out.findings)}${out.meta ? ` (+${out.meta} meta)` : ''} |
`);
      if (opts.profile && perS < 300) {
        log('profiling code analysis');
        const p = await cpuProfile(['scan', 'src', '--format', 'json', '--config', config], codeDir, join(work, 'prof-code'));
        profiles.push(`### Code analysis of 1,000 files\n\n\`node --cpu-prof dist/src/cli.js scan src …\`\n\n${profileMarkdown(p)}`);
      }
    }

    // ------------------------------------------------------------------ 3./4. end to end
    if (opts.only.has('e2e')) {
      log('end-to-end reviews through the app and the GitHub emulator');
      const e2e: E2EResult = await runE2E({ root: ROOT, work, runs: Math.min(opts.runs, 5), log });
      targets.push(...e2e.targets);
      sections.push(e2e.markdown);
      profiles.push(...e2e.profiles);
    }
  } finally {
    if (!opts.keep) rmSync(work, { recursive: true, force: true });
    else log(`kept ${work}`);
  }

  const m = machine();
  const loadAfter = os.loadavg();
  const seconds = (performance.now() - t0) / 1000;
  const doc = `# Benchmarks

<!-- Written by \`npm run bench\` (scripts/bench.ts); edits by hand are overwritten. -->

Measured by \`npm run bench\` on ${started.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')} (took ${seconds.toFixed(0)} s).
Every time is the median of ${opts.runs} runs${opts.runs < 5 ? ' (**fewer than the 5 a published figure needs**)' : ''} of a whole process, measured on this machine in the same run as its baseline.

| Machine | |
|---|---|
| CPU | ${m.cpu}, ${m.nproc} cores (\`nproc\`) |
| Memory | ${m.memGb.toFixed(1)} GB |
| OS | ${m.os} |
| Node | ${m.node} |
| backend-review | ${m.version}, commit ${m.commit}; ${rules.total} rules (${rules.sql} SQL/migration, ${rules.code} code, ${rules.text} text, ${rules.change} whole-change) |
| squawk | ${squawk.version} (native binary from the \`squawk-cli\` devDependency) |
| Peak memory | ${TIME ? 'GNU time `%M` (maximum resident set size)' : 'polled `VmHWM` from /proc every 5 ms'} |
| Load average (1 min) | ${loadBefore[0].toFixed(2)} before, ${loadAfter[0].toFixed(2)} after |
${
  Math.max(loadBefore[0], loadAfter[0]) > m.nproc
    ? `\n**The machine was busy** (load average above its ${m.nproc} cores: other processes were running), so wall times are inflated and noisy; the CPU-time columns and the ratios against squawk, measured interleaved in the same conditions, are the steadier figures.\n`
    : ''
}
## Targets

| Measure | Target | Result | Status |
|---|---|---|---|
${targets.map((t) => `| ${t.measure} | ${t.target} | ${t.result} | ${statusCell(t)} |`).join('\n')}

${sections.join('\n')}
${profiles.length ? `## Where the time goes (missed targets)

CPU profiles of one run of each case that misses its target (\`node --cpu-prof\`, summarised by
\`scripts/bench-profile.ts\`: self time, so a function's callees are not counted in its row).
"Node internals" with \`wrapSafe\`/\`compileSourceTextModule\` on top is compiling JavaScript modules as they are loaded.

${profiles.join('\n\n')}
` : ''}
## Reproduce

\`\`\`sh
npm ci
npm run bench            # builds, generates the corpora in a temp folder, writes docs/benchmarks.md
npm run bench -- --runs 9 --only sql,code --keep   # more runs, a subset, keep the corpora
\`\`\`
`;
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, doc);
  log(`wrote ${relative(process.cwd(), opts.out)}`);
  process.stdout.write(`\n${targets.map((t) => `${t.met === undefined ? '·' : t.met ? '✓' : '✗'} ${t.measure}: ${t.result} (target ${t.target})`).join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
