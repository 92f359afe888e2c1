import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { review } from '../../src/engine.js';
import type { ReviewResult } from '../../src/model.js';
import { scanPaths } from '../../src/sources/local.js';

const ROOT = fileURLToPath(new URL('../../fixtures/vulnerable/', import.meta.url));
const MY_AREAS = /^(?:security|observability|reliability)\//;
// Rules owned by the route model; their findings on this fixture are tested with the route model.
const OTHER_RULES = new Set(['security/missing-authorization', 'security/missing-auth-rate-limit', 'reliability/missing-health-check', 'observability/missing-request-id']);

/** 1-based line of the only line of the file containing the snippet. */
function lineOf(path: string, snippet: string): number {
  const lines = readFileSync(`${ROOT}${path}`, 'utf8').split('\n');
  const hits = lines.flatMap((l, i) => (l.includes(snippet) ? [i + 1] : []));
  if (hits.length !== 1) throw new Error(`${snippet} found ${hits.length} times in ${path}`);
  return hits[0];
}

const EXPECTED: [rule: string, path: string, snippet: string][] = [
  // app setup
  ['security/cors-permissive', 'src/app.ts', 'origin: true, credentials: true'],
  ['security/unbounded-request-body', 'src/app.ts', "limit: '50mb'"],
  ['security/insecure-cookie', 'src/app.ts', 'session({'],
  ['security/tls-verification-disabled', 'src/db.ts', 'rejectUnauthorized: false'],
  ['reliability/oversized-pool', 'src/db.ts', 'max: 200'],
  // users router: taint through destructuring, a helper and `+=` on a multi-line query
  ['security/sql-injection', 'src/routes/users.ts', "sql += ' WHERE ' + emailFilter(email);"],
  ['security/sensitive-data-logged', 'src/routes/users.ts', "{ body: req.body }"],
  ['security/weak-password-hash', 'src/routes/users.ts', "createHash('sha256').update(password)"],
  ['observability/unstructured-log', 'src/routes/users.ts', 'logger.info(`created user'],
  ['security/insecure-randomness', 'src/routes/users.ts', 'const resetToken = Math.random()'],
  ['security/timing-unsafe-comparison', 'src/routes/users.ts', 'rows[0].reset_token !== token'],
  ['security/weak-password-hash', 'src/routes/users.ts', "createHash('md5').update(password)"],
  ['security/insecure-cookie', 'src/routes/users.ts', "res.cookie('session_id'"],
  // files router
  ['security/path-traversal', 'src/routes/files.ts', 'res.sendFile(target)'],
  ['security/path-traversal', 'src/routes/files.ts', 'fs.unlinkSync(file)'],
  ['security/command-injection', 'src/routes/files.ts', 'exec(`convert'],
  // preview router: SSRF and no timeout on the same calls
  ['security/ssrf', 'src/routes/preview.ts', 'await fetch(url)'],
  ['reliability/missing-timeout', 'src/routes/preview.ts', 'await fetch(url)'],
  ['security/ssrf', 'src/routes/preview.ts', 'axios.get(source'],
  ['reliability/missing-timeout', 'src/routes/preview.ts', 'axios.get(source'],
  // search router (MongoDB)
  ['security/nosql-injection', 'src/routes/search.ts', 'products.find(filter)'],
  ['security/nosql-injection', 'src/routes/search.ts', '$regex: name'],
  // admin router
  ['security/code-injection', 'src/routes/admin.ts', 'vm.runInNewContext'],
  // auth helpers
  ['security/jwt-unsafe', 'src/auth/jwt.ts', 'jwt.verify(token, process.env.JWT_PUBLIC_KEY!)'],
  ['security/jwt-unsafe', 'src/auth/jwt.ts', 'jwt.decode('],
  ['security/jwt-unsafe', 'src/auth/jwt.ts', "'dev-signing-key'"],
  ['security/timing-unsafe-comparison', 'src/auth/jwt.ts', 'provided === process.env.INTERNAL_API_KEY'],
  // NestJS controller: @Query() parameters into TypeORM manager.query
  ['security/sql-injection', 'src/reports/reports.controller.ts', 'SELECT ${column} AS bucket'],
  // Fastify plugin registered with a prefix: query string through destructuring, a helper and an array-joined query
  ['security/sql-injection', 'src/fastify/exports.ts', '` WHERE customer_id = $1 AND ${filter}`'],
  // Koa router: ctx.request.body into a shell pipeline
  ['security/command-injection', 'src/koa/backup.ts', 'execSync(`pg_dump'],
  // Hono: c.req.query() as the upstream URL
  ['security/ssrf', 'src/hono/avatars.ts', 'await fetch(source'],
  // metrics
  ['observability/latency-not-histogram', 'src/metrics.ts', 'new client.Summary({'],
  ['observability/high-cardinality-label', 'src/metrics.ts', "labelNames: ['method', 'url', 'status']"],
  ['observability/metric-naming', 'src/metrics.ts', "name: 'userLogins'"],
  ['observability/high-cardinality-label', 'src/metrics.ts', "labelNames: ['user_id']"],
  ['observability/metric-naming', 'src/metrics.ts', "name: 'sync_duration_ms'"],
  // background job
  ['reliability/missing-timeout', 'src/jobs/sync-partners.ts', 'axios.post(partnerUrl, payload)'],
  ['reliability/retry-without-backoff', 'src/jobs/sync-partners.ts', 'await sleep(2000)'],
  ['reliability/n-plus-one-query', 'src/jobs/sync-partners.ts', 'const { rows: orders } = await pool.query'],
  ['observability/swallowed-error', 'src/jobs/sync-partners.ts', 'catch (err) {}'],
  // config files
  ['security/committed-env-file', '.env', 'STRIPE_SECRET_KEY='],
  ['security/tls-verification-disabled', '.env', 'sslmode=disable'],
  ['security/container-runs-as-root', 'Dockerfile', 'FROM node:20'],
  ['security/hardcoded-secret', 'Dockerfile', 'ARG NPM_TOKEN'],
  ['security/dockerfile-secret', 'Dockerfile', 'DB_PASSWORD=shop-db-24'],
  ['security/hardcoded-secret', 'Dockerfile', 'PAYMENTS_API_KEY'],
  ['security/hardcoded-secret', 'docker-compose.yml', 'PARTNER_API_TOKEN'],
  ['security/plaintext-secret-in-manifest', 'docker-compose.yml', 'REDIS_PASSWORD'],
  ['security/hardcoded-secret', 'deploy/k8s.yaml', 'SMTP_PASSWORD'],
  ['security/plaintext-secret-in-manifest', 'deploy/k8s.yaml', 'SMTP_TOKEN'],
  ['security/hardcoded-secret', 'deploy/k8s.yaml', 'JWT_SECRET'],
  ['security/plaintext-secret-in-manifest', 'deploy/k8s.yaml', 'DB_PASSWORD'],
  ['security/tls-verification-disabled', 'deploy/k8s.yaml', 'name: NODE_TLS_REJECT_UNAUTHORIZED'],
];

describe('vulnerable fixture: realistic code and config', () => {
  let result: ReviewResult;
  beforeAll(async () => {
    result = await review(await scanPaths(['.'], ROOT, 1024 * 1024), validateConfig({}));
  });

  it('reports exactly the expected security, observability and reliability findings, at the right lines', () => {
    const actual = result.findings
      .filter((f) => MY_AREAS.test(f.ruleId) && !OTHER_RULES.has(f.ruleId))
      .map((f) => `${f.ruleId} ${f.path}:${f.startLine}`)
      .sort();
    const expected = EXPECTED.map(([rule, path, snippet]) => `${rule} ${path}:${lineOf(path, snippet)}`).sort();
    expect(actual).toEqual(expected);
  });

  it('every message says what breaks and what to do', () => {
    for (const f of result.findings.filter((x) => MY_AREAS.test(x.ruleId))) {
      expect(f.message.length, f.ruleId).toBeGreaterThan(80);
      expect(f.message, f.ruleId).toMatch(/`/);
    }
  });

  it('no rule crashed on the fixture', () => {
    expect(result.findings.filter((f) => f.ruleId.startsWith('backend-review/'))).toEqual([]);
  });
});
