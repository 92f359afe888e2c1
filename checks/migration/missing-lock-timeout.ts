import { defineRule } from '../../src/rule.js';
import { describeLock, statementLock } from '../../src/analyzers/sql/locks.js';
import type { Migration } from '../../src/analyzers/sql/migration.js';
import { insertBefore } from '../../src/analyzers/sql/fix.js';
import { GUIDE, indentOf, isJsMigration, names, ownsLines, forwardOnly } from '../../src/analyzers/sql/rule-helpers.js';

const reported = new WeakSet<Migration>();

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/missing-lock-timeout',
    area: 'migration',
    severity: 'warning',
    title: 'Strong lock on an existing table without lock_timeout',
    guidance: GUIDE.checklist,
    checklist: ['migration.short-locks'],
    description:
      'A statement that needs an ACCESS EXCLUSIVE or SHARE lock first waits for every query already running on the table; meanwhile every new query on the table queues behind it, so one slow report turns a quick ALTER into an outage. Set lock_timeout first so the migration gives up after a few seconds and can be retried. Reported once per migration, at the first such statement; statements on tables created in the same migration do not count. A `SET LOCAL lock_timeout` (or `set_config(…, true)`) only lasts until its transaction ends, so statements after the COMMIT count as unprotected, and in a migration the runner is known to run outside a transaction it does nothing at all.',
    examples: {
      bad: [
        { path: 'db/migrations/0070_col.sql', code: 'ALTER TABLE orders ADD COLUMN note text;\n' },
        { path: 'db/migrations/0071_drop.sql', code: "SET statement_timeout = '30s';\nALTER TABLE orders DROP COLUMN legacy_flag;\nALTER TABLE orders DROP COLUMN legacy_note;\n" },
        {
          path: 'db/migrations/0075_two_steps.sql',
          code: "BEGIN;\nSET LOCAL lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;\nALTER TABLE orders DROP COLUMN legacy_note;\n",
          note: 'SET LOCAL ended with the first transaction; the DROP COLUMN after COMMIT runs without a lock_timeout.',
        },
      ],
      good: [
        { path: 'db/migrations/0070_col.sql', code: "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN note text;\n" },
        { path: 'db/migrations/0072_new.sql', code: 'CREATE TABLE shipments (id bigint PRIMARY KEY, order_id bigint);\nCREATE INDEX shipments_order_idx ON shipments (order_id);\n' },
        { path: 'db/migrations/0073_idx.sql', code: 'CREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);\n', note: 'SHARE UPDATE EXCLUSIVE does not block reads or writes.' },
        { path: 'db/migrations/0074_cfg.sql', code: "SELECT set_config('lock_timeout', '3s', false);\nALTER TABLE orders ALTER COLUMN note SET DEFAULT '';\n" },
        {
          path: 'db/migrations/0076_local.sql',
          code: "BEGIN;\nSET LOCAL lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN note text;\nALTER TABLE orders DROP COLUMN legacy_note;\nCOMMIT;\n",
          note: 'SET LOCAL covers every statement up to the COMMIT.',
        },
      ],
    },
  },
  sql: {
    check(stmt, ctx) {
      const m = ctx.migration;
      if (ctx.state.lockTimeoutSet || reported.has(m)) return;
      const lock = statementLock(stmt.kind, stmt.ast);
      if (!lock || (lock.mode !== 'AccessExclusiveLock' && lock.mode !== 'ShareLock')) return;
      if (lock.table && ctx.state.isNewTable(lock.table)) return;
      if (!lock.table && stmt.kind === 'DropStmt') {
        const indexes = (stmt.ast.objects ?? []).map((o: any) => names(o?.List?.items).pop() ?? '');
        if (indexes.every((i: string) => ctx.state.newIndexes.has(i))) return;
      }
      if (stmt.kind === 'TruncateStmt' && (stmt.ast.relations ?? []).every((r: any) => ctx.state.isNewTable(r.RangeVar))) return;
      reported.add(m);
      const where = lock.table ? describeLock(lock.key, lock.name) : describeLock(lock.key, "the index's table").replace(/`/g, '');
      // In Flyway, SET next to a CREATE INDEX that becomes CONCURRENTLY would make the file
      // mix transactional and non-transactional statements, which Flyway refuses by default.
      const flywayIndex = m.framework === 'flyway' && stmt.kind === 'IndexStmt';
      // In golang-migrate, a second statement makes the file one implicit transaction, so
      // CREATE INDEX / DROP INDEX there could no longer become CONCURRENTLY.
      const golangIndex = m.framework === 'golang-migrate' && (stmt.kind === 'IndexStmt' || lock.key === 'dropIndex') && !ctx.state.oneQuery;
      const canFix = !isJsMigration(m) && !flywayIndex && !golangIndex && ownsLines(m, stmt);
      const lapsed = ctx.state.lockTimeoutLapsed;
      ctx.report({
        startLine: stmt.startLine,
        endLine: stmt.endLine,
        message:
          `This statement ${where}, and no lock_timeout is in effect${lapsed ? ` (${lapsed})` : ''}: while it waits for queries already running on the table, every new query queues behind it, so a slow query turns this into an outage. ` +
          (lapsed
            ? `Set it again just before this statement with \`SET lock_timeout = '5s';\` so it gives up instead, and retry the deploy.`
            : `Start the migration with \`SET lock_timeout = '5s';\` so it gives up instead, and retry the deploy.`) +
          (isJsMigration(m) ? (lapsed ? ' In a JS/TS migration run it as a query of its own just before this one.' : ' In a JS/TS migration run it as the first query of `up`.') : ''),
        fix: canFix ? insertBefore(m.lines, stmt.startLine, `${indentOf(m, stmt)}SET lock_timeout = '5s';`) : undefined,
      });
    },
  },
}));
