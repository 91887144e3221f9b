/** One value a plugin instance keeps in the hub's store (a mailbox cursor, a sync token). */
export interface PluginStateEntry {
  instanceId: string;
  key: string;
  /** Any JSON value. */
  value: unknown;
  updatedAt: Date;
}

/** Small per-instance key/value state in the hub's store: it survives restarts and is shared by every worker. */
export interface PluginStateRepository {
  get(instanceId: string, key: string): Promise<PluginStateEntry | null>;
  /** Inserts or replaces the value of `(instanceId, key)`. */
  put(entry: PluginStateEntry): Promise<void>;
  /** Every entry of an instance, by key. */
  list(instanceId: string): Promise<PluginStateEntry[]>;
}

export interface PluginStateSession {
  readonly pluginState: PluginStateRepository;
}

/**
 * What a plugin instance sees of its state: keys are its own, values any JSON. Writes commit at
 * once; a plugin that must not lose a step writes after the work the step stands for is committed.
 */
export interface PluginState {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  entries(): Promise<{ key: string; value: unknown; updatedAt: Date }[]>;
}

export const PLUGIN_STATE_LIMITS = { key: 200, valueBytes: 64 * 1024 } as const;
