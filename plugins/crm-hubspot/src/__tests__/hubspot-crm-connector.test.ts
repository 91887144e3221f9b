import { randomUUID } from 'node:crypto';
import { runCrmConnectorContract } from '@switchboard/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HubspotClient } from '../hubspot-client.js';
import { HubspotCrmConnector } from '../hubspot-crm-connector.js';
import { HubspotFake } from '../testing/hubspot-fake.js';

const policy = { match: ['email', 'phone'], createContacts: true, logInteractions: true, eraseInCrm: true };

const connectorFor = (fake: HubspotFake, options: { token?: string; perTenSeconds?: number } = {}) => {
  const client = new HubspotClient({ apiBaseUrl: fake.url, token: () => options.token ?? fake.token, perTenSeconds: options.perTenSeconds ?? 1000, timeoutMs: 5000 });
  return { client, crm: new HubspotCrmConnector(client, { policy, appUrl: 'https://app.hubspot.com' }) };
};

const summary = (overrides: Record<string, unknown> = {}) => ({
  interactionId: randomUUID(),
  conversationId: randomUUID(),
  channel: 'email',
  direction: 'inbound' as const,
  subject: 'Order 1234',
  text: 'Where is my order?',
  occurredAt: new Date('2026-11-02T03:04:05Z'),
  kind: 'message' as const,
  address: { kind: 'email', value: 'ann@example.com' },
  ...overrides,
});

