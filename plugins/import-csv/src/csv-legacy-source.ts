import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LegacyRecordSet, type Health, type LegacyChanges, type LegacyDescription, type LegacyEntity, type LegacyPage, type LegacySource } from '@switchboard/core';
import { loadCsvExport } from './csv-export.js';

/**
 * CSV files described by a mapping file, as a LegacySource. The files are read again when the
 * mapping or any file beside it changes, so rows appended later show up as a delta.
 */
export class CsvFileSource implements LegacySource {
  private cached: { signature: string; set: LegacyRecordSet } | undefined;

  constructor(private readonly mappingPath: string) {}

  async describe(): Promise<LegacyDescription> {
    return (await this.data()).describe();
  }

  async read(entity: LegacyEntity, cursor: string | null, limit: number): Promise<LegacyPage> {
    return (await this.data()).read(entity, cursor, limit);
  }

  async changesSince(watermark: string | null, limit: number): Promise<LegacyChanges> {
    return (await this.data()).changesSince(watermark, limit);
  }

  async testConnection(): Promise<Health> {
    try {
      const description = await this.describe();
      return { status: 'up', detail: `${description.system}: ${description.entities.map((e) => `${e.count} ${e.entity}`).join(', ')}` };
    } catch (error) {
      return { status: 'down', detail: error instanceof Error ? error.message : String(error) };
    }
  }

  private async data(): Promise<LegacyRecordSet> {
    const dir = dirname(this.mappingPath);
    const names = (await readdir(dir)).sort();
    const stats = await Promise.all(names.map(async (name) => [name, await stat(join(dir, name))] as const));
    const signature = stats.map(([name, s]) => `${name}:${s.size}:${s.mtimeMs}`).join('|');
    if (this.cached?.signature !== signature) {
      const { system, records, failures } = await loadCsvExport(this.mappingPath);
      this.cached = { signature, set: new LegacyRecordSet(system, records, failures) };
    }
    return this.cached.set;
  }
}
