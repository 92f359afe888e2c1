/**
 * Benchmarks 3 and 4 of docs/benchmarks.md: end-to-end reviews through the GitHub App
 * against the local GitHub emulator. The reviews run in a child process
 * (scripts/bench-e2e-run.ts) so its peak memory is the app's, measured from outside.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { profileMarkdown, summariseProfile, type CpuProfile } from './bench-profile.js';
import type { E2ERunOutput, ReviewRun } from './bench-e2e-run.js';

export interface E2ETarget {
  measure: string;
  target: string;
  result: string;
  met: boolean | undefined;
  by?: string;
}

export interface E2EResult {
  targets: E2ETarget[];
  markdown: string;
  profiles: string[];
}

export interface E2EOptions {
  root: string;
  work: string;
  runs: number;
  log: (s: string) => void;
}

const TITLES = {
  analysis: '1,000-file PR: analysis, webhook to check-run conclusion minus time inside the emulator',
  memory: '1,000-file PR: peak memory (whole app process)',
  requests: '1,000-file PR: GitHub requests',
  typical: 'typical 20-file PR: webhook to check-run conclusion minus time inside the emulator',
};

function notMeasured(reason: string): E2EResult {
  return {
    targets: [
      { measure: TITLES.analysis, target: '< 5 s', result: 'not measured', met: undefined },
      { measure: TITLES.memory, target: '< 500 MB', result: 'not measured', met: undefined },
      { measure: TITLES.requests, target: 'O(files/50)', result: 'not measured', met: undefined },
      { measure: TITLES.typical, target: '< 500 ms', result: 'not measured', met: undefined },
    ],
    profiles: [],
    markdown: `## 3. and 4. End-to-end reviews through the GitHub App

Not measured: ${reason}. No figure is given rather than an estimate.
`,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`);
const analysis = (r: ReviewRun) => r.toConclusionMs - r.emulatorMs;

export async function runE2E(opts: E2EOptions): Promise<E2EResult> {
  const missing = ['dist/src/emulator/index.js', 'dist/src/github/app.js'].filter((p) => !existsSync(join(opts.root, p)));
  if (missing.length) return notMeasured(`the GitHub App and the emulator are not built (missing ${missing.join(', ')})`);

  const out = join(opts.work, 'e2e.json');
  const profileDir = join(opts.work, 'prof-e2e');
  mkdirSync(profileDir, { recursive: true });
  const time = ['/usr/bin/time', '/bin/time'].find((p) => existsSync(p));
  const runner = join(opts.root, 'scripts/bench-e2e-run.ts');
  const args = ['--expose-gc', '--import', 'tsx', runner, '--root', opts.root, '--out', out, '--runs', String(opts.runs), '--profile', profileDir];
  const timeOut = join(opts.work, 'e2e-time');
  const argv = time ? [time, '-f', '%M', '-o', timeOut, process.execPath, ...args] : [process.execPath, ...args];
  const res = spawnSync(argv[0], argv.slice(1), { cwd: opts.root, encoding: 'utf8', timeout: 8 * 60_000, maxBuffer: 64 * 1024 * 1024 });
  if (res.status !== 0 || !existsSync(out)) {
    const why = (res.stderr || res.error?.message || `exit status ${res.status}`).trim().split('\n').slice(0, 3).join(' ');
    opts.log(`  end-to-end run failed: ${why}`);
    return notMeasured(`the end-to-end run failed (${why.replace(/\|/g, '\\|').slice(0, 400)})`);
  }
  const r = JSON.parse(readFileSync(out, 'utf8')) as E2ERunOutput;
  // The child's own peak before its profiling run (GNU time's figure would include the profiler).
  const peakMb = r.maxRssMb;
  const peakWithProfileMb = time && existsSync(timeOut) ? Number(readFileSync(timeOut, 'utf8').trim().split('\n').pop()) / 1024 : undefined;

  const failed = [...r.large, ...r.typical].filter((x) => x.conclusion !== 'success' && x.conclusion !== 'failure' && x.conclusion !== 'action_required');
  if (failed.length) {
    const why = `${failed.length} of the reviews did not finish (check run concluded \`${failed[0].conclusion}\`${failed[0].errors.length ? `: ${failed[0].errors[0]}` : ''})`;
    opts.log(`  end-to-end: ${why}`);
    return notMeasured(why);
  }

  const warmLarge = r.large.filter((x) => !x.cold);
  const warmTypical = r.typical.filter((x) => !x.cold);
  const coldLarge = r.large.find((x) => x.cold)!;
  const coldTypical = r.typical.find((x) => x.cold)!;
  const largeMs = median(warmLarge.map(analysis));
  const typicalMs = median(warmTypical.map(analysis));
  const files = warmLarge[0].files;
  const sample = warmLarge[Math.floor(warmLarge.length / 2)];
  const annotations = sample.annotations;
  // The issue's budget: file-list pages (100 per page), blob batches (50 per query), annotation
  // batches (50 per request) and a constant number of other calls.
  const budget = Math.ceil(files / 100) + Math.ceil(files / 50) + Math.ceil(annotations / 50) + 20;
  const perFileEndpoints = Object.entries(sample.byEndpoint).filter(([route, n]) => !route.includes('check-runs/{check_run_id}') && n > Math.ceil(files / 50) + 2);
  const requestsMet = sample.requests <= budget && perFileEndpoints.length === 0;
  opts.log(`  1,000-file PR ${ms(largeMs)} (analysis), ${sample.requests} requests, peak ${peakMb.toFixed(0)} MB; 20-file PR ${ms(typicalMs)}`);

  const targets: E2ETarget[] = [
    { measure: TITLES.analysis, target: '< 5 s', result: ms(largeMs), met: largeMs < 5000, by: largeMs >= 5000 ? `${ms(largeMs - 5000)} over` : undefined },
    { measure: TITLES.memory, target: '< 500 MB', result: `${peakMb.toFixed(0)} MB`, met: peakMb < 500, by: peakMb >= 500 ? `${(peakMb - 500).toFixed(0)} MB over` : undefined },
    {
      measure: TITLES.requests,
      target: `O(files/50): here ≤ ${budget}`,
      result: `${sample.requests} requests`,
      met: requestsMet,
      by: requestsMet ? undefined : `${sample.requests - budget > 0 ? `${sample.requests - budget} over; ` : ''}${perFileEndpoints.map(([e, n]) => `${n}× ${e}`).join(', ')}`,
    },
    { measure: TITLES.typical, target: '< 500 ms', result: ms(typicalMs), met: typicalMs < 500, by: typicalMs >= 500 ? `${ms(typicalMs - 500)} over` : undefined },
  ];

  const runRow = (label: string, x: ReviewRun) =>
    `| ${label} | ${ms(x.toConclusionMs)} | ${ms(x.emulatorMs)} | **${ms(analysis(x))}** | ${x.requests} | ${x.annotations} / ${x.inlineComments} | ${x.conclusion} | ${x.rssBeforeMb.toFixed(0)} MB |`;
  const endpoints = (x: ReviewRun) =>
    Object.entries(x.byEndpoint)
      .sort((a, b) => b[1] - a[1])
      .map(([route, n]) => `| \`${route}\` | ${n} |`)
      .join('\n');
  const shape = (s: Record<string, number>) => Object.entries(s).map(([k, v]) => `${v} ${k}`).join(', ');
  const typicalSample = warmTypical[Math.floor(warmTypical.length / 2)];

  const markdown = `## 3. and 4. End-to-end reviews through the GitHub App

The real app (\`dist/src/github/app.js\`) in a real Probot, talking HTTP to the local GitHub emulator
(\`dist/src/emulator\`, same process, its request handling timed and subtracted; its profile rows are \`src/emulator\`), receiving signed
\`pull_request.opened\` webhooks (\`scripts/bench-e2e-run.ts\`). Each review is a new PR against the same repository
(${'`'}acme/platform${'`'}: 40 earlier migrations and 150 handlers). The first review of each size in the process is
cold (parsers load lazily, code not yet optimised; the 1,000-file PR is the app's very first review); the figures beside the targets are medians of the ${opts.runs} warm reviews after it.
The app's pause between writes (about 1 s in production, as GitHub asks) and Octokit's retry and throttling are
switched off, so the time is the app's own work; in production add about one second per write.

- **1,000-file PR**: ${shape(r.prFiles.large)}.
- **Typical PR**: ${r.typical[0].files} files: ${shape(r.prFiles.typical)}.

| Review | Webhook → conclusion | Inside the emulator | Analysis (difference) | Requests | Annotations / inline comments | Conclusion | RSS before |
|---|---:|---:|---:|---:|---:|---|---:|
${runRow('1,000 files, cold', coldLarge)}
${warmLarge.map((x, i) => runRow(`1,000 files, warm ${i + 1}`, x)).join('\n')}
${runRow('20 files, first (parsers already loaded)', coldTypical)}
${warmTypical.map((x, i) => runRow(`20 files, warm ${i + 1}`, x)).join('\n')}

**Peak memory** of the whole process (app, Probot, the emulator holding every PR's files, and the generated
repository; a full GC before each review) over all the reviews above: **${peakMb.toFixed(0)} MB** (\`process.resourceUsage().maxRSS\`).
${r.baselineRssMb.toFixed(0)} MB before the first webhook; ${coldLarge.maxRssAfterMb.toFixed(0)} MB after the first review, the 1,000-file PR in the freshly started app${peakWithProfileMb ? `; ${peakWithProfileMb.toFixed(0)} MB including the profiled extra reviews (GNU time \`%M\`)` : ''}.

**GitHub requests for one warm 1,000-file review** (${sample.requests} in total; ${annotations} annotations). The budget beside
the target is the issue's O(files/50) made concrete: file-list pages (${files}/100) + blob batches (${files}/50) + annotation
batches (${annotations}/50) + 20 for everything that does not grow with the PR = ${budget}; and apart from the check-run updates
that carry the annotations, no endpoint may be called more than ${Math.ceil(files / 50) + 2} times.${requestsMet ? '' : ' **Not met.**'}

| Endpoint | Requests |
|---|---:|
${endpoints(sample)}

**…and for one warm 20-file review** (${typicalSample.requests} in total):

| Endpoint | Requests |
|---|---:|
${endpoints(typicalSample)}
${r.redirected ? `\n**${r.redirected} requests were addressed to \`https://api.github.com\`** although Probot was given the emulator as \`baseUrl\` (an Octokit client built without it); the bench redirected them to the emulator. Against GitHub Enterprise Server they would go to the wrong host.\n` : ''}${r.violations.length ? `\nThe emulator recorded requests that GitHub would reject: ${r.violations.slice(0, 5).map((v) => `\`${v}\``).join('; ')}.\n` : ''}`;

  const profiles: string[] = [];
  const profile = (name: string, title: string) => {
    if (!existsSync(join(profileDir, `${name}.cpuprofile`))) return;
    const summary = summariseProfile(JSON.parse(readFileSync(join(profileDir, `${name}.cpuprofile`), 'utf8')) as CpuProfile, 25);
    profiles.push(`### ${title}\n\nProfiled inside the app process from the webhook to the end of its handlers (\`node:inspector\` Profiler); the emulator shares the process and shows as \`src/emulator\`.\n\n${profileMarkdown(summary)}`);
  };
  if (typicalMs >= 500) profile('e2e-typical', 'One warm 20-file review through the app');
  if (largeMs >= 5000 || peakMb >= 500) profile('e2e-large', 'One warm 1,000-file review through the app');
  return { targets, markdown, profiles };
}
