import { defineRule } from '../../src/rule.js';
import { describeLock } from '../../src/analyzers/sql/locks.js';
import { typeInfo } from '../../src/analyzers/sql/schema.js';
import { GUIDE, alterCmds, funcName, isExisting, tableOf, walk, forwardOnly, quoteIdent } from '../../src/analyzers/sql/rule-helpers.js';

/** Built-in functions Postgres marks VOLATILE that appear in column defaults. */
const VOLATILE = new Set([
  'random',
  'gen_random_uuid',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'uuidv4',
  'uuidv7',
  'clock_timestamp',
  'timeofday',
  'nextval',
  'random_normal',
  'gen_random_bytes',
]);
const SERIAL = new Set(['serial', 'bigserial', 'smallserial', 'serial4', 'serial8', 'serial2']);

function volatileCall(expr: any): string | undefined {
  let found: string | undefined;
  const check = (node: any) => {
    const name = funcName({ FuncCall: node });
    if (!found && name && VOLATILE.has(name)) found = name;
  };
  if (expr?.FuncCall) check(expr.FuncCall);
  walk(expr, (key, value) => {
    if (key === 'FuncCall') check(value);
  });
  return found;
}

function isNullConst(expr: any): boolean {
  return !!expr?.A_Const?.isnull;
}

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/add-column-volatile-default',
    area: 'migration',
    severity: 'error',
    title: 'New column that rewrites an existing table',
    guidance: GUIDE.onlineDdl,
    checklist: ['migration.safe-new-columns'],
    description:
      'From Postgres 11 a column with a constant (or stable, like now()) default is added without touching the rows. A volatile default (random(), gen_random_uuid(), clock_timestamp(), a serial or identity column) or a stored generated column has to be computed for every row, so Postgres rewrites the whole table under an ACCESS EXCLUSIVE lock; before Postgres 11 any default does. Add the column without a default, set the default for new rows separately, and backfill in batches. Tables created in the same migration are not flagged.',
    examples: {
      bad: [
        { path: 'db/migrations/0043_token.sql', code: 'ALTER TABLE users ADD COLUMN api_token uuid DEFAULT gen_random_uuid();\n' },
        { path: 'db/migrations/0044_total.sql', code: 'ALTER TABLE order_lines ADD COLUMN total_cents bigint GENERATED ALWAYS AS (quantity * unit_price_cents) STORED;\n' },
        {
          path: 'db/migrations/0045_flag.sql',
          code: 'ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true;\n',
          config: { migrations: { postgres_version: 10 } },
          note: 'Before Postgres 11 even a constant default rewrites the table.',
        },
        { path: 'db/migrations/0046_seq.sql', code: 'ALTER TABLE audit_log ADD COLUMN seq bigserial;\n' },
      ],
      good: [
        { path: 'db/migrations/0045_flag.sql', code: 'ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true;\n', note: 'Postgres 16 (the default version) stores the constant default in the catalog.' },
        { path: 'db/migrations/0047_ts.sql', code: 'ALTER TABLE users ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();\n', note: 'now() is stable: evaluated once for the statement.' },
        {
          path: 'db/migrations/0048_token.sql',
          code: 'ALTER TABLE users ADD COLUMN api_token uuid;\nALTER TABLE users ALTER COLUMN api_token SET DEFAULT gen_random_uuid();\n',
          note: 'SET DEFAULT only applies to new rows; existing ones are backfilled in batches.',
        },
        {
          path: 'db/migrations/0049_new.sql',
          code: 'CREATE TABLE api_keys (id bigint PRIMARY KEY);\nALTER TABLE api_keys ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();\n',
        },
      ],
    },
  },
  sql: {
    kinds: ['AlterTableStmt'],
    check(stmt, ctx) {
      if (!isExisting(ctx.state, stmt.ast.relation)) return;
      const table = tableOf(stmt);
      const pg = ctx.state.postgresVersion;
      for (const cmd of alterCmds(stmt)) {
        if (cmd.subtype !== 'AT_AddColumn') continue;
        const def = cmd.def?.ColumnDef;
        if (!def) continue;
        const col = def.colname;
        const constraints = (def.constraints ?? []).map((c: any) => c.Constraint).filter(Boolean);
        const dflt = constraints.find((c: any) => c.contype === 'CONSTR_DEFAULT')?.raw_expr;
        const type = typeInfo(def.typeName)?.name ?? '';
        let why: string | undefined;
        const t = quoteIdent(table);
        const c = quoteIdent(col);
        let safer = `\`ALTER TABLE ${t} ADD COLUMN ${c} …;\` without the default, then \`ALTER TABLE ${t} ALTER COLUMN ${c} SET DEFAULT …;\` for new rows, and backfill existing rows in batches of a few thousand`;
        if (constraints.some((c: any) => c.contype === 'CONSTR_GENERATED')) {
          why = 'a stored generated column is computed for every existing row';
          safer = `add \`${col}\` as a plain nullable column, keep it filled from the code or a trigger, and backfill existing rows in batches`;
        } else if (constraints.some((c: any) => c.contype === 'CONSTR_IDENTITY')) {
          why = 'an identity column is filled for every existing row';
        } else if (SERIAL.has(type)) {
          why = `a ${type} column takes nextval() for every existing row`;
          safer = `add \`${col}\` as a plain ${type === 'bigserial' || type === 'serial8' ? 'bigint' : 'integer'} column, attach a sequence with \`SET DEFAULT nextval(…)\` for new rows, and backfill existing rows in batches`;
        } else if (dflt && !isNullConst(dflt)) {
          const fn = volatileCall(dflt);
          if (fn) why = `\`${fn}()\` is volatile, so the default is computed separately for every existing row`;
          else if (pg < 11) why = `before Postgres 11 (configured: ${pg}) every default is written into every existing row`;
        }
        if (!why) continue;
        ctx.report({
          startLine: stmt.startLine,
          endLine: stmt.endLine,
          message:
            `Adding \`${table}.${col}\` rewrites the whole table because ${why}; the rewrite ${describeLock('addColumn', table)} until it finishes. ` +
            `Instead: ${safer}.`,
        });
      }
    },
  },
}));
