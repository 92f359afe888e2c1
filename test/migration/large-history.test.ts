import { describe, expect, it } from 'vitest';
import { review } from '../../src/engine.js';
import { validateConfig } from '../../src/config/load.js';
import { loadSqlParser } from '../../src/analyzers/sql/parse.js';
import type { ChangedFile } from '../../src/model.js';

// 50,000 statements of the kinds real migrations hold, spread over 100 files of one
// folder (so the schema model folds 100 migrations), including statements that fire.
function corpus(): ChangedFile[] {
  const files: ChangedFile[] = [];
  for (let f = 0; f < 100; f++) {
    const lines: string[] = ["SET lock_timeout = '5s';"];
    for (let i = 0; lines.length < 500; i++) {
      const t = `t_${f}_${i}`;
      const old = f === 0 ? 'orders' : `t_${f - 1}_${i}`; // a table an earlier migration created
      lines.push(
        `CREATE TABLE ${t} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, account_id bigint REFERENCES accounts (id), note varchar(100), created_at timestamptz NOT NULL DEFAULT now());`,
        `CREATE INDEX ${t}_account_idx ON ${t} (account_id);`,
        `ALTER TABLE ${t} ADD COLUMN flag boolean NOT NULL DEFAULT false;`,
        `ALTER TABLE ${t} ALTER COLUMN note TYPE text;`,
        `INSERT INTO ${t} (account_id, note) VALUES (1, 'x');`,
        `UPDATE ${old} SET note = 'n' WHERE id = ${i};`,
        `CREATE INDEX ${old}_note_${f}_idx ON ${old} (note);`,
        `ALTER TABLE ${old} ADD CONSTRAINT ${old}_check_${f} CHECK (id > 0) NOT VALID;`,
        `ALTER TABLE ${old} VALIDATE CONSTRAINT ${old}_check_${f};`,
        `COMMENT ON TABLE ${t} IS 'test';`,
      );
    }
    const content = lines.slice(0, 500).join('\n') + '\n';
    files.push({ path: `db/migrations/${String(f).padStart(4, '0')}_bulk.sql`, status: 'added', content, changedLines: 'all' });
  }
  return files;
}

// Speed is measured by `npm run bench`, not asserted here: a timed test on a shared
// machine either flakes or has a bound too loose to mean anything. This test makes sure
// a large migration history is analysed completely and without error.
describe('a large migration history', () => {
  it('analyses 50,000 statements over 100 files completely', async () => {
    await loadSqlParser();
    const files = corpus();
    const byPath = new Map(files.map((f) => [f.path, f.content!]));
    const config = validateConfig({}, 'perf');
    const cs = { mode: 'scan' as const, files, tree: { paths: async () => [...byPath.keys()], read: async (p: string) => byPath.get(p) } };
    await review({ ...cs, files: files.slice(0, 2) }, config); // warm-up: module load and JIT
    // CPU time of this process rather than wall time: other test files run in parallel on
    // the same two cores, and wall time would measure them too.
    const cpu = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    const started = performance.now();
    const cpuStarted = cpu();
    const result = await review(cs, config);
    const ms = cpu() - cpuStarted;
    const wall = performance.now() - started;
    const statements = files.reduce((n, f) => n + f.content!.split('\n').filter((l) => l.trim()).length, 0);
    expect(statements).toBe(50_000);
    expect(result.findings.length).toBeGreaterThan(1000);
    console.log(`review of ${statements} statements: ${Math.round(ms)} ms CPU (${Math.round(wall)} ms wall), ${result.findings.length} findings`);
    expect(result.findings.filter((f) => f.ruleId === 'backend-review/analyzer-error')).toEqual([]);
  }, 60_000);
});
