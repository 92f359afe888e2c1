import type { Config } from './schema.js';

/**
 * What a review needs of the config without a config file: the defaults, the errors and
 * the small helpers. Nothing here loads zod or the YAML parser (config/schema.ts and
 * config/load.ts do), so a CLI run without a config file loads neither.
 */

export const CONFIG_PATH = '.github/backend-review.yml';

/** A config that could not be used. The message names the file, the key and the reason. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly source: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_MIGRATION_PATHS = [
  '**/migrations/**/*.sql', // raw SQL, Supabase (supabase/migrations), Prisma (prisma/migrations/*/migration.sql)
  '**/migration/**/*.sql',
  '**/*.up.sql', // golang-migrate
  '**/*.down.sql',
  '**/V*__*.sql', // Flyway versioned
  '**/R__*.sql', // Flyway repeatable
  '**/migrations/**/*.{js,cjs,mjs,ts}', // Knex, Sequelize, node-pg-migrate, Kysely, TypeORM, MikroORM
  '**/migration/**/*.{js,cjs,mjs,ts}', // TypeORM's default folder name
];

/**
 * The config when there is no config file: what the schema gives for `{}`, written out so
 * that it needs no zod (test/cold-start.test.ts checks the two agree). A new object each call.
 */
export function defaultConfig(): Config {
  return {
    fail_on: 'error',
    include: ['**'],
    exclude: [],
    rules: {},
    areas: {},
    migrations: { paths: [...DEFAULT_MIGRATION_PATHS], postgres_version: 16, assume_in_transaction: false, golang_multi_statement: false },
    api: { require_versioning: true },
    limits: { max_file_size: 1024 * 1024, max_analysis_time_per_file: 10 },
    github: { review_drafts: false, max_inline_comments: 30 },
  };
}

export function parseByteSize(value: number | string): number {
  if (typeof value === 'number') return value;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb)?\s*$/i.exec(value);
  if (!m) throw new Error(`invalid size ${value}`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const factor = unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1;
  return Math.round(Number(m[1]) * factor);
}

export function areaEnabled(config: Config, area: string): boolean {
  const v = (config.areas as Record<string, boolean | string | undefined>)[area];
  return !(v === false || v === 'off');
}
