import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { ruleById } from '../../checks/index.js';
import { formatBytes } from '../sources/file-content.js';
import { CONFIG_PATH, ConfigError } from './defaults.js';

export { CONFIG_PATH, ConfigError, defaultConfig } from './defaults.js';

/** A config is a few hundred bytes; anything near this size is a mistake or an attack. */
export const MAX_CONFIG_BYTES = 256 * 1024;
/** Each glob is tried against every file of a change, so the lists are bounded. */
export const MAX_GLOBS = 1000;

/**
 * Parses and validates config text. Unknown keys, wrong types and unknown rule ids are
 * errors: a typo must never silently turn a rule back on.
 */
export function parseConfig(text: string, source = CONFIG_PATH): Config {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_CONFIG_BYTES) {
    throw new ConfigError(`${source}: the config is ${formatBytes(bytes)}, more than the ${formatBytes(MAX_CONFIG_BYTES)} allowed`, source);
  }
  // Aliases are resolved with a budget so an alias bomb is rejected instead of expanded.
  const lines = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  try {
    // Not prettyErrors: it quotes the source line once per error, quadratic on one long line.
    doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new ConfigError(`${source}: invalid YAML: nested too deeply`, source);
  }
  if (doc.errors.length > 0) {
    const { message, pos } = doc.errors[0];
    const at = pos[0] >= 0 ? lines.linePos(pos[0]) : undefined;
    // The YAML parser recurses per nesting level; say so rather than quoting a stack overflow.
    const reason = /Maximum call stack size exceeded/.test(message) ? 'nested too deeply' : `${message}${at ? ` at line ${at.line}, column ${at.col}` : ''}`;
    throw new ConfigError(`${source}: invalid YAML: ${reason}`, source);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError(`${source}: ${(err as Error).message}`, source);
  }
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(`${source}: the config must be a mapping of keys to values`, source);
  }
  return validateConfig(raw, source);
}

export function validateConfig(raw: unknown, source = CONFIG_PATH): Config {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`${source}: ${describeIssues(parsed.error)}`, source);
  }
  const lists: [string, string[]][] = [
    ['include', parsed.data.include],
    ['exclude', parsed.data.exclude],
    ['migrations.paths', parsed.data.migrations.paths],
  ];
  for (const [key, list] of lists) {
    if (list.length > MAX_GLOBS) {
      throw new ConfigError(`${source}: ${key}: ${list.length} globs, more than the ${MAX_GLOBS} allowed; use broader globs`, source);
    }
  }
  const unknown = Object.keys(parsed.data.rules).filter((id) => !ruleById.has(id));
  if (unknown.length > 0) {
    throw new ConfigError(
      `${source}: rules.${unknown[0]}: unknown rule id${unknown.length > 1 ? ` (and ${unknown.length - 1} more)` : ''}; see the rule table in the README`,
      source,
    );
  }
  return parsed.data;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const at = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') {
        const where = at ? `${at}.` : '';
        return `${issue.keys.map((k) => where + k).join(', ')}: unknown key`;
      }
      return `${at || '(top level)'}: ${issue.message}`;
    })
    .join('; ');
}

export async function loadConfigFile(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${path}: cannot read the config file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, path);
  }
  return parseConfig(text, path);
}
