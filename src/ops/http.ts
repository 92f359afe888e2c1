import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { ReviewQueue } from '../queue/types.js';

/** One readiness dependency. `check` rejects (or times out) when the dependency is not usable. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
  /** Default 1000 ms. */
  timeoutMs?: number;
}

/** Readiness of the queue: a Redis PING in queue mode, "not closed" in memory mode. */
export function queueReadinessCheck(queue: Pick<ReviewQueue, 'mode' | 'ping'>): ReadinessCheck {
  return { name: queue.mode === 'redis' ? 'redis' : 'queue', check: () => queue.ping() };
}

export interface OpsOptions {
  /** Serves GET /metrics when given. */
  registry?: Registry;
  /** When set, GET /metrics answers only `Authorization: Bearer <token>`, and 401 to anything else. */
  metricsToken?: string;
  checks?: ReadinessCheck[];
  /** /readyz gives only the status, not the names of the checks (for a port the internet can reach). */
  hideCheckNames?: boolean;
}

/** Where the app serves its ops endpoints, from METRICS_PORT, METRICS_HOST and METRICS_TOKEN (see docs/operations.md). */
export interface OpsSettings {
  /** A separate ops server (/metrics, /healthz, /readyz) on this port; undefined: none. */
  port?: number;
  host: string;
  /** /metrics on the webhook port too, behind this bearer token; undefined: not served there. */
  token?: string;
}

/** An invalid value throws: fail at start-up. */
export function opsSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): OpsSettings {
  const rawPort = env.METRICS_PORT?.trim();
  let port: number | undefined;
  if (rawPort) {
    port = Number(rawPort);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`METRICS_PORT must be a port number, got ${JSON.stringify(env.METRICS_PORT)}`);
  }
  const token = env.METRICS_TOKEN?.trim() || undefined;
  if (token !== undefined && token.length < 16) throw new Error('METRICS_TOKEN must be at least 16 characters (use a random value, e.g. `openssl rand -hex 32`)');
  return { port, host: env.METRICS_HOST?.trim() || '0.0.0.0', token };
}

/** Constant-time comparison of the bearer token (both sides hashed first, so lengths do not leak either). */
function bearerMatches(req: IncomingMessage, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!m) return false;
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(m[1]!), digest(token));
}

/**
 * A Probot-style handler `(req, res) => Promise<boolean>` (true when it answered) for
 * GET /metrics, /healthz (liveness: the process answers) and /readyz (readiness: every check passes).
 * Mount it with Probot's `addHandler`, call it from a plain http server, or use `.express` as Express middleware.
 */
export interface OpsHandler {
  (req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  express(req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void;
  /** From now on /readyz answers 503, so the load balancer drains this instance before shutdown. */
  markShuttingDown(): void;
}

function send(res: ServerResponse, status: number, type: string, body: string, head: boolean): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(head ? undefined : body);
}

async function runCheck(c: ReadinessCheck): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), c.timeoutMs ?? 1000);
  });
  try {
    await Promise.race([c.check(), timeout]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export function createOpsHandler(options: OpsOptions = {}): OpsHandler {
  const checks = options.checks ?? [];
  let shuttingDown = false;

  const handler = (async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return false;
    const head = method === 'HEAD';
    const path = (req.url ?? '/').split('?')[0];
    switch (path) {
      case '/healthz':
        send(res, 200, 'application/json', '{"status":"ok"}', head);
        return true;
      case '/readyz': {
        // Check results are "ok"/"failed" only: error text (hosts, ports) stays out of a possibly public endpoint.
        const results = await Promise.all(checks.map(async (c) => [c.name, (await runCheck(c)) ? 'ok' : 'failed'] as const));
        const ready = !shuttingDown && results.every(([, r]) => r === 'ok');
        const status = ready ? 'ready' : shuttingDown ? 'shutting_down' : 'not_ready';
        const body = JSON.stringify(options.hideCheckNames ? { status } : { status, checks: Object.fromEntries(results) });
        send(res, ready ? 200 : 503, 'application/json', body, head);
        return true;
      }
      case '/metrics': {
        if (!options.registry) return false;
        if (options.metricsToken !== undefined && !bearerMatches(req, options.metricsToken)) {
          res.setHeader('www-authenticate', 'Bearer');
          send(res, 401, 'text/plain', 'unauthorized\n', head);
          return true;
        }
        try {
          send(res, 200, options.registry.contentType, await options.registry.metrics(), head);
        } catch {
          send(res, 500, 'text/plain', 'metrics collection failed\n', head);
        }
        return true;
      }
      default:
        return false;
    }
  }) as OpsHandler;

  handler.express = (req, res, next) => {
    handler(req, res).then((handled) => {
      if (!handled) next();
    }, next);
  };
  handler.markShuttingDown = () => {
    shuttingDown = true;
  };
  return handler;
}

/**
 * A separate HTTP server for the ops endpoints (recommended: keep /metrics off the public webhook port).
 * Anything else gets 404. Resolves once listening; `server.address()` gives the port when `port` is 0.
 */
export async function startOpsServer(handler: OpsHandler, port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createServer((req, res) => {
    handler(req, res).then(
      (handled) => {
        if (!handled) send(res, 404, 'text/plain', 'not found\n', req.method === 'HEAD');
      },
      () => {
        if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n', false);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
