import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '@switchboard/storage-postgres/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, startReceiver } from './hub-fixture.js';

// Customer 360, timeline, search, export and erasure through the API, on PostgreSQL (pg_dump is
// the proof that erased values are gone from the database, not just hidden by the API).

type Json = Record<string, unknown> & { items?: Record<string, unknown>[] };
let db: TestDatabase;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let hub: Awaited<ReturnType<typeof startHub>>;
const call = (...args: Parameters<typeof hub.call>) => hub.call(...args);
const canary = (label: string) => `${label}${randomBytes(5).toString('hex')}`;
let seq = 0;

const inbound = async (from: string, text: string, extra: Record<string, unknown> = {}) => {
  const answer = await call('POST', '/v1/inbound', { channel: 'webhook', externalId: `m-${Date.now()}-${(seq += 1)}`, from: { kind: 'email', value: from }, text, ...extra });
  expect(answer.status).toBe(202);
  return answer.json as { interactionId: string; customerId: string; conversationId: string };
};

/** Merges `from` into `into` the way the merge use case leaves them (a pointer), until that lands. */
const pointMerge = async (from: string, into: string) => {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query('UPDATE customers SET merged_into = $1 WHERE id = $2', [into, from]);
  } finally {
    await client.end();
  }
};

const pgDump = async (): Promise<string> => {
  const url = new URL(db.url);
  const { stdout } = await promisify(execFile)('pg_dump', ['--data-only', '-h', url.hostname, '-p', url.port || '5432', '-U', url.username || 'postgres', url.pathname.slice(1)], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
};

beforeAll(async () => {
  db = await createTestDatabase();
  receiver = await startReceiver();
  hub = await startHub({ callbackUrl: receiver.url, databaseUrl: db.url });
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  await receiver?.close();
  await db?.drop();
});

describe('customer 360, timeline and search, following merges', () => {
  it('answers the customer with open conversations, the last interaction per channel and counts, across a merge', async () => {
    const word = canary('parcel');
    const ann = await inbound(`ann.${canary('a')}@example.com`, `Where is my ${word}?`);
    const bob = await inbound(`bob.${canary('b')}@example.com`, `The ${word} arrived broken`);
    await pointMerge(bob.customerId, ann.customerId);

    const view = await call('GET', `/v1/customers/${ann.customerId}`);
    expect(view.status).toBe(200);
    expect(view.json).toMatchObject({
      id: ann.customerId,
      mergedInto: null,
      mergedCustomerIds: [bob.customerId],
      counts: { conversations: 2, openConversations: 2, interactions: 2, channels: 1 },
      lastInteractionByChannel: [{ channel: 'webhook', interactionId: bob.interactionId, conversationId: bob.conversationId, direction: 'inbound', type: 'message' }],
    });
    expect((view.json['openConversations'] as { id: string }[]).map((c) => c.id).sort()).toEqual([ann.conversationId, bob.conversationId].sort());
    expect(view.json['identities']).toHaveLength(1);
    // the merged customer answers as it is, with mergedInto set
    expect((await call('GET', `/v1/customers/${bob.customerId}`)).json).toMatchObject({ mergedInto: ann.customerId, counts: { interactions: 1 } });

    const search = await call('GET', `/v1/search?q=${word}&customerId=${ann.customerId}`);
    expect(search.status).toBe(200);
    expect(search.json.items?.map((h) => h['interactionId'])).toEqual([bob.interactionId, ann.interactionId]);
    expect(String(search.json.items?.[0]?.['snippet'])).toContain(`«${word}»`);
    expect((await call('GET', `/v1/search?q=${word}&customerId=${bob.customerId}`)).json.items?.map((h) => h['interactionId'])).toEqual([bob.interactionId]);
    expect((await call('GET', `/v1/search?q=${word}&channel=email`)).json.items).toEqual([]);
  });

  it('pages the timeline stably while entries arrive, filtered by direction and type', async () => {
    const from = `cy.${canary('c')}@example.com`;
    const first = await inbound(from, 'one');
    await inbound(from, 'two');
    await inbound(from, 'three');
    const customerId = first.customerId;
    const page1 = await call('GET', `/v1/customers/${customerId}/timeline?limit=2&type=message&direction=inbound`);
    expect(page1.json.items?.map((i) => i['text'])).toEqual(['three', 'two']);
    await inbound(from, 'four, arriving between pages');
    const page2 = await call('GET', `/v1/customers/${customerId}/timeline?limit=2&type=message&direction=inbound&cursor=${encodeURIComponent(String(page1.json['nextCursor']))}`);
    expect(page2.json.items?.map((i) => i['text'])).toEqual(['one']);
    expect(page2.json['nextCursor']).toBeNull();
    expect((await call('GET', `/v1/customers/${customerId}/timeline?limit=10&channel=webhook&direction=inbound`)).json.items).toHaveLength(4);
    expect((await call('GET', `/v1/customers/${customerId}/timeline?direction=outbound`)).json.items).toEqual([]);
  });

  it('refuses bad input with problem+json', async () => {
    const someone = await inbound(`dee.${canary('d')}@example.com`, 'hi');
    for (const path of [
      `/v1/customers/${someone.customerId}/timeline?direction=sideways`,
      `/v1/customers/${someone.customerId}/timeline?type=gossip`,
      '/v1/search',
      '/v1/search?q=%20%20',
      '/v1/search?q=x&customerId=not-a-uuid',
    ]) {
      const answer = await call('GET', path);
      expect(answer.status, path).toBeGreaterThanOrEqual(400);
      expect(answer.status, path).toBeLessThan(500);
      expect(answer.type, path).toBe('application/problem+json');
    }
  });
});

describe('data-subject export and erasure', () => {
  it('exports everything, then erases it so that no lookup, search or pg_dump finds an erased value, and the ledger still verifies', async () => {
    const address = `erin.${canary('canaryaddr')}@example.com`;
    const [said, subject, name, survivorWord] = [canary('canarytext'), canary('canarysubject'), `Erin ${canary('canaryname')}`, canary('keepme')];
    const erin = await inbound(address, `My secret is ${said}`, { subject, from: { kind: 'email', value: address, name } });
    const aliasAddress = `alias.${canary('x')}@example.com`;
    const alias = await inbound(aliasAddress, `again ${said}`);
    // A real merge: its record keeps the alias address it moved, for unmerge.
    expect((await call('POST', `/v1/customers/${erin.customerId}/merge`, { from: alias.customerId })).status).toBe(200);
    const olga = `olga.${canary('o')}@example.com`;
    const other = await inbound(olga, `unrelated ${survivorWord}`);
    // Olga, a known sender, names Erin's address: a merge suggestion that quotes it.
    await inbound(olga, 'my colleague writes too', { identities: [{ kind: 'email', value: address }] });
    const suggestions = async () => (await call('GET', `/v1/customers/merge-suggestions?customerId=${erin.customerId}`)).json.items ?? [];
    expect(await suggestions()).toHaveLength(1);

    // export: machine-readable, complete, across the merge
    const exported = await call('GET', `/v1/customers/${erin.customerId}/export`);
    expect(exported.status).toBe(200);
    expect(exported.json).toMatchObject({ format: 'switchboard.customer-export.v1', customer: { id: erin.customerId, identities: [{ kind: 'email', value: address }, { kind: 'email', value: aliasAddress }] } });
    expect((exported.json['mergedCustomers'] as { id: string }[]).map((c) => c.id)).toEqual([alias.customerId]);
    expect((exported.json['interactions'] as { id: string; type: string }[]).filter((i) => i.type === 'message').map((i) => i.id)).toEqual([erin.interactionId, alias.interactionId]);
    expect(JSON.stringify(exported.json)).toContain(said);
    expect((await call('GET', `/v1/customers/${erin.customerId}/export`, undefined, await readKey())).status).toBe(403);

    expect(await pgDump()).toContain(said);
    expect((await call('POST', `/v1/customers/${erin.customerId}/erase`, undefined, await readKey())).status).toBe(403);
    const erased = await call('POST', `/v1/customers/${erin.customerId}/erase`);
    expect(erased.status).toBe(200);
    expect(erased.json).toMatchObject({
      customerId: erin.customerId,
      customers: [erin.customerId, alias.customerId],
      identities: 2,
      interactions: 2,
      conversations: 2,
      mergeSuggestionsRemoved: 1,
      mergeRecordsScrubbed: 1,
    });
    expect(await suggestions()).toEqual([]);

    // nothing finds Erin by an erased value
    expect((await call('GET', `/v1/customers?identity=${encodeURIComponent(`email:${address}`)}`)).json.items).toEqual([]);
    expect((await call('GET', `/v1/search?q=${said}`)).json.items).toEqual([]);
    expect((await call('GET', `/v1/search?q=${subject}`)).json.items).toEqual([]);
    const timeline = await call('GET', `/v1/customers/${erin.customerId}/timeline`);
    expect(timeline.json.items?.map((i) => i['type']).sort()).toEqual(['erasure', 'erasure', 'merge', 'message', 'message']);
    expect(timeline.json.items?.find((i) => i['id'] === erin.interactionId)).toMatchObject({ text: '', subject: null, party: null });
    expect(timeline.json.items?.find((i) => i['id'] === erin.interactionId)?.['erasedAt']).toEqual(expect.any(String));

    // every chain still verifies, and the whole ledger
    expect((await call('GET', `/v1/conversations/${erin.conversationId}/verify`)).json).toEqual({ ok: true, entries: 2 });
    expect((await call('GET', '/v1/ledger/verify')).json).toMatchObject({ ok: true, problems: [] });

    // the database holds none of it: a dump of every table
    const dump = await pgDump();
    for (const value of [said, subject, name, address, aliasAddress]) expect(dump, value).not.toContain(value);
    expect(dump).toContain(survivorWord);
    expect((await call('GET', `/v1/search?q=${survivorWord}`)).json.items?.map((h) => h['interactionId'])).toEqual([other.interactionId]);

    // erasing again finds nothing more to erase; an unknown customer is a 404
    expect((await call('POST', `/v1/customers/${erin.customerId}/erase`)).json).toMatchObject({ identities: 0, interactions: 0 });
    expect((await call('POST', '/v1/customers/00000000-0000-4000-8000-000000000000/erase')).status).toBe(404);
  });
});

let readOnlyKey: string | undefined;
const readKey = async (): Promise<string> => {
  if (readOnlyKey !== undefined) return readOnlyKey;
  const created = await call('POST', '/v1/api-keys', { name: 'reader', scopes: ['read'] });
  expect(created.status).toBe(201);
  readOnlyKey = String((created.json as Json)['key']);
  return readOnlyKey;
};
