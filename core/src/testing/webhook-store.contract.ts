// The webhooks part of the Store contract: every adapter must pass it. Tests share one store, so
// each works with the subscriptions it made (by id) and never assumes the tables are empty.
import { describe, expect, it } from 'vitest';
import { newId } from '../shared/ids.js';
import type { Store } from '../store/store.port.js';
import type { WebhookAttempt, WebhookSubscription } from '../webhooks/webhook-subscription.entity.js';
import { useMigratedStore, type StoreUnderTest } from './store.contract.js';

const T0 = new Date('2026-03-01T09:00:00.000Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

const subscription = (overrides: Partial<WebhookSubscription> = {}): WebhookSubscription => ({
  id: newId(),
  url: 'https://hooks.example.com/switchboard',
  types: ['conversation.*', 'sla.breached'],
  description: null,
  secret: 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0',
  previousSecret: null,
  previousSecretUntil: null,
  enabled: true,
  disabledReason: null,
  cursor: 0,
  failures: 0,
  failingSince: null,
  nextAttemptAt: null,
  lastDelivery: null,
  leaseOwner: null,
  leaseUntil: null,
  createdAt: T0,
  updatedAt: T0,
  ...overrides,
});

const attempt = (subscriptionId: string, seconds: number, overrides: Partial<WebhookAttempt> = {}): WebhookAttempt => ({
  id: newId(),
  subscriptionId,
  eventId: newId(),
  eventType: 'conversation.queued',
  seq: 7,
  attempt: 1,
  outcome: 'delivered',
  httpStatus: 200,
  error: null,
  durationMs: 12,
  attemptedAt: at(seconds),
  ...overrides,
});

export const runWebhookStoreContract = (name: string, makeStore: () => Promise<StoreUnderTest>): void => {
  describe(`Store contract, webhooks: ${name}`, () => {
    const store = useMigratedStore(makeStore);

    it('stores a subscription whole and gives it back, updates and deletes it', async () => {
      const made = subscription({ description: 'CRM sync', cursor: 41 });
      await store().transaction((s) => s.webhooks.insert(made));
      expect(await store().read((s) => s.webhooks.get(made.id))).toEqual(made);
      expect(await store().read((s) => s.webhooks.get(newId()))).toBeNull();
      expect(await store().read((s) => s.webhooks.get('not-a-uuid'))).toBeNull();

      const changed: WebhookSubscription = {
        ...made,
        url: 'https://other.example.com/hook',
        types: ['*'],
        secret: 'whsec_bmV3LXNlY3JldC1uZXctc2VjcmV0LW5ldy1zZWNyZXQ=',
        previousSecret: made.secret,
        previousSecretUntil: at(86_400),
        cursor: 9_007_199_254_740,
        failures: 3,
        failingSince: at(10),
        nextAttemptAt: at(20),
        lastDelivery: { at: at(10), eventId: newId(), eventType: 'conversation.queued', outcome: 'failed', httpStatus: 500, error: 'HTTP 500: boom' },
        leaseOwner: newId(),
        leaseUntil: at(30),
        enabled: false,
        disabledReason: 'kept failing',
        updatedAt: at(10),
      };
      await store().transaction((s) => s.webhooks.update(changed));
      expect(await store().read((s) => s.webhooks.get(made.id))).toEqual(changed);
      const absent = subscription();
      await store().transaction((s) => s.webhooks.update(absent));
      expect(await store().read((s) => s.webhooks.get(absent.id))).toBeNull();

      expect(await store().transaction((s) => s.webhooks.delete(made.id))).toBe(true);
      expect(await store().transaction((s) => s.webhooks.delete(made.id))).toBe(false);
      expect(await store().read((s) => s.webhooks.get(made.id))).toBeNull();
    });

    it('rolls writes back with their transaction', async () => {
      const lost = subscription();
      await expect(
        store().transaction(async (s) => {
          await s.webhooks.insert(lost);
          throw new Error('crash before commit');
        }),
      ).rejects.toThrow('crash before commit');
      expect(await store().read((s) => s.webhooks.get(lost.id))).toBeNull();
    });

    it('lists subscriptions oldest first in keyset pages, and the enabled ones', async () => {
      const base = Date.now() + 10_000_000;
      const made = [0, 1, 2].map((i) => subscription({ createdAt: new Date(base + i * 1000), enabled: i !== 1 }));
      await store().transaction(async (s) => {
        for (const m of [made[2], made[0], made[1]]) if (m) await s.webhooks.insert(m);
      });
      const ids = new Set(made.map((m) => m.id));
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store().read((s) => s.webhooks.list({ limit: 2, ...(cursor === undefined ? {} : { cursor }) }));
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect(seen.filter((id) => ids.has(id))).toEqual(made.map((m) => m.id));
      expect(new Set(seen).size).toBe(seen.length);

      const enabled = (await store().read((s) => s.webhooks.listEnabled(10_000))).map((s) => s.id).filter((id) => ids.has(id));
      expect(enabled).toEqual([made[0]?.id, made[2]?.id]);
    });

    it('records attempts, lists them newest first in pages, prunes old ones, and deletes them with their subscription', async () => {
      const owner = subscription();
      const other = subscription();
      await store().transaction(async (s) => {
        await s.webhooks.insert(owner);
        await s.webhooks.insert(other);
      });
      const attempts = [
        attempt(owner.id, 1),
        attempt(owner.id, 2, { outcome: 'failed', httpStatus: null, error: 'connect ECONNREFUSED', attempt: 2 }),
        attempt(owner.id, 3, { seq: null, eventType: 'webhook.ping' }),
      ];
      await store().transaction(async (s) => {
        for (const a of attempts) await s.webhooks.recordAttempt(a);
        await s.webhooks.recordAttempt(attempt(other.id, 1));
      });
      const first = await store().read((s) => s.webhooks.listAttempts(owner.id, { limit: 2 }));
      expect(first.items).toEqual([attempts[2], attempts[1]]);
      expect(first.nextCursor).not.toBeNull();
      const second = await store().read((s) => s.webhooks.listAttempts(owner.id, { limit: 2, cursor: first.nextCursor ?? '' }));
      expect(second).toEqual({ items: [attempts[0]], nextCursor: null });

      const ancient = attempt(owner.id, -100_000_000);
      await store().transaction((s) => s.webhooks.recordAttempt(ancient));
      expect(await store().transaction((s) => s.webhooks.pruneAttempts(at(-50_000_000), 1000))).toBeGreaterThanOrEqual(1);
      expect((await store().read((s) => s.webhooks.listAttempts(owner.id, { limit: 10 }))).items.map((a) => a.id)).toEqual([attempts[2]?.id, attempts[1]?.id, attempts[0]?.id]);

      await store().transaction((s) => s.webhooks.delete(owner.id));
      expect((await store().read((s) => s.webhooks.listAttempts(owner.id, { limit: 10 }))).items).toEqual([]);
      expect((await store().read((s) => s.webhooks.listAttempts(other.id, { limit: 10 }))).items).toHaveLength(1);
    });
  });
};
