import type { PluginStateEntry, PluginStateRepository } from '@switchboard/core';
import type { EntityManager } from 'typeorm';

interface PluginStateRow {
  instance_id: string;
  key: string;
  value: unknown;
  updated_at: Date | string;
}

const toEntry = (row: PluginStateRow): PluginStateEntry => ({
  instanceId: row.instance_id,
  key: row.key,
  value: row.value,
  updatedAt: row.updated_at instanceof Date ? row.updated_at : new Date(row.updated_at),
});

export class TypeormPluginStateRepository implements PluginStateRepository {
  constructor(private readonly manager: EntityManager) {}

  async get(instanceId: string, key: string): Promise<PluginStateEntry | null> {
    const rows: PluginStateRow[] = await this.manager.query('SELECT instance_id, key, value, updated_at FROM plugin_state WHERE instance_id = $1 AND key = $2', [instanceId, key]);
    return rows[0] ? toEntry(rows[0]) : null;
  }

  async put(entry: PluginStateEntry): Promise<void> {
    await this.manager.query(
      `INSERT INTO plugin_state (instance_id, key, value, updated_at) VALUES ($1, $2, $3::jsonb, $4)
       ON CONFLICT (instance_id, key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
      [entry.instanceId, entry.key, JSON.stringify(entry.value ?? null), entry.updatedAt],
    );
  }

  async list(instanceId: string): Promise<PluginStateEntry[]> {
    const rows: PluginStateRow[] = await this.manager.query('SELECT instance_id, key, value, updated_at FROM plugin_state WHERE instance_id = $1 ORDER BY key COLLATE "C"', [instanceId]);
    return rows.map(toEntry);
  }
}
