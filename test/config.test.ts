import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, parseConfig } from '../src/config/load.js';
import { parseByteSize } from '../src/config/schema.js';

describe('config', () => {
  it('has sensible defaults', () => {
    const c = defaultConfig();
    expect(c.fail_on).toBe('error');
    expect(c.migrations.postgres_version).toBe(16);
    expect(c.migrations.assume_in_transaction).toBe(false);
    expect(c.migrations.paths).toContain('**/migrations/**/*.sql');
    expect(c.api.require_versioning).toBe(true);
    expect(parseByteSize(c.limits.max_file_size)).toBe(1024 * 1024);
  });

  it('accepts a full config', () => {
    const c = parseConfig(`
fail_on: warning
include: ["src/**", "db/**"]
exclude: ["legacy/**"]
rules:
  migration/create-index-non-concurrent: warning
  observability/console-log: off
areas:
  api: off
migrations:
  postgres_version: 12
  assume_in_transaction: true
api:
  require_versioning: false
limits:
  max_file_size: 512KB
`);
    expect(c.fail_on).toBe('warning');
    expect(c.rules['observability/console-log']).toBe('off');
    expect(c.areas.api).toBe('off');
    expect(c.migrations.postgres_version).toBe(12);
    expect(c.migrations.paths.length).toBeGreaterThan(3); // defaults kept when only other keys are set
    expect(parseByteSize(c.limits.max_file_size)).toBe(512 * 1024);
  });

  it('treats an empty file as all defaults', () => {
    expect(parseConfig('').fail_on).toBe('error');
    expect(parseConfig('# just a comment\n').fail_on).toBe('error');
  });

  const broken: [string, string, RegExp][] = [
    ['unknown top-level key', 'fail_on: error\nfailOn: warning\n', /failOn: unknown key/],
    ['unknown nested key', 'migrations:\n  postgres: 12\n', /migrations\.postgres: unknown key/],
    ['bad enum', 'fail_on: sometimes\n', /fail_on: Invalid option/],
    ['wrong type', 'migrations:\n  postgres_version: "sixteen"\n', /migrations\.postgres_version/],
    ['unknown rule id', 'rules:\n  migration/drop-colum: off\n', /rules\.migration\/drop-colum: unknown rule id/],
    ['bad severity', 'rules:\n  observability/console-log: loud\n', /rules\.observability\/console-log/],
    ['unknown area', 'areas:\n  frontend: off\n', /areas/],
    ['not a mapping', '- a\n- b\n', /must be a mapping/],
    ['invalid YAML', 'fail_on: [error\n', /invalid YAML/],
    ['bad size', 'limits:\n  max_file_size: huge\n', /limits\.max_file_size/],
  ];
  it.each(broken)('rejects %s with a message naming the key', (_name, text, message) => {
    let error: unknown;
    try {
      parseConfig(text, '.github/backend-review.yml');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^\.github\/backend-review\.yml: /);
    expect((error as Error).message).toMatch(message);
  });

  it('rejects a YAML alias bomb instead of expanding it', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    expect(() => parseConfig(bomb.join('\n'))).toThrow(ConfigError);
  });
});
