import type { PluginStateEntry, PluginStateRepository } from '../../shared/ports/plugin-state.port.js';
import { byText, copy } from './rows.js';
import { pairKey, type Db } from './tables.js';

export class InMemoryPluginStateRepository implements PluginStateRepository {
  constructor(private readonly db: Db) {}

  async get(instanceId: string, key: string): Promise<PluginStateEntry | null> {
    const row = this.db.pluginState.get(pairKey(instanceId, key));
    return row ? copy(row) : null;
  }

  async put(entry: PluginStateEntry): Promise<void> {
    this.db.pluginState.set(pairKey(entry.instanceId, entry.key), { ...copy(entry), value: JSON.parse(JSON.stringify(entry.value ?? null)) as unknown });
  }

  async list(instanceId: string): Promise<PluginStateEntry[]> {
    return this.db.pluginState
      .values()
      .filter((e) => e.instanceId === instanceId)
      .sort((a, b) => byText(a.key, b.key))
      .map(copy);
  }
}
