import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ts } from 'ts-morph';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/load.js';
import { review } from '../../src/engine.js';
import { applyFix } from '../../src/examples.js';
import { extractJsMigration } from '../../src/analyzers/sql/js-migration.js';
import type { ReviewResult } from '../../src/model.js';
import { scanPaths } from '../../src/sources/local.js';

// A corpus of Knex, TypeORM, Sequelize, Kysely, node-pg-migrate and MikroORM migrations written the
// way real projects write them, with the application code that reads their tables. Every
// finding below was reviewed by hand; a new or missing one fails the test, so it must be
// reviewed (and this list updated) on purpose. Where dropped-column-still-referenced fires,
// it supersedes the general drop-column/rename-column finding on the same statement.
const ROOT = fileURLToPath(new URL('../../fixtures/migrations/js/', import.meta.url));

const EXPECTED = [
  'migration/create-index-non-concurrent knex/migrations/20240301120000_index_orders_customer.js:3',
  'migration/missing-lock-timeout knex/migrations/20240301120000_index_orders_customer.js:3',
  'migration/drop-column knex/migrations/20240315100000_drop_users_legacy_phone.js:3',
  'migration/missing-lock-timeout knex/migrations/20240315100000_drop_users_legacy_phone.js:3',
  'migration/dropped-column-still-referenced knex/migrations/20240410000000_rename_orders_state.ts:5',
  'migration/missing-lock-timeout knex/migrations/20240410000000_rename_orders_state.ts:5',
  'migration/missing-down-migration knex/migrations/20240410000000_rename_orders_state.ts:9',
  'migration/unbatched-backfill knex/migrations/20240420000000_orders_status_not_null.js:3',
  'migration/missing-lock-timeout knex/migrations/20240420000000_orders_status_not_null.js:7',
  'migration/set-not-null knex/migrations/20240420000000_orders_status_not_null.js:7',
  'migration/unbatched-backfill knex/migrations/20240425000000_backfill_orders_total.js:5',
  'migration/unbatched-backfill knex/migrations/20240425000000_backfill_orders_total.js:6',
  'migration/create-index-non-concurrent kysely/migrations/2024_02_01_accounts_nickname_index.ts:6',
  'migration/dropped-column-still-referenced kysely/migrations/2024_03_01_drop_accounts_nickname.ts:4',
  'migration/missing-lock-timeout kysely/migrations/2024_03_01_drop_accounts_nickname.ts:4',
  'migration/missing-lock-timeout kysely/migrations/2024_03_15_accounts_plan.ts:8',
  'migration/int-primary-key node-pg-migrate/migrations/1710000000000_create-products.js:7',
  'migration/missing-lock-timeout node-pg-migrate/migrations/1710000200000_products-category.ts:5',
  'migration/create-index-non-concurrent node-pg-migrate/migrations/1710000200000_products-category.ts:7',
  'migration/alter-column-type node-pg-migrate/migrations/1710000300000_products-name-type.js:3',
  'migration/dropped-column-still-referenced node-pg-migrate/migrations/1710000300000_products-name-type.js:4',
  'migration/missing-down-migration node-pg-migrate/migrations/1710000300000_products-name-type.js:7',
  'migration/add-column-required sequelize/migrations/20240220090000-add-invoice-due-date.js:5',
  'migration/missing-lock-timeout sequelize/migrations/20240220090000-add-invoice-due-date.js:5',
  'migration/dropped-column-still-referenced sequelize/migrations/20240301090000-remove-invoice-legacy-ref.js:5',
  'migration/missing-lock-timeout sequelize/migrations/20240301090000-remove-invoice-legacy-ref.js:5',
  'migration/missing-lock-timeout sequelize/migrations/20240305090000-invoice-status.js:6',
  'migration/unbatched-backfill sequelize/migrations/20240305090000-invoice-status.js:8',
  'migration/missing-down-migration sequelize/migrations/20240305090000-invoice-status.js:16',
  'migration/missing-lock-timeout typeorm/migration/1700000000000-AddOrderCurrency.ts:7',
  'migration/add-foreign-key-validating typeorm/migration/1700000200000-OrderCustomerFk.ts:8',
  'migration/foreign-key-without-index typeorm/migration/1700000200000-OrderCustomerFk.ts:9',
  'migration/missing-down-migration typeorm/migration/1700000200000-OrderCustomerFk.ts:14',
  'migration/dropped-column-still-referenced typeorm/migration/1700000400000-DropOrderNotes.ts:5',
  'migration/missing-lock-timeout typeorm/migration/1700000400000-DropOrderNotes.ts:5',
  'migration/timestamp-without-time-zone typeorm/migration/1700000500000-OrderShippedAt.ts:9',
  'migration/create-index-non-concurrent typeorm/migration/1700000500000-OrderShippedAt.ts:11 [fix]',
  'migration/create-index-non-concurrent typeorm/migration/1700000600000-CustomerNameIndex.ts:5',
  'migration/missing-lock-timeout typeorm/migration/1700000600000-CustomerNameIndex.ts:5',
  'migration/add-foreign-key-validating node-pg-migrate/migrations/1710000400000_products-category-fk.js:2',
  'migration/enum-type typeorm/migration/1700000700000-OrderStatusEnum.ts:7',
  'migration/alter-column-type typeorm/migration/1700000700000-OrderStatusEnum.ts:9',
  'migration/missing-lock-timeout typeorm/migration/1700000700000-OrderStatusEnum.ts:9',
  // MikroORM wraps each migration in a transaction: the index cannot simply become CONCURRENTLY
  // there (Migration20240503090000 shows the opt-out with isTransactional() and stays quiet).
  'migration/missing-lock-timeout mikro-orm/migrations/Migration20240502090000.ts:6',
  'migration/add-foreign-key-validating mikro-orm/migrations/Migration20240502090000.ts:7',
  'migration/create-index-non-concurrent mikro-orm/migrations/Migration20240502090000.ts:8',
];

