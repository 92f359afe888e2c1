import type { Rule } from '../../src/rule.js';
import verbInPath from './verb-in-path.js';
import singularCollection from './singular-collection.js';
import pathCasing from './path-casing.js';
import unversionedPath from './unversioned-path.js';
import deepNesting from './deep-nesting.js';

export const API_RULES: Rule[] = [verbInPath, singularCollection, pathCasing, unversionedPath, deepNesting];
