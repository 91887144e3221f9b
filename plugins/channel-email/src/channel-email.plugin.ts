import { definePlugin, secret } from '@switchboard/core';
import { z } from 'zod';
import { EmailChannel } from './email-channel.js';

export const emailConfigSchema = z.strictObject({
  /** The channel name recorded on interactions of this instance. */
  channel: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a channel name is 1 to 64 of [a-z0-9._-]').default('email'),
  /** Where the outside system answers. */
  baseUrl: z.url({ protocol: /^https?$/ }).default('https://api.example.com'),
  /** Marked with secret(): the configuration must give it by reference ({ env: NAME } or { file: PATH }). */
  apiKey: secret(z.string().min(1, 'apiKey is required')),
});
export type EmailConfig = z.output<typeof emailConfigSchema>;

export const emailPlugin = definePlugin({
  id: '@switchboard/channel-email',
  displayName: 'Email channel',
  version: '0.1.0',
  apiVersion: 1,
  kinds: ['channel'],
  configSchema: emailConfigSchema,
  create(context, config) {
    const logger = context.logger.child({ plugin: '@switchboard/channel-email', instanceId: context.instanceId });
    const channel = new EmailChannel({ channel: config.channel, baseUrl: config.baseUrl, apiKey: config.apiKey, logger });
    return {
      channel,
      health: () => Promise.resolve({ status: 'up', detail: `channel ${config.channel} via ${config.baseUrl}` }),
      testConnection: () => channel.testConnection(),
    };
  },
});
