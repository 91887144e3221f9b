import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LegacyRecordSet, type Health, type LegacyChanges, type LegacyDescription, type LegacyEntity, type LegacyPage, type LegacySource } from '@switchboard/core';
import { loadZendeskExport, SYSTEM } from './zendesk-export.js';

/**
 * A Zendesk export directory as a LegacySource. The files are read again whenever one of them
 * changes (a newer incremental page dropped in), so deltas see what the new files add.
 */
export class ZendeskFileSource implements LegacySource {
  private cached: { signature: string; set: LegacyRecordSet } | undefined;

  constructor(private readonly directory: string) {}

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
      const counts = description.entities.map((e) => `${e.count} ${e.entity}`).join(', ');
      return { status: 'up', detail: `${this.directory}: ${counts}` };
    } catch (error) {
      return { status: 'down', detail: error instanceof Error ? error.message : String(error) };
    }
  }

  private async data(): Promise<LegacyRecordSet> {
    const names = (await readdir(this.directory)).sort();
    const stats = await Promise.all(names.map(async (name) => [name, await stat(join(this.directory, name))] as const));
    const signature = stats.map(([name, s]) => `${name}:${s.size}:${s.mtimeMs}`).join('|');
    if (this.cached?.signature !== signature) {
      const { records, failures } = await loadZendeskExport(this.directory);
      this.cached = { signature, set: new LegacyRecordSet(SYSTEM, records, failures) };
    }
    return this.cached.set;
  }
}
