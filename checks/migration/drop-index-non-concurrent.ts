import { defineRule } from '../../src/rule.js';
import { lockName, lockOf } from '../../src/analyzers/sql/locks.js';
import { rewriteLines } from '../../src/analyzers/sql/fix.js';
import { GUIDE, names, noTransactionAdvice, transactionCause, forwardOnly } from '../../src/analyzers/sql/rule-helpers.js';

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/drop-index-non-concurrent',
    area: 'migration',
    severity: 'warning',
    title: 'Index dropped without CONCURRENTLY',
    guidance: GUIDE.onlineDdl,
    checklist: ['migration.concurrent-indexes'],
    description:
      'A plain DROP INDEX takes an ACCESS EXCLUSIVE lock on the index’s table. The drop itself is quick, but it first waits for every running query on the table, and every query that arrives meanwhile queues behind it: a long report turns into a full outage. DROP INDEX CONCURRENTLY waits without blocking reads or writes. Indexes created earlier in the same migration are not flagged.',
    examples: {
      bad: [
        { path: 'db/migrations/0005_drop_idx.sql', code: 'DROP INDEX orders_status_idx;\n' },
        { path: 'db/migrations/0006_drop_idx.sql', code: 'DROP INDEX IF EXISTS public.orders_legacy_idx;\n' },
      ],
      good: [
        { path: 'db/migrations/0005_drop_idx.sql', code: 'DROP INDEX CONCURRENTLY orders_status_idx;\n' },
        {
          path: 'db/migrations/0004_swap_idx.sql',
          code: 'CREATE TABLE tmp_import (id bigint PRIMARY KEY, sku text);\nCREATE INDEX tmp_import_sku_idx ON tmp_import (sku);\nDROP INDEX tmp_import_sku_idx;\n',
          note: 'The index was created in the same migration, on a new table.',
        },
      ],
    },
  },
  sql: {
    kinds: ['DropStmt'],
    check(stmt, ctx) {
      const a = stmt.ast;
      if (a.removeType !== 'OBJECT_INDEX' || a.concurrent) return;
      const indexes = (a.objects ?? []).map((o: any) => names(o?.List?.items).pop() ?? '');
      if (indexes.length === 0 || indexes.every((i: string) => ctx.state.newIndexes.has(i))) return;
      const mode = lockName(lockOf('dropIndex').mode);
      const m = ctx.migration;
      const single = indexes.length === 1 && a.behavior !== 'DROP_CASCADE';
      const canFix = !ctx.state.inTransaction && single;
      let extra = '';
      if (!single) extra = ' CONCURRENTLY drops one index per statement and does not allow CASCADE, so split it up.';
      else if (ctx.state.inTransaction) extra = ` CONCURRENTLY cannot run inside a transaction and ${transactionCause(m, ctx.state)}: ${noTransactionAdvice(m, ctx.state).replace(/^./, (c) => c.toLowerCase())}.`;
      ctx.report({
        startLine: stmt.startLine,
        endLine: stmt.endLine,
        message:
          `\`DROP INDEX ${indexes.join(', ')}\` takes an ${mode} lock on the index's table: it waits for every running query there, and all reads and writes queue behind it until the drop is done. ` +
          `Use \`DROP INDEX CONCURRENTLY\`, which waits for running queries without blocking reads or writes.${extra}`,
        fix: canFix ? rewriteLines(m.lines, stmt.startLine, stmt.endLine, /\b(DROP\s+INDEX)(?!\s+CONCURRENTLY)\b/i, '$1 CONCURRENTLY') : undefined,
      });
    },
  },
}));
