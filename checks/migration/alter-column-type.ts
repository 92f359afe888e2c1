import { defineRule } from '../../src/rule.js';
import { describeLock } from '../../src/analyzers/sql/locks.js';
import { typeInfo, typeText, type TypeInfo } from '../../src/analyzers/sql/schema.js';
import { GUIDE, alterCmds, isExisting, names, tableOf, forwardOnly, quoteIdent } from '../../src/analyzers/sql/rule-helpers.js';

type Verdict = 'no-rewrite' | 'rewrite' | 'unknown';

/** Target types some other type reaches without a rewrite (binary-coercible casts). */
const COERCIBLE_TARGETS = new Set(['text', 'varchar', 'numeric', 'varbit', 'inet', 'timestamptz', 'timestamp', 'citext', 'bpchar']);

function sameType(a: TypeInfo, b: TypeInfo): boolean {
  return a.name === b.name && a.array === b.array && a.mods.join(',') === b.mods.join(',');
}

/**
 * Whether changing a column from `from` to `to` rewrites the table. Known safe casts
 * (binary coercible, or only relaxing a limit) do not. When the old type is unknown and
 * the new one could be reached without a rewrite, the answer is unknown; for any other
 * target every source but the type itself needs a rewrite.
 */
export function rewriteVerdict(from: TypeInfo | undefined, to: TypeInfo): Verdict {
  if (!from) return COERCIBLE_TARGETS.has(to.name) || to.array ? 'unknown' : 'rewrite';
  if (sameType(from, to)) return 'no-rewrite';
  if (from.array !== to.array) return 'rewrite';
  if (from.array) return 'unknown';
  const f = from.name;
  const t = to.name;
  if ((f === 'varchar' || f === 'text') && t === 'text') return 'no-rewrite';
  if ((f === 'varchar' || f === 'text') && t === 'varchar' && to.mods.length === 0) return 'no-rewrite';
  if (f === 'varchar' && t === 'varchar') return from.mods.length > 0 && to.mods[0] >= from.mods[0] ? 'no-rewrite' : 'rewrite';
  if (f === 'numeric' && t === 'numeric') {
    if (to.mods.length === 0) return 'no-rewrite';
    if (from.mods.length === 0) return 'rewrite';
    const [fp, fs = 0] = from.mods;
    const [tp, ts = 0] = to.mods;
    return ts === fs && tp >= fp ? 'no-rewrite' : 'rewrite';
  }
  if (f === 'varbit' && t === 'varbit') return to.mods.length === 0 || (from.mods.length > 0 && to.mods[0] >= from.mods[0]) ? 'no-rewrite' : 'rewrite';
  if (f === 'cidr' && t === 'inet') return 'no-rewrite';
  // timestamp ↔ timestamptz skips the rewrite on PG 12+ only when the session time zone is UTC.
  if ((f === 'timestamp' && t === 'timestamptz') || (f === 'timestamptz' && t === 'timestamp')) return 'unknown';
  if ((f === 'text' || f === 'varchar') && (t === 'citext' || t === 'bpchar')) return 'unknown';
  if (f === 'citext' && (t === 'text' || t === 'varchar')) return 'unknown';
  return 'rewrite';
}

