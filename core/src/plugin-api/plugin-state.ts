import { DomainError } from '../shared/domain-error.js';
import type { Clock } from '../shared/ports/clock.port.js';
import { PLUGIN_STATE_LIMITS, type PluginState, type PluginStateSession } from '../shared/ports/plugin-state.port.js';
import type { Transactions } from '../shared/ports/transactions.port.js';

const checkKey = (key: string) => {
  if (key.length === 0 || key.length > PLUGIN_STATE_LIMITS.key || key.includes('\u0000')) {
    throw new DomainError('invalid', 'PLUGIN.STATE_KEY', `a plugin state key is 1 to ${PLUGIN_STATE_LIMITS.key} characters without NUL`);
  }
};

/** A plugin instance's `PluginState` over the hub's store: one row per key. */
export const storePluginState = (store: Transactions<PluginStateSession>, clock: Clock, instanceId: string): PluginState => ({
  async get(key) {
    checkKey(key);
    const entry = await store.read((s) => s.pluginState.get(instanceId, key));
    return entry?.value ?? null;
  },
  async set(key, value) {
    checkKey(key);
    const text = JSON.stringify(value ?? null);
    if (Buffer.byteLength(text) > PLUGIN_STATE_LIMITS.valueBytes || text.includes('\\u0000')) {
      throw new DomainError('invalid', 'PLUGIN.STATE_VALUE', `a plugin state value is JSON of at most ${PLUGIN_STATE_LIMITS.valueBytes} bytes without NUL`);
    }
    await store.transaction((s) => s.pluginState.put({ instanceId, key, value: JSON.parse(text) as unknown, updatedAt: clock.now() }));
  },
  async entries() {
    const rows = await store.read((s) => s.pluginState.list(instanceId));
    return rows.map(({ key, value, updatedAt }) => ({ key, value, updatedAt }));
  },
});
