import { definePlugin } from '@switchboard/core';
import { z } from 'zod';
import { FsBlobStore } from './fs-blob-store.js';

export const blobFsConfigSchema = z.strictObject({
  /** Where blobs go: an absolute path, or relative to the working directory. Default: the instance's data folder. */
  dir: z.string().min(1).optional(),
  /** The largest blob accepted, in bytes (default 25 MiB). */
  maxBytes: z.number().int().positive().default(25 * 1024 * 1024),
});
export type BlobFsConfig = z.output<typeof blobFsConfigSchema>;

export const blobFsPlugin = definePlugin({
  id: '@switchboard/blob-fs',
  displayName: 'File system blob store',
  version: '0.1.0',
  apiVersion: 1,
  kinds: ['blob'],
  configSchema: blobFsConfigSchema,
  create(context, config) {
    const blob = new FsBlobStore({ dir: config.dir ?? context.dataDir, maxBytes: config.maxBytes });
    return {
      blob,
      start: () => blob.open(),
      health: () => blob.health(),
      testConnection: () => blob.health(),
    };
  },
});
