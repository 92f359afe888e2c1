import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createOpsHandler, queueReadinessCheck, startOpsServer } from '../../src/ops/http.js';
import { RedisReviewQueue } from '../../src/queue/redis.js';
import { waitFor } from '../queue/helpers.js';
import { skipRedisTests, TestRedis } from '../queue/redis-server.js';

describe.skipIf(skipRedisTests)('/readyz in queue mode', () => {
  it('pings Redis: ready while it is up, 503 while it is down, ready again after it is back', async () => {
    const redis = await TestRedis.start();
    const queue = new RedisReviewQueue({ redisUrl: redis.url, queueName: `t-${randomUUID()}` });
    const check = queueReadinessCheck(queue);
    expect(check.name).toBe('redis');
    const server = await startOpsServer(createOpsHandler({ checks: [check] }), 0);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`;
    try {
      expect((await fetch(url)).status).toBe(200);
      await redis.stop();
      const res = await fetch(url);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'not_ready', checks: { redis: 'failed' } });
      await redis.restart();
      await waitFor(async () => (await fetch(url)).status === 200, 10_000, 'readiness after the restart');
    } finally {
      await new Promise((r) => server.close(r));
      await queue.close();
      await redis.destroy();
    }
  });
});
