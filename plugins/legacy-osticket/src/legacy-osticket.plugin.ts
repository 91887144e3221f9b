import { z } from 'zod';
import { definePlugin, secret } from '@switchboard/core';
import { OsticketLegacySource } from './osticket-legacy-source.js';

export const osticketConfigSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(1).max(65_535).default(3306),
  user: z.string().min(1),
  /** Given by reference in the configuration (`{ env: OSTICKET_DB_PASSWORD }`). */
  password: secret(z.string()),
  database: z.string().min(1).max(64),
  tablePrefix: z
    .string()
    .regex(/^[A-Za-z0-9_]{0,32}$/, 'a table prefix is up to 32 of [A-Za-z0-9_]')
    .default('ost_'),
  /** The UTC offset osTicket's DATETIME columns are written in (the database server's zone). */
  timezone: z
    .string()
    .regex(/^(Z|[+-]\d{2}:\d{2})$/, "'Z' or an offset such as '+02:00'")
    .default('Z'),
  /** Write hub replies back into osTicket as responses while both run side by side. */
  writeBack: z.boolean().default(false),
  connectionLimit: z.number().int().min(1).max(32).default(4),
});
export type OsticketConfig = z.output<typeof osticketConfigSchema>;

export const legacyOsticketPlugin = definePlugin({
  id: '@switchboard/legacy-osticket',
  displayName: 'osTicket (MySQL/MariaDB)',
  version: '0.1.0',
  apiVersion: 1,
  kinds: ['legacy'],
  configSchema: osticketConfigSchema,
  create(_ctx, config) {
    const source = new OsticketLegacySource(config);
    // writeBack is offered only when the configuration allows writing into osTicket.
    const legacy = config.writeBack
      ? source
      : {
          describe: () => source.describe(),
          read: source.read.bind(source),
          changesSince: source.changesSince.bind(source),
          testConnection: () => source.testConnection(),
        };
    return {
      legacy,
      stop: () => source.close(),
      health: async () => ({ status: 'up', detail: `osTicket at ${config.host}:${config.port}/${config.database}` }),
      testConnection: () => source.testConnection(),
    };
  },
});
