import { describe, expect, it } from 'vitest';
import { fixed, lines, run } from '../helpers/rule-run.js';

const route = (body: string, imports = "import { pool } from '../db';") => `import { Router } from 'express';\n${imports}\nexport const r = Router();\nr.post('/x', async (req, res) => {\n${body}\n});\n`;

describe('security/sql-injection', () => {
  const id = 'security/sql-injection';
  it('leaves dynamic placeholder building, tagged templates and constants alone', async () => {
    expect(
      await lines(id, 'src/a.ts', route(`  const values = [req.body.a];\n  const conds = ['a = $1'];\n  if (req.body.b) { values.push(req.body.b); conds.push(\`b = $\${values.length}\`); }\n  await pool.query(\`SELECT * FROM t WHERE \${conds.join(' AND ')}\`, values);\n  await sql\`SELECT * FROM t WHERE id = \${req.body.id}\`;\n  const TABLE = 'orders';\n  await pool.query(\`SELECT * FROM \${TABLE} WHERE id = $1\`, [req.body.id]);`)),
    ).toEqual([]);
  });
  it('flags Knex raw, Sequelize, TypeORM, mysql2 and postgres.js unsafe with request input', async () => {
    const code = route(
      [
        "  const name = req.body.name;",
        "  await knex('users').whereRaw(`name = '${name}'`);",
        "  await sequelize.query('SELECT * FROM users WHERE name = ' + name);",
        "  await queryRunner.query(`DELETE FROM sessions WHERE token = '${req.body.token}'`);",
        "  await conn.execute(`SELECT * FROM t WHERE id = ${req.params.id}`);",
        '  await sql.unsafe(`SELECT * FROM t ORDER BY ${req.query.sort}`);',
      ].join('\n'),
    );
    expect(await lines(id, 'src/a.ts', code)).toEqual([6, 7, 8, 9, 10]);
  });
  it('flags a quoted value in SQL even when it is only a function parameter', async () => {
    expect(await lines(id, 'src/repo.ts', "export function byEmail(db: any, email: string) {\n  return db.query(`SELECT * FROM users WHERE email = '${email}'`);\n}\n")).toEqual([2]);
  });
  it('does not mistake other query APIs for SQL', async () => {
    expect(await lines(id, 'src/a.ts', route('  await search.query(`name:${req.body.q}`);\n  await graph.query(req.body.query);'))).toEqual([]);
  });
});

describe('security/nosql-injection', () => {
  const id = 'security/nosql-injection';
  it('ignores services whose findOne takes an id', async () => {
    expect(await lines(id, 'src/c.ts', "class C {\n  constructor(private service: any) {}\n  get(@Param('id') id: string) { return this.service.findOne(id); }\n}\n")).toEqual([]);
  });
  it('flags a whole request object as a Mongoose filter and tainted spreads', async () => {
    const code = "import { User } from '../models/user';\nexport async function list(req: any) {\n  const a = await User.find(req.query);\n  const b = await User.findOne({ ...req.body, active: true });\n  return [a, b];\n}\n";
    expect(await lines(id, 'src/u.ts', code)).toEqual([3, 4]);
  });
});

describe('security/command-injection and code-injection', () => {
  it('ignores literal commands, spawn without a shell and RegExp#exec', async () => {
    const code = "import { exec, spawn } from 'node:child_process';\nexport function h(req: any) {\n  exec('git status');\n  spawn('convert', [req.body.file]);\n  /x/.exec(req.body.q);\n}\n";
    expect(await lines('security/command-injection', 'src/a.ts', code)).toEqual([]);
  });
  it('flags spawn with shell: true and cp.execSync through a namespace import', async () => {
    const code = "import * as cp from 'child_process';\nexport function h(req: any) {\n  cp.spawn(`tar -xf ${req.body.file}`, { shell: true });\n  cp.execSync('ls ' + req.query.dir);\n}\n";
    expect(await lines('security/command-injection', 'src/a.ts', code)).toEqual([3, 4]);
  });
  it('flags eval on input but not on constants', async () => {
    const code = "export function h(req: any) {\n  eval('1 + 1');\n  return eval(req.body.expr);\n}\n";
    expect(await lines('security/code-injection', 'src/a.ts', code)).toEqual([3]);
  });
});

