import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubspotFake } from '@switchboard/crm-hubspot/testing';
import { createHub, type Hub, type HubConfig } from '@switchboard/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, hubCaller, pluginSpec as spec, testHubSettings, waitFor, type TestDatabase } from '../harness/index.js';

const ADMIN_KEY = 'crm-hubspot-test-admin-key-0123456789';
const TOKEN = 'pat-na1-test-token';
type Json = Record<string, unknown>;

/** The interaction ids an engagement's marker names, in the order the fake received them. */
const markerIds = (fake: HubspotFake, contactId: string): string[] =>
  fake.engagementsOf(contactId).map((e) => /switchboard:([0-9a-f-]{36})/.exec(Object.values(e.properties).join(' '))?.[1] ?? 'no marker');

// A real hub (PostgreSQL, the in-process queue) with two HubSpot instances on loopback fakes:
// `hubspot` (match, create, log; erasure only names the record) and `hubspot-eu` (a second account
// that only links and erases in the CRM). Everything goes through the public API and the fakes.
describe('HubSpot CRM in a hub: link, log every interaction once and in order, good API citizen, merge, erase', () => {
  let db: TestDatabase;
  let hub: Hub;
  let dataDir: string;
  const fake = new HubspotFake({ token: TOKEN });
  const eu = new HubspotFake({ token: TOKEN });

  const call = hubCaller(() => hub, ADMIN_KEY);
  let seq = 0;
  const inbound = async (channel: string, from: { kind: string; value: string; name?: string }, text: string, extra: Json = {}) => {
    const answer = await call('POST', '/v1/inbound', { channel, externalId: `m-${++seq}-${Date.now()}`, from, text, ...extra });
    expect(answer.status).toBe(202);
    return answer.json as { interactionId: string; customerId: string; conversationId: string };
  };
  const customer = async (id: string) => (await call('GET', `/v1/customers/${id}`)).json as Json & { identities: { kind: string; value: string }[]; crm: Record<string, Json & { contact: Json | null; sync: Record<string, number> }> };
  const linkOf = async (id: string, system = 'hubspot') => (await customer(id)).identities.find((i) => i.kind === 'crm' && i.value.startsWith(`${system}:`))?.value.slice(system.length + 1);
  const timelineIds = async (customerId: string): Promise<string[]> => {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await call('GET', `/v1/customers/${customerId}/timeline?type=message&limit=200${cursor ? `&cursor=${cursor}` : ''}`)).json as { items: { id: string }[]; nextCursor: string | null };
      ids.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    return ids.reverse();
  };

  beforeAll(async () => {
    [db] = await Promise.all([createTestDatabase(), fake.start(), eu.start()]);
    dataDir = await mkdtemp(join(tmpdir(), 'sb-crm-'));
    const config: HubConfig = {
      port: 0,
      dataDir,
      role: 'all',
      adminKey: ADMIN_KEY,
      logLevel: 'silent',
      configFile: null,
      hub: testHubSettings({ identity: { defaultRegion: null, rules: ['exact', 'shared-contact', 'crm-match'] }, crm: { factsTtlSeconds: 60, maxAttempts: 8, leaseSeconds: 1 } }),
      plugins: [
        spec('store', '@switchboard/storage-postgres', { url: { env: 'CRM_TEST_DATABASE_URL' } }),
        spec('queue', '@switchboard/queue-local', { backoffMs: 20 }),
        spec('hubspot', '@switchboard/crm-hubspot', { accessToken: { env: 'CRM_TEST_HUBSPOT_TOKEN' }, apiBaseUrl: fake.url, match: ['email', 'phone'], createContacts: true, logInteractions: true, eraseInCrm: false }),
        spec('hubspot-eu', '@switchboard/crm-hubspot', { accessToken: { env: 'CRM_TEST_HUBSPOT_TOKEN' }, apiBaseUrl: eu.url, system: 'hubspot-eu', createContacts: false, logInteractions: false, eraseInCrm: true }),
      ],
    };
    hub = await createHub(config, { env: { ...process.env, CRM_TEST_DATABASE_URL: db.url, CRM_TEST_HUBSPOT_TOKEN: TOKEN }, print: () => {} });
    await hub.start();
  }, 120_000);

  afterAll(async () => {
    await hub?.stop(2000);
    await Promise.all([fake.stop(), eu.stop(), db?.drop(), rm(dataDir, { recursive: true, force: true })]);
  });

  it('links a customer the CRM knows by email, and shows the CRM facts in customer 360', async () => {
    fake.owners.set('31', { id: '31', email: 'olga@acme.test', firstName: 'Olga', lastName: 'Owner' });
    const known = fake.addContact({ email: 'ann@example.com', firstname: 'Ann', lastname: 'Lee', company: 'Acme', lifecyclestage: 'customer', hubspot_owner_id: '31' });
    const { customerId } = await inbound('email', { kind: 'email', value: 'Ann@Example.com' }, 'Where is my order?');
    expect(await waitFor(() => linkOf(customerId), { timeoutMs: 15_000, description: 'the crm:hubspot identity' })).toBe(known.id);
    const view = await waitFor(async () => {
      const c = await customer(customerId);
      return c.crm['hubspot']?.sync['logged'] === 1 ? c : null;
    }, { timeoutMs: 15_000 });
    expect(view.crm['hubspot']?.contact).toMatchObject({ contactId: known.id, name: 'Ann Lee', company: 'Acme', owner: 'Olga Owner', lifecycleStage: 'customer', url: `https://app.hubspot.com/contacts/${fake.portalId}/record/0-1/${known.id}` });
    // Not created again: HubSpot already had her.
    expect(fake.calls.filter((c) => c.method === 'POST' && c.path === '/crm/v3/objects/contacts')).toHaveLength(0);
    expect(fake.engagementsOf(known.id, 'emails')).toHaveLength(1);
  });

  it('200 messages across three channels → exactly 200 engagements on the right contact, in order, of the right types', async () => {
    const first = await inbound('email', { kind: 'email', value: 'bo@example.com', name: 'Bo Berg' }, 'message 0');
    const contactId = await waitFor(() => linkOf(first.customerId), { timeoutMs: 15_000 });
    expect(fake.contacts.get(contactId)?.properties).toMatchObject({ email: 'bo@example.com', firstname: 'Bo', lastname: 'Berg' });
    expect((await call('POST', `/v1/customers/${first.customerId}/identities`, { kind: 'phone', value: '+4915112345678' })).status).toBe(200);
    expect((await call('POST', `/v1/customers/${first.customerId}/identities`, { kind: 'webchat', value: 'visitor-bo' })).status).toBe(200);
    const senders = [
      ['email', { kind: 'email', value: 'bo@example.com' }],
      ['sms', { kind: 'phone', value: '+4915112345678' }],
      ['webchat', { kind: 'webchat', value: 'visitor-bo' }],
    ] as const;
    for (let i = 1; i < 200; i += 1) {
      const [channel, from] = senders[i % 3]!;
      const sent = await inbound(channel, from, `message ${i}`);
      expect(sent.customerId).toBe(first.customerId);
    }
    await waitFor(() => fake.engagementsOf(contactId).length >= 200 && (async () => (await customer(first.customerId)).crm['hubspot']?.sync['logged'] === 200)(), { timeoutMs: 120_000, intervalMs: 250, description: '200 engagements' });
    const engagements = fake.engagementsOf(contactId);
    expect(engagements).toHaveLength(200);
    expect(markerIds(fake, contactId)).toEqual(await timelineIds(first.customerId));
    expect(engagements.filter((e) => e.type === 'emails')).toHaveLength(67);
    expect(engagements.filter((e) => e.type === 'communications' && e.properties.hs_communication_channel_type === 'SMS')).toHaveLength(67);
    expect(engagements.filter((e) => e.type === 'notes' && e.properties.hs_note_body?.includes('webchat · inbound'))).toHaveLength(66);
  }, 180_000);

  it('a 429 storm: every interaction logged once, Retry-After honoured', async () => {
    const first = await inbound('webchat', { kind: 'webchat', value: 'visitor-cy' }, 'hello', { identities: [{ kind: 'email', value: 'cy@example.com' }] });
    const contactId = await waitFor(() => linkOf(first.customerId), { timeoutMs: 15_000 });
    await waitFor(() => fake.engagementsOf(contactId).length === 1, { timeoutMs: 15_000 });
    const from = fake.calls.length;
    fake.failNext(12, 429, { retryAfterSeconds: 1, match: (method, path) => method === 'POST' && path === '/crm/v3/objects/notes' });
    for (let i = 0; i < 20; i += 1) await inbound('webchat', { kind: 'webchat', value: 'visitor-cy' }, `storm ${i}`);
    await waitFor(() => fake.engagementsOf(contactId).length === 21, { timeoutMs: 60_000, intervalMs: 250 }).catch(async (error: unknown) => {
      console.log(JSON.stringify(fake.calls.slice(from).map((c) => [c.method, c.path, c.status, c.at % 100000])), JSON.stringify((await customer(first.customerId)).crm), JSON.stringify((await call('GET', '/v1/crm/hubspot/log?status=sending')).json));
      throw error;
    });
    const calls = fake.calls.slice(from);
    const limited = calls.filter((c) => c.status === 429);
    expect(limited).toHaveLength(12);
    // After each 429 the hub waited the Retry-After (1 s) before its next call to HubSpot, whatever the call.
    for (const refused of limited) {
      const next = calls[calls.indexOf(refused) + 1];
      expect(next).toBeDefined();
      expect(next!.at - refused.at).toBeGreaterThanOrEqual(990);
    }
    expect(new Set(markerIds(fake, contactId)).size).toBe(21);
    expect(markerIds(fake, contactId)).toEqual(await timelineIds(first.customerId));
  }, 120_000);

  it('a bad token: health down with the reason, nothing lost, everything logged once the token is fixed', async () => {
    const first = await inbound('email', { kind: 'email', value: 'dee@example.com' }, 'before');
    const contactId = await waitFor(() => linkOf(first.customerId), { timeoutMs: 15_000 });
    await waitFor(() => fake.engagementsOf(contactId).length === 1, { timeoutMs: 15_000 });
    fake.token = 'pat-rotated-elsewhere';
    try {
      for (let i = 0; i < 10; i += 1) await inbound('email', { kind: 'email', value: 'dee@example.com' }, `while refused ${i}`);
      const health = await waitFor(async () => {
        const plugins = (await call('GET', '/v1/plugins')).json as { items: { id: string; health: { status: string; detail?: string } }[] };
        const h = plugins.items.find((p) => p.id === 'hubspot')?.health;
        return h?.status === 'down' ? h : null;
      }, { timeoutMs: 15_000 });
      expect(health.detail).toContain('HubSpot refused the access token (401 INVALID_AUTHENTICATION');
      const test = await call('POST', '/v1/plugins/hubspot/test');
      expect(test.json).toMatchObject({ ok: false });
      const view = await customer(first.customerId);
      expect(view.crm['hubspot']?.sync['dead']).toBe(0);
      expect(fake.engagementsOf(contactId)).toHaveLength(1);
    } finally {
      fake.token = TOKEN;
    }
    await waitFor(() => fake.engagementsOf(contactId).length === 11, { timeoutMs: 30_000, intervalMs: 250 });
    expect(markerIds(fake, contactId)).toEqual(await timelineIds(first.customerId));
    expect((await call('POST', '/v1/plugins/hubspot/test')).json).toMatchObject({ ok: true });
  }, 90_000);

  it('an entry HubSpot refuses is dead with the reason; an operator retry logs it once', async () => {
    const first = await inbound('email', { kind: 'email', value: 'rex@example.com' }, 'first');
    const contactId = await waitFor(() => linkOf(first.customerId), { timeoutMs: 15_000 });
    await waitFor(() => fake.engagementsOf(contactId).length === 1, { timeoutMs: 15_000 });
    fake.failNext(1, 400, { match: (method, path) => method === 'POST' && /^\/crm\/v3\/objects\/(notes|emails|communications)$/.test(path) });
    const refused = await inbound('email', { kind: 'email', value: 'rex@example.com' }, 'refused once');
    const dead = await waitFor(async () => {
      const items = ((await call('GET', '/v1/crm/hubspot/log?status=dead')).json['items'] ?? []) as Json[];
      return items.find((e) => e['interactionId'] === refused.interactionId) ?? null;
    }, { timeoutMs: 15_000, description: 'the refused entry dead' });
    expect(String(dead['lastError'])).toContain('hubspot: HubSpot:');
    expect(fake.engagementsOf(contactId)).toHaveLength(1);

    expect((await call('POST', '/v1/crm/nowhere/log/retry', {})).status).toBe(404);
    expect((await call('POST', '/v1/crm/hubspot/log/retry', { interactionIds: ['not-an-id'] })).status).toBe(422);
    expect((await call('POST', '/v1/crm/hubspot/log/retry', { interactionIds: [refused.interactionId] })).json).toEqual({ retried: 1 });
    await waitFor(async () => (await customer(first.customerId)).crm['hubspot']?.sync['logged'] === 2, { timeoutMs: 15_000, description: 'the retried entry logged' });
    expect(fake.engagementsOf(contactId)).toHaveLength(2);
    expect(markerIds(fake, contactId)).toEqual([first.interactionId, refused.interactionId]);
    expect((await call('POST', '/v1/crm/hubspot/log/retry')).json).toEqual({ retried: 0 });
  }, 60_000);

  it('one CRM contact matching two hub customers is a merge suggestion, never a silent merge; after a merge, logging goes to the survivor’s contact', async () => {
    const shared = fake.addContact({ email: 'eve@example.com', phone: '+15551230001', firstname: 'Eve' });
    const byEmail = await inbound('email', { kind: 'email', value: 'eve@example.com' }, 'from my mail');
    expect(await waitFor(() => linkOf(byEmail.customerId), { timeoutMs: 15_000 })).toBe(shared.id);
    const byPhone = await inbound('sms', { kind: 'phone', value: '+15551230001' }, 'from my phone');
    expect(byPhone.customerId).not.toBe(byEmail.customerId);
    const suggestion = await waitFor(async () => {
      const list = (await call('GET', `/v1/customers/merge-suggestions?customerId=${byPhone.customerId}&status=pending`)).json as { items: Json[] };
      return list.items[0];
    }, { timeoutMs: 15_000 });
    expect(suggestion).toMatchObject({ customerId: byPhone.customerId, otherCustomerId: byEmail.customerId, identity: { kind: 'crm', value: `hubspot:${shared.id}` } });
    expect((await customer(byPhone.customerId))['mergedInto'] ?? null).toBeNull();
    // Both customers' messages are on the one contact that knows them, once each.
    await waitFor(() => fake.engagementsOf(shared.id).length === 2, { timeoutMs: 15_000 });

    // Two linked customers, merged: the survivor's contact gets what the merged one writes next.
    const survivor = await inbound('email', { kind: 'email', value: 'fay@example.com' }, 'I am Fay');
    const survivorContact = await waitFor(() => linkOf(survivor.customerId), { timeoutMs: 15_000 });
    const merged = await inbound('email', { kind: 'email', value: 'fay.work@example.com' }, 'Fay again, from work');
    const mergedContact = await waitFor(() => linkOf(merged.customerId), { timeoutMs: 15_000 });
    expect(mergedContact).not.toBe(survivorContact);
    await waitFor(() => fake.engagementsOf(mergedContact).length === 1, { timeoutMs: 15_000 });
    expect((await call('POST', `/v1/customers/${survivor.customerId}/merge`, { from: merged.customerId })).status).toBe(200);
    const after = await inbound('email', { kind: 'email', value: 'fay.work@example.com' }, 'after the merge');
    await waitFor(() => markerIds(fake, survivorContact!).includes(after.interactionId), { timeoutMs: 15_000 });
    expect(fake.engagementsOf(mergedContact)).toHaveLength(1);
  }, 90_000);

  it('a resolved conversation adds one summary note (channels, hops, handling time); a reply and an internal note are logged too', async () => {
    const agent = (await call('POST', '/v1/agents', { name: 'Gus', skills: {} })).json['id'] as string;
    const opened = await inbound('email', { kind: 'email', value: 'gil@example.com' }, 'first, by mail');
    const contactId = await waitFor(() => linkOf(opened.customerId), { timeoutMs: 15_000 });
    expect((await call('POST', `/v1/customers/${opened.customerId}/identities`, { kind: 'webchat', value: 'visitor-gil' })).status).toBe(200);
    await inbound('webchat', { kind: 'webchat', value: 'visitor-gil' }, 'then in the chat');
    expect((await call('POST', `/v1/conversations/${opened.conversationId}/replies`, { agentId: agent, text: 'On its way.' })).status).toBe(201);
    expect((await call('POST', `/v1/conversations/${opened.conversationId}/notes`, { agentId: agent, text: 'Checked the warehouse' })).status).toBe(201);
    expect((await call('POST', `/v1/conversations/${opened.conversationId}/resolve`, {})).status).toBe(200);
    expect((await call('POST', `/v1/conversations/${opened.conversationId}/resolve`, {})).status).toBeLessThan(500);
    await waitFor(() => fake.engagementsOf(contactId).length >= 5, { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 1000));
    const notes = fake.engagementsOf(contactId, 'notes').map((n) => n.properties.hs_note_body ?? '');
    const summaries = notes.filter((n) => n.includes('conversation resolved'));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toContain('Channels: email, webchat');
    expect(summaries[0]).toContain('Channel hops: 1');
    expect(summaries[0]).toMatch(/Handling time: \d+m/);
    expect(notes.some((n) => n.includes('Checked the warehouse'))).toBe(true);
    // The reply went out on the chat (the channel the customer last wrote on): a note naming it and the agent.
    expect(notes.filter((n) => n.includes('webchat · outbound · Gus') && n.includes('On its way.'))).toHaveLength(1);
    expect(fake.engagementsOf(contactId, 'emails').map((e) => e.properties.hs_email_direction)).toEqual(['INCOMING_EMAIL']);
    expect(fake.engagementsOf(contactId)).toHaveLength(5);
  }, 60_000);

  it('erasure: the eraseInCrm instance GDPR-deletes its contact, the other is named as still holding the data', async () => {
    const euContact = eu.addContact({ email: 'hal@example.com' });
    const { customerId } = await inbound('email', { kind: 'email', value: 'hal@example.com' }, 'please forget me');
    const usContact = await waitFor(() => linkOf(customerId), { timeoutMs: 15_000 });
    expect(await waitFor(() => linkOf(customerId, 'hubspot-eu'), { timeoutMs: 15_000 })).toBe(euContact.id);
    const erased = await call('POST', `/v1/customers/${customerId}/erase`);
    expect(erased.status).toBe(200);
    const crm = (erased.json['crm'] as Json[]).sort((a, b) => String(a['instanceId']).localeCompare(String(b['instanceId'])));
    expect(crm).toEqual([
      { instanceId: 'hubspot', system: 'hubspot', contactId: usContact, identity: `crm:hubspot:${usContact}`, erased: false, detail: expect.stringContaining(`hubspot contact ${usContact} still holds this customer's data`) },
      { instanceId: 'hubspot-eu', system: 'hubspot-eu', contactId: euContact.id, identity: `crm:hubspot-eu:${euContact.id}`, erased: true, detail: expect.stringContaining('GDPR delete') },
    ]);
    expect(eu.gdprDeleted).toEqual([euContact.id]);
    expect(eu.calls.filter((c) => c.path === '/crm/v3/objects/contacts/gdpr-delete').map((c) => c.body)).toEqual([{ objectId: euContact.id }]);
    expect(fake.gdprDeleted).toEqual([]);
    // The logging instance never logs erased content.
    expect(eu.engagements.size).toBe(0);
  }, 60_000);
});
