import { defineRule } from '../../src/rule.js';
import { GUIDE, isExisting, names, tableOf, walk, forwardOnly, quoteIdent } from '../../src/analyzers/sql/rule-helpers.js';

const isConstant = (n: any): boolean =>
  !!(n?.A_Const || n?.ParamRef || (n?.TypeCast && isConstant(n.TypeCast.arg)) || (n?.A_ArrayExpr && (n.A_ArrayExpr.elements ?? []).every(isConstant)));
/** A scalar subquery (`= (SELECT max(id) …)`) picks one value, like a constant. */
const isScalar = (n: any): boolean => isConstant(n) || n?.SubLink?.subLinkType === 'EXPR_SUBLINK';

/**
 * Whether the WHERE clause limits the statement to a batch or to a few known rows: a
 * LIMIT anywhere (subquery or CTE), a BETWEEN range, a column bounded on both sides, or
 * a column compared for equality with (or IN) constants.
 */
function bounded(stmt: any): boolean {
  let limited = false;
  walk(stmt, (key) => {
    if (key === 'limitCount') limited = true;
  });
  if (limited) return true;
  const where = stmt.whereClause;
  if (!where) return false;
  let ok = false;
  const lower = new Set<string>();
  const upper = new Set<string>();
  const visit = (n: any) => {
    const e = n?.A_Expr;
    if (!e) return;
    const op = names(e.name)[0];
    const col = e.lexpr?.ColumnRef ? names(e.lexpr.ColumnRef.fields).pop() : undefined;
    if (e.kind === 'AEXPR_BETWEEN' || e.kind === 'AEXPR_BETWEEN_SYM') ok = true;
    else if (e.kind === 'AEXPR_IN' && col && Array.isArray(e.rexpr?.List?.items ?? e.rexpr) && (e.rexpr?.List?.items ?? e.rexpr).every(isConstant)) ok = true;
    else if (e.kind === 'AEXPR_OP_ANY' && col && op === '=' && isConstant(e.rexpr)) ok = true;
    else if (e.kind === 'AEXPR_OP' && col && op === '=' && isScalar(e.rexpr)) ok = true;
    else if (e.kind === 'AEXPR_OP' && col && isConstant(e.rexpr)) {
      if (op === '=') ok = true;
      else if (op === '>' || op === '>=') lower.add(col);
      else if (op === '<' || op === '<=') upper.add(col);
    }
  };
  visit(where);
  walk(where, (key, value) => {
    if (key === 'A_Expr') visit({ A_Expr: value });
  });
  return ok || [...lower].some((c) => upper.has(c));
}

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/unbatched-backfill',
    area: 'migration',
    severity: 'warning',
    title: 'UPDATE or DELETE of a whole existing table in one statement',
    guidance: GUIDE.backfill,
    checklist: ['migration.batched-backfills'],
    description:
      'One UPDATE or DELETE over a whole table locks every row it touches until the transaction ends (and, inside a migration transaction, keeps any earlier DDL lock too), writes a new version of every row, bloats the table and its indexes, and floods replication. Backfill in batches of 1k–10k rows keyed by id, committing between batches. Statements limited by a LIMIT subquery, an id range, or equality with constants are not flagged, nor are tables created in the same migration.',
    examples: {
      bad: [
        { path: 'db/migrations/0080_backfill.sql', code: 'UPDATE users SET handle = lower(username) WHERE handle IS NULL;\n' },
        { path: 'db/migrations/0081_purge.sql', code: "DELETE FROM events WHERE created_at < now() - interval '90 days';\n" },
        { path: 'db/migrations/0082_all.sql', code: 'UPDATE orders SET currency = \'EUR\';\n' },
      ],
      good: [
        {
          path: 'db/migrations/0080_backfill.sql',
          code: 'UPDATE users SET handle = lower(username)\nWHERE id IN (SELECT id FROM users WHERE handle IS NULL ORDER BY id LIMIT 5000);\n',
        },
        { path: 'db/migrations/0083_range.sql', code: 'UPDATE users SET handle = lower(username) WHERE id >= 1 AND id < 10001 AND handle IS NULL;\n' },
        { path: 'db/migrations/0084_one.sql', code: "UPDATE settings SET value = 'on' WHERE key = 'new_checkout';\n" },
        { path: 'db/migrations/0085_new.sql', code: "CREATE TABLE plans (id bigint PRIMARY KEY, tier text);\nINSERT INTO plans VALUES (1, 'free');\nUPDATE plans SET tier = 'basic';\n" },
      ],
    },
  },
  sql: {
    kinds: ['UpdateStmt', 'DeleteStmt'],
    check(stmt, ctx) {
      const a = stmt.ast;
      if (!isExisting(ctx.state, a.relation) || bounded(a)) return;
      const table = tableOf(stmt);
      const t = quoteIdent(table);
      const verb = stmt.kind === 'UpdateStmt' ? 'UPDATE' : 'DELETE';
      const scope = a.whereClause ? 'every row that matches its WHERE clause' : 'every row of the table';
      const tx = ctx.state.inTransaction ? ' This migration runs in a transaction, so the row locks (and any lock taken by earlier statements) last until it commits.' : '';
      ctx.report({
        startLine: stmt.startLine,
        endLine: stmt.endLine,
        message:
          `This ${verb} on \`${table}\` touches ${scope} in one statement: it row-locks all of them until commit (blocking concurrent writes to those rows), writes a new version of each, and bloats the table and replication.${tx} ` +
          `Backfill in batches instead: \`${verb === 'UPDATE' ? `UPDATE ${t} SET … WHERE id IN (SELECT id FROM ${t} WHERE … ORDER BY id LIMIT 5000)` : `DELETE FROM ${t} WHERE id IN (SELECT id FROM ${t} WHERE … ORDER BY id LIMIT 5000)`}\` repeated until it affects no rows, committing and pausing between batches, from a script or job rather than the migration.`,
      });
    },
  },
}));