describe('security/ssrf and security/path-traversal', () => {
  it('allows input in the path of a fixed host and URLs checked against an allowlist', async () => {
    const code = "export async function h(req: any) {\n  const a = await fetch(`https://api.example.com/users/${req.params.id}`, { signal: AbortSignal.timeout(1000) });\n  const target = new URL(req.body.url);\n  if (!ALLOWED_HOSTS.includes(target.host)) throw new Error('no');\n  return [a, await fetch(target, { signal: AbortSignal.timeout(1000) })];\n}\n";
    expect(await lines('security/ssrf', 'src/a.ts', code)).toEqual([]);
  });
  it('flags a host chosen by the caller', async () => {
    const code = "import got from 'got';\nexport async function h(req: any) {\n  const base = req.query.region;\n  return got(`https://${base}.internal/api`, { timeout: { request: 1000 } });\n}\n";
    expect(await lines('security/ssrf', 'src/a.ts', code)).toEqual([4]);
  });
  it('accepts basename and root-confined sendFile; flags fs/promises with a joined path', async () => {
    const code = "import { readFile } from 'node:fs/promises';\nimport path from 'node:path';\nexport async function h(req: any, res: any) {\n  res.sendFile(req.params.f, { root: '/srv' });\n  await readFile(path.join('/srv', path.basename(req.params.f)));\n  await readFile(path.join('/srv', req.params.f));\n}\n";
    expect(await lines('security/path-traversal', 'src/a.ts', code)).toEqual([6]);
  });
});

describe('credentials and tokens', () => {
  it('weak-password-hash: token hashing is fine, bcrypt cost fix goes to the constant', async () => {
    expect(await lines('security/weak-password-hash', 'src/a.ts', "import { createHash } from 'crypto';\nexport const h = (resetToken: string) => createHash('sha256').update(resetToken).digest('hex');\n")).toEqual([]);
    const code = "import bcrypt from 'bcryptjs';\nconst ROUNDS = 8;\nexport const hash = (password: string) => bcrypt.hash(password, ROUNDS);\n";
    expect(await fixed('security/weak-password-hash', 'src/a.ts', code)).toContain('const ROUNDS = 12;');
  });
  it('jwt-unsafe: options passed by reference are trusted; callback form without options is flagged; none is flagged', async () => {
    const code = "import jwt from 'jsonwebtoken';\nexport function a(t: string, k: string, opts: any) {\n  jwt.verify(t, k, opts);\n  jwt.verify(t, k, (err, payload) => payload);\n  return jwt.verify(t, k, { algorithms: ['none'] });\n}\n";
    expect(await lines('security/jwt-unsafe', 'src/a.ts', code)).toEqual([4, 5]);
  });
  it('timing-unsafe-comparison: literal and typeof comparisons are fine', async () => {
    const code = "export function a(token: unknown, tokenType: string, signature: string, header: string) {\n  if (typeof token === 'string' && tokenType === 'Bearer' && signature !== '') return header;\n  return undefined;\n}\n";
    expect(await lines('security/timing-unsafe-comparison', 'src/a.ts', code)).toEqual([]);
  });
  it('insecure-randomness: ignores jitter and ids meant for tracing', async () => {
    const code = 'export const delay = () => 100 + Math.random() * 50;\nexport const traceId = () => Math.random().toString(16).slice(2);\nexport function apiKey() { return Math.random().toString(36); }\n';
    expect(await lines('security/insecure-randomness', 'src/a.ts', code)).toEqual([3]);
  });
  it('sensitive-data-logged: redacted and derived values are fine', async () => {
    const code = "import { logger } from './logger';\nexport function a(password: string, req: any) {\n  logger.info({ password: '[redacted]', hasPassword: password.length > 0, userId: req.user.id }, 'x');\n  logger.warn({ authorization: req.headers.authorization }, 'y');\n}\n";
    expect(await lines('security/sensitive-data-logged', 'src/a.ts', code)).toEqual([4]);
  });
  it('hardcoded-secret: expressions in code and throwaway local database passwords are not secrets', async () => {
    expect(await lines('security/hardcoded-secret', 'src/a.ts', 'export function a(req: any) {\n  const token = req.headers.authorization?.slice(7) ?? defaultTokenForLocalDev;\n  return token;\n}\n')).toEqual([]);
    expect(await lines('security/hardcoded-secret', 'docker-compose.yml', 'services:\n  api:\n    environment:\n      DATABASE_URL: postgres://app:postgres@db:5432/app\n')).toEqual([]);
  });
});

