/**
 * One end-to-end benchmark process (started by scripts/bench-e2e.ts, which measures its
 * peak memory from outside): the real GitHub App (dist/src/github/app.js) loaded into a
 * real Probot that talks HTTP to the local GitHub emulator (dist/src/emulator), receiving
 * signed `pull_request.opened` webhooks for a synthetic 1,000-file PR and a typical
 * 20-file PR. For each review it records the time from the webhook to the check run's
 * conclusion, the time spent inside the emulator, and every request the app made.
 *
 *   node --expose-gc --import tsx scripts/bench-e2e-run.ts --root . --out result.json --runs 5 [--profile dir]
 *
 * Writes pacing (the app waits ~1 s between writes in production, as GitHub asks) is
 * switched off, as are Octokit's retry and throttling, so the figures are the app's own work.
 */
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { generateCodeCorpus } from './corpus/code.js';
import { generateMigrationCorpus } from './corpus/sql.js';
import { Random } from './corpus/random.js';

type Json = Record<string, any>;

export interface ReviewRun {
  files: number;
  cold: boolean;
  /** Webhook handed to Probot → the request that concluded the check run was answered. */
  toConclusionMs: number;
  /** Time spent inside the emulator's request handler during that span. */
  emulatorMs: number;
  /** Webhook → the app is idle again (the summary comment may come after the conclusion). */
  handlersMs: number;
  conclusion: string | undefined;
  requests: number;
  byEndpoint: Record<string, number>;
  annotations: number;
  inlineComments: number;
  rssBeforeMb: number;
  /** Peak RSS of the process so far, after this review. */
  maxRssAfterMb: number;
  errors: string[];
}

