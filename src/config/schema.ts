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

// A duration such as 10 (seconds), "10s" or "500ms", from 100 ms to 5 minutes.
const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$/i;
const duration = z
  .union([z.number(), z.string().regex(DURATION, 'expected a duration such as 10, "10s" or "500ms"')])
  // A malformed string was already reported by the regex (zod runs the refinement anyway).
  .refine((v) => (typeof v === 'string' && !DURATION.test(v)) || (parseDuration(v) >= 100 && parseDuration(v) <= 300_000), 'expected a duration from 100ms to 300s');

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
      // golang-migrate's `x-multi-statement=true`: each statement of a file is sent on its own.
      golang_multi_statement: z.boolean().default(false),
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
      /** A file whose analysis runs longer is skipped with a note (the review runs in a worker thread). */
      max_analysis_time_per_file: duration.default(10),
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

/** A duration in milliseconds: a number is seconds, a string says `s` or `ms` (seconds without a unit). */
export function parseDuration(value: number | string): number {
  if (typeof value === 'number') return Math.round(value * 1000);
  const m = DURATION.exec(value);
  if (!m) throw new Error(`invalid duration ${value}`);
  return Math.round(Number(m[1]) * ((m[2] ?? 's').toLowerCase() === 'ms' ? 1 : 1000));
}
