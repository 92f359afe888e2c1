import picomatch from 'picomatch';
import type { Config } from './config/schema.js';

/** What an analyzer can make of a file. A file can be several kinds (a YAML OpenAPI spec). */
export type FileKind =
  | 'sql-migration'
  | 'js-migration'
  | 'code'
  | 'env'
  | 'yaml'
  | 'json'
  | 'dockerfile'
  | 'prisma-schema'
  | 'sql';

const CODE_EXT = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;
const NOT_SERVER_CODE = [
  '**/node_modules/**',
  '**/*.{test,spec}.*',
  '**/{test,tests,__tests__,__mocks__,spec,e2e}/**',
  '**/*.d.ts',
  '**/{dist,build,coverage,generated,__generated__,.next,vendor}/**',
  '**/*.{min,generated,gen}.{js,ts}',
];

type Match = (path: string) => boolean;
const matcherCache = new WeakMap<Config, { migration: Match; include: Match; exclude: Match }>();
const notServer = picomatch(NOT_SERVER_CODE, { dot: true });

function matchers(config: Config): { migration: Match; include: Match; exclude: Match } {
  let m = matcherCache.get(config);
  if (!m) {
    m = {
      migration: picomatch(config.migrations.paths, { dot: true }),
      include: picomatch(config.include, { dot: true }),
      exclude: config.exclude.length ? picomatch(config.exclude, { dot: true }) : (): boolean => false,
    };
    matcherCache.set(config, m);
  }
  return m;
}

export function isSelected(path: string, config: Config): boolean {
  const m = matchers(config);
  return m.include(path) && !m.exclude(path);
}

export function isTestOrGenerated(path: string): boolean {
  return notServer(path);
}

export function classify(path: string, config: Config): Set<FileKind> {
  const kinds = new Set<FileKind>();
  const base = path.split('/').pop() ?? path;
  const lower = base.toLowerCase();
  const migration = matchers(config).migration(path) && !path.includes('node_modules/');
  if (lower.endsWith('.sql')) kinds.add(migration ? 'sql-migration' : 'sql');
  if (CODE_EXT.test(lower) && !lower.endsWith('.d.ts')) {
    if (migration) kinds.add('js-migration');
    else if (!notServer(path)) kinds.add('code');
  }
  if (lower === '.env' || lower.startsWith('.env.') || lower.endsWith('.env')) kinds.add('env');
  if (lower.endsWith('.yml') || lower.endsWith('.yaml')) kinds.add('yaml');
  if (lower.endsWith('.json') && lower !== 'package-lock.json') kinds.add('json');
  if (lower === 'dockerfile' || lower.startsWith('dockerfile.') || lower.endsWith('.dockerfile')) kinds.add('dockerfile');
  if (lower.endsWith('.prisma')) kinds.add('prisma-schema');
  return kinds;
}