/** USING that only casts the column itself (`USING col::text`) is what Postgres does anyway. */
function trivialUsing(expr: any, column: string): boolean {
  if (!expr) return true;
  const cast = expr.TypeCast;
  const ref = cast ? cast.arg?.ColumnRef : expr.ColumnRef;
  return !!ref && names(ref.fields).pop() === column.toLowerCase();
}

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/alter-column-type',
    area: 'migration',
    severity: 'error',
    title: 'Column type change that rewrites the table',
    guidance: GUIDE.onlineDdl,
    checklist: ['migration.additive-only'],
    description:
      'Most ALTER COLUMN … TYPE changes rewrite the whole table and rebuild its indexes under an ACCESS EXCLUSIVE lock: no reads or writes for the duration, and running code may not cope with the new type. Casts Postgres does without a rewrite are not flagged: varchar → text, a longer varchar(n), numeric with more precision and the same scale, cidr → inet. The old type comes from the statement history of the migrations folder; when it is unknown and the new type could be such a cast (text, varchar, numeric, timestamptz …) the rule stays quiet, while other targets (integer → bigint, text → jsonb …) are reported because only an identical type avoids the rewrite.',
    examples: {
      bad: [
        { path: 'db/migrations/0030_bigint.sql', code: 'ALTER TABLE events ALTER COLUMN account_id TYPE bigint;\n' },
        {
          path: 'db/migrations/0031_shrink.sql',
          code: 'ALTER TABLE users ALTER COLUMN email TYPE varchar(100);\n',
          files: { 'db/migrations/0001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email varchar(255) NOT NULL);\n' },
          note: 'Shortening a varchar checks and rewrites every row; the old length comes from the earlier migration.',
        },
        { path: 'db/migrations/0032_jsonb.sql', code: 'ALTER TABLE webhooks ALTER COLUMN payload TYPE jsonb USING payload::jsonb;\n' },
      ],
      good: [
        {
          path: 'db/migrations/0031_widen.sql',
          code: 'ALTER TABLE users ALTER COLUMN email TYPE text;\nALTER TABLE users ALTER COLUMN name TYPE varchar(200);\n',
          files: { 'db/migrations/0001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email varchar(255) NOT NULL, name varchar(100));\n' },
          note: 'varchar → text and a longer varchar are metadata-only changes.',
        },
        {
          path: 'db/migrations/0033_price.sql',
          code: 'ALTER TABLE products ALTER COLUMN price TYPE numeric(14,2);\n',
          files: { 'db/migrations/0002_products.sql': 'CREATE TABLE products (id bigint PRIMARY KEY, price numeric(10,2));\n' },
        },
        { path: 'db/migrations/0034_text.sql', code: 'ALTER TABLE notes ALTER COLUMN body TYPE text;\n', note: 'The old type is unknown and could be varchar: stay quiet rather than guess.' },
        { path: 'db/migrations/0035_new.sql', code: 'CREATE TABLE tags (id bigint PRIMARY KEY, label varchar(20));\nALTER TABLE tags ALTER COLUMN label TYPE int USING label::int;\n' },
      ],
    },
  },
  sql: {
    kinds: ['AlterTableStmt'],
    check(stmt, ctx) {
      if (!isExisting(ctx.state, stmt.ast.relation)) return;
      const table = tableOf(stmt);
      for (const cmd of alterCmds(stmt)) {
        if (cmd.subtype !== 'AT_AlterColumnType') continue;
        const def = cmd.def?.ColumnDef;
        const to = typeInfo(def?.typeName);
        if (!to) continue;
        const column = String(cmd.name);
        const from = ctx.state.schema.column(table, column)?.type;
        let verdict = rewriteVerdict(from, to);
        if (!trivialUsing(def.raw_default, column)) verdict = from && sameType(from, to) ? 'no-rewrite' : 'rewrite';
        if (verdict !== 'rewrite') continue;
        const what = from
          ? `Changing \`${table}.${column}\` from ${typeText(from)} to ${typeText(to)} rewrites the whole table and rebuilds its indexes`
          : `Unless \`${table}.${column}\` already is ${typeText(to)}, changing its type rewrites the whole table and rebuilds its indexes`;
        ctx.report({
          startLine: stmt.startLine,
          endLine: stmt.endLine,
          message:
            `${what}; it ${describeLock('alterColumnType', table)} until that is done. ` +
            `Expand-contract instead: \`ALTER TABLE ${quoteIdent(table)} ADD COLUMN ${quoteIdent(column + '_new')} ${typeText(to)};\`, write both columns from the code (or a trigger), backfill \`${column}_new\` in batches of a few thousand rows, switch reads, then drop \`${column}\` in a later deploy.`,
        });
      }
    },
  },
}));
