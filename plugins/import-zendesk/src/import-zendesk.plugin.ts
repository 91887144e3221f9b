import { z } from 'zod';
import { definePlugin } from '@switchboard/core';
import { ZendeskFileSource } from './zendesk-legacy-source.js';

export const zendeskConfigSchema = z.strictObject({
  /** The folder holding the export files (users, organizations, tickets, comments or audits). */
  directory: z.string().min(1),
});
export type ZendeskConfig = z.output<typeof zendeskConfigSchema>;

export const importZendeskPlugin = definePlugin({
  id: '@switchboard/import-zendesk',
  displayName: 'Zendesk export files',
  version: '0.1.0',
  apiVersion: 1,
  kinds: ['legacy'],
  configSchema: zendeskConfigSchema,
  create(_ctx, config) {
    const source = new ZendeskFileSource(config.directory);
    return {
      legacy: source,
      health: async () => ({ status: 'up', detail: config.directory }),
      testConnection: () => source.testConnection(),
    };
  },
});
