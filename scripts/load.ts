/**
 * `npm run load -- [--prs N] [--files F] [--redis] [--workers W] [--kill-worker-after K] [--min-latency MS] [--max-latency MS] [--parallel P]`
 *
 * Load test of the real app server, offline. Starts the GitHub emulator behind an HTTP server that adds a random
 * 50–200 ms to every API call, starts the app as `npm start` does (`probot run` on the app module; in-process queue,
 * or with --redis a throwaway redis-server, the app enqueueing and W `npm run worker` processes reviewing), sends N
 * signed `pull_request.opened` webhooks over HTTP (P at a time), each for its own repository and installation, and
 * waits until every check run is concluded. Prints (and with --json writes) what it measured:
 * throughput, webhook response time, webhook → conclusion p50/p95, peak memory (VmHWM of each process),
 * GitHub requests per review, and how many PRs were reviewed exactly once. Nothing is estimated.
 *
 * With --redis --kill-worker-after K, once K reviews are concluded it SIGKILLs the worker holding the most running
 * jobs (as its logs tell: started and not finished), starts a replacement worker, and reports which jobs the killed
 * worker held, how long after the kill each was started again (BullMQ stalled-job recovery) and finished, and per PR
 * what the emulator saw: check runs, reviews and summary comments, so a lost or duplicated review shows.
 *
 * With --stop-app-after K (in-process mode), once K reviews are concluded it sends SIGTERM to the app, as an orchestrator
 * does, and reports how long the app took to exit and how every PR ended: reviewed, concluded as not reviewed (the
 * graceful stop's "could not finish"), left in_progress, or without a check run at all.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, GitHubEmulator, serveEmulator } from '../src/emulator/index.js';
import type { Pull } from '../src/emulator/state.js';

const ROOT = new URL('..', import.meta.url).pathname;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const N = arg('prs', 200);
const FILES = arg('files', 20);
const MIN_LAT = arg('min-latency', 50);
const MAX_LAT = arg('max-latency', 200);
const PARALLEL = arg('parallel', 10);
const REDIS = process.argv.includes('--redis');
const WORKERS = arg('workers', 2);
const TIMEOUT_MS = arg('timeout', 1800) * 1000;
const KILL_AFTER = arg('kill-worker-after', 0);
if (KILL_AFTER && !REDIS) throw new Error('--kill-worker-after needs --redis (in-process mode has no worker process to kill)');
const STOP_AFTER = arg('stop-app-after', 0);
if (STOP_AFTER && REDIS) throw new Error('--stop-app-after is for the in-process mode (it stops the process that runs the reviews)');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** A pull request of F files: a few migrations (some with findings), handlers, config and docs. */
function prFiles(i: number, count: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let f = 0; f < count; f++) {
    const kind = f % 5;
    if (kind === 0) files[`db/migrations/2024${String(i).padStart(4, '0')}_${f}.sql`] = f % 10 === 0 ? `CREATE INDEX orders_${f}_idx ON orders (total_cents);\n` : `ALTER TABLE orders ADD COLUMN note_${f} text;\n`;
    else if (kind === 1 || kind === 2) files[`src/routes/r${f}.ts`] = `import { db } from '../db';\n\nexport async function handler${f}(id: string) {\n  const row = await db.orders.findById(id);\n  ${f % 3 === 0 ? "console.log('loaded', id);" : 'return row;'}\n  return row;\n}\n`;
    else if (kind === 3) files[`config/service-${f}.yaml`] = `service:\n  name: orders-${f}\n  replicas: ${1 + (f % 3)}\n`;
    else files[`docs/page-${f}.md`] = `# Page ${f} of PR ${i}\n`;
  }
  return files;
}

