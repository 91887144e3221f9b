import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BullmqJobQueue } from '../bullmq-job-queue.js';
import { waitFor } from './test-support.js';
import { startThrowawayRedis, type ThrowawayRedis } from './throwaway-redis.js';

// These tests wipe and kill Redis, so they get a redis-server of their own, never the shared one.
const PASSWORD = 'throwaway-secret-7f3a';

describe('BullmqJobQueue when Redis loses its data or goes away', () => {
  let redis: ThrowawayRedis;
  let queue: BullmqJobQueue;

  beforeEach(async () => {
    redis = await startThrowawayRedis(PASSWORD);
    queue = new BullmqJobQueue({ url: redis.url, prefix: 'sb', queueName: 'loss', backoffMs: 20 });
  });

  afterEach(async () => {
    await queue.stop(1000);
    await redis.kill();
  });

  it('processes jobs enqueued after a FLUSHALL, even one that wiped a running job', { timeout: 60_000 }, async () => {
    const seen: number[] = [];
    let releaseFirst: () => void = () => {};
    const firstHeld = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    queue.register<{ n: number }>('loss.job', async (job) => {
      seen.push(job.payload.n);
      if (job.payload.n === 1) await firstHeld;
    });
    await queue.start();
    await queue.enqueue('loss.job', { n: 1 }, { jobId: 'same' });
    await waitFor(() => seen.length === 1, 'the job before the flush to start');

    // The running job's keys vanish under it: finishing it fails inside BullMQ, and that is all.
    await redis.admin.flushall();
    expect(await redis.admin.dbsize()).toBe(0);
    releaseFirst();

    await queue.enqueue('loss.job', { n: 2 }, { jobId: 'same' });
    await queue.enqueue('loss.job', { n: 3 }, { delayMs: 50 });
    await waitFor(() => seen.length === 3, 'the jobs after the flush');
    expect(seen).toEqual([1, 2, 3]);
    await waitFor(async () => {
      const counts = await queue.counts();
      return counts.active + counts.waiting + counts.delayed === 0;
    }, 'the queue to settle');
    expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
  });

  it('reports down, without the URL or password, once Redis is gone', { timeout: 60_000 }, async () => {
    await queue.connect();
    expect(await queue.health()).toEqual({ status: 'up' });

    await redis.kill();
    const health = await queue.health();
    expect(health.status).toBe('down');
    expect(health.detail ?? '').not.toContain(PASSWORD);
    expect(health.detail ?? '').not.toContain(redis.url);
    expect(health.detail ?? '').not.toContain('127.0.0.1');
  });

  it('stops within its grace period while Redis is gone', { timeout: 60_000 }, async () => {
    queue.register('loss.idle', async () => {});
    await queue.start();
    await redis.kill();
    const startedAt = Date.now();
    await queue.stop(500);
    expect(Date.now() - startedAt).toBeLessThan(10_000);
  });
});
