import type { Area, ChangeKind, ChecklistItem, ChecklistResult, ChecklistStatus, Finding, RuleMeta } from './model.js';

const ZDM = 'Database Schema Design Reference › Zero-Downtime Migration Checklist';
const SCHEMA_TYPES = 'Database Schema Design Reference › Data Types';
const SHIP = 'API Design Reference › Before Shipping Any Endpoint';
const NEW_SERVICE = 'Security Reference › Security Checklist for New Services';
const INJECTION = 'Security Reference › Injection Prevention Checklist';
const HYGIENE = 'Security Reference › Secret Hygiene Checklist';
const CORRELATION = 'Observability Reference › Correlation IDs (propagation checklist)';
const LOGGING = 'Observability Reference › Structured Logging';
const METRICS = 'Observability Reference › Metrics';
const FAILURES = 'SKILL.md › Handle partial failures';

/**
 * The checklist catalogue. Ids are stable: they appear in summaries that are edited in
 * place and in the JSON output. An item is ticked automatically only when the rules
 * that name it (in their `checklist` metadata) cover it completely; anything a tool
 * cannot judge stays a box for a human.
 */
export const CHECKLIST: ChecklistItem[] = [
  // Migration safety
  { id: 'migration.additive-only', area: 'migration', appliesTo: ['migration'], guidance: ZDM, text: 'The migration only adds: no drops, renames, type changes or truncations in the same deploy as the code change' },
  { id: 'migration.safe-new-columns', area: 'migration', appliesTo: ['migration'], guidance: ZDM, text: 'New columns are nullable or have a default that does not rewrite the table; NOT NULL goes through a validated CHECK first' },
  { id: 'migration.concurrent-indexes', area: 'migration', appliesTo: ['migration'], guidance: ZDM, text: 'Indexes on existing tables are created and dropped CONCURRENTLY, outside a transaction' },
  { id: 'migration.short-locks', area: 'migration', appliesTo: ['migration'], guidance: ZDM, text: 'No statement holds a strong lock on an existing table for long: lock_timeout is set, constraints are added NOT VALID and validated separately' },
  { id: 'migration.batched-backfills', area: 'migration', appliesTo: ['migration'], guidance: 'Database Schema Design Reference › Backfill Pattern', text: 'Backfills run in batches of 1k–10k rows, not as one UPDATE or DELETE' },
  { id: 'migration.code-compatible', area: 'migration', appliesTo: ['migration'], guidance: 'Database Schema Design Reference › The Expand-Contract Pattern', text: 'No column dropped or renamed here is still read by application code at the head' },
  { id: 'migration.old-code-compatible', area: 'migration', appliesTo: ['migration'], guidance: ZDM, text: 'The code that is running now keeps working against the new schema during the deploy' },
  { id: 'migration.schema-defaults', area: 'migration', appliesTo: ['migration'], guidance: SCHEMA_TYPES, text: 'Types follow the schema defaults: timestamptz, integer cents or numeric for money, bigint keys, a primary key on every table, indexed foreign keys' },
  { id: 'migration.rollback', area: 'migration', appliesTo: ['migration'], guidance: ZDM, text: 'A down migration exists where the framework supports one' },
  { id: 'migration.rollback-plan', area: 'migration', appliesTo: ['migration'], guidance: ZDM, text: 'The rollback plan is written down, including for the steps that cannot be undone' },
  { id: 'migration.parses', area: 'migration', appliesTo: ['migration'], guidance: 'Database Schema Design Reference › Migration Safety Patterns', text: 'Every statement parses as PostgreSQL, so every statement was checked' },
  { id: 'migration.production-data', area: 'migration', appliesTo: ['migration'], guidance: ZDM, text: 'Tested against a production-sized dataset' },

  // API design
  { id: 'api.resource-naming', area: 'api', appliesTo: ['api'], guidance: SHIP, text: 'Paths are plural, lowercase, hyphen-separated nouns, versioned and at most two resources deep' },
  { id: 'api.pagination', area: 'api', appliesTo: ['api'], guidance: SHIP, text: 'Every list endpoint is paginated with a server-enforced maximum page size' },
  { id: 'api.status-codes', area: 'api', appliesTo: ['api'], guidance: 'API Design Reference › Status Codes', text: 'Creates answer 201 with a Location header; 429 responses carry Retry-After' },
  { id: 'api.error-internals', area: 'api', appliesTo: ['api'], guidance: SHIP, text: '5xx responses never expose stack traces, SQL or raw error objects' },
  { id: 'api.no-silent-breaks', area: 'api', appliesTo: ['api'], guidance: 'API Design Reference › Breaking vs Non-Breaking', text: 'No route or documented response field is removed or changed without a deprecation' },
  { id: 'api.idempotency', area: 'api', appliesTo: ['api'], guidance: SHIP, text: 'POST endpoints accept an Idempotency-Key' },
  { id: 'api.examples-documented', area: 'api', appliesTo: ['api'], guidance: SHIP, text: 'Every new endpoint has request and response examples in the OpenAPI spec' },

  // Security
  { id: 'security.parameterized-queries', area: 'security', appliesTo: ['server-code'], guidance: INJECTION, text: 'All SQL uses bind parameters; no query is built by concatenation or template literals' },
  { id: 'security.injection', area: 'security', appliesTo: ['server-code'], guidance: INJECTION, text: 'No request input reaches NoSQL operators, shell commands, eval, outbound URLs or file paths unchecked' },
  { id: 'security.authz-default-deny', area: 'security', appliesTo: ['api'], guidance: NEW_SERVICE, text: 'Every non-public route has the authentication and authorization middleware its siblings have' },
  { id: 'security.resource-authz', area: 'security', appliesTo: ['api'], guidance: SHIP, text: 'Authorization is checked per resource, not only per endpoint' },
  { id: 'security.password-hashing', area: 'security', appliesTo: ['server-code'], guidance: NEW_SERVICE, text: 'Passwords are hashed with Argon2id or bcrypt cost 12+, and compared in constant time' },
  { id: 'security.tokens', area: 'security', appliesTo: ['server-code'], guidance: NEW_SERVICE, text: 'Tokens are verified with a pinned algorithm and made from a cryptographic random source' },
  { id: 'security.transport', area: 'security', appliesTo: ['server-code', 'config'], guidance: NEW_SERVICE, text: 'TLS is verified on every outbound and database connection' },
  { id: 'security.cors-cookies', area: 'security', appliesTo: ['server-code'], guidance: NEW_SERVICE, text: 'CORS uses an explicit origin allowlist; session cookies are httpOnly and secure' },
  { id: 'security.request-limits', area: 'security', appliesTo: ['server-code'], guidance: NEW_SERVICE, text: 'Request bodies are size-limited and login, signup and reset routes are rate-limited' },
  { id: 'security.no-secrets-in-repo', area: 'security', appliesTo: ['server-code', 'config'], guidance: HYGIENE, text: 'No secrets in source, .env files, Dockerfiles, compose files or Kubernetes manifests' },
  { id: 'security.no-secrets-in-logs', area: 'security', appliesTo: ['server-code'], guidance: HYGIENE, text: 'No passwords, tokens, auth headers or whole request bodies are logged' },
  { id: 'security.container-user', area: 'security', appliesTo: ['container'], guidance: 'Security Reference › Security Checklist for New Services', text: 'Containers run as a non-root user' },
  { id: 'security.secret-rotation', area: 'security', appliesTo: ['config'], guidance: HYGIENE, text: 'Any new secret is loaded from a secrets manager at runtime and has a rotation schedule' },

  // Observability
  { id: 'observability.structured-logs', area: 'observability', appliesTo: ['server-code'], guidance: LOGGING, text: 'Logs go through a structured JSON logger with values as fields, not console output or interpolated strings' },
  { id: 'observability.errors-visible', area: 'observability', appliesTo: ['server-code'], guidance: LOGGING, text: 'Every caught error is logged or rethrown, never swallowed' },
  { id: 'observability.correlation-ids', area: 'observability', appliesTo: ['server-code'], guidance: CORRELATION, text: 'Request ids or traceparent are taken on ingress and carried into every log line' },
  { id: 'observability.metrics', area: 'observability', appliesTo: ['server-code'], guidance: METRICS, text: 'Metrics follow Prometheus naming, latency is a histogram, and no label has unbounded cardinality' },
  { id: 'observability.slo-alerts', area: 'observability', appliesTo: ['api'], guidance: 'Observability Reference › Defining SLIs', text: 'New endpoints are covered by the service’s SLO dashboards and burn-rate alerts' },

  // Reliability
  { id: 'reliability.timeouts', area: 'reliability', appliesTo: ['server-code'], guidance: FAILURES, text: 'Every outbound call has a timeout, and retries back off exponentially with jitter' },
  { id: 'reliability.query-patterns', area: 'reliability', appliesTo: ['server-code'], guidance: 'Performance Reference › Common anti-patterns', text: 'No query runs once per row of another query (N+1); pools are sized to what the database can serve' },
  { id: 'reliability.health-checks', area: 'reliability', appliesTo: ['server-code'], guidance: 'Scalable Systems Reference › Health Check Checklist', text: 'The server exposes liveness and readiness endpoints' },
];

