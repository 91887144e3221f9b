import { secretPathsOf, silentLogger, systemClock, type PluginContext } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import plugin, { EmailChannel } from '../index.js';

// The hub hands these ports to a channel plugin; creating the instance calls none of them.
const unused = (): never => {
  throw new Error('not used by this test');
};
const context: PluginContext<'channel'> = {
  instanceId: 'email',
  logger: silentLogger,
  clock: systemClock,
  dataDir: '/tmp/channel-email',
  role: 'all',
  ingest: { ingest: unused },
  deliveries: { markFailed: unused },
};

describe('@switchboard/channel-email manifest', () => {
  it('declares its kind and marks apiKey as a secret in the schema', () => {
    expect(plugin).toMatchObject({ id: '@switchboard/channel-email', apiVersion: 1, kinds: ['channel'] });
    // The hub reads the secret() marks: it refuses an inline apiKey and never logs or returns it.
    expect(secretPathsOf(plugin.configSchema)).toEqual([['apiKey']]);
  });

  it('refuses a configuration without apiKey, naming the field', () => {
    const parsed = plugin.configSchema.safeParse({});
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toContain('apiKey');
  });

  it('creates a healthy instance with its channel from a valid configuration', async () => {
    const instance = await plugin.create(context, plugin.configSchema.parse({ apiKey: 'test-secret' }));
    expect(instance.channel).toBeInstanceOf(EmailChannel);
    expect((await instance.health()).status).toBe('up');
  });
});
