import type { Rule } from '../../src/rule.js';

export const RELIABILITY_RULES: Rule[] = [];
