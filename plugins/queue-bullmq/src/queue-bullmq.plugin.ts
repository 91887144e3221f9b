import { definePlugin, secret } from '@switchboard/core';
import { z } from 'zod';
import { BullmqJobQueue } from './bullmq-job-queue.js';

export const queueBullmqConfigSchema = z.object({
  /** `redis://…`; a secret, as it may carry a password. */
  url: secret(z.string()),
  prefix: z.string().default('sb'),
  queueName: z.string().default('switchboard'),
  concurrency: z.number().int().min(1).max(256).default(8),
  backoffMs: z.number().int().min(1).default(1000),
});

export const queueBullmqPlugin = definePlugin({
  id: '@switchboard/queue-bullmq',
  displayName: 'BullMQ job queue (Redis)',
  version: '0.1.0',
  apiVersion: 1,
  kinds: ['queue'],
  configSchema: queueBullmqConfigSchema,
  create(context, config) {
    const queue = new BullmqJobQueue({
      url: config.url,
      prefix: config.prefix,
      queueName: config.queueName,
      concurrency: config.concurrency,
      backoffMs: config.backoffMs,
      logger: context.logger.child({ plugin: '@switchboard/queue-bullmq' }),
    });
    return {
      queue,
      // Connections only: the hub itself calls queue.start() in worker roles.
      start: () => queue.connect(),
      // Idempotent, so it is harmless when the hub already stopped the queue with its own grace.
      stop: () => queue.stop(),
      health: () => queue.health(),
      testConnection: () => queue.health(),
    };
  },
});
