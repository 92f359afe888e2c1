import { defineRule } from '../../src/rule.js';
import { REFERENCED_TABLE_LOCK, addColumnScans, describeLock, lockName, lockOf } from '../../src/analyzers/sql/locks.js';
import { GUIDE, alterCmds, isExisting, laterStep, laterTransactionAdvice, lineFix, notValidAddInSameTransaction, notValidFix, quoteIdent, tableOf, tableSql, forwardOnly } from '../../src/analyzers/sql/rule-helpers.js';

const ACTIONS: Record<string, string> = { r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

/**
 * `FOREIGN KEY (col) REFERENCES parent (id) ON DELETE …` for a REFERENCES written on a column,
 * or undefined when it uses a clause this does not reproduce.
 */
export function tableLevelForeignKey(column: string, c: any): string | undefined {
  if (c.fk_del_set_cols?.length) return undefined;
  const r = c.pktable;
  if (!r?.relname) return undefined;
  const target = (r.schemaname ? `${quoteIdent(String(r.schemaname))}.` : '') + quoteIdent(String(r.relname));
  const cols = (c.pk_attrs ?? []).map((x: any) => quoteIdent(String(x?.String?.sval ?? '')));
  let sql = `FOREIGN KEY (${quoteIdent(column)}) REFERENCES ${target}${cols.length ? ` (${cols.join(', ')})` : ''}`;
  if (c.fk_matchtype === 'f') sql += ' MATCH FULL';
  if (ACTIONS[c.fk_del_action]) sql += ` ON DELETE ${ACTIONS[c.fk_del_action]}`;
  if (ACTIONS[c.fk_upd_action]) sql += ` ON UPDATE ${ACTIONS[c.fk_upd_action]}`;
  if (c.deferrable) sql += c.initdeferred ? ' DEFERRABLE INITIALLY DEFERRED' : ' DEFERRABLE';
  return sql;
}

/** The name Postgres gives a column constraint left unnamed (`<table>_<column>_fkey`), when short enough not to be truncated. */
export function defaultConstraintName(table: string, column: string, suffix: 'fkey' | 'check'): string | undefined {
  const name = `${table}_${column}_${suffix}`;
  return Buffer.byteLength(name) <= 63 ? name : undefined;
}

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/add-foreign-key-validating',
    area: 'migration',
    severity: 'error',
    title: 'Foreign key validated while it is added to an existing table',
    guidance: GUIDE.onlineDdl,
    checklist: ['migration.short-locks'],
    description:
      'ADD FOREIGN KEY checks every existing row while it holds a SHARE ROW EXCLUSIVE lock on both the table and the referenced table, so writes to both stop for the whole scan. Add the constraint NOT VALID (instant: only new rows are checked), then VALIDATE CONSTRAINT in a separate step, which takes a weaker lock that lets reads and writes continue. The same holds for `ADD COLUMN … REFERENCES` when the new column gets a default (even `DEFAULT NULL`), identity, generated or serial value: the check of the existing rows then runs under the ACCESS EXCLUSIVE lock of ADD COLUMN. Without a default every existing row is NULL and Postgres skips the check, so that form is not flagged. A VALIDATE that runs in the same transaction as its ADD … NOT VALID (between BEGIN and COMMIT, under a runner that wraps the file, or in a golang-migrate file of several statements) is flagged too: the first lock is still held during the scan. Foreign keys on tables created in the same migration (or by a migration file the same pull request adds) are not flagged.',
    examples: {
      bad: [
        {
          path: 'db/migrations/0060_fk.sql',
          code: 'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);\n',
        },
        {
          path: 'prisma/migrations/20240701_fk/migration.sql',
          code: '-- AddForeignKey\nALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;\n',
          note: 'Inside the Prisma transaction the fix adds NOT VALID; VALIDATE goes in the next migration.',
        },
        {
          path: 'db/migrations/0064_orders_region.sql',
          code: "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN region_id bigint NOT NULL DEFAULT 1 REFERENCES regions (id);\n",
          note: 'The default fills every existing row, so Postgres checks them all while ADD COLUMN holds ACCESS EXCLUSIVE.',
        },
        {
          path: 'db/migrations/0068_orders_coupon.sql',
          code: "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN coupon_id bigint DEFAULT NULL REFERENCES coupons (id);\n",
          note: 'DEFAULT NULL alone turns the check of every row on; the fix removes it.',
        },
        {
          path: 'db/migrations/000021_orders_customer_fk.up.sql',
          code: "SET lock_timeout = '5s';\nALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;\n",
          note: 'golang-migrate runs the whole file as one transaction, so VALIDATE scans while the NOT VALID lock is still held.',
        },
      ],
      good: [
        {
          path: 'db/migrations/0060_fk.sql',
          code: 'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;\n',
        },
        {
          path: 'prisma/migrations/20240702_init/migration.sql',
          code: 'CREATE TABLE "Comment" ("id" BIGSERIAL NOT NULL, "postId" BIGINT NOT NULL, CONSTRAINT "Comment_pkey" PRIMARY KEY ("id"));\nALTER TABLE "Comment" ADD CONSTRAINT "Comment_postId_fkey" FOREIGN KEY ("postId") REFERENCES "Post"("id") ON DELETE CASCADE ON UPDATE CASCADE;\n',
          note: 'The referencing table is created in the same migration, so there is nothing to scan.',
        },
        {
          path: 'db/migrations/0065_orders_coupon.sql',
          code: "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);\n",
          note: 'A column added without a default is NULL in every row: Postgres marks the foreign key valid without reading the table.',
        },
        {
          path: 'db/migrations/000022_orders_customer_fk_validate.up.sql',
          code: 'ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;\n',
          note: 'VALIDATE in a file of its own, after the NOT VALID one has committed.',
        },
      ],
    },
  },
  sql: {
    kinds: ['AlterTableStmt'],
    check(stmt, ctx) {
      if (!isExisting(ctx.state, stmt.ast.relation)) return;
      const table = tableOf(stmt);
      for (const cmd of alterCmds(stmt)) {
        for (const found of addColumnScans(cmd)) {
          if (found.kind !== 'foreign') continue;
          const c = found.constraint;
          const column = String(found.def.colname);
          const ref = String(c.pktable?.relname ?? '');
          const conname = c.conname ? String(c.conname) : defaultConstraintName(String(stmt.ast.relation?.relname ?? ''), column, 'fkey');
          const name = conname ? quoteIdent(conname) : '<constraint>';
          const fk = tableLevelForeignKey(column, c);
          const add = fk ? `\`ALTER TABLE ${tableSql(stmt)} ADD CONSTRAINT ${name} ${fk} NOT VALID;\`` : 'the same foreign key as `ADD CONSTRAINT … NOT VALID`';
          const where = laterStep(ctx.migration, ctx.state);
          const defaults = (found.def.constraints ?? []).filter((x: any) => ['CONSTR_DEFAULT', 'CONSTR_IDENTITY', 'CONSTR_GENERATED'].includes(x?.Constraint?.contype));
          const nullDefault = defaults.length === 1 && defaults[0].Constraint.contype === 'CONSTR_DEFAULT' && defaults[0].Constraint.raw_expr?.A_Const?.isnull ? defaults[0].Constraint : undefined;
          const explicitNull = nullDefault !== undefined;
          // `DEFAULT NULL` changes nothing but makes Postgres check the rows: removing it is the whole fix.
          const fix = nullDefault ? lineFix(ctx.migration, stmt.lineAt(nullDefault.location), /\s+DEFAULT\s+NULL\b/i, () => '') : undefined;
          ctx.report({
            startLine: stmt.startLine,
            endLine: stmt.endLine,
            message:
              `Because \`${column}\` is added with a ${explicitNull ? '`DEFAULT NULL`' : 'default or generated value'} and a REFERENCES clause, Postgres checks every existing row of \`${table}\` against \`${ref}\` during this ALTER TABLE, which ${describeLock('addColumnReferences', table)}, for the whole scan; \`${ref}\` gets a ${lockName(REFERENCED_TABLE_LOCK)} lock that blocks writes to it meanwhile. ` +
              (explicitNull ? 'Drop `DEFAULT NULL` (a column added without a default is all NULL, so Postgres skips the check), or ' : '') +
              `${explicitNull ? 'add' : 'Add'} the column without REFERENCES, then ${add} (instant: only new rows are checked), then \`ALTER TABLE ${tableSql(stmt)} VALIDATE CONSTRAINT ${name};\`${where}: validation takes a ${lockName(lockOf('validateConstraint').mode)} lock that lets reads and writes continue.`,
            fix,
          });
        }
        if (cmd.subtype === 'AT_ValidateConstraint' && cmd.name) {
          const same = notValidAddInSameTransaction(ctx.migration, stmt, ctx.state, String(cmd.name));
          if (same && same.constraint.contype === 'CONSTR_FOREIGN') {
            ctx.report({
              startLine: stmt.startLine,
              endLine: stmt.endLine,
              message:
                `This VALIDATE runs in the same transaction as the \`ADD CONSTRAINT ${quoteIdent(String(cmd.name))} … NOT VALID\` on line ${same.stmt.startLine}, which still holds its ${lockName(lockOf('addForeignKeyNotValid').mode)} locks on \`${table}\` and \`${String(same.constraint.pktable?.relname ?? '')}\`: writes to both stop for the whole validation scan, as if NOT VALID had not been used. ` +
                `${laterTransactionAdvice(ctx.migration, ctx.state)}, where it takes only a ${lockName(lockOf('validateConstraint').mode)} lock and lets reads and writes continue.`,
            });
          }
          continue;
        }
        if (cmd.subtype !== 'AT_AddConstraint') continue;
        const c = cmd.def?.Constraint;
        if (c?.contype !== 'CONSTR_FOREIGN' || c.skip_validation) continue;
        const ref = String(c.pktable?.relname ?? '').toLowerCase();
        const name = c.conname ? quoteIdent(String(c.conname)) : '<constraint>';
        const validate = `ALTER TABLE ${tableSql(stmt)} VALIDATE CONSTRAINT ${name};`;
        const where = laterStep(ctx.migration, ctx.state);
        ctx.report({
          startLine: stmt.startLine,
          endLine: stmt.endLine,
          message:
            `Adding this foreign key checks every row of \`${table}\` and ${describeLock('addForeignKey', table)}, for the whole scan; \`${ref}\` gets the same lock. ` +
            `Add it with \`NOT VALID\` (only new rows are checked, so it is instant), then run \`${validate}\`${where}: validation takes a ${lockName(lockOf('validateConstraint').mode)} lock that lets reads and writes continue.`,
          fix: notValidFix(ctx.migration, stmt, ctx.state, c.conname),
        });
      }
    },
  },
}));
