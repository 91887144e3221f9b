import { z } from 'zod';
import { definePlugin } from '@switchboard/core';
import { CsvFileSource } from './csv-legacy-source.js';
import { loadCsvMapping } from './csv-export.js';

export const csvConfigSchema = z.strictObject({
  /** The mapping file (YAML or JSON); the CSV files it names are relative to it. */
  mapping: z.string().min(1),
});
export type CsvConfig = z.output<typeof csvConfigSchema>;

export const importCsvPlugin = definePlugin({
  id: '@switchboard/import-csv',
  displayName: 'CSV files with a mapping',
  version: '0.1.0',
  apiVersion: 1,
  kinds: ['legacy'],
  configSchema: csvConfigSchema,
  async create(_ctx, config) {
    // A broken mapping fails the boot with the field it is about.
    await loadCsvMapping(config.mapping);
    const source = new CsvFileSource(config.mapping);
    return {
      legacy: source,
      health: async () => ({ status: 'up', detail: config.mapping }),
      testConnection: () => source.testConnection(),
    };
  },
});
