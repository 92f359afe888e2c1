import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { ruleById } from '../../checks/index.js';

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

export function defaultConfig(): Config {
  return configSchema.parse({});
}

/**
 * Parses and validates config text. Unknown keys, wrong types and unknown rule ids are
 * errors: a typo must never silently turn a rule back on.
 */
export function parseConfig(text: string, source = CONFIG_PATH): Config {
  // Aliases are resolved with a budget so an alias bomb is rejected instead of expanded.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(`${source}: invalid YAML: ${doc.errors[0].message}`, source);
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
