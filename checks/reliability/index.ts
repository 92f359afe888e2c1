import type { Rule } from '../../src/rule.js';
import missingTimeout from './missing-timeout.js';
import retryWithoutBackoff from './retry-without-backoff.js';
import nPlusOneQuery from './n-plus-one-query.js';
import oversizedPool from './oversized-pool.js';
import missingHealthCheck from './missing-health-check.js';

export const RELIABILITY_RULES: Rule[] = [missingTimeout, retryWithoutBackoff, nPlusOneQuery, oversizedPool, missingHealthCheck];
