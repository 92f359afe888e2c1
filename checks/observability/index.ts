import type { Rule } from '../../src/rule.js';
import consoleLog from './console-log.js';
import unstructuredLog from './unstructured-log.js';
import swallowedError from './swallowed-error.js';
import metricNaming from './metric-naming.js';
import highCardinalityLabel from './high-cardinality-label.js';
import latencyNotHistogram from './latency-not-histogram.js';
import missingRequestId from './missing-request-id.js';

export const OBSERVABILITY_RULES: Rule[] = [consoleLog, unstructuredLog, swallowedError, metricNaming, highCardinalityLabel, latencyNotHistogram, missingRequestId];
