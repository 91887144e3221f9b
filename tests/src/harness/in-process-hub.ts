import type { Hub, HubSettings, PluginSpec } from '@switchboard/hub';

// What tests that run a hub in their own process (createHub) share: test-sized hub settings and an
// API caller through `hub.fetch`, answers parsed as JSON.

/** Hub settings for tests: quick sweeps and retries; `overrides` replace whole settings. */
export const testHubSettings = (overrides: Partial<HubSettings> = {}): HubSettings => ({
  bodyLimit: 1024 * 1024,
  continuityWindowSeconds: 3600,
  offerExpiry: { setAway: true },
  delivery: { maxAttempts: 3, baseDelayMs: 50 },
  sweepIntervalMs: 300,
  channelQueues: {},
  identity: { defaultRegion: null, rules: ['exact', 'shared-contact'] },
  ...overrides,
});

/** A plugin instance as a configuration file would declare it. */
export const pluginSpec = (id: string, use: string, config: Record<string, unknown>): PluginSpec => ({ id, use, enabled: true, config, resolveFrom: process.cwd(), source: 'test' });

export type JsonAnswer<J = Record<string, unknown>> = { status: number; json: J; text: string };

/** Calls the hub's API with a bearer key; `hub` is read at each call, so it may be restarted. */
export const hubCaller =
  <J extends Record<string, unknown> = Record<string, unknown>>(hub: () => Hub | undefined, key: string) =>
  async (method: string, path: string, body?: unknown): Promise<JsonAnswer<J>> => {
    const current = hub();
    if (!current) throw new Error('no hub running');
    const response = await current.fetch(
      new Request(`http://hub.test${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
    const text = await response.text();
    return { status: response.status, json: (text ? JSON.parse(text) : {}) as J, text };
  };
