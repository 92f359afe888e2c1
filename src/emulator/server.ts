import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import type { GitHubEmulator } from './emulator.js';

/**
 * Serves an emulator over HTTP on 127.0.0.1 at a free port, with the REST API under
 * /api/v3 and GraphQL at /api/graphql, the layout of GitHub Enterprise Server, so Probot
 * reaches it with GHE_HOST and GHE_PROTOCOL=http.
 */
export async function serveEmulator(
  emu: GitHubEmulator,
  port = 0,
  /** Milliseconds to hold each answer, as GitHub's own latency would (the load test). */
  delayMs?: () => number,
): Promise<{ server: Server; host: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs()));
      const raw = Buffer.concat(chunks).toString('utf8');
      let result;
      try {
        result = emu.handle({ method: req.method ?? 'GET', url: `http://${req.headers.host}${req.url}`, headers: req.headers, body: raw || undefined });
      } catch (err) {
        emu.violations.push(`emulator crashed on ${req.method} ${req.url}: ${(err as Error).message}`);
        result = { status: 500, headers: { 'content-type': 'application/json' }, body: { message: 'emulator error' } };
      }
      const payload = typeof result.body === 'string' ? result.body : JSON.stringify(result.body);
      res.writeHead(result.status, result.headers);
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: actual } = server.address() as AddressInfo;
  return {
    server,
    host: `127.0.0.1:${actual}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A free loopback port, for a server started next (the app, a worker's metrics, redis-server). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