describe('cookies, CORS and transport', () => {
  it('insecure-cookie: fixes one-line calls and lets CSRF cookies be script-readable', async () => {
    const code = "export function a(res: any, t: string) {\n  res.cookie('auth_token', t, { maxAge: 1000 });\n  res.cookie('XSRF-TOKEN', t, { secure: true, sameSite: 'strict' });\n}\n";
    expect(await lines('security/insecure-cookie', 'src/a.ts', code)).toEqual([2]);
    expect(await fixed('security/insecure-cookie', 'src/a.ts', code)).toContain("res.cookie('auth_token', t, { maxAge: 1000, httpOnly: true, secure: true });");
    const bare = "export function a(res: any, t: string) {\n  res.cookie('session', t);\n}\n";
    expect(await fixed('security/insecure-cookie', 'src/a.ts', bare)).toContain("res.cookie('session', t, { httpOnly: true, secure: true, sameSite: 'lax' });");
  });
  it('cors-permissive: a checked origin callback is fine; a reflected header with credentials is not', async () => {
    const good = "app.use(cors({ origin: (origin, cb) => cb(null, ALLOWED.includes(origin)), credentials: true }));\n";
    expect(await lines('security/cors-permissive', 'src/a.ts', good)).toEqual([]);
    const bad = "export function cors(req: any, res: any, next: any) {\n  res.setHeader('Access-Control-Allow-Origin', req.headers.origin);\n  res.setHeader('Access-Control-Allow-Credentials', 'true');\n  next();\n}\n";
    expect(await lines('security/cors-permissive', 'src/a.ts', bad)).toEqual([2]);
  });
  it('tls-verification-disabled: localhost and CI files are fine; the fix turns verification back on', async () => {
    expect(await lines('security/tls-verification-disabled', '.github/workflows/ci.yml', 'env:\n  DATABASE_URL: postgres://ci@postgres:5432/ci?sslmode=disable\n')).toEqual([]);
    expect(await lines('security/tls-verification-disabled', 'src/db.ts', "export const url = 'postgres://app@localhost:5432/app?sslmode=disable';\n")).toEqual([]);
    expect(await fixed('security/tls-verification-disabled', 'src/db.ts', 'export const ssl = { rejectUnauthorized: false };\n')).toBe('export const ssl = { rejectUnauthorized: true };\n');
    expect(await lines('security/tls-verification-disabled', 'Dockerfile', 'FROM node:20\nENV NODE_TLS_REJECT_UNAUTHORIZED=0\n')).toEqual([2]);
  });
  it('unbounded-request-body: outbound client limits are not request limits', async () => {
    expect(await lines('security/unbounded-request-body', 'src/a.ts', "export const client = axios.create({ maxContentLength: 100 * 1024 * 1024 });\napp.use(bodyParser.json({ limit: '20mb' }));\n")).toEqual([2]);
  });
});

