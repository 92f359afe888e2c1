import type { Rule } from '../../src/rule.js';

export const API_RULES: Rule[] = [];
