import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { review } from '../../src/engine.js';
import { CodeFile } from '../../src/analyzers/code/code-file.js';
import { loadSqlParser, parseSql } from '../../src/analyzers/sql/parse.js';
import { extractJsMigration } from '../../src/analyzers/sql/js-migration.js';
import { parseConfig, ConfigError } from '../../src/config/load.js';
import { ts } from 'ts-morph';
import { assertWellFormed, changeSetOf, config, fixtureSeeds, seedsOf, type Seed, type SeedKind } from './inputs.js';

/**
 * Property tests: the repository's fixtures, mutated the way broken and hostile files are
 * (truncated, spliced, duplicated, with stray quotes, dollar quotes, comments, NUL bytes,
 * lone surrogates and deep nesting), fed to the whole engine and to each parser directly.
 * Runs are few and the seed is fixed, so the suite stays fast and a failure reproduces;
 * fast-check prints the seed and the shrunk counterexample. To search further by hand:
 * FUZZ_SEED=<n> FUZZ_SCALE=<multiplier> npx vitest run test/robustness/fuzz.test.ts
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const run = (numRuns: number) => ({ seed: SEED, numRuns: Math.max(1, Math.round(numRuns * SCALE)), endOnFailure: true });

// Fragments that break tokenisers: unterminated strings and comments, dollar quotes,
// template holes, control characters, lone surrogates, brackets, line ends, long names.
const HOSTILE = [
  "'", '"', '`', '$$', '$body$', '$1', '/*', '*/', '--', '//', '#', '\\', '\\.', '${', '{', '}', '(', ')', '[', ']', ';', ':',
  '\0', '\u0000\u0000', '\uD800', '\uDC00', '\uFFFD', '\uFEFF', '\u2028', '\r', '\r\n', '\n\n', '\t', '&a', '*a', '<<', '<<:',
  'x'.repeat(300), '😀', 'ä', '-- backend-review-ignore migration/drop-column', '// backend-review-ignore security/sql-injection: because',
];

type Mutation =
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'delete'; at: number; length: number }
  | { op: 'duplicate'; at: number; length: number }
  | { op: 'splice'; at: number; from: number; donor: number; length: number }
  | { op: 'nest'; at: number; open: string; close: string; depth: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  { arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...HOSTILE) }), weight: 4 },
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ unit: 'binary', maxLength: 8 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ op: fc.constant('splice' as const), at: fc.nat(), from: fc.nat(), donor: fc.nat(), length: fc.integer({ min: 1, max: 400 }) }),
  fc.record({
    op: fc.constant('nest' as const),
    at: fc.nat(),
    open: fc.constantFrom('(', '[', '{', 'f(', '(SELECT ', '!', 'a ? b : ', 'NOT '),
    close: fc.constantFrom(')', ']', '}', ''),
    // Mostly shallow; sometimes past the parsers' and the engine's depth limits.
    depth: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 300 }), weight: 4 }, fc.integer({ min: 300, max: 3000 })),
  }),
);

function mutate(text: string, mutations: Mutation[], donors: Seed[]): string {
  let t = text;
  for (const m of mutations) {
    const at = t.length === 0 ? 0 : m.at % (t.length + 1);
    switch (m.op) {
      case 'truncate':
        t = t.slice(0, at);
        break;
      case 'insert':
        t = t.slice(0, at) + m.text + t.slice(at);
        break;
      case 'delete':
        t = t.slice(0, at) + t.slice(at + m.length);
        break;
      case 'duplicate':
        t = t.slice(0, at + m.length) + t.slice(at, at + m.length) + t.slice(at + m.length);
        break;
      case 'splice': {
        const donor = donors[m.donor % donors.length].content;
        const from = m.from % Math.max(1, donor.length);
        t = t.slice(0, at) + donor.slice(from, from + m.length) + t.slice(at);
        break;
      }
      case 'nest':
        t = t.slice(0, at) + m.open.repeat(m.depth) + m.close.repeat(m.depth) + t.slice(at);
        break;
    }
  }
  return t;
}

/** A seed of the kind, mutated a few times with material from seeds of every kind. */
const mutated = (kind: SeedKind) => {
  const seeds = seedsOf(kind);
  return fc
    .record({ seed: fc.nat(), mutations: fc.array(mutation, { minLength: 1, maxLength: 6 }) })
    .map(({ seed, mutations }) => {
      const s = seeds[seed % seeds.length];
      return { path: s.path, content: mutate(s.content, mutations, fixtureSeeds()) };
    });
};

beforeAll(async () => {
  await loadSqlParser();
});