let result: ReviewResult;

beforeAll(async () => {
  const changeSet = await scanPaths(['.'], ROOT, 1024 * 1024);
  result = await review(changeSet, defaultConfig());
});

describe('JS/TS migration corpus', () => {
  it('produces exactly the reviewed findings', () => {
    const got = result.findings.map((f) => `${f.ruleId} ${f.path}:${f.startLine}${f.fix ? ' [fix]' : ''}`);
    expect([...got].sort()).toEqual([...EXPECTED].sort());
  });

  it('every migration file is recognised, with the framework of its folder', () => {
    const frameworks: Record<string, string> = { knex: 'knex', typeorm: 'typeorm', sequelize: 'sequelize', kysely: 'kysely', 'node-pg-migrate': 'node-pg-migrate', 'mikro-orm': 'mikro-orm' };
    for (const f of result.skipped) throw new Error(`skipped ${f.path}: ${f.reason}`);
    const migrations = scanMigrations();
    expect(migrations.length).toBeGreaterThanOrEqual(20);
    for (const { path, text } of migrations) {
      const m = extractJsMigration(path, text, defaultConfig());
      expect(m?.framework, path).toBe(frameworks[path.split('/')[0]]);
      expect(m?.errors, path).toEqual([]);
      // A batched backfill in a loop is deliberately not turned into statements.
      if (!path.includes('backfill_users_display_name')) expect(m?.statements.length, path).toBeGreaterThan(0);
    }
  });

  it('every suggested fix keeps the file valid TypeScript and its SQL parseable', () => {
    for (const f of result.findings.filter((x) => x.fix)) {
      const text = readFileSync(join(ROOT, f.path), 'utf8');
      const fixed = applyFix(text, f);
      const sf = ts.createSourceFile(f.path, fixed, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
      expect((sf as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics, f.path).toEqual([]);
      const m = extractJsMigration(f.path, fixed, defaultConfig())!;
      expect(m.errors).toEqual([]);
      expect(m.statements.length).toBe(extractJsMigration(f.path, text, defaultConfig())!.statements.length);
    }
  });
});

function scanMigrations(): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const fw of ['knex/migrations', 'typeorm/migration', 'sequelize/migrations', 'kysely/migrations', 'node-pg-migrate/migrations', 'mikro-orm/migrations']) {
    for (const name of readdirSync(join(ROOT, fw)).sort()) out.push({ path: `${fw}/${name}`, text: readFileSync(join(ROOT, fw, name), 'utf8') });
  }
  return out;
}
