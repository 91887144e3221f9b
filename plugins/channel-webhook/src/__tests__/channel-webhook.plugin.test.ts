import { describe, expect, it } from 'vitest';
import { secretPathsOf, silentLogger } from '@switchboard/core';
import type { PluginContext } from '@switchboard/core';
import plugin, { WebhookChannel } from '../index.js';
import { RecordingIngest } from './recording-ingest.js';

const context = (): PluginContext<'channel'> => ({
  instanceId: 'shop-hook',
  logger: silentLogger,
  clock: { now: () => new Date() },
  dataDir: '/tmp/unused',
  role: 'all',
  ingest: new RecordingIngest(),
  deliveries: { markFailed: async () => false },
});

describe('channel-webhook plugin', () => {
  it('describes itself', () => {
    expect(plugin).toMatchObject({
      id: '@switchboard/channel-webhook',
      displayName: 'Webhook channel',
      version: '0.1.0',
      apiVersion: 1,
      kinds: ['channel'],
    });
  });

  it('marks its secrets in the schema', () => {
    expect(secretPathsOf(plugin.configSchema)).toEqual([['signingSecret'], ['inboundSecret']]);
  });

  it('applies defaults', () => {
    expect(plugin.configSchema.parse({})).toEqual({ channel: 'webhook', timeoutMs: 10_000 });
  });

  it('fails fast on bad configuration, naming the field and not the secret', () => {
    const missingSecret = plugin.configSchema.safeParse({ callbackUrl: 'https://example.com/hook' });
    expect(missingSecret.error?.issues.map((i) => i.path.join('.'))).toEqual(['signingSecret']);

    const bad = plugin.configSchema.safeParse({ callbackUrl: 'ftp://example.com', inboundSecret: 'whsec_%%secret%%', timeutMs: 5 });
    expect(bad.error?.issues.map((i) => i.path.join('.') || i.code).sort()).toEqual(['callbackUrl', 'inboundSecret', 'unrecognized_keys']);
    expect(JSON.stringify(bad.error?.issues)).not.toContain('%%secret%%');
  });

  it('creates a channel, the inbound route and health', async () => {
    const config = plugin.configSchema.parse({ channel: 'shop', callbackUrl: 'https://example.com/hook', signingSecret: 'raw-secret', inboundSecret: 'raw-in' });
    const instance = await plugin.create(context(), config);

    expect(instance.channel).toBeInstanceOf(WebhookChannel);
    expect(instance.channel?.channel).toBe('shop');
    expect(instance.routes?.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /inbound']);
    await expect(instance.health()).resolves.toMatchObject({ status: 'up' });
  });
});
