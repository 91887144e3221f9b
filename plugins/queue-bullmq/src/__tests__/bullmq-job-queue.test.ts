import { randomBytes } from 'node:crypto';
import { secretPathsOf, silentLogger } from '@switchboard/core';
import { runJobQueueContract } from '@switchboard/core/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullmqJobQueue } from '../bullmq-job-queue.js';
import plugin from '../index.js';
import { deleteKeys, waitFor } from './test-support.js';

const REDIS_URL = process.env.SWITCHBOARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// One prefix per run, one queue per test: runs and tests never see each other's jobs.
const prefix = `sbtest-${randomBytes(6).toString('hex')}`;
let admin: Redis;
let queues = 0;

beforeAll(() => {
  admin = new Redis(REDIS_URL);
});

afterAll(async () => {
  await deleteKeys(admin, `${prefix}:*`);
  await admin.quit();
});

runJobQueueContract('BullmqJobQueue', async () => {
  queues += 1;
  const queueName = `contract${queues}`;
  const queue = new BullmqJobQueue({ url: REDIS_URL, prefix, queueName, backoffMs: 20, unhandledRetryMs: 100 });
  return {
    queue,
    dispose: async () => {
      await queue.stop(2000);
      await deleteKeys(admin, `${prefix}:${queueName}:*`);
    },
  };
});

describe('BullmqJobQueue', () => {
  it('removes completed jobs and keeps failed ones, under the configured prefix and queue name', { timeout: 60_000 }, async () => {
    const queueName = 'layout';
    const queue = new BullmqJobQueue({ url: REDIS_URL, prefix, queueName, backoffMs: 10 });
    try {
      queue.register<{ fail: boolean }>('layout.job', async (job) => {
        if (job.payload.fail) throw new Error('kept');
      });
      await queue.start();
      await queue.enqueue('layout.job', { fail: false }, { jobId: 'ok' });
      await queue.enqueue('layout.job', { fail: true }, { jobId: 'bad', attempts: 1 });
      await waitFor(async () => {
        const counts = await queue.counts();
        return counts.failed === 1 && counts.waiting + counts.active + counts.delayed === 0;
      }, 'both jobs to finish');

      // Custom ids are stored encoded (BullMQ refuses ':' and all-digit ids).
      expect(await admin.exists(`${prefix}:${queueName}:key-bad`)).toBe(1);
      expect(await admin.exists(`${prefix}:${queueName}:key-ok`)).toBe(0);
      expect(await queue.failed(5)).toMatchObject([{ id: 'bad', name: 'layout.job', reason: 'kept', attempts: 1 }]);
    } finally {
      await queue.stop(2000);
      await deleteKeys(admin, `${prefix}:${queueName}:*`);
    }
  });

  it('logs a job with no handler once and keeps it queued', { timeout: 60_000 }, async () => {
    const queueName = 'unhandled';
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (_fields: Record<string, unknown>, message: string) => warnings.push(message) };
    const queue = new BullmqJobQueue({ url: REDIS_URL, prefix, queueName, unhandledRetryMs: 50, logger });
    try {
      await queue.start();
      await queue.enqueue('nobody.handles', {});
      // Parked and looked at again several times by now; still one warning.
      await waitFor(() => warnings.length === 1, 'the warning');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(warnings).toEqual(['no handler registered for job; it stays queued']);
      const counts = await queue.counts();
      expect(counts.waiting + counts.active + counts.delayed).toBe(1);
      expect(counts.failed).toBe(0);
    } finally {
      await queue.stop(2000);
      await deleteKeys(admin, `${prefix}:${queueName}:*`);
    }
  });

  it('reports health up against a live Redis', async () => {
    const queue = new BullmqJobQueue({ url: REDIS_URL, prefix, queueName: 'health' });
    try {
      await queue.connect();
      expect(await queue.health()).toEqual({ status: 'up' });
    } finally {
      await queue.stop(1000);
    }
    expect(await queue.health()).toMatchObject({ status: 'down' });
  });
});

describe('queue-bullmq plugin', () => {
  it('declares the url as a secret and fills config defaults', () => {
    expect(plugin).toMatchObject({ id: '@switchboard/queue-bullmq', apiVersion: 1, kinds: ['queue'] });
    expect(secretPathsOf(plugin.configSchema)).toEqual([['url']]);
    expect(plugin.configSchema.parse({ url: REDIS_URL })).toEqual({
      url: REDIS_URL,
      prefix: 'sb',
      queueName: 'switchboard',
      concurrency: 8,
      backoffMs: 1000,
    });
    expect(() => plugin.configSchema.parse({})).toThrow();
  });
});
