import { z } from 'zod';
import { AREAS, SEVERITIES } from '../model.js';
import { DEFAULT_MIGRATION_PATHS } from './defaults.js';

// Kept importable from here; they live in defaults.ts so that using them loads no zod.
export { areaEnabled, DEFAULT_MIGRATION_PATHS, parseByteSize } from './defaults.js';

const severityOrOff = z.enum([...SEVERITIES, 'off']);
const areaSwitch = z.union([z.boolean(), z.literal('off'), z.literal('on')]);
const globList = z.array(z.string().min(1, 'a glob must not be empty'));

// A size such as 1048576, "512kb" or "1MB".
const byteSize = z.union([
  z.number().int().positive(),
  z.string().regex(/^\s*\d+(\.\d+)?\s*(b|kb|mb)?\s*$/i, 'expected a size such as 1048576, "512KB" or "1MB"'),
]);

export const configSchema = z.strictObject({
  fail_on: z.enum(['error', 'warning', 'never']).default('error'),
  include: globList.default(['**']),
  exclude: globList.default([]),
  rules: z
    .record(z.string().regex(/^[a-z]+\/[a-z0-9-]+$/, 'expected a rule id such as migration/drop-column'), severityOrOff)
    .default({}),
  areas: z.partialRecord(z.enum(AREAS), areaSwitch).default({}),
  migrations: z
    .strictObject({
      paths: globList.default(DEFAULT_MIGRATION_PATHS),
      postgres_version: z.number().int().min(9).max(30).default(16),
      assume_in_transaction: z.boolean().default(false),
    })
    .prefault({}),
  api: z
    .strictObject({
      require_versioning: z.boolean().default(true),
    })
    .prefault({}),
  limits: z
    .strictObject({
      max_file_size: byteSize.default(1024 * 1024),
    })
    .prefault({}),
  github: z
    .strictObject({
      review_drafts: z.boolean().default(false),
      max_inline_comments: z.number().int().min(0).max(100).default(30),
    })
    .prefault({}),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