describe('HubSpot connector', () => {
  const fake = new HubspotFake();
  beforeAll(async () => {
    await fake.start();
  });
  afterAll(async () => {
    await fake.stop();
  });

  runCrmConnectorContract('HubSpot against the loopback fake', async () => ({ crm: connectorFor(fake).crm, dispose: async () => {} }));

  afterEach(() => {
    fake.token = 'pat-na1-fake-token';
  });

  it('finds contacts by email with one batch read and by phone through a search, with HubSpot facts and a record link', async () => {
    fake.owners.set('77', { id: '77', email: 'olga@acme.test', firstName: 'Olga', lastName: 'Owner' });
    const ann = fake.addContact({ email: 'ann.facts@example.com', firstname: 'Ann', lastname: 'Lee', company: 'Acme', lifecyclestage: 'customer', hubspot_owner_id: '77', phone: '+441632960961' });
    const { crm } = connectorFor(fake);
    const before = fake.calls.length;
    const [byEmail, byPhone, unknown] = await crm.findContacts([
      { kind: 'email', value: 'Ann.Facts@example.com' },
      { kind: 'phone', value: '+441632960961' },
      { kind: 'webchat', value: 'v-1' },
    ]);
    expect(byEmail?.contacts).toEqual([
      expect.objectContaining({ id: ann.id, name: 'Ann Lee', company: 'Acme', lifecycleStage: 'customer', owner: 'Olga Owner', url: `https://app.hubspot.com/contacts/${fake.portalId}/record/0-1/${ann.id}` }),
    ]);
    expect(byPhone?.contacts.map((c) => c.id)).toEqual([ann.id]);
    expect(unknown?.contacts).toEqual([]);
    const made = fake.calls.slice(before).map((c) => `${c.method} ${c.path}`);
    expect(made.filter((c) => c === 'POST /crm/v3/objects/contacts/batch/read')).toHaveLength(1);
    expect(made.filter((c) => c === 'POST /crm/v3/objects/contacts/search')).toHaveLength(1);
  });

  it('follows search pagination', async () => {
    for (let i = 0; i < 130; i += 1) fake.addContact({ email: `shared-${i}-${randomUUID()}@example.com`, phone: '+15550000130' });
    const [match] = await connectorFor(fake).crm.findContacts([{ kind: 'phone', value: '+15550000130' }]);
    expect(match?.contacts).toHaveLength(130);
  });

  it('logs emails as email engagements, SMS as communications and other channels as notes naming the channel, associated with the contact', async () => {
    const contact = fake.addContact({ email: `types-${randomUUID()}@example.com` });
    const { crm } = connectorFor(fake);
    await crm.logInteraction(contact.id, summary());
    await crm.logInteraction(contact.id, summary({ channel: 'sms', address: { kind: 'phone', value: '+15550001' } }));
    await crm.logInteraction(contact.id, summary({ channel: 'webchat', address: { kind: 'webchat', value: 'v-9' }, text: 'hello from chat' }));
    await crm.logInteraction(contact.id, summary({ channel: 'system', direction: 'internal', kind: 'note', address: null, text: 'VIP, be kind' }));
    const logged = fake.engagementsOf(contact.id);
    expect(logged.map((e) => e.type)).toEqual(['emails', 'communications', 'notes', 'notes']);
    expect(logged[0]?.properties).toMatchObject({ hs_email_direction: 'INCOMING_EMAIL', hs_email_subject: 'Order 1234', hs_timestamp: '2026-11-02T03:04:05.000Z' });
    expect(logged[1]?.properties).toMatchObject({ hs_communication_channel_type: 'SMS', hs_communication_logged_from: 'CRM' });
    expect(logged[2]?.properties.hs_note_body).toContain('webchat · inbound');
    expect(logged[3]?.properties.hs_note_body).toContain('VIP, be kind');
  });

  it('a recheck after a lost answer finds the engagement made before instead of making a second', async () => {
    const contact = fake.addContact({ email: `recheck-${randomUUID()}@example.com` });
    const entry = summary({ channel: 'webchat', address: null });
    const first = await connectorFor(fake).crm.logInteraction(contact.id, entry);
    // A new process (the first crashed before committing): it only knows the row was `sending`.
    const again = await connectorFor(fake).crm.logInteraction(contact.id, entry, { recheck: true });
    expect(again).toEqual({ activityId: first.activityId, created: false });
    expect(fake.engagementsOf(contact.id)).toHaveLength(1);
  });

  it('rechecks a page of entries after a crash reading each engagement once: found ones answered, the others made', async () => {
    const contact = fake.addContact({ email: `recheck-page-${randomUUID()}@example.com` });
    const entries = Array.from({ length: 6 }, (_, i) => summary({ channel: 'webchat', address: null, text: `entry ${i}` }));
    const crashed = connectorFor(fake).crm;
    const made = [];
    for (const entry of entries.slice(0, 4)) made.push(await crashed.logInteraction(contact.id, entry));
    // The next worker holds all six as `sending`: four were made, two never were.
    const { crm } = connectorFor(fake);
    const before = fake.calls.length;
    const answers = [];
    for (const entry of entries) answers.push(await crm.logInteraction(contact.id, entry, { recheck: true }));
    expect(answers.slice(0, 4)).toEqual(made.map((m) => ({ activityId: m.activityId, created: false })));
    expect(answers.slice(4).map((a) => a.created)).toEqual([true, true]);
    const engagements = fake.engagementsOf(contact.id);
    expect(engagements.map((e) => e.id)).toEqual(answers.map((a) => a.activityId));
    const calls = fake.calls.slice(before).map((c) => `${c.method} ${c.path}`);
    // One read of the four engagements; the first four answered from it, the last two listed again (one call each) before made.
    expect(calls.filter((c) => c === 'POST /crm/v3/objects/notes/batch/read')).toHaveLength(2);
    expect(calls.filter((c) => c.startsWith('GET /crm/v4/objects/contacts/'))).toHaveLength(3);
    const reads = fake.calls.slice(before).filter((c) => c.path === '/crm/v3/objects/notes/batch/read').map((c) => (c.body as { inputs: unknown[] }).inputs.length);
    expect(reads).toEqual([4, 1]);
  });

  it('waits out a 429 for its Retry-After and makes the call once it is allowed', async () => {
    const contact = fake.addContact({ email: `storm-${randomUUID()}@example.com` });
    const { crm, client } = connectorFor(fake);
    fake.failNext(2, 429, { retryAfterSeconds: 1, match: (method, path) => method === 'POST' && path === '/crm/v3/objects/notes' });
    const started = Date.now();
    await crm.logInteraction(contact.id, summary({ channel: 'webchat', address: null }));
    const creates = fake.calls.filter((c) => c.method === 'POST' && c.path === '/crm/v3/objects/notes' && c.at >= started);
    expect(creates.map((c) => c.status)).toEqual([429, 429, 201]);
    expect(creates[1]!.at - creates[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(creates[2]!.at - creates[1]!.at).toBeGreaterThanOrEqual(1000);
    expect(client.state.rateLimited).toBe(2);
    expect(fake.engagementsOf(contact.id)).toHaveLength(1);
  });

  it('keeps its own 10-second budget: a burst over it waits instead of drawing 429s', async () => {
    const limited = new HubspotFake({ perTenSeconds: 5 });
    await limited.start();
    try {
      const { crm } = connectorFor(limited, { perTenSeconds: 4 });
      const contact = limited.addContact({ email: 'budget@example.com' });
      const started = Date.now();
      for (let i = 0; i < 6; i += 1) await crm.logInteraction(contact.id, summary({ channel: 'webchat', address: null }));
      expect(limited.calls.filter((c) => c.status === 429)).toHaveLength(0);
      // 4 within the first window, the portal lookup none (no contact read), the last two after it.
      expect(Date.now() - started).toBeGreaterThanOrEqual(9000);
      expect(limited.engagementsOf(contact.id)).toHaveLength(6);
    } finally {
      await limited.stop();
    }
  }, 30_000);

  it('retries 5xx answers, then succeeds', async () => {
    const contact = fake.addContact({ email: `flaky-${randomUUID()}@example.com` });
    fake.failNext(2, 502, { match: (method, path) => method === 'POST' && path === '/crm/v3/objects/notes' });
    const { activityId } = await connectorFor(fake).crm.logInteraction(contact.id, summary({ channel: 'webchat', address: null }));
    expect(fake.engagements.get(activityId)?.contactIds).toEqual([contact.id]);
  });

  it('a refused token is health down with the reason, and a connection test says so; fixed, it is up again', async () => {
    const { crm } = connectorFor(fake, { token: 'pat-wrong' });
    expect((await crm.testConnection()).status).toBe('down');
    await expect(crm.findContacts([{ kind: 'email', value: 'x@example.com' }])).rejects.toMatchObject({ name: 'CrmError', code: 'unauthorized' });
    const state = await crm.state();
    expect(state.health).toEqual({ status: 'down', detail: expect.stringContaining('HubSpot refused the access token (401 INVALID_AUTHENTICATION') });
    fake.token = 'pat-wrong';
    expect(await crm.testConnection()).toMatchObject({ status: 'up' });
    expect((await crm.state()).health.status).toBe('up');
  });

  it('erases a contact through the GDPR delete endpoint; an unknown one is no error', async () => {
    const contact = fake.addContact({ email: `gone-${randomUUID()}@example.com` });
    const { crm } = connectorFor(fake);
    await crm.eraseContact(contact.id);
    await crm.eraseContact(contact.id);
    expect(fake.gdprDeleted).toContain(contact.id);
    expect(fake.contacts.has(contact.id)).toBe(false);
    expect(fake.calls.filter((c) => c.path === '/crm/v3/objects/contacts/gdpr-delete').at(-2)?.body).toEqual({ objectId: contact.id });
  });
});
