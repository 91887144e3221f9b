import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, startReceiver, waitFor } from './hub-fixture.js';

// A hub of its own, so that the lists hold exactly what these tests put in them.
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let hub: Awaited<ReturnType<typeof startHub>>;
const call = (...args: Parameters<typeof hub.call>) => hub.call(...args);
const idsOf = (items: Record<string, unknown>[] | undefined) => (items ?? []).map((i) => String(i['id']));

beforeAll(async () => {
  receiver = await startReceiver();
  hub = await startHub({ callbackUrl: receiver.url });
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  await receiver?.close();
});

/** Follows `nextCursor` from `path` (which already has a query) until it is null; answers every page. */
const pages = async (path: string) => {
  const served: { ids: string[]; nextCursor: unknown }[] = [];
  let cursor: string | null = null;
  do {
    const response = await call('GET', cursor === null ? path : `${path}&cursor=${encodeURIComponent(cursor)}`);
    expect(response.status).toBe(200);
    served.push({ ids: idsOf(response.json.items), nextCursor: response.json['nextCursor'] });
    cursor = typeof response.json['nextCursor'] === 'string' ? response.json['nextCursor'] : null;
  } while (cursor !== null && served.length < 10);
  return served;
};

describe('store-backed lists answer pages', () => {
  it('pages agents by name: 3 agents, limit=2 → 2 and a cursor, then 1 and null', async () => {
    const made: string[] = [];
    for (const name of ['Cleo', 'Ada', 'Bo']) made.push(String((await call('POST', '/v1/agents', { name })).json['id']));
    const [first, second, ...rest] = await pages('/v1/agents?limit=2');
    expect(first?.ids).toHaveLength(2);
    expect(typeof first?.nextCursor).toBe('string');
    expect(second?.ids).toHaveLength(1);
    expect(second?.nextCursor).toBeNull();
    expect(rest).toEqual([]);
    // Ada, Bo, Cleo: by name
    expect([...(first?.ids ?? []), ...(second?.ids ?? [])]).toEqual([made[1], made[2], made[0]]);
    // without a limit, one page of 50 holds them all
    const all = await call('GET', '/v1/agents');
    expect(idsOf(all.json.items)).toEqual([made[1], made[2], made[0]]);
    expect(all.json['nextCursor']).toBeNull();
  });

  it('answers a bad cursor or limit with a 422 problem naming the field', async () => {
    for (const path of ['/v1/agents?cursor=not-a-cursor', '/v1/queues?cursor=not-a-cursor', '/v1/api-keys?cursor=bm9wZQ', '/v1/agents?limit=0']) {
      const response = await call('GET', path);
      expect(response.status, path).toBe(422);
      expect(response.type).toContain('application/problem+json');
      const field = path.includes('limit=') ? 'limit' : 'cursor';
      expect((response.json['errors'] as Record<string, unknown>[]).map((e) => e['field'])).toContain(field);
    }
  });

  it('pages queues by name, and API keys newest first', async () => {
    await call('POST', '/v1/queues', { name: 'billing' });
    await call('POST', '/v1/queues', { name: 'sales' });
    const queues = await pages('/v1/queues?limit=2');
    expect(queues.map((p) => p.ids.length)).toEqual([2, 1]);
    const names = [];
    for (const id of queues.flatMap((p) => p.ids)) names.push((await call('GET', `/v1/queues/${id}`)).json['name']);
    expect(names).toEqual(['billing', 'default', 'sales']);

    const reader = await call('POST', '/v1/api-keys', { name: 'reader', scopes: ['read'] });
    const ingest = await call('POST', '/v1/api-keys', { name: 'ingest', scopes: ['ingest'] });
    const keys = await pages('/v1/api-keys?limit=2');
    expect(keys.map((p) => p.ids.length)).toEqual([2, 1]);
    expect(keys[1]?.nextCursor).toBeNull();
    const all = await call('GET', '/v1/api-keys?limit=3');
    expect(idsOf(all.json.items)).toEqual(keys.flatMap((p) => p.ids));
    expect(idsOf(all.json.items)).toEqual(expect.arrayContaining([String(reader.json['id']), String(ingest.json['id'])]));
    const created = (all.json.items ?? []).map((k) => String(k['createdAt']));
    expect([...created].sort().reverse()).toEqual(created);
  });

  it("pages an agent's offers, newest first", async () => {
    const agent = String((await call('POST', '/v1/agents', { name: 'Dee' })).json['id']);
    await call('PUT', `/v1/agents/${agent}/presence`, { status: 'available' });
    for (const n of [1, 2, 3]) {
      const sent = await call('POST', '/v1/inbound', { channel: 'webhook', externalId: `page-${n}`, from: { kind: 'email', value: `pager${n}@example.com` }, text: 'hello' });
      expect(sent.status).toBe(202);
    }
    await waitFor(async () => ((await call('GET', `/v1/agents/${agent}/offers?limit=10`)).json.items ?? []).length === 3, 'three offers');
    const offers = await pages(`/v1/agents/${agent}/offers?limit=2`);
    expect(offers.map((p) => p.ids.length)).toEqual([2, 1]);
    expect(offers[1]?.nextCursor).toBeNull();
    const all = await call('GET', `/v1/agents/${agent}/offers?status=all&limit=3`);
    expect(idsOf(all.json.items)).toEqual(offers.flatMap((p) => p.ids));
    expect(all.json['nextCursor']).toBeNull();
    const created = (all.json.items ?? []).map((o) => String(o['createdAt']));
    expect([...created].sort().reverse()).toEqual(created);
  });

  it('answers an identity lookup as one page whose nextCursor is null, and refuses a cursor', async () => {
    await call('POST', '/v1/inbound', { channel: 'webhook', externalId: 'lookup-1', from: { kind: 'email', value: 'lookup@example.com' }, text: 'hello' });
    const found = await call('GET', '/v1/customers?identity=email:lookup@example.com&limit=1');
    expect(found.status).toBe(200);
    expect(found.json.items).toHaveLength(1);
    expect(found.json['nextCursor']).toBeNull();
    const withCursor = await call('GET', '/v1/customers?identity=email:lookup@example.com&cursor=abc');
    expect(withCursor.status).toBe(422);
    expect((withCursor.json['errors'] as Record<string, unknown>[]).map((e) => e['field'])).toEqual(['cursor']);
  });
});