export interface E2ERunOutput {
  large: ReviewRun[];
  typical: ReviewRun[];
  baselineRssMb: number;
  /** Peak RSS over all the timed reviews (the profiling run excluded). */
  maxRssMb: number;
  violations: string[];
  /** Requests the app addressed to https://api.github.com instead of the configured baseUrl. */
  redirected?: number;
  prFiles: { large: Record<string, number>; typical: Record<string, number> };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

// ---------------------------------------------------------------------------------------------
// The repository and the pull requests

const K8S = (name: string, rnd: Random) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app: ${name}
spec:
  replicas: ${rnd.int(2, 6)}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
        - name: ${name}
          image: registry.example.com/${name}:${rnd.int(100, 999)}
          ports:
            - containerPort: 8080
          env:
            - name: DATABASE_URL
              valueFrom:
                secretKeyRef:
                  name: ${name}-db
                  key: url
            - name: LOG_LEVEL
              value: ${rnd.pick(['info', 'debug', 'warn'])}
          resources:
            requests:
              cpu: ${rnd.pick(['100m', '250m', '500m'])}
              memory: ${rnd.pick(['128Mi', '256Mi', '512Mi'])}
${rnd.chance(0.6) ? `            limits:\n              memory: 1Gi\n` : ''}          readinessProbe:
            httpGet:
              path: /healthz
              port: 8080
`;

const WORKFLOW = (name: string) => `name: ${name}
on:
  pull_request:
  push:
    branches: [main]
jobs:
  test:
    runs-on: ubuntu-latest
    services:
      postgres:
        image: postgres:16
        env:
          POSTGRES_PASSWORD: postgres
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - run: npm ci
      - run: npm test
`;

const DOCKERFILE = (rnd: Random) => `FROM node:20-slim AS build
WORKDIR /app
COPY package*.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/dist ./dist
COPY --from=build /app/node_modules ./node_modules
${rnd.chance(0.5) ? 'USER node\n' : ''}EXPOSE 8080
CMD ["node", "dist/server.js"]
`;

const ENV = (name: string, rnd: Random) => `# ${name}: copy to .env and fill in
PORT=8080
DATABASE_URL=postgres://app:app@localhost:5432/${name}
LOG_LEVEL=${rnd.pick(['info', 'debug'])}
REQUEST_TIMEOUT_MS=${rnd.pick([2000, 5000, 10000])}
`;

const JSON_CONFIG = (name: string, rnd: Random) =>
  JSON.stringify({ service: name, port: 8080, database: { pool: { max: rnd.int(5, 30) }, statementTimeoutMs: rnd.pick([5000, 30000]) }, features: { [`${name}V2`]: rnd.chance(0.5) } }, null, 2) + '\n';

const DOC = (name: string, i: number) => `# ${name} ${i}\n\nHow the ${name} service handles requests, with runbooks for on-call.\n\n## Alerts\n\n- High error rate: check the dashboards, then the recent deploys.\n`;

const CSS = (i: number) => `.card-${i} {\n  display: flex;\n  gap: 8px;\n  padding: 12px;\n}\n`;

const TEST = (name: string) => `import { describe, expect, it } from 'vitest';\n\ndescribe('${name}', () => {\n  it('works', () => {\n    expect(1 + 1).toBe(2);\n  });\n});\n`;

interface PrShape {
  migrations: number;
  handlersModified: number;
  handlersAdded: number;
  yaml: number;
  json: number;
  env: number;
  dockerfiles: number;
  docs: number;
  tests: number;
  css: number;
}

const LARGE: PrShape = { migrations: 150, handlersModified: 150, handlersAdded: 250, yaml: 40, json: 30, env: 15, dockerfiles: 15, docs: 150, tests: 120, css: 80 };
const TYPICAL: PrShape = { migrations: 2, handlersModified: 4, handlersAdded: 4, yaml: 1, json: 1, env: 0, dockerfiles: 0, docs: 3, tests: 3, css: 2 };
const total = (s: PrShape) => Object.values(s).reduce((a, b) => a + b, 0);

/** The repository before the PRs: earlier migrations and the handlers the PRs modify. */
function baseFiles(): { files: Record<string, string>; handlers: string[] } {
  const files: Record<string, string> = {
    'package.json': '{ "name": "platform", "private": true, "type": "module" }\n',
    'README.md': '# Platform\n',
  };
  const earlier = generateMigrationCorpus({ files: 40, seed: 101 });
  for (const f of earlier.files) files[f.path] = f.content;
  const handlers = generateCodeCorpus({ files: LARGE.handlersModified, seed: 102 }).map((f) => ({ ...f, path: f.path.replace(/^src\//, 'services/core/src/') }));
  for (const h of handlers) files[h.path] = h.content;
  return { files, handlers: handlers.map((h) => h.path) };
}

/** The changes of one PR: a mix of migrations, handlers (new and edited), config and unrelated files. */
function prChanges(shape: PrShape, base: Record<string, string>, handlers: string[], seed: number, tag: string): Record<string, string> {
  const rnd = new Random(seed);
  const out: Record<string, string> = {};
  const migrations = generateMigrationCorpus({ files: Math.max(4, shape.migrations), seed }).files.slice(0, shape.migrations);
  for (const m of migrations) out[m.path.replace(/^(prisma\/migrations\/|db\/migrations\/)/, `$1${tag}_`)] = m.content;
  for (const path of handlers.slice(0, shape.handlersModified)) {
    // An edit in the middle of the file and a new route at the end, as feature work does.
    const lines = base[path].split('\n');
    const at = Math.floor(lines.length / 2);
    lines.splice(at, 0, `// ${tag}: ${rnd.pick(['tighten validation', 'add request id to logs', 'handle upstream timeouts'])}`);
    out[path] = lines.join('\n') + `\nexport const ${tag}Flag = process.env.FEATURE_${tag.toUpperCase()} === 'on';\n`;
  }
  for (const h of generateCodeCorpus({ files: shape.handlersAdded, seed: seed + 1 })) out[h.path.replace(/^src\//, `services/${tag}/src/`)] = h.content;
  for (let i = 0; i < shape.yaml; i++) out[i % 4 === 0 ? `.github/workflows/${tag}-${i}.yml` : `deploy/${tag}/svc-${i}.yaml`] = i % 4 === 0 ? WORKFLOW(`${tag}-${i}`) : K8S(`${tag}-svc-${i}`, rnd);
  for (let i = 0; i < shape.json; i++) out[`config/${tag}/service-${i}.json`] = JSON_CONFIG(`${tag}${i}`, rnd);
  for (let i = 0; i < shape.env; i++) out[`services/${tag}-${i}/.env.example`] = ENV(`${tag}${i}`, rnd);
  for (let i = 0; i < shape.dockerfiles; i++) out[`services/${tag}-${i}/Dockerfile`] = DOCKERFILE(rnd);
  for (let i = 0; i < shape.docs; i++) out[`docs/${tag}/page-${i}.md`] = DOC(tag, i);
  for (let i = 0; i < shape.tests; i++) out[`services/${tag}/test/case-${i}.test.ts`] = TEST(`${tag} ${i}`);
  for (let i = 0; i < shape.css; i++) out[`web/${tag}/styles/card-${i}.css`] = CSS(i);
  return out;
}

function kinds(changes: Record<string, string>, base: Record<string, string>): Record<string, number> {
  const out: Record<string, number> = { migrations: 0, 'handlers (new)': 0, 'handlers (edited)': 0, config: 0, unrelated: 0 };
  for (const path of Object.keys(changes)) {
    if (/migrations\//.test(path)) out.migrations++;
    else if (/\/src\/.*\.ts$/.test(path)) out[base[path] !== undefined ? 'handlers (edited)' : 'handlers (new)']++;
    else if (/\.(ya?ml|json)$|\.env\.example$|Dockerfile$/.test(path)) out.config++;
    else out.unrelated++;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const root = resolve(arg('root') ?? process.cwd());
  const out = arg('out');
  const runs = Number(arg('runs') ?? 5);
  const profileDir = arg('profile');
  if (!out) throw new Error('--out is required');

  const dist = (p: string) => import(pathToFileURL(join(root, 'dist', p)).href);
  const { GitHubEmulator, serveEmulator } = await dist('src/emulator/index.js');
  const { createApp } = await dist('src/github/app.js');
  const require = createRequire(join(root, 'package.json'));
  const { Probot, ProbotOctokit } = await import(pathToFileURL(require.resolve('probot')).href);
  const { pino } = await import(pathToFileURL(require.resolve('pino')).href);
  const examples: { name: string; examples: Json[] }[] = require('@octokit/webhooks-examples/api.github.com/index.json');

  const emu = new GitHubEmulator();
  const base = baseFiles();
  const repo = emu.createRepo('acme', 'platform', base.files);

  // Time spent inside the emulator, and the moment a check run is concluded.
  let emulatorMs = 0;
  let emulatorAtConclusionMs = 0;
  let concludedAt: number | undefined;
  let watching: { headSha: string } | undefined;
  const handle = emu.handle.bind(emu);
  emu.handle = (req: unknown) => {
    const started = performance.now();
    const res = handle(req);
    emulatorMs += performance.now() - started;
    if (watching && concludedAt === undefined && emu.checkRuns.some((c: Json) => c.headSha === watching!.headSha && c.conclusion)) {
      concludedAt = performance.now();
      emulatorAtConclusionMs = emulatorMs;
    }
    return res;
  };
  const server = await serveEmulator(emu);
  // Node's default 5 s keep-alive would close idle sockets while the app is busy analysing
  // (its event loop blocked), and the app's next request on that socket races the close
  // (ECONNRESET). GitHub keeps connections open far longer.
  server.server.keepAliveTimeout = 120_000;

  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        const entry = JSON.parse(line);
        if (entry.level >= 50) logs.push(`${entry.msg}${entry.err ? `: ${entry.err.message}` : ''}`);
      }
      done();
    },
  });
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const secret = 'bench-webhook-secret';
  // Every request goes to the emulator. Requests addressed to api.github.com despite the
  // baseUrl (an Octokit built without it) are redirected there too, and counted.
  const apiBase = `http://${server.host}/api/v3`;
  let redirected = 0;
  const toEmulator = (input: any, init?: any) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.startsWith('https://api.github.com/')) {
      redirected++;
      return fetch(apiBase + url.slice('https://api.github.com'.length), init);
    }
    return fetch(input, init);
  };
  const probot = new Probot({
    appId: emu.appId,
    privateKey,
    secret,
    baseUrl: apiBase,
    request: { fetch: toEmulator },
    log: pino({ level: 'info' }, sink),
    Octokit: ProbotOctokit.defaults((options: Json) => ({ ...options, request: { ...options.request, fetch: toEmulator }, retry: { enabled: false }, throttle: { ...options.throttle, enabled: false } })),
  });
  const appFn = createApp({ writes: { minIntervalMs: 0 } });
  await probot.load(appFn);

  const payloadFor = (pull: Json): string => {
    const example = structuredClone(examples.find((e) => e.name === 'pull_request')!.examples.find((p) => p.action === 'opened')!);
    Object.assign(example.repository, { id: repo.id, name: repo.name, full_name: `${repo.owner}/${repo.name}`, html_url: `https://github.com/${repo.owner}/${repo.name}`, default_branch: repo.defaultBranch });
    example.repository.owner.login = repo.owner;
    example.installation = { id: 77, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNzc=' };
    example.number = pull.number;
    Object.assign(example.pull_request, { number: pull.number, draft: false, state: 'open' });
    example.pull_request.user.login = pull.author;
    example.pull_request.head.sha = pull.headSha;
    example.pull_request.base.sha = pull.baseSha;
    example.pull_request.base.repo.id = repo.id;
    return JSON.stringify(example);
  };

  let delivery = 0;
  const review = async (changes: Record<string, string>, cold: boolean, session?: Session, profileName?: string): Promise<ReviewRun> => {
    const pull = emu.openPull(repo, { files: changes, author: 'dev', title: 'Synthetic change' });
    const payload = payloadFor(pull);
    const signature = `sha256=${createHmac('sha256', secret).update(payload).digest('hex')}`;
    if (global.gc) global.gc();
    const rssBeforeMb = process.memoryUsage().rss / 1024 / 1024;
    const firstRequest = emu.requests.length;
    const firstLog = logs.length;
    emulatorMs = 0;
    concludedAt = undefined;
    watching = { headSha: pull.headSha };
    if (session) await session.post('Profiler.start');
    const started = performance.now();
    await probot.webhooks.verifyAndReceive({ id: `bench-${++delivery}`, name: 'pull_request', payload, signature });
    // The handler may only enqueue the review: wait for the check run's conclusion, then for
    // the app to go idle (the summary comment can come after the conclusion).
    for (const until = Date.now() + 5 * 60_000; concludedAt === undefined && Date.now() < until; ) await new Promise((r) => setTimeout(r, 2));
    if (typeof appFn.runtime?.idle === 'function') await appFn.runtime.idle();
    const handlersMs = performance.now() - started;
    if (session) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(join(profileDir!, `${profileName}.cpuprofile`), JSON.stringify(profile));
    }
    const emuAtConclusion = concludedAt === undefined ? emulatorMs : emulatorAtConclusionMs;
    watching = undefined;
    const requests = emu.requests.slice(firstRequest);
    const byEndpoint: Record<string, number> = {};
    for (const r of requests) byEndpoint[r.route] = (byEndpoint[r.route] ?? 0) + 1;
    const check = emu.checkRuns.find((c: Json) => c.headSha === pull.headSha);
    const reviews = emu.reviews.filter((r: Json) => r.pull === pull);
    return {
      files: Object.keys(changes).length,
      cold,
      toConclusionMs: (concludedAt ?? performance.now()) - started,
      emulatorMs: emuAtConclusion,
      handlersMs,
      conclusion: check?.conclusion,
      requests: requests.length,
      byEndpoint,
      annotations: check?.annotations.length ?? 0,
      inlineComments: reviews.reduce((s: number, r: Json) => s + r.comments.length, 0),
      rssBeforeMb,
      maxRssAfterMb: process.resourceUsage().maxRSS / 1024,
      errors: logs.slice(firstLog),
    };
  };

  const largeChanges = (i: number) => prChanges(LARGE, base.files, base.handlers, 1000 + i, `large${i}`);
  const typicalChanges = (i: number) => prChanges(TYPICAL, base.files, base.handlers, 2000 + i, `small${i}`);
  const shapes = { large: kinds(largeChanges(0), base.files), typical: kinds(typicalChanges(0), base.files) };
  if (global.gc) global.gc();
  const baselineRssMb = process.memoryUsage().rss / 1024 / 1024;

  const result: E2ERunOutput = { large: [], typical: [], baselineRssMb, maxRssMb: 0, violations: [], prFiles: shapes };
  // The 1,000-file PR comes first, so the first review is what a freshly started app does
  // with it (cold: the parsers load lazily, nothing is optimised yet). Then the typical PR,
  // cold once (the parsers are loaded by now) and warm, then the warm 1,000-file reviews.
  // With --expose-gc, a full collection runs before each review, so one review's garbage
  // does not count against the next.
  result.large.push(await review(largeChanges(0), true));
  result.typical.push(await review(typicalChanges(0), true));
  for (let i = 1; i <= runs; i++) result.typical.push(await review(typicalChanges(i), false));
  for (let i = 1; i <= runs; i++) result.large.push(await review(largeChanges(i), false));
  result.maxRssMb = process.resourceUsage().maxRSS / 1024; // before profiling, which adds its own memory
  if (profileDir) {
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 1000 });
    await review(typicalChanges(runs + 1), false, session, 'e2e-typical');
    await review(largeChanges(runs + 1), false, session, 'e2e-large');
    session.disconnect();
  }
  result.violations = emu.violations.slice(0, 20);
  result.redirected = redirected;
  await server.close();
  writeFileSync(out, JSON.stringify(result, null, 2));
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