describe('the whole engine on mutated fixtures', () => {
  for (const kind of ['sql', 'code', 'yaml', 'json', 'dockerfile', 'env'] as const) {
    it(`${kind} files: review resolves with well-formed findings`, async () => {
      expect(seedsOf(kind).length).toBeGreaterThan(0);
      await fc.assert(
        fc.asyncProperty(mutated(kind), async (file) => {
          const cs = changeSetOf([file]);
          assertWellFormed(await review(cs, config), cs);
        }),
        run(kind === 'code' || kind === 'sql' ? 25 : 15),
      );
    });
  }

  it('change sets mixing several mutated files (cross-file rules, base versus head)', async () => {
    const any = fc.oneof(mutated('sql'), mutated('code'), mutated('yaml'), mutated('json'));
    await fc.assert(
      fc.asyncProperty(fc.array(any, { minLength: 2, maxLength: 5 }), fc.boolean(), async (files, withBase) => {
        const unique = [...new Map(files.map((f) => [f.path, f])).values()];
        const cs = changeSetOf(unique, withBase ? 'diff' : 'scan');
        if (withBase) {
          // The base is the original fixture: a modified file with a patch-less change.
          for (const f of cs.files) {
            f.status = 'modified';
            f.baseContent = fixtureSeeds().find((s) => s.path === f.path)?.content;
          }
        }
        assertWellFormed(await review(cs, config), cs);
      }),
      run(15),
    );
  });

  it('arbitrary text at any kind of path', async () => {
    const paths = ['db/migrations/0001_x.sql', 'migrations/20240101_x.ts', 'src/routes/x.ts', 'src/x.js', 'deploy/k8s/x.yaml', 'openapi.yaml', 'package.json', 'Dockerfile', '.env', 'docker-compose.yml'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.string({ unit: 'binary', maxLength: 400 }), async (path, content) => {
        const cs = changeSetOf([{ path, content }]);
        assertWellFormed(await review(cs, config), cs);
      }),
      run(40),
    );
  });
});

describe('each parser on its own', () => {
  it('parseSql keeps statements, errors and skips inside the text, in order', () => {
    fc.assert(
      fc.property(mutated('sql'), fc.nat({ max: 50 }), ({ content }, offset) => {
        const lines = content.split('\n').length;
        const parsed = parseSql(content, offset);
        let last = 0;
        for (const s of parsed.statements) {
          expect(s.startLine).toBeGreaterThanOrEqual(1 + offset);
          expect(s.endLine).toBeGreaterThanOrEqual(s.startLine);
          expect(s.endLine).toBeLessThanOrEqual(lines + offset);
          expect(s.startLine).toBeGreaterThanOrEqual(last);
          last = s.startLine;
          expect(typeof s.kind).toBe('string');
        }
        for (const e of [...parsed.errors, ...parsed.skipped]) {
          expect(e.startLine).toBeGreaterThanOrEqual(1 + offset);
          expect(e.endLine).toBeLessThanOrEqual(lines + offset);
        }
      }),
      run(150),
    );
  });

  it('JS/TS migration extraction returns statements on lines of the file, or nothing', () => {
    const jsMigrations = seedsOf('code').filter((s) => /(^|\/)migrations?\//.test(s.path));
    expect(jsMigrations.length).toBeGreaterThan(5);
    fc.assert(
      fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 6 }), (pick, mutations) => {
        const seed = jsMigrations[pick % jsMigrations.length];
        const content = mutate(seed.content, mutations, fixtureSeeds());
        const m = extractJsMigration(seed.path, content, config);
        if (!m) return;
        const lines = content.split('\n').length;
        for (const s of m.statements) {
          expect(s.startLine).toBeGreaterThanOrEqual(1);
          expect(s.endLine).toBeLessThanOrEqual(lines);
        }
      }),
      run(60),
    );
  });

  it('CodeFile parses anything and maps every node to a line of the file', () => {
    fc.assert(
      fc.property(mutated('code'), ({ path, content }) => {
        const cf = new CodeFile(path, content);
        // Lines as git counts them: a lone \r or U+2028 must not shift anything.
        const lines = content.split('\n').length;
        let checked = 0;
        const visit = (node: ts.Node): void => {
          if (checked++ > 2000) return;
          expect(cf.lineOf(node)).toBeGreaterThanOrEqual(1);
          expect(cf.endLineOf(node)).toBeLessThanOrEqual(lines);
          ts.forEachChild(node, visit);
        };
        visit(cf.sourceFile);
      }),
      run(60),
    );
  });

  it('the config parser either returns a config or throws a ConfigError', () => {
    const seed = 'fail_on: warning\nexclude:\n  - "gen/**"\nrules:\n  migration/drop-column: off\nmigrations:\n  postgres_version: 14\nlimits:\n  max_file_size: 2MB\n';
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (mutations) => {
        try {
          parseConfig(mutate(seed, mutations, fixtureSeeds().filter((s) => s.path.endsWith('.yml') || s.path.endsWith('.yaml'))));
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
        }
      }),
      run(150),
    );
  });
});
