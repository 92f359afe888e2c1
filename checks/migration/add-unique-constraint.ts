import { defineRule } from '../../src/rule.js';
import { describeLock } from '../../src/analyzers/sql/locks.js';
import { GUIDE, alterCmds, isExisting, names, quoteIdent, tableOf, tableSql, forwardOnly } from '../../src/analyzers/sql/rule-helpers.js';

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/add-unique-constraint',
    area: 'migration',
    severity: 'error',
    title: 'UNIQUE or PRIMARY KEY added to an existing table without USING INDEX',
    guidance: GUIDE.onlineDdl,
    checklist: ['migration.short-locks'],
    description:
      'ADD CONSTRAINT … UNIQUE or PRIMARY KEY builds its index while holding an ACCESS EXCLUSIVE lock, so every read and write waits for the whole build. Build the index first with CREATE UNIQUE INDEX CONCURRENTLY, then attach it with ADD CONSTRAINT … USING INDEX, which is instant. Tables created in the same migration are not flagged.',
    examples: {
      bad: [
        { path: 'db/migrations/0064_unique.sql', code: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);\n' },
        { path: 'db/migrations/0065_pk.sql', code: 'ALTER TABLE events ADD PRIMARY KEY (id);\n' },
        { path: 'db/migrations/0066_col.sql', code: 'ALTER TABLE users ADD COLUMN external_ref text UNIQUE;\n' },
      ],
      good: [
        {
          path: 'db/migrations/0064_unique.sql',
          code: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;\n',
          note: 'The index was built CONCURRENTLY in the previous migration.',
        },
        {
          path: 'db/migrations/0067_new.sql',
          code: 'CREATE TABLE handles (id bigint, handle text);\nALTER TABLE handles ADD PRIMARY KEY (id);\nALTER TABLE handles ADD CONSTRAINT handles_handle_key UNIQUE (handle);\n',
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
        let kind: string | undefined;
        let cols: string[] = [];
        let conname: string | undefined;
        if (cmd.subtype === 'AT_AddConstraint') {
          const c = cmd.def?.Constraint;
          if (!c || c.indexname || (c.contype !== 'CONSTR_UNIQUE' && c.contype !== 'CONSTR_PRIMARY')) continue;
          kind = c.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE';
          cols = names(c.keys);
          conname = c.conname;
        } else if (cmd.subtype === 'AT_AddColumn') {
          const def = cmd.def?.ColumnDef;
          const c = (def?.constraints ?? []).map((x: any) => x.Constraint).find((x: any) => x?.contype === 'CONSTR_UNIQUE' || x?.contype === 'CONSTR_PRIMARY');
          if (!c) continue;
          kind = c.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE';
          cols = [String(def.colname)];
        } else continue;
        const name = quoteIdent(conname ?? `${table}_${cols.join('_')}_${kind === 'UNIQUE' ? 'key' : 'pkey'}`);
        const colList = cols.map(quoteIdent).join(', ');
        const pkNote = kind === 'PRIMARY KEY' ? ' (the columns must already be NOT NULL, or the attach scans the table; see migration/set-not-null)' : '';
        const columnNote = cmd.subtype === 'AT_AddColumn' ? `Add the column without ${kind} first, then build the index with ` : 'Build the index first with ';
        ctx.report({
          startLine: stmt.startLine,
          endLine: stmt.endLine,
          message:
            `Adding ${kind} to \`${table}\` builds a unique index while it ${describeLock('addUnique', table)} for the whole build. ` +
            `${columnNote}\`CREATE UNIQUE INDEX CONCURRENTLY ${name} ON ${tableSql(stmt)} (${colList});\` in a migration without a transaction, then attach it with \`ALTER TABLE ${tableSql(stmt)} ADD CONSTRAINT ${name} ${kind} USING INDEX ${name};\`, which is instant${pkNote}.`,
        });
      }
    },
  },
}));
