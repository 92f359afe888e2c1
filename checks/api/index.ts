import type { Rule } from '../../src/rule.js';
import verbInPath from './verb-in-path.js';
import singularCollection from './singular-collection.js';
import pathCasing from './path-casing.js';
import unversionedPath from './unversioned-path.js';
import deepNesting from './deep-nesting.js';
import unpaginatedList from './unpaginated-list.js';
import unboundedPageSize from './unbounded-page-size.js';
import createWithout201 from './create-without-201.js';
import rateLimitWithoutRetryAfter from './rate-limit-without-retry-after.js';
import errorExposesInternals from './error-exposes-internals.js';
import routeRemoved from './route-removed.js';
import breakingOpenapiChange from './breaking-openapi-change.js';

export const API_RULES: Rule[] = [
  verbInPath,
  singularCollection,
  pathCasing,
  unversionedPath,
  deepNesting,
  unpaginatedList,
  unboundedPageSize,
  createWithout201,
  rateLimitWithoutRetryAfter,
  errorExposesInternals,
  routeRemoved,
  breakingOpenapiChange,
];
