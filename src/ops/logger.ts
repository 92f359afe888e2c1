import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { QueueObserver, ReviewJob } from '../queue/types.js';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LEVELS)[number];

/** Field paths whose values are never logged, whatever object they come in. */
export const REDACT_PATHS = [
  'privateKey',
  'private_key',
  'token',
  'webhookSecret',
  'secret',
  'password',
  'authorization',
  '*.privateKey',
  '*.token',
  '*.secret',
  '*.password',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  'headers["x-hub-signature-256"]',
  'req.headers["x-hub-signature-256"]',
];

/** Credential shapes scrubbed from every log line, wherever they appear (messages, error stacks, nested fields). */
const CREDENTIAL_PATTERNS: RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  /\bgh[opsu]_[A-Za-z0-9]{36,}\b/g, // GitHub installation / user / OAuth tokens
  /\bgithub_pat_[A-Za-z0-9_]{22,}\b/g,
  /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b/g, // JWTs (the app's signed JWT)
  /\bsha256=[0-9a-f]{64}\b/g, // webhook signatures
];

function escapeForJson(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

/** Replaces credentials (known values and known shapes) in one serialised log line. */
export function scrubSecrets(line: string, secrets: readonly string[] = []): string {
  let out = line;
  for (const secret of secrets) {
    if (secret.length < 8) continue; // too short to scrub without mangling ordinary text
    for (const form of new Set([secret, escapeForJson(secret)])) out = out.split(form).join('[REDACTED]');
  }
  for (const re of CREDENTIAL_PATTERNS) out = out.replace(re, '[REDACTED]');
  return out;
}

export interface LoggerFactoryOptions {
  /** Default LOG_LEVEL, else 'info'. An unknown level throws (fail at start-up). */
  level?: string;
  /** Known secret values (private key, webhook secret, client secret) to scrub if they ever reach a log line. */
  secrets?: readonly string[];
  /** Where lines go; default stdout. Tests pass a stream to capture them. */
  destination?: DestinationStream;
  name?: string;
}

/** The secrets the app holds, from the environment, for `secrets`. */
export function secretsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return ['PRIVATE_KEY', 'WEBHOOK_SECRET', 'GITHUB_CLIENT_SECRET', 'GITHUB_TOKEN']
    .map((k) => env[k])
    .filter((v): v is string => typeof v === 'string' && v.length > 0)
    .flatMap((v) => [v, v.replace(/\\n/g, '\n')]);
}

/** JSON logs (pino) with ISO timestamps, the service name, redacted credential fields and a last-line credential scrub. */
export function createLogger(options: LoggerFactoryOptions = {}): Logger {
  const level = (options.level ?? process.env.LOG_LEVEL ?? 'info').toLowerCase();
  if (!(LEVELS as readonly string[]).includes(level)) throw new Error(`LOG_LEVEL must be one of ${LEVELS.join(', ')}, got ${JSON.stringify(level)}`);
  const secrets = [...(options.secrets ?? [])];
  const config: LoggerOptions = {
    level,
    name: options.name ?? 'backend-review',
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    hooks: { streamWrite: (line: string) => scrubSecrets(line, secrets) },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

/** The correlation fields of one review job, as logged on every line about it. */
export function jobLogFields(job: Pick<ReviewJob, 'deliveryId' | 'owner' | 'repo' | 'pullNumber' | 'headSha'>, jobId?: string) {
  return {
    delivery_id: job.deliveryId,
    repo: `${job.owner}/${job.repo}`,
    pr: job.pullNumber,
    head_sha: job.headSha,
    ...(jobId ? { job_id: jobId } : {}),
  };
}

/** A child logger whose every line carries the delivery id, repo, PR, head SHA and job id. */
export function jobLogger(base: Logger, job: Pick<ReviewJob, 'deliveryId' | 'owner' | 'repo' | 'pullNumber' | 'headSha'>, jobId?: string): Logger {
  return base.child(jobLogFields(job, jobId));
}

/** Measures one operation: `const t = startTimer(log); ...; t.done('review concluded', { conclusion })` logs duration_ms. */
export function startTimer(log: Logger, now: () => number = () => performance.now()) {
  const start = now();
  const elapsed = () => Math.round((now() - start) * 10) / 10;
  return {
    elapsedMs: elapsed,
    done(msg: string, fields: Record<string, unknown> = {}, level: 'info' | 'warn' | 'error' = 'info') {
      log[level]({ ...fields, duration_ms: elapsed() }, msg);
    },
  };
}

/**
 * Logs the queue's job lifecycle with levels per the guidance: normal progress at info, a retry at warn,
 * a dead letter or a failed hook at error. Chain it with the metrics: `queueObserver(metrics, queueLogObserver(log))`.
 */
export function queueLogObserver(base: Logger): QueueObserver {
  return {
    enqueued(job, result) {
      jobLogger(base, job, result.jobId).info({ status: result.status, superseded: result.superseded }, 'review job enqueue');
    },
    started(job, info, waitedMs) {
      jobLogger(base, job, info.jobId).info({ attempt: info.attempt, max_attempts: info.maxAttempts, waited_ms: waitedMs }, 'review job started');
    },
    finished(job, info, outcome, durationMs, sinceReceivedMs, error) {
      const log = jobLogger(base, job, info.jobId);
      const fields = { outcome, attempt: info.attempt, max_attempts: info.maxAttempts, duration_ms: durationMs, since_webhook_ms: sinceReceivedMs };
      if (outcome === 'retrying') log.warn({ ...fields, err: error }, 'review job failed, will retry');
      else if (outcome === 'dead_lettered') log.error({ ...fields, err: error }, 'review job dead-lettered');
      else if (outcome === 'abandoned') log.warn(fields, 'review job abandoned: the process is stopping before it could run or finish');
      else log.info(fields, outcome === 'superseded' ? 'review job superseded by a newer head SHA' : 'review job completed');
    },
    hookFailed(hook, job, error) {
      jobLogger(base, job).error({ hook, err: error }, 'queue hook failed');
    },
  };
}