const BASE: Record<string, string> = {
  'package.json': '{ "name": "orders", "private": true }\n',
  'db/migrations/20240101_create_orders.sql': 'CREATE TABLE orders (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  total_cents bigint NOT NULL\n);\n',
};

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** Peak resident set size (VmHWM) of a process, in MB, read from /proc while it runs. */
function peakRssMb(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

async function main(): Promise<number> {
  // 1. GitHub: one repository and installation per pull request, as for an organisation with many repositories.
  const emu = new GitHubEmulator({ appSlug: 'backend-review' });
  const pulls: Pull[] = [];
  for (let i = 0; i < N; i++) {
    const repo = emu.createRepo('load', `svc-${i}`, BASE);
    pulls.push(emu.openPull(repo, { title: `Load PR ${i}`, author: 'dev', files: prFiles(i, FILES) }));
  }
  const github = await serveEmulator(emu, 0, () => MIN_LAT + Math.random() * (MAX_LAT - MIN_LAT));
  const ghHost = github.host;

  // 2. Redis (queue mode), the app server and the workers.
  const children: ChildProcess[] = [];
  let redisDir: string | undefined;
  let redisUrl: string | undefined;
  if (REDIS) {
    if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) throw new Error('--redis needs redis-server on PATH');
    const rport = await freePort();
    redisDir = mkdtempSync(join(tmpdir(), 'br-load-redis-'));
    const redis = spawn('redis-server', ['--port', String(rport), '--bind', '127.0.0.1', '--dir', redisDir, '--save', '', '--appendonly', 'yes', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
    children.push(redis);
    redisUrl = `redis://127.0.0.1:${rport}`;
    await sleep(500);
  }
  const port = await freePort();
  const secret = randomUUID();
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    APP_ID: String(emu.appId),
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: secret,
    GHE_HOST: ghHost,
    GHE_PROTOCOL: 'http',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    NODE_ENV: 'production',
    QUEUE_NAME: `load-${randomUUID()}`,
    ...(process.env.QUEUE_CONCURRENCY ? { QUEUE_CONCURRENCY: process.env.QUEUE_CONCURRENCY } : {}),
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
  };
  const logs: string[] = [];
  const app = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'node_modules/probot/bin/probot.js'), 'run', './src/github/app.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(app);
  app.stdout!.on('data', (d: Buffer) => logs.push(d.toString()));
  app.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
  const workers: ChildProcess[] = [];
  /** Job lifecycle lines of the workers' logs (`queueLogObserver`), per worker: what each one holds now. */
  interface JobEvent { worker: number; msg: string; jobId: string; pr?: number; repo?: string; at: number }
  const jobEvents: JobEvent[] = [];
  const startWorkerProcess = async () => {
    const index = workers.length;
    // Info level in kill mode: the job start/finish lines say which jobs the killed worker held.
    const worker = spawn(process.execPath, ['--import', 'tsx', 'src/queue/worker-main.ts'], { cwd: ROOT, env: { ...env, METRICS_PORT: String(await freePort()), METRICS_HOST: '127.0.0.1', ...(KILL_AFTER ? { LOG_LEVEL: 'info' } : {}) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    worker.stdout!.on('data', (d: Buffer) => {
      const text = partial + d.toString();
      const lines = text.split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        let rec: { msg?: string; job_id?: string; pr?: number; repo?: string; level?: number } | undefined;
        try {
          rec = JSON.parse(line);
        } catch {
          rec = undefined;
        }
        if (rec?.job_id && rec.msg?.startsWith('review job ') && rec.msg !== 'review job done') jobEvents.push({ worker: index, msg: rec.msg, jobId: rec.job_id, pr: rec.pr, repo: rec.repo, at: performance.now() });
        // Keep warnings and errors for the failure message; info lines are many.
        if (!KILL_AFTER || (rec?.level ?? 50) >= 40) logs.push(line + '\n');
      }
    });
    worker.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
    workers.push(worker);
    children.push(worker);
    return worker;
  };
  if (REDIS) for (let w = 0; w < WORKERS; w++) await startWorkerProcess();
  /** Jobs a worker started and has not finished (completed, superseded, retrying or dead-lettered). */
  const heldBy = (w: number): Map<string, JobEvent> => {
    const held = new Map<string, JobEvent>();
    for (const e of jobEvents) {
      if (e.worker !== w) continue;
      if (e.msg === 'review job started') held.set(e.jobId, e);
      else held.delete(e.jobId);
    }
    return held;
  };
  let kill: { at: number; worker: number; pid?: number; held: JobEvent[]; concludedBefore: number } | undefined;
  let appStop: { at: number; concludedBefore: number; exitedAt?: number; exit?: number | string | null } | undefined;

  const peaks = new Map<string, number>();
  const sample = () => {
    const procs: [string, ChildProcess][] = [['app', app], ...workers.map((w, i) => [`worker ${i + 1}`, w] as [string, ChildProcess]).filter(([, w]) => w.exitCode === null && w.signalCode === null)];
    for (const [name, p] of procs) {
      const mb = peakRssMb(p.pid);
      if (mb !== undefined) peaks.set(name, Math.max(peaks.get(name) ?? 0, mb));
    }
  };
  const sampler = setInterval(sample, 250);

  try {
    for (const until = Date.now() + 60_000; ; ) {
      if (app.exitCode !== null) throw new Error(`the app exited with ${app.exitCode}:\n${logs.join('')}`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) break;
      } catch {
        // not up yet
      }
      if (Date.now() > until) throw new Error(`the app did not become ready:\n${logs.join('')}`);
      await sleep(100);
    }
    if (REDIS) await sleep(3000); // workers connect
    const requestsBefore = emu.requests.length;

    // 3. N signed webhooks over HTTP, P at a time.
    const template = JSON.parse(readFileSync(join(ROOT, 'fixtures/github/webhooks/pull_request.opened.json'), 'utf8'));
    const sentAt = new Map<number, number>();
    const answerMs: number[] = [];
    const statuses = new Map<number, number>();
    const send = async (k: number) => {
      const pull = pulls[k];
      const payload = structuredClone(template);
      Object.assign(payload.repository, { id: pull.repo.id, name: pull.repo.name, full_name: `load/${pull.repo.name}`, html_url: `https://github.com/load/${pull.repo.name}`, default_branch: 'main' });
      payload.repository.owner.login = 'load';
      payload.installation = { id: 1000 + k, node_id: `inst-${k}` };
      payload.number = pull.number;
      Object.assign(payload.pull_request, { number: pull.number, title: pull.title, draft: false, state: 'open' });
      payload.pull_request.user.login = pull.author;
      payload.pull_request.head.sha = pull.headSha;
      payload.pull_request.base.sha = pull.baseSha;
      const body = JSON.stringify(payload);
      const t0 = performance.now();
      sentAt.set(k, t0);
      const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': 'sha256=' + createHmac('sha256', secret).update(body).digest('hex') },
        body,
      });
      await res.arrayBuffer();
      answerMs.push(performance.now() - t0);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    };
    const start = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(PARALLEL, N) }, async () => {
        while (next < N) await send(next++);
      }),
    );
    const sentAll = performance.now();

    // 4. Wait for every check run to be concluded (webhook → conclusion) and its summary posted (the last write).
    const doneAt = new Map<number, number>();
    const summarized = new Set<number>();
    const deadline = Date.now() + TIMEOUT_MS;
    while ((doneAt.size < N || summarized.size < N) && Date.now() < deadline) {
      for (let k = 0; k < N; k++) {
        if (!doneAt.has(k)) {
          const runs = emu.checkRunsFor(pulls[k]);
          if (runs.length && runs.every((r) => r.status === 'completed')) doneAt.set(k, performance.now());
        }
        if (!summarized.has(k) && emu.summaryOf(pulls[k])) summarized.add(k);
      }
      if (KILL_AFTER && !kill && doneAt.size >= KILL_AFTER) {
        // The worker holding the most running jobs (it has at least one: otherwise wait for the next poll).
        const candidates = workers.map((w, i) => ({ i, held: heldBy(i) })).filter(({ i }) => workers[i].exitCode === null && workers[i].signalCode === null);
        const target = candidates.sort((a, b) => b.held.size - a.held.size)[0];
        if (target && target.held.size > 0) {
          const victim = workers[target.i];
          sample();
          victim.kill('SIGKILL');
          kill = { at: performance.now(), worker: target.i, pid: victim.pid, held: [...target.held.values()], concludedBefore: doneAt.size };
          await startWorkerProcess();
        }
      }
      if (STOP_AFTER && !appStop && doneAt.size >= STOP_AFTER) {
        appStop = { at: performance.now(), concludedBefore: doneAt.size };
        const stopping = appStop;
        app.once('exit', (code, signal) => {
          stopping.exitedAt = performance.now();
          stopping.exit = signal ?? code;
        });
        app.kill('SIGTERM');
      }
      // Once the stopped app is gone, nothing more will happen.
      if (appStop?.exitedAt !== undefined && performance.now() - appStop.exitedAt > 1000) break;
      await sleep(50);
    }
    // Anything still to come (a duplicate) would show within a few seconds.
    await sleep(3000);
    const end = performance.now();
    sample();
    clearInterval(sampler);

    // 5. What happened, per PR.
    let exactlyOnce = 0;
    const problems: string[] = [];
    for (let k = 0; k < N; k++) {
      const pull = pulls[k];
      const verdicts = emu.checkRunsFor(pull).filter((r) => r.status === 'completed' && r.conclusion !== 'cancelled' && r.output.title !== 'Backend Review could not finish');
      const reviews = emu.reviews.filter((r) => r.pull === pull).length;
      const summaries = emu.comments.filter((c) => c.repo === pull.repo && c.issueNumber === pull.number && c.body.includes('backend-review:summary')).length;
      if (verdicts.length === 1 && summaries === 1 && reviews <= 1) exactlyOnce++;
      else if (problems.length < 10) problems.push(`PR ${k}: ${verdicts.length} verdicts, ${summaries} summaries, ${reviews} reviews, runs ${emu.checkRunsFor(pull).map((r) => `${r.status}/${r.conclusion}/${r.output.title}`).join(', ')}`);
    }
    const e2e = [...doneAt.entries()].map(([k, t]) => t - sentAt.get(k)!);
    const requests = emu.requests.slice(requestsBefore);
    const byRoute = new Map<string, number>();
    for (const r of requests) byRoute.set(r.route, (byRoute.get(r.route) ?? 0) + 1);
    // Per PR, as the emulator saw them: every check run of the app, every review, every summary comment.
    const perPr = pulls.map((pull) => ({
      checkRuns: emu.checkRunsFor(pull).length,
      reviews: emu.reviews.filter((r) => r.pull === pull).length,
      summaries: emu.comments.filter((c) => c.repo === pull.repo && c.issueNumber === pull.number && c.body.includes('backend-review:summary')).length,
      verdicts: emu.checkRunsFor(pull).filter((r) => r.status === 'completed' && r.conclusion !== 'cancelled' && r.output.title !== 'Backend Review could not finish').length,
    }));
    const histogram = (key: 'checkRuns' | 'reviews' | 'summaries' | 'verdicts') => {
      const h: Record<string, number> = {};
      for (const p of perPr) h[p[key]] = (h[p[key]] ?? 0) + 1;
      return h;
    };
    // Where one review's time goes, from the emulator's request log (REST calls; `at` is when the emulator answered,
    // after the added latency): token → check run created (auth, duplicate check, PR, config), created → concluded
    // (files, tree, blobs, analysis, threads), concluded → summary posted (review, threads, summary), and in all.
    const phases = { setup: [] as number[], review: [] as number[], publish: [] as number[], total: [] as number[] };
    for (let k = 0; k < N; k++) {
      const mine = requests.filter((r) => r.url.includes(`/repos/load/svc-${k}/`) || r.url.includes(`/installations/${1000 + k}/`));
      if (!mine.length) continue;
      const first = Math.min(...mine.map((r) => r.at));
      const created = mine.find((r) => r.method === 'POST' && r.route.endsWith('/check-runs'))?.at;
      const concluded = mine.filter((r) => r.method === 'PATCH' && r.route.includes('/check-runs/')).pop()?.at;
      const summary = mine.filter((r) => r.method === 'POST' && r.route.endsWith('/comments')).pop()?.at;
      if (created === undefined || concluded === undefined || summary === undefined) continue;
      phases.setup.push(created - first);
      phases.review.push(concluded - created);
      phases.publish.push(summary - concluded);
      phases.total.push(summary - first);
    }
    const mean = (v: number[]) => (v.length ? +(v.reduce((a, b) => a + b, 0) / v.length / 1000).toFixed(2) : null);
    const killReport = kill && (() => {
      const k = kill;
      const seconds = (ms: number) => +(ms / 1000).toFixed(1);
      const jobs = k.held.map((held) => {
        const again = jobEvents.find((e) => e.jobId === held.jobId && e.at > k.at && e.msg === 'review job started');
        const finished = jobEvents.find((e) => e.jobId === held.jobId && e.at > k.at && e.msg !== 'review job started');
        const pr = pulls.findIndex((p) => `load/${p.repo.name}` === held.repo);
        return {
          job_id: held.jobId,
          pr: pr >= 0 ? `svc-${pr}` : held.repo,
          running_for_s_at_kill: seconds(k.at - held.at),
          started_again_after_kill_s: again ? seconds(again.at - k.at) : null,
          started_again_by: again ? `worker ${again.worker + 1}` : null,
          finished_after_kill_s: finished ? seconds(finished.at - k.at) : null,
          outcome: finished?.msg ?? null,
          emulator: pr >= 0 ? perPr[pr] : null,
        };
      });
      const pickups = jobs.map((j) => j.started_again_after_kill_s).filter((v): v is number => v !== null);
      return {
        killed: `worker ${k.worker + 1} (pid ${k.pid}) with SIGKILL`,
        replacement: `worker ${workers.length} started right after`,
        at_s: seconds(k.at - start),
        reviews_concluded_before_kill: k.concludedBefore,
        jobs_held: jobs.length,
        jobs_started_again: pickups.length,
        started_again_after_kill_s: pickups.length ? { min: Math.min(...pickups), max: Math.max(...pickups) } : null,
        bullmq: 'lockDuration 30 s, stalledInterval 30 s, maxStalledCount 2 (src/queue/redis.ts defaults)',
        jobs,
      };
    })();
    const report = {
      mode: REDIS ? `redis, ${WORKERS} workers${KILL_AFTER ? `, one killed after ${KILL_AFTER} reviews` : ''}` : 'in-process queue',
      prs: N,
      files_per_pr: FILES,
      api_latency_ms: `${MIN_LAT}-${MAX_LAT}`,
      webhooks_in_flight: PARALLEL,
      queue_concurrency: Number(process.env.QUEUE_CONCURRENCY ?? 2),
      concluded: doneAt.size,
      reviewed_exactly_once: exactlyOnce,
      webhook_statuses: Object.fromEntries(statuses),
      webhook_answer_ms: { p50: Math.round(percentile(answerMs, 50)), p95: Math.round(percentile(answerMs, 95)), max: Math.round(Math.max(...answerMs)) },
      webhook_to_conclusion_s: { p50: +(percentile(e2e, 50) / 1000).toFixed(1), p95: +(percentile(e2e, 95) / 1000).toFixed(1), max: +(Math.max(...e2e) / 1000).toFixed(1) },
      sending_s: +((sentAll - start) / 1000).toFixed(1),
      wall_s: +((end - start) / 1000).toFixed(1),
      throughput_reviews_per_min: +((doneAt.size / ((Math.max(...doneAt.values()) - start) / 1000)) * 60).toFixed(1),
      peak_rss_mb: Object.fromEntries(peaks),
      github_requests_per_review: +(requests.length / N).toFixed(1),
      review_phases_mean_s: { token_to_check_run_created: mean(phases.setup), created_to_concluded: mean(phases.review), concluded_to_summary: mean(phases.publish), total: mean(phases.total), reviews_measured: phases.total.length },
      github_requests_by_route: Object.fromEntries([...byRoute.entries()].sort((a, b) => b[1] - a[1])),
      emulator_schema_violations: emu.violations.length,
      per_pr: {
        lost: perPr.filter((p) => p.verdicts === 0).length,
        duplicated: perPr.filter((p) => p.verdicts > 1 || p.summaries > 1 || p.reviews > 1).length,
        check_runs: histogram('checkRuns'),
        verdict_check_runs: histogram('verdicts'),
        reviews: histogram('reviews'),
        summary_comments: histogram('summaries'),
      },
      ...(appStop
        ? {
            app_stop: {
              sigterm_at_s: +((appStop.at - start) / 1000).toFixed(1),
              reviews_concluded_before: appStop.concludedBefore,
              exited_after_s: appStop.exitedAt !== undefined ? +((appStop.exitedAt - appStop.at) / 1000).toFixed(1) : null,
              exit: appStop.exit ?? null,
              prs_reviewed: perPr.filter((p) => p.verdicts === 1).length,
              prs_concluded_not_reviewed: pulls.filter((pull) => emu.checkRunsFor(pull).some((r) => r.status === 'completed' && r.output.title === 'Backend Review could not finish')).length,
              prs_left_in_progress: pulls.filter((pull) => emu.checkRunsFor(pull).some((r) => r.status !== 'completed')).length,
              prs_without_check_run: perPr.filter((p) => p.checkRuns === 0).length,
              not_reviewed_summaries: [...new Set(pulls.flatMap((pull) => emu.checkRunsFor(pull).filter((r) => r.output.title === 'Backend Review could not finish').map((r) => (r.output.summary ?? '').split(',')[0])))],
            },
          }
        : {}),
      ...(killReport ? { worker_kill: killReport } : KILL_AFTER ? { worker_kill: 'not done: no worker held a job once the threshold was reached' } : {}),
      problems,
    };
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    if (STOP_AFTER) return appStop?.exitedAt !== undefined && perPr.every((p) => p.checkRuns > 0) && pulls.every((pull) => emu.checkRunsFor(pull).every((r) => r.status === 'completed')) ? 0 : 1;
    return doneAt.size === N && exactlyOnce === N && (!KILL_AFTER || kill) ? 0 : 1;
  } finally {
    clearInterval(sampler);
    for (const c of [...children].reverse()) await stop(c);
    await github.close();
    if (redisDir) rmSync(redisDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`load: ${(err as Error).stack ?? err}\n`);
    process.exit(2);
  },
);
