import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATION_RULES } from '../../checks/migration/index.js';
import { LOCKS, lockName } from '../../src/analyzers/sql/locks.js';
import { applyFix } from '../../src/examples.js';
import { review } from '../../src/engine.js';
import { validateConfig } from '../../src/config/load.js';
import { CORPUS, reviewCorpus } from './corpus-helpers.js';

// The SQL corpus in fixtures/migrations/sql: Prisma, hand-written SQL (views, triggers,
// PL/pgSQL, backfills, RLS, partitions, COPY), golang-migrate, Flyway and Supabase. Every
// finding below was reviewed by hand; files that follow the safe patterns (same-migration
// tables, NOT VALID + VALIDATE, batched backfills, CONCURRENTLY outside a transaction,
// binary-compatible type changes) must stay quiet. A change here is a behaviour change.
const SQL_RULES = new Set<string>([
  ...MIGRATION_RULES.map((r) => r.meta.id).filter((id) => id !== 'migration/missing-down-migration' && id !== 'migration/dropped-column-still-referenced'),
]);

const EXPECTED = [
  'migration/timestamp-without-time-zone:app/db/migrations/0002_create_orders.sql:7',
  'migration/add-column-volatile-default:app/db/migrations/0007_orders_quick_fixes.sql:2',
  'migration/missing-lock-timeout:app/db/migrations/0007_orders_quick_fixes.sql:2',
  'migration/set-not-null:app/db/migrations/0007_orders_quick_fixes.sql:3',
  'migration/add-check-validating:app/db/migrations/0007_orders_quick_fixes.sql:4',
  'migration/create-index-non-concurrent:app/db/migrations/0007_orders_quick_fixes.sql:5',
  'migration/unbatched-backfill:app/db/migrations/0007_orders_quick_fixes.sql:6',
  'migration/alter-column-type:app/db/migrations/0008_orders_note_text.sql:7',
  'migration/int-primary-key:app/db/migrations/0009_invoices.sql:4',
  'migration/money-as-float:app/db/migrations/0009_invoices.sql:6',
  'migration/timestamp-without-time-zone:app/db/migrations/0009_invoices.sql:8',
  'migration/concurrent-in-transaction:app/db/migrations/0010_invoices_order_index.sql:2',
  'migration/table-without-primary-key:app/db/migrations/0011_audit_log.sql:1',
  'migration/drop-column:app/db/migrations/0012_contract_username.sql:5',
  'migration/missing-lock-timeout:app/db/migrations/0013_rename_and_cleanup.sql:1',
  'migration/rename-column:app/db/migrations/0013_rename_and_cleanup.sql:1',
  'migration/rename-table:app/db/migrations/0013_rename_and_cleanup.sql:2',
  'migration/drop-index-non-concurrent:app/db/migrations/0013_rename_and_cleanup.sql:3',
  'migration/truncate:app/db/migrations/0013_rename_and_cleanup.sql:4',
  'migration/foreign-key-without-index:app/db/migrations/0015_tenancy_rls.sql:3',
  'migration/unbatched-backfill:app/db/migrations/0018_purge_and_flags.sql:2',
  'migration/unbatched-backfill:app/db/migrations/0018_purge_and_flags.sql:5',
  'migration/enum-type:app/db/migrations/0019_status_enum.sql:1',
  'migration/foreign-key-without-index:app/db/migrations/0019_status_enum.sql:10',
  'migration/add-unique-constraint:app/db/migrations/0021_unique_email.sql:2',
  'migration/int-primary-key:flyway/src/main/resources/db/migration/V2__stock_reservations.sql:2',
  'migration/timestamp-without-time-zone:flyway/src/main/resources/db/migration/V2__stock_reservations.sql:5',
  'migration/unbatched-backfill:flyway/src/main/resources/db/migration/V4__warehouse_region.sql:3',
  'migration/set-not-null:flyway/src/main/resources/db/migration/V4__warehouse_region.sql:4',
  'migration/create-index-non-concurrent:flyway/src/main/resources/db/migration/V5__reservation_index.sql:1',
  'migration/missing-lock-timeout:flyway/src/main/resources/db/migration/V5__reservation_index.sql:1',
  'migration/missing-lock-timeout:golang/migrations/000004_customers_phone.up.sql:1',
  'migration/missing-lock-timeout:golang/migrations/000005_subscriptions_price_cents.up.sql:2',
  'migration/unbatched-backfill:golang/migrations/000005_subscriptions_price_cents.up.sql:3',
  'migration/set-not-null:golang/migrations/000005_subscriptions_price_cents.up.sql:4',
  'migration/missing-lock-timeout:golang/migrations/000006_customers_email_citext.up.sql:2',
  'migration/alter-column-type:golang/migrations/000006_customers_email_citext.up.sql:3',
  // golang-migrate sends the three statements as one query, which Postgres runs as one
  // transaction, so the CONCURRENTLY build is refused (000003 holds it alone and is fine).
  'migration/concurrent-in-transaction:golang/migrations/000007_subscriptions_renewal_at.up.sql:3',
  // A CHECK inside ADD COLUMN reads every row under ACCESS EXCLUSIVE; the REFERENCES on the
  // next line has no default, so Postgres skips its check and only the missing index is reported.
  'migration/add-check-validating:golang/migrations/000008_subscriptions_seats.up.sql:2',
  'migration/foreign-key-without-index:golang/migrations/000008_subscriptions_seats.up.sql:3',
  'migration/enum-type:prisma/migrations/20240105093000_init/migration.sql:2',
  'migration/int-primary-key:prisma/migrations/20240105093000_init/migration.sql:6',
  'migration/timestamp-without-time-zone:prisma/migrations/20240105093000_init/migration.sql:11',
  'migration/timestamp-without-time-zone:prisma/migrations/20240105093000_init/migration.sql:12',
  'migration/int-primary-key:prisma/migrations/20240105093000_init/migration.sql:19',
  'migration/foreign-key-without-index:prisma/migrations/20240105093000_init/migration.sql:32',
  'migration/enum-type:prisma/migrations/20240301110000_order_status/migration.sql:2',
  'migration/missing-lock-timeout:prisma/migrations/20240301110000_order_status/migration.sql:5',
  'migration/add-column-required:prisma/migrations/20240415083000_user_handle/migration.sql:8',
  'migration/missing-lock-timeout:prisma/migrations/20240415083000_user_handle/migration.sql:8',
  'migration/create-index-non-concurrent:prisma/migrations/20240520160000_order_index/migration.sql:2',
  'migration/missing-lock-timeout:prisma/migrations/20240520160000_order_index/migration.sql:2',
  'migration/drop-column:prisma/migrations/20240611120000_drop_nickname/migration.sql:8',
  'migration/missing-lock-timeout:prisma/migrations/20240611120000_drop_nickname/migration.sql:8',
  'migration/money-as-float:prisma/migrations/20240702090000_product_price/migration.sql:5',
  'migration/missing-lock-timeout:prisma/migrations/20240702090000_product_price/migration.sql:14',
  'migration/enum-type:prisma/migrations/20240810100000_role_enum/migration.sql:3',
  'migration/missing-lock-timeout:prisma/migrations/20240810100000_role_enum/migration.sql:4',
  'migration/alter-column-type:prisma/migrations/20240810100000_role_enum/migration.sql:5',
  'migration/foreign-key-without-index:supabase/migrations/20240915090000_todos.sql:3',
  'migration/missing-lock-timeout:supabase/migrations/20241002100000_todos_priority.sql:1',
  'migration/set-not-null:supabase/migrations/20241002100000_todos_priority.sql:2',
];

