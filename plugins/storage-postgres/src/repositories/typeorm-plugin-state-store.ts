import type { PluginStateEntry, PluginStateRepository } from '@switchboard/core';
import type { EntityManager, Repository } from 'typeorm';
import { PluginStateSchema, type PluginStateRow } from '../schemas/plugin-state.schema.js';
import { execute } from '../statement-batch.js';

const toEntry = (row: PluginStateRow): PluginStateEntry => ({ instanceId: row.instanceId, key: row.key, value: row.value, updatedAt: row.updatedAt });

export class TypeormPluginStateRepository implements PluginStateRepository {
  private readonly rows: Repository<PluginStateRow>;

  constructor(private readonly manager: EntityManager) {
    this.rows = manager.getRepository(PluginStateSchema);
  }

  async get(instanceId: string, key: string): Promise<PluginStateEntry | null> {
    const row = await this.rows.findOneBy({ instanceId, key });
    return row ? toEntry(row) : null;
  }

  async put(entry: PluginStateEntry): Promise<void> {
    await execute(
      this.manager,
      `INSERT INTO plugin_state (instance_id, key, value, updated_at) VALUES ($1, $2, $3::jsonb, $4)
       ON CONFLICT (instance_id, key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
      [entry.instanceId, entry.key, JSON.stringify(entry.value), entry.updatedAt],
    );
  }

  async insertIfAbsent(entry: PluginStateEntry): Promise<boolean> {
    const inserted: { key: string }[] = await this.manager.query(
      `INSERT INTO plugin_state (instance_id, key, value, updated_at) VALUES ($1, $2, $3::jsonb, $4)
       ON CONFLICT (instance_id, key) DO NOTHING RETURNING key`,
      [entry.instanceId, entry.key, JSON.stringify(entry.value), entry.updatedAt],
    );
    return inserted.length > 0;
  }

  async delete(instanceId: string, key: string): Promise<void> {
    await this.rows.delete({ instanceId, key });
  }

  async list(instanceId: string, prefix: string): Promise<PluginStateEntry[]> {
    // starts_with, not LIKE: a prefix may hold '_' or '%'. Keys are COLLATE "C": code-unit order.
    const rows = await this.rows
      .createQueryBuilder('s')
      .where('s.instanceId = :instanceId AND starts_with(s.key, :prefix)', { instanceId, prefix })
      .orderBy('s.key', 'ASC')
      .getMany();
    return rows.map(toEntry);
  }

  async deleteWrittenBefore(instanceId: string, prefix: string, before: Date, limit: number): Promise<number> {
    // `key >= prefix` lets the primary key's range scan start at the prefix (keys are COLLATE "C").
    // A CTE, so the driver answers rows (a bare DELETE … RETURNING comes back as [rows, count]).
    const rows = await this.manager.query<{ n: number }[]>(
      `WITH gone AS (DELETE FROM plugin_state WHERE instance_id = $1 AND key IN (
         SELECT key FROM plugin_state
          WHERE instance_id = $1 AND key >= $2 AND starts_with(key, $2) AND updated_at < $3
          LIMIT $4) RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [instanceId, prefix, before, limit],
    );
    return rows[0]?.n ?? 0;
  }
}