export const checklistById = new Map(CHECKLIST.map((item) => [item.id, item]));

const STATUS_ORDER: Record<ChecklistStatus, number> = { fail: 0, warn: 1, manual: 2, pass: 3 };

/**
 * Evaluates the items that apply to this change. An item verified by rules fails when
 * one of them reported an error, warns on lesser findings, and passes otherwise; an
 * item no enabled rule verifies is left for a human.
 */
export function evaluateChecklist(
  touched: Set<ChangeKind>,
  enabledRules: RuleMeta[],
  findings: Finding[],
): ChecklistResult[] {
  const results: ChecklistResult[] = [];
  for (const item of CHECKLIST) {
    if (!item.appliesTo.some((kind) => touched.has(kind))) continue;
    const rules: string[] = enabledRules.filter((r) => r.checklist.includes(item.id)).map((r) => r.id);
    let status: ChecklistStatus = 'manual';
    if (rules.length > 0) {
      const hits = findings.filter((f) => rules.includes(f.ruleId));
      status = hits.some((f) => f.severity === 'error') ? 'fail' : hits.length > 0 ? 'warn' : 'pass';
    }
    results.push({ id: item.id, area: item.area, text: item.text, guidance: item.guidance, status, rules });
  }
  return results.sort((a, b) => AREA_ORDER.indexOf(a.area) - AREA_ORDER.indexOf(b.area) || STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);
}

export const AREA_ORDER: Area[] = ['security', 'api', 'migration', 'observability', 'reliability'];