describe('config files', () => {
  it('committed-env-file: templates, test files and dev defaults are fine', async () => {
    expect(await lines('security/committed-env-file', '.env.test', 'JWT_SECRET=test-secret-123\n')).toEqual([]);
    expect(await lines('security/committed-env-file', 'web/.env.development', 'API_TOKEN=dev-token\n')).toEqual([]);
    expect(await lines('security/committed-env-file', 'services/api/.env.production', 'PORT=80\nDB_PASSWORD=Kq2p9x\n')).toEqual([2]);
  });
  it('plaintext-secret-in-manifest: templated values and SealedSecrets are fine; base64 data is decoded', async () => {
    const secret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\ndata:\n  DB_PASSWORD: ${Buffer.from('ord-24').toString('base64')}\n  API_TOKEN: ${Buffer.from('changeme').toString('base64')}\nstringData:\n  JWT_SECRET: "{{ .Values.jwtSecret }}"\n`;
    expect(await lines('security/plaintext-secret-in-manifest', 'k8s/secret.yaml', secret)).toEqual([6]);
    expect(await lines('security/plaintext-secret-in-manifest', 'k8s/sealed.yaml', 'apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nspec:\n  encryptedData:\n    DB_PASSWORD: AgBy8hCi0Fq\n')).toEqual([]);
  });
  it('dockerfile-secret: ARG without a default and values from build args are fine', async () => {
    expect(await lines('security/dockerfile-secret', 'Dockerfile', 'FROM node:20\nARG NPM_TOKEN\nENV API_KEY=$API_KEY\nENV DB_PASSWORD pw-12345\nUSER node\n')).toEqual([4]);
  });
  it('container-runs-as-root: USER root is flagged, dev images are not, node images get a fix', async () => {
    expect(await lines('security/container-runs-as-root', 'Dockerfile', 'FROM python:3.12\nUSER root\nCMD ["python", "app.py"]\n')).toEqual([1]);
    expect(await lines('security/container-runs-as-root', 'Dockerfile.dev', 'FROM node:20\nCMD ["npm", "run", "dev"]\n')).toEqual([]);
    expect(await fixed('security/container-runs-as-root', 'Dockerfile', 'FROM node:20-alpine\nCOPY . .\nCMD ["node", "server.js"]\n')).toBe('FROM node:20-alpine\nCOPY . .\nUSER node\nCMD ["node", "server.js"]\n');
  });
  it('test files and node_modules are never analysed', async () => {
    const code = "export const ssl = { rejectUnauthorized: false };\n";
    expect(await run('security/tls-verification-disabled', 'src/db.test.ts', code)).toEqual([]);
    expect(await run('security/tls-verification-disabled', 'node_modules/pg/lib/x.js', code)).toEqual([]);
    expect(await run('security/tls-verification-disabled', 'test/helpers/db.ts', code)).toEqual([]);
  });
});

describe('security/jwt-unsafe configuration objects', () => {
  it('flags literal secrets in JwtModule, @fastify/jwt and passport-jwt, not environment lookups', async () => {
    const code = [
      "import jwt from '@fastify/jwt';",
      "JwtModule.register({ secret: 'dev-secret', signOptions: { expiresIn: '15m' } });",
      "JwtModule.register({ secret: process.env.JWT_SECRET });",
      "app.register(jwt, { secret: 'my-app-secret' });",
      "export const opts = { jwtFromRequest: fromHeader, secretOrKey: 'shh' };",
      "export const other = { secret: 'not-jwt' };",
    ].join('\n');
    expect(await lines('security/jwt-unsafe', 'src/a.ts', code)).toEqual([2, 4, 5]);
  });
});

describe('text rules skip test fixtures', () => {
  it('does not report secrets or TLS settings in test and e2e folders', async () => {
    expect(await lines('security/plaintext-secret-in-manifest', 'test/fixtures/k8s.yaml', 'apiVersion: v1\nkind: ConfigMap\ndata:\n  DB_PASSWORD: ord-24x\n')).toEqual([]);
    expect(await lines('security/committed-env-file', 'e2e/.env', 'DB_PASSWORD=Kq2p9x\n')).toEqual([]);
    expect(await lines('security/container-runs-as-root', 'tests/docker/Dockerfile', 'FROM node:20\nCMD ["node"]\n')).toEqual([]);
  });
});

describe('security/container-runs-as-root stages', () => {
  it('a final stage built from an earlier stage inherits its USER', async () => {
    const dockerfile = 'FROM node:20-slim AS base\nRUN useradd -r app\nUSER app\n\nFROM base AS release\nCOPY dist ./dist\nCMD ["node", "dist/server.js"]\n';
    expect(await lines('security/container-runs-as-root', 'Dockerfile', dockerfile)).toEqual([]);
    expect(await lines('security/container-runs-as-root', 'Dockerfile', 'FROM node:20 AS base\nUSER node\nFROM base\nUSER root\nCMD ["node"]\n')).toEqual([3]);
  });
});

describe('security/tls-verification-disabled in local files', () => {
  it('does not report NODE_TLS_REJECT_UNAUTHORIZED in local compose or CI files', async () => {
    expect(await lines('security/tls-verification-disabled', 'docker-compose.local.yml', 'services:\n  api:\n    environment:\n      NODE_TLS_REJECT_UNAUTHORIZED: "0"\n')).toEqual([]);
    expect(await lines('security/tls-verification-disabled', 'deploy/prod.yml', 'services:\n  api:\n    environment:\n      NODE_TLS_REJECT_UNAUTHORIZED: "0"\n')).toEqual([4]);
  });
});
