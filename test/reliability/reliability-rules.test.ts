import { describe, expect, it } from 'vitest';
import { fixed, lines } from '../helpers/rule-run.js';

describe('reliability/missing-timeout', () => {
  const id = 'reliability/missing-timeout';
  it('accepts signals, timeouts, configured instances and options built elsewhere', async () => {
    const code = [
      "import axios from 'axios';",
      "import got from 'got';",
      "import https from 'node:https';",
      "const api = axios.create({ baseURL: 'https://api.example.com', timeout: 2000 });",
      'export async function a(init: RequestInit) {',
      "  await fetch('https://a.example.com', { signal: AbortSignal.timeout(1000) });",
      "  await fetch('https://a.example.com', init);",
      "  await api.get('/x');",
      "  await axios.get('https://b.example.com', { timeout: 1000 });",
      "  await got('https://c.example.com', { timeout: { request: 1000 } });",
      "  const req = https.request('https://d.example.com', (res) => res.resume());",
      '  req.setTimeout(1000, () => req.destroy());',
      '}',
    ].join('\n');
    expect(await lines(id, 'src/a.ts', code)).toEqual([]);
  });
  it('flags bare calls and axios instances created without a timeout, with exact fixes where mechanical', async () => {
    const code = "import axios from 'axios';\nconst api = axios.create({ baseURL: 'https://api.example.com' });\nexport async function a(url: string) {\n  await fetch(url);\n  await axios.post(url, { a: 1 });\n  await api.get('/x');\n}\n";
    expect(await lines(id, 'src/a.ts', code)).toEqual([4, 5, 6]);
    expect(await fixed(id, 'src/a.ts', "export async function a(url: string) {\n  return fetch(url);\n}\n")).toBe('export async function a(url: string) {\n  return fetch(url, { signal: AbortSignal.timeout(5000) });\n}\n');
    expect(await fixed(id, 'src/a.ts', "import axios from 'axios';\nexport const a = (url: string) => axios.post(url, { a: 1 });\n")).toContain("axios.post(url, { a: 1 }, { timeout: 5000 })");
  });
  it('respects axios.defaults.timeout and a global undici dispatcher in the file', async () => {
    expect(await lines(id, 'src/a.ts', "import axios from 'axios';\naxios.defaults.timeout = 3000;\nexport const a = (u: string) => axios.get(u);\n")).toEqual([]);
    expect(await lines(id, 'src/a.ts', "import { Agent, setGlobalDispatcher } from 'undici';\nsetGlobalDispatcher(new Agent({ headersTimeout: 5000, bodyTimeout: 5000 }));\nexport const a = (u: string) => fetch(u);\n")).toEqual([]);
  });
  it('does not read front-end code', async () => {
    expect(await lines(id, 'src/components/List.tsx', 'export const load = () => fetch("/api/items");\n')).toEqual([]);
  });
});

describe('reliability/retry-without-backoff', () => {
  const id = 'reliability/retry-without-backoff';
  it('flags fixed delays and backoff without jitter; accepts jitter, helpers and polling', async () => {
    const code = [
      "import { setTimeout as sleep } from 'node:timers/promises';",
      'const RETRY_DELAY_MS = 500;',
      'export async function a(op: () => Promise<void>) {',
      '  for (let attempt = 0; attempt < 3; attempt++) { try { return await op(); } catch { await sleep(RETRY_DELAY_MS); } }',
      '  let delay = 100;',
      '  for (let retries = 0; retries < 3; retries++) { try { return await op(); } catch { await sleep(delay); delay *= 2; } }',
      '  for (let attempt = 0; attempt < 3; attempt++) { try { return await op(); } catch { await sleep(backoff(attempt)); } }',
      '  for (let attempt = 0; attempt < 3; attempt++) { try { return await op(); } catch { await sleep(100 * 2 ** attempt + Math.random() * 100); } }',
      '  while (!(await ready())) await sleep(1000);',
      '}',
      'declare function backoff(n: number): number;',
      'declare function ready(): Promise<boolean>;',
    ].join('\n');
    expect(await lines(id, 'src/a.ts', code)).toEqual([4, 6]);
  });
});

describe('reliability/n-plus-one-query', () => {
  const id = 'reliability/n-plus-one-query';
  it('flags per-row queries in loops and in Promise.all(map) over query results, not over other arrays', async () => {
    const code = [
      'export async function a(prisma: any, ids: string[]) {',
      '  const users = await prisma.user.findMany({ take: 50 });',
      '  await Promise.all(users.map(async (u: any) => prisma.order.findMany({ where: { userId: u.id } })));',
      '  const more = await Promise.all(users.map(async (u: any) => await prisma.order.count({ where: { userId: u.id } })));',
      '  for (const id of ids) await prisma.user.findUnique({ where: { id } });',
      '  return more;',
      '}',
    ].join('\n');
    expect(await lines(id, 'src/a.ts', code)).toEqual([3, 4]);
  });
});

describe('reliability/oversized-pool', () => {
  const id = 'reliability/oversized-pool';
  it('knows pg, mysql2, knex, Mongo and Sequelize pool settings, not other `max` options', async () => {
    const code = [
      "import knex from 'knex';",
      "import mysql from 'mysql2/promise';",
      "export const db = knex({ client: 'pg', pool: { min: 2, max: 100 } });",
      'export const my = mysql.createPool({ connectionLimit: 80 });',
      "export const mongoOptions = { maxPoolSize: 200 };",
      'export const limiter = rateLimit({ windowMs: 60_000, max: 1000 });',
      'export const small = new Pool({ max: 10 });',
    ].join('\n');
    expect(await lines(id, 'src/a.ts', code)).toEqual([3, 4, 5]);
  });
});
