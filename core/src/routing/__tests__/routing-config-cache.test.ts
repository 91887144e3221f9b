import { describe, expect, it } from 'vitest';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { newId } from '../../shared/ids.js';
import { aQueue } from '../../testing/mothers.js';
import type { RoutingSession } from '../ports/routing-store.port.js';
import { RoutingConfigCache } from '../routing-config-cache.js';

/** A session whose reads of rules and queues are counted (the version read is not: every batch makes it). */
const counting = (session: Pick<RoutingSession, 'routingRules' | 'queues'>) => {
  const reads: string[] = [];
  return {
    reads,
    session: {
      routingRules: { ...session.routingRules, version: () => session.routingRules.version(), list: () => (reads.push('rules'), session.routingRules.list()) },
      queues: {
        ...session.queues,
        get: (id: string) => (reads.push(`queue ${id}`), session.queues.get(id)),
        getByName: (name: string) => (reads.push(`queue named ${name}`), session.queues.getByName(name)),
      },
    } as Pick<RoutingSession, 'routingRules' | 'queues'>,
  };
};

describe('the routing configuration cache', () => {
  it('reads rules and queues once per version: an unchanged version costs only its own read', async () => {
    const store = new InMemoryStore();
    const chat = aQueue({ name: 'chat' });
    const target = aQueue({ name: 'target' });
    await store.transaction(async (s) => {
      await s.queues.insert(chat);
      await s.queues.insert(target);
      await s.routingRules.insert({ id: newId(), name: 'to target', position: 1, enabled: true, match: {}, actions: { queueId: target.id }, createdAt: new Date(), updatedAt: new Date() });
      await s.routingRules.bumpVersion();
    });
    const cache = new RoutingConfigCache();
    const read = (names: string[]) =>
      store.read(async (s) => {
        const c = counting(s);
        const config = await cache.read(c.session, names);
        return { config, reads: c.reads };
      });

    const cold = await read(['chat', 'default']);
    expect(cold.reads.sort()).toEqual(['queue named chat', 'queue named default', `queue ${target.id}`, 'rules'].sort());
    expect(cold.config.byName.get('chat')?.id).toBe(chat.id);
    expect(cold.config.byName.get('default')).toBeNull();
    expect(cold.config.byId.get(target.id)?.id).toBe(target.id);

    const warm = await read(['chat', 'default']);
    expect(warm.reads).toEqual([]);
    expect(warm.config).toBe(cold.config);

    // A name not asked for before, same version: only that queue is read.
    expect((await read(['default', 'other'])).reads).toEqual(['queue named other']);

    // Any write to queues moves the version: everything is read again.
    await store.transaction((s) => s.queues.update({ ...chat, offerTimeoutSeconds: chat.offerTimeoutSeconds + 5 }));
    const moved = await read(['chat']);
    expect(moved.reads).toContain('rules');
    expect(moved.config.byName.get('chat')?.offerTimeoutSeconds).toBe(chat.offerTimeoutSeconds + 5);
    expect(moved.config.version).toBeGreaterThan(cold.config.version);
  });
});
