export { createLogger, jobLogFields, jobLogger, queueLogObserver, scrubSecrets, secretsFromEnv, startTimer, REDACT_PATHS, type LoggerFactoryOptions } from './logger.js';
export { createMetrics, instrumentOctokit, octokitMetricsPlugin, queueObserver, METRIC_PREFIX, type HookableOctokit, type MetricsOptions, type ReviewMetrics } from './metrics.js';
export { createOpsHandler, opsSettingsFromEnv, queueReadinessCheck, startOpsServer, type OpsHandler, type OpsOptions, type OpsSettings, type ReadinessCheck } from './http.js';
export { after, DEFAULT_SHUTDOWN_TIMEOUT_MS, exitOnSignals, shutdownPlan, shutdownTimeoutFromEnv, type SignalOptions } from './shutdown.js';
export { metricNameProblems, parseExposition } from './metric-names.js';
