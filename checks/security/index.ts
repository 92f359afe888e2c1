import type { Rule } from '../../src/rule.js';
import hardcodedSecret from './hardcoded-secret.js';

export const SECURITY_RULES: Rule[] = [hardcodedSecret];
