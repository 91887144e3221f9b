import { silentLogger, systemClock, type Logger, type PluginContext } from '@switchboard/core';
import { runJobQueueContract } from '@switchboard/core/testing';
import { describe, expect, it, vi } from 'vitest';
import plugin from '../index.js';
import { LocalJobQueue } from '../local-job-queue.js';

runJobQueueContract('LocalJobQueue', async () => {
  const queue = new LocalJobQueue({ backoffMs: 10 });
  return { queue, dispose: () => queue.stop(1000) };
});

describe('LocalJobQueue', () => {
  const recordingLogger = (): { logger: Logger; warnings: string[] } => {
    const warnings: string[] = [];
    return { logger: { ...silentLogger, warn: (_fields, message) => warnings.push(message) }, warnings };
  };

  it('logs a job with no handler once, however many of that name wait', async () => {
    const { logger, warnings } = recordingLogger();
    const queue = new LocalJobQueue({ logger });
    await queue.start();
    await queue.enqueue('nobody.handles', { n: 1 });
    await queue.enqueue('nobody.handles', { n: 2 });
    expect(warnings).toEqual(['no handler registered for job; it stays waiting']);
    expect(await queue.counts()).toMatchObject({ waiting: 2, failed: 0 });
    await queue.stop(100);
  });

  it('keeps a bounded failed list, most recent first', async () => {
    const queue = new LocalJobQueue({ maxFailed: 2 });
    let failures = 0;
    queue.register<{ n: number }>('always.fails', async (job) => {
      failures += 1;
      throw new Error(`failure ${job.payload.n}`);
    });
    await queue.start();
    for (const n of [1, 2, 3]) await queue.enqueue('always.fails', { n }, { attempts: 1 });
    await vi.waitFor(() => expect(failures).toBe(3));
    await vi.waitFor(async () => expect((await queue.counts()).active).toBe(0));

    const failed = await queue.failed(10);
    expect(failed.map((job) => job.reason)).toEqual(['failure 3', 'failure 2']);
    expect(await queue.failed(0)).toEqual([]);
    expect((await queue.counts()).failed).toBe(2);
    await queue.stop(100);
  });

  it('copies the payload, so a producer changing its object afterwards changes nothing', async () => {
    const queue = new LocalJobQueue();
    const payload = { tags: ['a'] };
    const seen = new Promise<unknown>((resolve) => queue.register('copy.check', async (job) => resolve(job.payload)));
    await queue.enqueue('copy.check', payload);
    payload.tags.push('b');
    await queue.start();
    expect(await seen).toEqual({ tags: ['a'] });
    await queue.stop(100);
  });

  it('refuses new jobs once stopped and reports itself down', async () => {
    const queue = new LocalJobQueue();
    await queue.start();
    expect(await queue.health()).toEqual({ status: 'up' });
    await queue.stop(100);
    await expect(queue.enqueue('late.job', {})).rejects.toThrow('stopped');
    expect(await queue.health()).toMatchObject({ status: 'down' });
  });
});

describe('queue-local plugin', () => {
  const context: PluginContext<'queue'> = {
    instanceId: 'queue',
    logger: silentLogger,
    clock: systemClock,
    dataDir: '/nonexistent',
    role: 'all',
  };

  it('fills config defaults and bounds concurrency', () => {
    expect(plugin).toMatchObject({ id: '@switchboard/queue-local', apiVersion: 1, kinds: ['queue'], });
    expect(plugin.configSchema.parse({})).toEqual({ concurrency: 4, backoffMs: 1000 });
    expect(() => plugin.configSchema.parse({ concurrency: 65 })).toThrow();
  });

  it('does not consume on plugin start: only queue.start() does', async () => {
    const instance = await plugin.create(context, plugin.configSchema.parse({}));
    const queue = instance.queue;
    if (!queue) throw new Error('the plugin provides no queue');
    let ran = false;
    queue.register('plugin.job', async () => {
      ran = true;
    });
    await instance.start?.();
    await queue.enqueue('plugin.job', {});
    expect(ran).toBe(false);
    expect(await queue.counts()).toMatchObject({ waiting: 1 });

    await queue.start();
    await vi.waitFor(() => expect(ran).toBe(true));
    await instance.stop?.();
    expect(await instance.health()).toMatchObject({ status: 'down' });
  });
});
