// The routing rules' part of the Store contract (and the relaxation fields of queues and work
// items): every adapter must pass it. Each run makes its own store.
import { describe, expect, it } from 'vitest';
import type { RoutingRule } from '../routing/routing-rule.entity.js';
import { newId } from '../shared/ids.js';
import type { Store } from '../store/store.port.js';
import { aConversation, aQueue, aWorkItem } from './mothers.js';
import { useMigratedStore, type StoreUnderTest } from './store.contract.js';

const T0 = new Date('2026-03-01T09:00:00.000Z');

const aRule = (overrides: Partial<RoutingRule> = {}): RoutingRule => ({
  id: newId(),
  name: 'Gold customers',
  position: 1,
  enabled: true,
  match: {
    channels: ['email', 'webchat'],
    keywords: ['refund', 'money back'],
    regex: { pattern: 'INV-\\d+', caseInsensitive: true },
    field: 'any',
    identityKinds: ['email'],
    attributes: { tier: 'gold', region: { in: ['EU', 'UK'] }, seats: 5, vip: true },
  },
  actions: { queueId: newId(), priority: 1, skills: { vip: 2, spanish: { level: 3, optional: true } } },
  createdAt: T0,
  updatedAt: T0,
  ...overrides,
});

export const runRoutingRulesStoreContract = (name: string, makeStore: () => Promise<StoreUnderTest>): void => {
  describe(`Store contract, routing rules: ${name}`, () => {
    const store = useMigratedStore(makeStore);

    it('stores rules with their conditions and actions as given, lists them by position then id, updates and deletes', async () => {
      const [low, high] = [newId(), newId()].sort();
      const first = aRule({ id: high!, position: 1 });
      const tieA = aRule({ id: low!, position: 2, name: 'tie a', enabled: false, match: {}, actions: {} });
      const tieB = aRule({ position: 2, name: 'tie b', match: { keywords: ['x'] }, actions: { priority: 0 } });
      await store().transaction(async (s) => {
        for (const rule of [tieB, tieA, first]) await s.routingRules.insert(rule);
      });
      const listed = await store().read((s) => s.routingRules.list());
      const ties = [tieA, tieB].sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(listed.map((r) => r.id)).toEqual([first.id, ...ties.map((r) => r.id)]);
      expect(await store().read((s) => s.routingRules.get(first.id))).toEqual(first);
      expect(await store().read((s) => s.routingRules.get(tieA.id))).toEqual(tieA);

      const moved = { ...first, position: 3, enabled: false, match: { identityKinds: ['phone'] }, actions: { priority: 2 }, updatedAt: new Date(T0.getTime() + 1000) };
      await store().transaction((s) => s.routingRules.update(moved));
      expect(await store().read((s) => s.routingRules.get(first.id))).toEqual(moved);
      expect((await store().read((s) => s.routingRules.list())).at(-1)?.id).toBe(first.id);

      await store().transaction((s) => s.routingRules.delete(tieA.id));
      expect(await store().read((s) => s.routingRules.get(tieA.id))).toBeNull();
      expect(await store().read((s) => s.routingRules.get('not-a-uuid'))).toBeNull();
      await store().transaction((s) => s.routingRules.delete('not-a-uuid'));
      expect((await store().read((s) => s.routingRules.list())).map((r) => r.id)).toEqual([tieB.id, first.id]);
    });

    it('records several routing decisions at once, with the rule that matched', async () => {
      const conversationId = newId();
      const queueId = newId();
      const decisions = [0, 1, 2].map((i) => ({
        id: newId(), conversationId, queueId, at: new Date(T0.getTime() + i * 1000), outcome: 'queued' as const, agentId: null,
        detail: `routing rule 'r${i}' (#${i + 1}) matched`, rule: `routing-rule:${newId()}`, candidates: null,
      }));
      await store().transaction((s) => s.decisions.insertMany(decisions));
      await store().transaction((s) => s.decisions.insertMany([]));
      expect(await store().read((s) => s.decisions.listByConversation(conversationId))).toEqual(decisions);
    });

    it('bumps the version in the transaction that changes the rules; a rollback leaves it', async () => {
      const start = await store().read((s) => s.routingRules.version());
      expect(await store().transaction((s) => s.routingRules.bumpVersion())).toBe(start + 1);
      expect(await store().read((s) => s.routingRules.version())).toBe(start + 1);
      await expect(
        store().transaction(async (s) => {
          await s.routingRules.insert(aRule());
          await s.routingRules.bumpVersion();
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(await store().read((s) => s.routingRules.version())).toBe(start + 1);
    });

    it("moves the version with every write to queues, in the writer's transaction (ingest caches queues under it)", async () => {
      const version = () => store().read((s) => s.routingRules.version());
      const start = await version();
      const queue = aQueue();
      await store().transaction((s) => s.queues.insert(queue));
      const inserted = await version();
      expect(inserted).toBeGreaterThan(start);
      await store().transaction((s) => s.queues.update({ ...queue, offerTimeoutSeconds: queue.offerTimeoutSeconds + 1 }));
      const updated = await version();
      expect(updated).toBeGreaterThan(inserted);
      await expect(
        store().transaction(async (s) => {
          await s.queues.update({ ...queue, name: `${queue.name}-renamed` });
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(await version()).toBe(updated);
      await store().transaction((s) => s.queues.delete(queue.id));
      expect(await version()).toBeGreaterThan(updated);
    });

    it("keeps a queue's optional skills and relaxation steps, and a work item's optional skills and relaxation step", async () => {
      const other = newId();
      const queue = aQueue({ optionalSkills: { spanish: 3 }, relaxation: [{ afterSeconds: 60, dropOptionalSkills: true }, { afterSeconds: 300, lowerLevelsBy: 1, alsoQueues: [other] }] });
      const conversation = aConversation({ queueId: queue.id, status: 'queued' });
      const item = aWorkItem({ conversationId: conversation.id, queueId: queue.id, skills: { billing: 4 }, optionalSkills: { spanish: 3 }, relaxationStep: 0, enqueuedAt: T0, updatedAt: T0 });
      await store().transaction(async (s) => {
        await s.queues.insert(queue);
        await s.conversations.insert(conversation);
        await s.workItems.insertMany([item]);
      });
      expect(await store().read((s) => s.queues.get(queue.id))).toMatchObject({ optionalSkills: { spanish: 3 }, relaxation: queue.relaxation });
      expect(await store().read((s) => s.workItems.get(conversation.id))).toMatchObject({ optionalSkills: { spanish: 3 }, relaxationStep: 0 });
      await store().transaction((s) => s.workItems.update({ ...item, relaxationStep: 2 }));
      expect((await store().read((s) => s.workItems.get(conversation.id)))?.relaxationStep).toBe(2);
      await store().transaction((s) => s.queues.update({ ...queue, optionalSkills: {}, relaxation: null }));
      expect(await store().read((s) => s.queues.get(queue.id))).toMatchObject({ optionalSkills: {}, relaxation: null });
    });
  });
};
