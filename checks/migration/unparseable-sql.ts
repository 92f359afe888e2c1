import { defineRule } from '../../src/rule.js';
import { GUIDE, forwardOnly } from '../../src/analyzers/sql/rule-helpers.js';

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/unparseable-sql',
    area: 'migration',
    severity: 'notice',
    title: 'Statement that does not parse as PostgreSQL',
    guidance: GUIDE.safety,
    checklist: ['migration.parses'],
    description:
      'A statement the Postgres parser rejects was not checked by any migration rule (the rest of the file still was). Either it is a typo that will fail at deploy time, or it uses syntax from another database or a templating step. The notice gives the parser’s message and the line it stopped at.',
    examples: {
      bad: [
        { path: 'db/migrations/0140_typo.sql', code: 'ALTER TABLE orders ADD COLUMN note text;\nALTER TABEL orders ADD COLUMN memo text;\nCREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);\n' },
        { path: 'db/migrations/0141_mysql.sql', code: 'ALTER TABLE users MODIFY email VARCHAR(320) NOT NULL;\n' },
      ],
      good: [
        {
          path: 'db/migrations/0142_fn.sql',
          code: "CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.updated_at := now();\n  RETURN NEW;\nEND;\n$$;\n",
        },
        { path: 'db/migrations/0143_psql.sql', code: "\\set ON_ERROR_STOP on\nCOPY countries (code, name) FROM stdin;\n" },
      ],
    },
  },
  migration(m, ctx) {
    for (const e of m.errors) {
      const at = e.errorLine ?? e.startLine;
      ctx.report({
        startLine: at,
        endLine: Math.max(at, e.errorLine ? at : e.endLine),
        message:
          `Postgres cannot parse this statement (${e.message.replace(/\s+/g, ' ').trim()}${e.errorLine ? `, at line ${e.errorLine}` : ''}), so no migration rule checked it and it would fail at deploy time as written. ` +
          'Fix the syntax, or if it is meant for another database or a templating step, move it out of the migrations folder.',
      });
    }
  },
}), { rollbackScripts: true });
