import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RULES } from '../checks/index.js';
import { validateConfig } from '../src/config/load.js';
import { review } from '../src/engine.js';
import { scanPaths } from '../src/sources/local.js';

const ROOT = fileURLToPath(new URL('../fixtures/sample-service/', import.meta.url));

// Notices that are acceptable on the clean service, each with the reason. Empty on purpose:
// add an entry only with a justification a reviewer would accept.
const JUSTIFIED_NOTICES: { ruleId: string; path: string; why: string }[] = [];

describe('clean sample service (Express, NestJS and a Fastify service)', () => {
  it('produces no errors or warnings with every rule enabled', async () => {
    const changeSet = await scanPaths(['.'], ROOT, 1024 * 1024);
    const result = await review(changeSet, validateConfig({}));
    const serious = result.findings.filter((f) => f.severity !== 'notice').map((f) => `${f.ruleId} ${f.path}:${f.startLine} ${f.message}`);
    expect(serious).toEqual([]);
    const notices = result.findings.filter((f) => f.severity === 'notice' && !JUSTIFIED_NOTICES.some((j) => j.ruleId === f.ruleId && j.path === f.path));
    expect(notices.map((f) => `${f.ruleId} ${f.path}:${f.startLine} ${f.message}`)).toEqual([]);
  });

  it('is actually analysed: every code file parsed and the code rules reached it', async () => {
    const changeSet = await scanPaths(['.'], ROOT, 1024 * 1024);
    const code = changeSet.files.filter((f) => f.path.endsWith('.ts'));
    expect(code.length).toBeGreaterThanOrEqual(25);
    expect(RULES.filter((r) => r.code).length).toBeGreaterThan(20);
    // A deliberately broken copy of one file must be caught, so the clean result above is not vacuous.
    const repo = code.find((f) => f.path === 'express/src/repositories/orders.ts')!;
    const broken = repo.content!.replace("'SELECT id, customer_id, status, total_cents, created_at FROM orders WHERE id = $1 AND customer_id = $2'", "`SELECT * FROM orders WHERE id = '${id}' AND customer_id = $2`");
    expect(broken).not.toEqual(repo.content);
    const result = await review({ ...changeSet, files: changeSet.files.map((f) => (f === repo ? { ...f, content: broken } : f)) }, validateConfig({}));
    expect(result.findings.map((f) => `${f.ruleId} ${f.path}`)).toContain('security/sql-injection express/src/repositories/orders.ts');
  });

  it('contains the practices the rules look for', () => {
    const read = (p: string) => readFileSync(`${ROOT}${p}`, 'utf8');
    expect(read('express/src/routes/auth.ts')).toMatch(/BCRYPT_COST = 12/);
    expect(read('express/src/db.ts')).toMatch(/max: 20/);
    expect(read('express/src/clients/payments.ts')).toMatch(/timeout: 3_000/);
    expect(read('nest/src/main.ts')).toMatch(/setGlobalPrefix\('v1'/);
  });
});
