import type { Rule } from '../src/rule.js';
import { MIGRATION_RULES } from './migration/index.js';
import { API_RULES } from './api/index.js';
import { SECURITY_RULES } from './security/index.js';
import { OBSERVABILITY_RULES } from './observability/index.js';
import { RELIABILITY_RULES } from './reliability/index.js';

/** Every rule, grouped by area in the order the README's table lists them. */
export const RULES: Rule[] = [...MIGRATION_RULES, ...API_RULES, ...SECURITY_RULES, ...OBSERVABILITY_RULES, ...RELIABILITY_RULES];

export const ruleById = new Map<string, Rule>(RULES.map((r) => [r.meta.id, r]));
