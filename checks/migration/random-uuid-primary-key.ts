import { defineRule } from '../../src/rule.js';
import { typeInfo } from '../../src/analyzers/sql/schema.js';
import { GUIDE, funcName, lineFix, forwardOnly } from '../../src/analyzers/sql/rule-helpers.js';
import { primaryKeyColumns } from './int-primary-key.js';

const RANDOM = new Set(['gen_random_uuid', 'uuid_generate_v4', 'uuidv4']);

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/random-uuid-primary-key',
    area: 'migration',
    severity: 'notice',
    title: 'Random (v4) UUID primary key',
    guidance: GUIDE.dataTypes,
    checklist: ['migration.schema-defaults'],
    description:
      'Random UUIDs insert at random places in the primary key index, so on a large table almost every insert touches a different page: more page splits, a bigger index, more WAL and a colder cache than a sequential key. Use a bigint identity key with a separate public uuid column, or a time-ordered UUIDv7 (built in as uuidv7() from Postgres 18; offered as a fix when postgres_version is 18 or later).',
    examples: {
      bad: [
        { path: 'db/migrations/0104_accounts.sql', code: 'CREATE TABLE accounts (\n  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),\n  name text NOT NULL\n);\n' },
        {
          path: 'db/migrations/0105_tokens.sql',
          code: 'CREATE TABLE tokens (\n  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),\n  value text NOT NULL\n);\n',
          config: { migrations: { postgres_version: 18 } },
          note: 'On Postgres 18 the fix switches to uuidv7().',
        },
      ],
      good: [
        {
          path: 'db/migrations/0104_accounts.sql',
          code: 'CREATE TABLE accounts (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  public_id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,\n  name text NOT NULL\n);\n',
        },
        { path: 'db/migrations/0106_accounts.sql', code: 'CREATE TABLE accounts (\n  id uuid PRIMARY KEY DEFAULT uuidv7(),\n  name text NOT NULL\n);\n' },
      ],
    },
  },
  sql: {
    kinds: ['CreateStmt', 'AlterTableStmt'],
    check(stmt, ctx) {
      for (const { name, def } of primaryKeyColumns(stmt)) {
        if (typeInfo(def.typeName)?.name !== 'uuid') continue;
        const dflt = (def.constraints ?? []).map((c: any) => c.Constraint).find((c: any) => c?.contype === 'CONSTR_DEFAULT');
        const fn = funcName(dflt?.raw_expr);
        if (!fn || !RANDOM.has(fn)) continue;
        const line = stmt.lineAt(dflt.raw_expr.FuncCall.location);
        const pg18 = ctx.state.postgresVersion >= 18;
        ctx.report({
          startLine: line,
          message:
            `The primary key \`${name}\` defaults to a random UUID (\`${fn}()\`): each insert lands on a random page of the key index, causing page splits, index bloat, extra WAL and cache misses as the table grows. ` +
            (pg18
              ? 'Use the time-ordered `uuidv7()` (built in from Postgres 18), or a bigint identity key with a separate public uuid column.'
              : 'Use a `bigint GENERATED ALWAYS AS IDENTITY` key with a separate `public_id uuid UNIQUE` column for APIs, or generate time-ordered UUIDv7 values.'),
          fix: pg18 && ctx.migration.framework !== 'prisma' ? lineFix(ctx.migration, line, new RegExp(`\\b${fn}\\(\\s*\\)`, 'i'), () => 'uuidv7()') : undefined,
        });
      }
    },
  },
}));
