import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { CrmConnector, CrmInteractionSummary } from '../plugin-api/crm.port.js';
import { describeContract, type ContractCheck, type Disposable } from './contract-check.js';

/** A connector made for one check, against a CRM (or a faithful fake of it) that holds no contact with the identities the checks make up. */
export interface CrmConnectorUnderTest extends Disposable {
  crm: CrmConnector;
}

// Unique per run, so a check against a real sandbox CRM never meets an earlier run's contacts.
const unique = () => randomUUID().slice(0, 8);
const email = (tag: string) => ({ kind: 'email', value: `contract-${tag}-${unique()}@example.com` });

const summary = (overrides: Partial<CrmInteractionSummary> = {}): CrmInteractionSummary => ({
  interactionId: randomUUID(),
  conversationId: randomUUID(),
  channel: 'email',
  direction: 'inbound',
  subject: 'Order 1234',
  text: 'Where is my order?',
  occurredAt: new Date('2026-01-02T03:04:05Z'),
  ...overrides,
});

export const crmConnectorChecks: readonly ContractCheck<CrmConnectorUnderTest>[] = [
  {
    name: 'answers one empty match per unknown identity, in the order asked',
    async run({ crm }) {
      const asked = [email('a'), email('b'), email('c')];
      const matches = await crm.findContacts(asked);
      expect(matches).toEqual(asked.map((identity) => ({ identity, contacts: [] })));
      expect(await crm.findContacts([])).toEqual([]);
    },
  },
  {
    name: 'creates a contact for a customer and finds it by any of its identities',
    async run({ crm }) {
      const identities = [email('new'), { kind: 'phone', value: `+4930${String(Date.now()).slice(-7)}` }];
      const { contact, created } = await crm.upsertContact({ customerId: randomUUID(), displayName: 'Ada Lovelace' }, identities);
      expect(created).toBe(true);
      expect(contact).toMatchObject({ name: 'Ada Lovelace' });
      expect(typeof contact.id).toBe('string');
      for (const field of ['company', 'owner', 'lifecycleStage', 'url'] as const) expect(contact[field] === null || typeof contact[field] === 'string').toBe(true);
      const [byEmail, byPhone] = await crm.findContacts(identities);
      expect(byEmail?.contacts.map((c) => c.id)).toEqual([contact.id]);
      expect(byPhone?.contacts.map((c) => c.id)).toEqual([contact.id]);
    },
  },
  {
    name: 'upserts idempotently: the same customer twice is one contact',
    async run({ crm }) {
      const customer = { customerId: randomUUID(), displayName: 'Grace Hopper' };
      const identities = [email('twice')];
      const first = await crm.upsertContact(customer, identities);
      const second = await crm.upsertContact({ ...customer, displayName: 'Grace B. Hopper' }, identities);
      expect(second.created).toBe(false);
      expect(second.contact.id).toBe(first.contact.id);
      const [match] = await crm.findContacts(identities);
      expect(match?.contacts).toHaveLength(1);
    },
  },
  {
    name: 'answers a batch with duplicates and known and unknown identities together',
    async run({ crm }) {
      const known = email('known');
      const { contact } = await crm.upsertContact({ customerId: randomUUID(), displayName: null }, [known]);
      const unknown = email('unknown');
      const asked = [unknown, known, known].slice(0, Math.max(1, Math.min(3, crm.maxBatch)));
      const matches = await crm.findContacts(asked);
      expect(matches.map((m) => m.identity)).toEqual(asked);
      expect(matches.map((m) => m.contacts.map((c) => c.id))).toEqual(asked.map((identity) => (identity === known ? [contact.id] : [])));
    },
  },
  {
    name: 'logs an interaction once per interaction id',
    async run({ crm }) {
      const { contact } = await crm.upsertContact({ customerId: randomUUID(), displayName: 'Alan Turing' }, [email('log')]);
      const entry = summary();
      const first = await crm.logInteraction(contact.id, entry);
      const again = await crm.logInteraction(contact.id, entry);
      expect(first.created).toBe(true);
      expect(again).toEqual({ activityId: first.activityId, created: false });
      const other = await crm.logInteraction(contact.id, summary({ direction: 'outbound', agent: { id: 'a1', name: 'Agent' } }));
      expect(other.created).toBe(true);
      expect(other.activityId).not.toBe(first.activityId);
    },
  },
  {
    name: 'refuses to log on an unknown contact with a not_found CrmError',
    async run({ crm }) {
      await expect(crm.logInteraction(`no-such-contact-${unique()}`, summary())).rejects.toMatchObject({ name: 'CrmError', code: 'not_found' });
    },
  },
  {
    name: 'reads contacts by id (unknown ids left out), and erases one for good when it can',
    async run({ crm }) {
      const { contact } = await crm.upsertContact({ customerId: randomUUID(), displayName: 'Ada Byron' }, [email('read')]);
      if (crm.readContacts) {
        const read = await crm.readContacts([contact.id, `no-such-contact-${unique()}`]);
        expect(read.map((c) => ({ id: c.id, name: c.name }))).toEqual([{ id: contact.id, name: 'Ada Byron' }]);
      }
      // A connector that asks the hub to erase in the CRM must be able to.
      if (crm.policy?.eraseInCrm) expect(typeof crm.eraseContact).toBe('function');
      if (crm.eraseContact) {
        await crm.eraseContact(contact.id);
        await crm.eraseContact(contact.id);
        const [match] = await crm.findContacts(contact.identities.slice(0, 1));
        expect(match?.contacts.map((c) => c.id) ?? []).not.toContain(contact.id);
      }
    },
  },
  {
    name: 'reports its health and rate-limit window',
    async run({ crm }) {
      expect(crm.maxBatch).toBeGreaterThanOrEqual(1);
      const state = await crm.state();
      expect(['up', 'degraded', 'down']).toContain(state.health.status);
      expect(typeof state.rateLimit.limited).toBe('boolean');
      expect(state.rateLimit.remaining === null || typeof state.rateLimit.remaining === 'number').toBe(true);
      expect(state.rateLimit.resetAt === null || state.rateLimit.resetAt instanceof Date).toBe(true);
    },
  },
];

/** The conformance suite every CrmConnector adapter passes. */
export function runCrmConnectorContract(name: string, makeConnector: () => Promise<CrmConnectorUnderTest>): void {
  describeContract(`CrmConnector contract: ${name}`, crmConnectorChecks, makeConnector);
}
