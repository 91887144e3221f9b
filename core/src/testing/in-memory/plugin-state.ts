import type { PluginStateEntry, PluginStateRepository } from '../../shared/ports/plugin-state.port.js';
import { asJson, copy } from './rows.js';
import type { Db } from './tables.js';

const rowKey = (instanceId: string, key: string): string => `${instanceId}\0${key}`;

export class InMemoryPluginStateRepository implements PluginStateRepository {
  constructor(private readonly db: Db) {}

  async get(instanceId: string, key: string): Promise<PluginStateEntry | null> {
    const row = this.db.pluginState.get(rowKey(instanceId, key));
    return row ? copy(row) : null;
  }

  async put(entry: PluginStateEntry): Promise<void> {
    // Stored as jsonb: what comes back is the JSON form of the value.
    this.db.pluginState.set(rowKey(entry.instanceId, entry.key), { ...copy(entry), value: asJson(entry.value) });
  }

  async insertIfAbsent(entry: PluginStateEntry): Promise<boolean> {
    if (this.db.pluginState.has(rowKey(entry.instanceId, entry.key))) return false;
    await this.put(entry);
    return true;
  }

  async delete(instanceId: string, key: string): Promise<void> {
    this.db.pluginState.delete(rowKey(instanceId, key));
  }

  async list(instanceId: string, prefix: string): Promise<PluginStateEntry[]> {
    return this.db.pluginState
      .values()
      .filter((e) => e.instanceId === instanceId && e.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((e) => copy(e));
  }

  async deleteWrittenBefore(instanceId: string, prefix: string, before: Date, limit: number): Promise<number> {
    const stale = this.db.pluginState
      .values()
      .filter((e) => e.instanceId === instanceId && e.key.startsWith(prefix) && e.updatedAt.getTime() < before.getTime())
      .slice(0, limit);
    for (const e of stale) this.db.pluginState.delete(rowKey(e.instanceId, e.key));
    return stale.length;
  }
}
