import type { Rule } from '../../src/rule.js';
import consoleLog from './console-log.js';

export const OBSERVABILITY_RULES: Rule[] = [consoleLog];
