import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { DeskCommands } from '../../desk/ports/desk-commands.port.js';
import type { DeskReads } from '../../desk/ports/desk-reads.port.js';
import type { CustomerLookup } from '../../identity/ports/customer-lookup.port.js';
import type { IngestPort } from '../../inbound/ports/ingest.port.js';
import type { DeliveryFeedback } from '../channel.port.js';
import { PLUGIN_KIND_MEMBERS, PLUGIN_KINDS, definePlugin, type PluginContext } from '../define-plugin.js';

describe('the plugin context, typed by the declared kinds', () => {
  it('gives each kind its ports and no others', () => {
    expectTypeOf<PluginContext<'channel'>>().toHaveProperty('ingest').toEqualTypeOf<IngestPort>();
    expectTypeOf<PluginContext<'channel'>>().toHaveProperty('deliveries').toEqualTypeOf<DeliveryFeedback>();
    expectTypeOf<PluginContext<'channel'>>().not.toHaveProperty('desk');
    expectTypeOf<PluginContext<'desk'>>().toHaveProperty('desk').toEqualTypeOf<DeskCommands>();
    expectTypeOf<PluginContext<'desk'>>().toHaveProperty('reads').toEqualTypeOf<DeskReads>();
    expectTypeOf<PluginContext<'desk'>>().not.toHaveProperty('ingest');
    expectTypeOf<PluginContext<'crm'>>().toHaveProperty('customers').toEqualTypeOf<CustomerLookup>();
    expectTypeOf<PluginContext<'legacy'>>().toHaveProperty('ingest').toEqualTypeOf<IngestPort>();
    expectTypeOf<PluginContext<'blob'>>().not.toHaveProperty('ingest');
    expectTypeOf<PluginContext<'channel' | 'desk'>>().toHaveProperty('reads');
    expectTypeOf<PluginContext<'channel' | 'desk'>>().toHaveProperty('ingest');
  });

  it('infers the kinds of definePlugin for create()', () => {
    const plugin = definePlugin({
      id: '@test/typed',
      displayName: 'typed',
      version: '1',
      apiVersion: 1,
      kinds: ['legacy'],
      configSchema: z.object({}),
      create(ctx) {
        expectTypeOf(ctx).toHaveProperty('ingest');
        expectTypeOf(ctx).not.toHaveProperty('desk');
        return { health: async () => ({ status: 'up' as const }) };
      },
    });
    expect(plugin.kinds).toEqual(['legacy']);
  });

  it('names a member for every kind', () => {
    expect(Object.keys(PLUGIN_KIND_MEMBERS).sort()).toEqual([...PLUGIN_KINDS].sort());
    expect(PLUGIN_KINDS).toContain('blob');
  });
});
