import type { Rule } from '../../src/rule.js';
import createIndexNonConcurrent from './create-index-non-concurrent.js';

export const MIGRATION_RULES: Rule[] = [createIndexNonConcurrent];
