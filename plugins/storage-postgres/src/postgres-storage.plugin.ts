import { isAbsolute, resolve } from 'node:path';
import { definePlugin, secret } from '@switchboard/core';
import { z } from 'zod';
import { createEmbeddedStore, createPostgresStore } from './typeorm-store.js';

const configSchema = z
  .object({
    /** A PostgreSQL URL; a secret, so given by reference in the configuration. */
    url: secret(z.string().min(1)).optional(),
    /** The embedded database's folder (relative to the instance's data folder), or `memory://`. */
    dataDir: z.string().min(1).optional(),
    poolSize: z.number().int().min(1).max(100).default(10),
  })
  .refine((config) => (config.url === undefined) !== (config.dataDir === undefined), {
    error: 'give exactly one of url (a PostgreSQL server) or dataDir (the embedded database)',
    path: ['url'],
  });

export const postgresStoragePlugin = definePlugin({
  id: '@switchboard/storage-postgres',
  displayName: 'PostgreSQL storage (server or embedded)',
  version: '0.1.0',
  apiVersion: 1,
  kinds: ['storage'],
  configSchema,
  create(context, config) {
    const store =
      config.url !== undefined
        ? createPostgresStore({ url: config.url, poolSize: config.poolSize })
        : createEmbeddedStore({
            dataDir: embeddedDir(context.dataDir, config.dataDir ?? 'db'),
            onTemplateError: (detail) => context.logger.warn({ detail }, 'no template cluster; running initdb in the data folder'),
          });
    const engine = config.url !== undefined ? 'postgres' : 'pglite';
    return {
      store,
      async start() {
        await store.migrate();
        context.logger.info({ engine }, 'storage migrated and ready');
      },
      stop: () => store.close(),
      health: () => store.health(),
      testConnection: () => store.health(),
    };
  },
});

const embeddedDir = (instanceDir: string, dataDir: string): string =>
  dataDir.startsWith('memory://') || isAbsolute(dataDir) ? dataDir : resolve(instanceDir, dataDir);
