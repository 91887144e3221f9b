import { z } from 'zod';
import { definePlugin, secret } from '@switchboard/core';
import { createInboundRoute } from './inbound.route.js';
import { WebhookChannel } from './webhook-channel.js';
import { isValidWebhookSecret } from './webhook-signature.js';

const webhookSecret = z
  .string()
  .min(1)
  // The message must not echo the value: it is a secret.
  .refine(isValidWebhookSecret, { message: "expected 'whsec_' followed by base64, or a raw secret string" });

export const webhookConfigSchema = z
  .strictObject({
    /** The channel name recorded on interactions of this instance. */
    channel: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a channel name is 1 to 64 of [a-z0-9._-], starting with a letter or digit')
      .default('webhook'),
    callbackUrl: z.url({ protocol: /^https?$/ }).optional(),
    signingSecret: secret(webhookSecret).optional(),
    inboundSecret: secret(webhookSecret).optional(),
    timeoutMs: z.number().int().positive().max(120_000).default(10_000),
  })
  .superRefine((config, ctx) => {
    if (config.callbackUrl !== undefined && config.signingSecret === undefined) {
      ctx.addIssue({ code: 'custom', path: ['signingSecret'], message: 'signingSecret is required when callbackUrl is set' });
    }
  });
export type WebhookConfig = z.output<typeof webhookConfigSchema>;

export const channelWebhookPlugin = definePlugin({
  id: '@switchboard/channel-webhook',
  displayName: 'Webhook channel',
  version: '0.1.0',
  apiVersion: 1,
  kinds: ['channel'],
  configSchema: webhookConfigSchema,
  create(ctx, config) {
    const logger = ctx.logger.child({ plugin: '@switchboard/channel-webhook', instanceId: ctx.instanceId });
    const channel = new WebhookChannel({
      instanceId: ctx.instanceId,
      channel: config.channel,
      callbackUrl: config.callbackUrl,
      signingSecret: config.signingSecret,
      timeoutMs: config.timeoutMs,
      clock: ctx.clock,
      logger,
    });
    const inbound = createInboundRoute({
      instanceId: ctx.instanceId,
      channel: config.channel,
      inboundSecret: config.inboundSecret,
      ingest: ctx.ingest,
      clock: ctx.clock,
      logger,
    });
    return {
      channel,
      routes: [inbound],
      health: () =>
        Promise.resolve({
          status: 'up',
          detail: `outbound ${config.callbackUrl === undefined ? 'off' : 'on'}, inbound ${config.inboundSecret === undefined ? 'off' : 'on'}`,
        }),
      testConnection: () => channel.testConnection(),
    };
  },
});
