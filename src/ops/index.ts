export { createLogger, jobLogFields, jobLogger, queueLogObserver, scrubSecrets, secretsFromEnv, startTimer, REDACT_PATHS, type LoggerFactoryOptions } from './logger.js';
export { createMetrics, instrumentOctokit, octokitMetricsPlugin, queueObserver, METRIC_PREFIX, type HookableOctokit, type MetricsOptions, type ReviewMetrics } from './metrics.js';
export { createOpsHandler, queueReadinessCheck, startOpsServer, type OpsHandler, type OpsOptions, type ReadinessCheck } from './http.js';
export { metricNameProblems, parseExposition } from './metric-names.js';
