/**
 * Small durable key/value state per plugin instance (cursors, conversation references, the ids of
 * messages a desk posted). Values are JSON. Not for bulk data: a plugin keeps at most a few
 * thousand keys.
 */
export interface PluginState {
  /** The stored value (its JSON form), or undefined. Parse it before use: it may predate a change of shape. */
  get(key: string): Promise<unknown>;
  /** Writes the value, replacing any earlier one. */
  set(key: string, value: unknown): Promise<void>;
  /** Writes the value only if the key has none; answers whether it wrote. */
  setIfAbsent(key: string, value: unknown): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Every entry whose key starts with `prefix`, by key. */
  list(prefix: string): Promise<{ key: string; value: unknown }[]>;
  /**
   * Deletes the entries whose key starts with `prefix` and that were last written before `before`
   * (retention of per-offer and per-post keys); answers how many went. Runs in bounded batches.
   */
  prune(prefix: string, before: Date): Promise<number>;
}

/** One stored entry of a plugin instance's state. */
export interface PluginStateEntry {
  instanceId: string;
  key: string;
  value: unknown;
  updatedAt: Date;
}

export interface PluginStateRepository {
  get(instanceId: string, key: string): Promise<PluginStateEntry | null>;
  put(entry: PluginStateEntry): Promise<void>;
  /** Inserts unless the key exists; answers whether it inserted. */
  insertIfAbsent(entry: PluginStateEntry): Promise<boolean>;
  delete(instanceId: string, key: string): Promise<void>;
  /** Entries of the instance whose key starts with `prefix`, by key. */
  list(instanceId: string, prefix: string): Promise<PluginStateEntry[]>;
  /** Deletes up to `limit` entries of the instance whose key starts with `prefix` and whose `updatedAt` is before `before`; answers how many. */
  deleteWrittenBefore(instanceId: string, prefix: string, before: Date, limit: number): Promise<number>;
}

export interface PluginStateSession {
  readonly pluginState: PluginStateRepository;
}

interface PluginStateTransactions {
  transaction<T>(work: (session: PluginStateSession) => Promise<T>): Promise<T>;
  /** Without a transaction: reads, and single statements that commit by themselves. */
  read<T>(work: (session: PluginStateSession) => Promise<T>): Promise<T>;
}

const MAX_KEY_LENGTH = 512;
/** Entries a prune deletes per statement: short statements, so no write waits long behind one. */
const PRUNE_BATCH = 500;
const checkKey = (key: string): string => {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) throw new RangeError(`a plugin state key is 1 to ${MAX_KEY_LENGTH} characters`);
  return key;
};

/** The state of one plugin instance, kept in the hub's store. */
export const storedPluginState = (store: PluginStateTransactions, instanceId: string, now: () => Date): PluginState => ({
  async get(key) {
    const entry = await store.read((s) => s.pluginState.get(instanceId, checkKey(key)));
    return entry === null ? undefined : entry.value;
  },
  async set(key, value) {
    await store.transaction((s) => s.pluginState.put({ instanceId, key: checkKey(key), value, updatedAt: now() }));
  },
  async setIfAbsent(key, value) {
    // One statement that stands alone (INSERT … ON CONFLICT DO NOTHING) commits by itself outside a
    // transaction: one round trip instead of two (its answer is needed before COMMIT could be sent).
    // Desks claim every offer with it.
    return store.read((s) => s.pluginState.insertIfAbsent({ instanceId, key: checkKey(key), value, updatedAt: now() }));
  },
  async delete(key) {
    await store.transaction((s) => s.pluginState.delete(instanceId, checkKey(key)));
  },
  async list(prefix) {
    const entries = await store.read((s) => s.pluginState.list(instanceId, prefix));
    return entries.map((e) => ({ key: e.key, value: e.value }));
  },
  async prune(prefix, before) {
    if (prefix.length === 0) throw new RangeError('a prune needs a key prefix: it never empties a whole instance');
    let deleted = 0;
    for (;;) {
      const batch = await store.read((s) => s.pluginState.deleteWrittenBefore(instanceId, prefix, before, PRUNE_BATCH));
      deleted += batch;
      if (batch < PRUNE_BATCH) return deleted;
    }
  },
});
