/**
 * Benchmarks 3 and 4 of docs/benchmarks.md: end-to-end reviews through the GitHub App against
 * the local GitHub emulator.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface E2ETarget {
  measure: string;
  target: string;
  result: string;
  met: boolean | undefined;
  by?: string;
}

export interface E2EResult {
  targets: E2ETarget[];
  markdown: string;
  profiles: string[];
}

export interface E2EOptions {
  root: string;
  work: string;
  runs: number;
  log: (s: string) => void;
}

const NOT_MEASURED: E2ETarget[] = [
  { measure: '1,000-file PR: analysis time (excluding the emulator)', target: '< 5 s', result: 'not measured', met: undefined },
  { measure: '1,000-file PR: peak memory', target: '< 500 MB', result: 'not measured', met: undefined },
  { measure: '1,000-file PR: GitHub requests', target: 'O(files/50)', result: 'not measured', met: undefined },
  { measure: 'typical 20-file PR: webhook to check-run conclusion', target: '< 500 ms', result: 'not measured', met: undefined },
];

export async function runE2E(opts: E2EOptions): Promise<E2EResult> {
  const missing = ['dist/src/emulator/index.js', 'dist/src/github/app.js'].filter((p) => !existsSync(join(opts.root, p)));
  const reason = missing.length
    ? `the GitHub App and the emulator are not built yet (missing ${missing.join(', ')})`
    : 'the harness that drives the app through the emulator is not written yet';
  opts.log(`  end-to-end: not measured: ${reason}`);
  return {
    targets: NOT_MEASURED,
    profiles: [],
    markdown: `## 3. and 4. End-to-end reviews through the GitHub App

Not measured yet: ${reason}. No figure is given rather than an estimate.
`,
  };
}