describe('SQL migration corpus', () => {
  it('reports exactly the reviewed findings', async () => {
    const findings = await reviewCorpus();
    expect(findings.filter((f) => f.ruleId.startsWith('backend-review/'))).toEqual([]);
    const got = findings.filter((f) => SQL_RULES.has(f.ruleId)).map((f) => `${f.ruleId}:${f.path}:${f.startLine}`);
    expect(got).toEqual(EXPECTED);
  });

  it('every lock a message names is a mode from the lock table', async () => {
    const known = new Set(Object.values(LOCKS).map(lockName));
    const named = (await reviewCorpus()).flatMap((f) => [...f.message.matchAll(/\b(?:takes|holds) an? ([A-Z][A-Z ]+[A-Z]) lock/g)].map((m) => m[1]));
    expect(named.length).toBeGreaterThan(20);
    for (const n of named) expect(known, n).toContain(n);
  });

  it('every suggested fix applies cleanly and resolves its finding', async () => {
    const findings = (await reviewCorpus()).filter((f) => f.fix && SQL_RULES.has(f.ruleId));
    expect(findings.length).toBeGreaterThan(5);
    for (const f of findings) {
      const original = readFileSync(join(CORPUS, f.path), 'utf8');
      const fixed = applyFix(original, f);
      expect(fixed).not.toEqual(original);
      const rule = MIGRATION_RULES.find((r) => r.meta.id === f.ruleId)!;
      const again = await review(
        { mode: 'scan', files: [{ path: f.path, status: 'added', content: fixed, changedLines: 'all' }] },
        validateConfig({}, 'fix'),
        { rules: [rule] },
      );
      const sameSpot = again.findings.filter((g) => g.ruleId === f.ruleId && g.startLine >= f.fix!.startLine && g.startLine <= f.fix!.startLine + f.fix!.replacement.split('\n').length - 1);
      expect(sameSpot.map((g) => `${g.path}:${g.startLine} ${g.message}`), `${f.ruleId} at ${f.path}:${f.startLine}`).toEqual([]);
    }
  });
});
