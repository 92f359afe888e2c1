import type { Rule } from '../src/rule.js';
import createIndexNonConcurrent from './migration/create-index-non-concurrent.js';
import hardcodedSecret from './security/hardcoded-secret.js';
import consoleLog from './observability/console-log.js';

/** Every rule, in the order the README's table lists them. */
export const RULES: Rule[] = [createIndexNonConcurrent, hardcodedSecret, consoleLog];

export const ruleById = new Map<string, Rule>(RULES.map((r) => [r.meta.id, r]));
