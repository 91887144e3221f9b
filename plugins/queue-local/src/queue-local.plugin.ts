import { definePlugin } from '@switchboard/core';
import { z } from 'zod';
import { LocalJobQueue } from './local-job-queue.js';

export const queueLocalConfigSchema = z.object({
  concurrency: z.number().int().min(1).max(64).default(4),
  backoffMs: z.number().int().min(1).default(1000),
});

export const queueLocalPlugin = definePlugin({
  id: '@switchboard/queue-local',
  displayName: 'In-process job queue',
  version: '0.1.0',
  apiVersion: 1,
  kinds: ['queue'],
  configSchema: queueLocalConfigSchema,
  create(context, config) {
    const queue = new LocalJobQueue({
      concurrency: config.concurrency,
      backoffMs: config.backoffMs,
      logger: context.logger.child({ plugin: '@switchboard/queue-local' }),
      clock: context.clock,
    });
    return {
      queue,
      // No connections to open: the hub itself calls queue.start() in worker roles only.
      start: async () => {},
      // Idempotent, so it is harmless when the hub already stopped the queue with its own grace.
      stop: () => queue.stop(),
      health: () => queue.health(),
    };
  },
});
