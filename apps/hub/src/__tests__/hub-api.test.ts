import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JobQueue } from '@switchboard/core';
import { startHub, startReceiver, waitFor } from './hub-fixture.js';

type Json = Record<string, unknown> & { items?: Record<string, unknown>[] };
let answer = 200;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let hub: Awaited<ReturnType<typeof startHub>>;
const call = (...args: Parameters<typeof hub.call>) => hub.call(...args);
let seq = 0;
const unique = (prefix: string) => `${prefix}-${Date.now()}-${(seq += 1)}`;

beforeAll(async () => {
  receiver = await startReceiver(() => answer);
  hub = await startHub({ callbackUrl: receiver.url });
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  await receiver?.close();
});

// Tests share the default queue: leave no open conversation and no available agent behind.
afterEach(async () => {
  answer = 200;
  let cursor: unknown = null;
  do {
    const page = await call('GET', `/v1/agents?limit=200${typeof cursor === 'string' ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    for (const agent of page.json.items ?? []) await call('PUT', `/v1/agents/${String(agent['id'])}/presence`, { status: 'offline' });
    cursor = page.json['nextCursor'];
  } while (typeof cursor === 'string');
  for (const status of ['queued', 'offered', 'assigned', 'waiting']) {
    for (const c of (await call('GET', `/v1/conversations?status=${status}&limit=200`)).json.items ?? []) {
      await call('POST', `/v1/conversations/${String(c['id'])}/resolve`, {});
    }
  }
});

const agent = async (name: string, body: Record<string, unknown> = {}) => {
  const created = await call('POST', '/v1/agents', { name, ...body });
  expect(created.status).toBe(201);
  const id = String(created.json['id']);
  expect((await call('PUT', `/v1/agents/${id}/presence`, { status: 'available' })).status).toBe(200);
  return id;
};

const inbound = async (from: string, extra: Record<string, unknown> = {}) => {
  const response = await call('POST', '/v1/inbound', { channel: 'webhook', externalId: unique('msg'), from: { kind: 'email', value: from }, text: 'hello', ...extra });
  expect(response.status).toBe(202);
  return response.json as { interactionId: string; customerId: string; conversationId: string; duplicate: boolean; externalId?: string };
};

const pendingOffers = async (agentId: string) => (await call('GET', `/v1/agents/${agentId}/offers`)).json.items ?? [];
const offerFor = (agentId: string, conversationId: string) =>
  waitFor(async () => (await pendingOffers(agentId)).find((o) => o['conversationId'] === conversationId), `an offer to ${agentId}`);
const conversation = async (id: string) => (await call('GET', `/v1/conversations/${id}`)).json as Json & { interactions: Json[] };

describe('the hub API, in process on the embedded store', () => {
  it('walks one message in and one reply out', async () => {
    const ada = await agent('Ada');
    const sent = await inbound('Ann@Example.com', { subject: 'Broken invoice', text: 'My invoice is wrong' });
    expect(sent.duplicate).toBe(false);

    const customer = await call('GET', `/v1/customers?identity=email:ANN@example.com`);
    expect(customer.json.items?.[0]?.['identities']).toEqual([{ kind: 'email', value: 'ann@example.com', verified: false }]);

    const offer = await offerFor(ada, sent.conversationId);
    expect((await call('POST', `/v1/offers/${String(offer['id'])}/accept`)).json['status']).toBe('accepted');
    expect((await conversation(sent.conversationId))['assignment']).toMatchObject({ agentId: ada });

    const reply = await call('POST', `/v1/conversations/${sent.conversationId}/replies`, { agentId: ada, text: 'Fixed, sorry!' });
    expect(reply.status).toBe(201);
    const delivered = await waitFor(async () => receiver.received.find((r) => r.id === reply.json['id']), 'the signed callback');
    expect(delivered.body).toMatchObject({ text: 'Fixed, sorry!', subject: 'Re: Broken invoice', to: { kind: 'email', value: 'ann@example.com' }, agent: { id: ada, name: 'Ada' } });
    await waitFor(async () => {
      const out = (await conversation(sent.conversationId)).interactions.find((i) => i['id'] === reply.json['id']);
      return (out?.['delivery'] as Json | undefined)?.['status'] === 'delivered';
    }, 'delivery status delivered');

    expect((await call('POST', `/v1/conversations/${sent.conversationId}/resolve`, '')).json['status']).toBe('resolved');
    const timeline = await call('GET', `/v1/customers/${sent.customerId}/timeline`);
    expect((timeline.json.items ?? []).map((i) => `${String(i['direction'])}:${String(i['type'])}`).reverse()).toEqual([
      'inbound:message',
      'internal:assignment',
      'outbound:message',
      'internal:status',
    ]);
    expect((await call('GET', `/v1/conversations/${sent.conversationId}/verify`)).json).toEqual({ ok: true, entries: 4 });
    expect(receiver.received.filter((r) => r.id === reply.json['id'])).toHaveLength(1);
  });

  it('records the same (channel, externalId) once', async () => {
    const body = { channel: 'webhook', externalId: unique('dup'), from: { kind: 'email', value: 'dup@example.com' }, text: 'once' };
    const answers = await Promise.all(Array.from({ length: 20 }, () => call('POST', '/v1/inbound', body)));
    expect(answers.every((a) => a.status === 202)).toBe(true);
    expect(answers.filter((a) => a.json['duplicate'] === false)).toHaveLength(1);
    expect(new Set(answers.map((a) => a.json['interactionId'])).size).toBe(1);
    const timeline = await call('GET', `/v1/customers/${String(answers[0]?.json['customerId'])}/timeline`);
    expect(timeline.json.items).toHaveLength(1);
  });

  it('offers a declined item to another agent, never straight back', async () => {
    const first = await agent('First');
    const sent = await inbound('decline@example.com');
    const second = await agent('Second');
    // longest-idle: the first agent became available earlier, so it is offered first
    const offer = await offerFor(first, sent.conversationId);
    expect((await call('POST', `/v1/offers/${String(offer['id'])}/decline`, { reason: 'busy' })).json['status']).toBe('declined');
    const next = await offerFor(second, sent.conversationId);
    expect(await pendingOffers(first)).toEqual([]);
    await call('POST', `/v1/offers/${String(next['id'])}/decline`, {});
    const explained = await waitFor(async () => {
      const routing = await call('GET', `/v1/conversations/${sent.conversationId}/routing`);
      return (routing.json['reasons'] as Json[]).length > 0 ? routing.json : null;
    }, 'a wait reason');
    expect((explained['reasons'] as Json[])[0]?.['code']).toBe('declined_by_all');
    expect((explained['decisions'] as Json[]).map((d) => d['outcome'])).toEqual(['offered', 'declined', 'offered', 'declined']);
  });

  it('keeps an agent within capacity and explains the wait', async () => {
    const small = await agent('Small', { capacity: { units: 20 } });
    const a = await inbound(`${unique('cap')}@example.com`);
    const b = await inbound(`${unique('cap')}@example.com`);
    const c = await inbound(`${unique('cap')}@example.com`);
    await waitFor(async () => (await pendingOffers(small)).length === 2, 'two offers');
    const offered = (await pendingOffers(small)).map((o) => o['conversationId']);
    const waiting = [a, b, c].find((m) => !offered.includes(m.conversationId));
    expect(waiting).toBeDefined();
    const routing = await waitFor(async () => {
      const r = await call('GET', `/v1/conversations/${String(waiting?.conversationId)}/routing`);
      return (r.json['reasons'] as Json[]).length > 0 ? r.json : null;
    }, 'all_at_capacity');
    expect((routing['reasons'] as Json[])[0]?.['code']).toBe('all_at_capacity');
    // Resolving one frees 10 units: the waiting item is offered next.
    await call('POST', `/v1/conversations/${String(offered[0])}/resolve`, {});
    await offerFor(small, String(waiting?.conversationId));
    expect(await pendingOffers(small)).toHaveLength(2);
  });

  it('joins a conversation by thread reference or continuity, and reopens a resolved one', async () => {
    const ann = `${unique('ann')}@example.com`;
    const first = await call('POST', '/v1/inbound', { channel: 'webhook', externalId: unique('t'), from: { kind: 'email', value: ann }, text: 'one' });
    const externalId = String((await conversation(String(first.json['conversationId']))).interactions[0]?.['externalId']);
    const again = await inbound(ann, { text: 'two' });
    expect(again.conversationId).toBe(first.json['conversationId']);
    const colleague = await inbound(`${unique('bob')}@example.com`, { threadRef: externalId, text: 'cc' });
    expect(colleague.conversationId).toBe(first.json['conversationId']);

    await call('POST', `/v1/conversations/${again.conversationId}/resolve`, {});
    const fresh = await inbound(ann, { text: 'new topic' });
    expect(fresh.conversationId).not.toBe(again.conversationId);
    const threaded = await inbound(ann, { text: 'about the old one', threadRef: externalId });
    expect(threaded.conversationId).toBe(again.conversationId);
    expect((await conversation(again.conversationId))['status']).toBe('queued');
  });

  it('threads by any reference of a References chain, and an answer to our reply by its external id', async () => {
    const ada = await agent('Threads');
    const ann = `${unique('chain')}@example.com`;
    const first = await inbound(ann, { text: 'first' });
    const firstId = String((await conversation(first.conversationId)).interactions[0]?.['externalId']);
    await call('POST', `/v1/conversations/${first.conversationId}/resolve`, {});
    // In-Reply-To names a message the hub never saw; an older reference in the chain is known.
    const deep = await inbound(`${unique('cc')}@example.com`, { threadRef: unique('unknown'), threadRefs: [unique('unknown'), firstId], text: 'deep' });
    expect(deep.conversationId).toBe(first.conversationId);

    const offer = await offerFor(ada, first.conversationId);
    await call('POST', `/v1/offers/${String(offer['id'])}/accept`);
    const reply = await call('POST', `/v1/conversations/${first.conversationId}/replies`, { agentId: ada, text: 'on it' });
    expect(reply.json['externalId']).toBe(reply.json['id']);
    const answer = await inbound(`${unique('other')}@example.com`, { threadRef: String(reply.json['id']), text: 'thanks' });
    expect(answer.conversationId).toBe(first.conversationId);
  });

  it('links the identities a message names when free, and records without routing on request', async () => {
    const phone = `+4420794${String(Date.now()).slice(-5)}`;
    const sent = await inbound(`${unique('ids')}@example.com`, { identities: [{ kind: 'phone', value: phone }] });
    const byPhone = await call('GET', `/v1/customers?identity=${encodeURIComponent(`phone:${phone}`)}`);
    expect(byPhone.json.items?.[0]?.['id']).toBe(sent.customerId);
    // Held by that customer now: a new sender naming it is that customer (rule shared-contact)…
    const other = await inbound(`${unique('ids')}@example.com`, { identities: [{ kind: 'phone', value: phone }] });
    expect(other.customerId).toBe(sent.customerId);
    // …and a known sender naming it does not take it: a merge suggestion, nothing moves.
    const knownAddress = `${unique('ids')}@example.com`;
    const known = await inbound(knownAddress);
    const naming = await inbound(knownAddress, { identities: [{ kind: 'phone', value: phone }] });
    expect(naming.customerId).toBe(known.customerId);
    const suggested = await call('GET', `/v1/customers/merge-suggestions?customerId=${known.customerId}`);
    expect(suggested.json.items).toEqual([expect.objectContaining({ customerId: known.customerId, otherCustomerId: sent.customerId, status: 'pending', identity: { kind: 'phone', value: phone } })]);
    expect((await call('GET', `/v1/customers?identity=${encodeURIComponent(`phone:${phone}`)}`)).json.items?.[0]?.['id']).toBe(sent.customerId);
    const bad = await call('POST', '/v1/inbound', { channel: 'webhook', externalId: unique('bad'), from: { kind: 'email', value: `${unique('b')}@example.com` }, text: 'x', identities: [{ kind: 'phone', value: 'nope' }] });
    expect(bad.status).toBe(422);
    expect(bad.json['errors']).toEqual([expect.objectContaining({ field: 'identities.0.value' })]);

    const recorded = await inbound(`${unique('import')}@example.com`, { routing: 'record', text: 'imported history' });
    const view = await conversation(recorded.conversationId);
    expect(view['status']).toBe('open');
    expect((await call('GET', `/v1/conversations/${recorded.conversationId}/routing`)).json['waiting']).toBeNull();
  });

  it('retries a failing callback, then delivers once', async () => {
    const ada = await agent('Retry');
    const sent = await inbound(`${unique('retry')}@example.com`);
    const offer = await offerFor(ada, sent.conversationId);
    await call('POST', `/v1/offers/${String(offer['id'])}/accept`);
    answer = 503;
    const reply = await call('POST', `/v1/conversations/${sent.conversationId}/replies`, { agentId: ada, text: 'eventually' });
    await waitFor(async () => {
      const out = (await conversation(sent.conversationId)).interactions.find((i) => i['id'] === reply.json['id']);
      return (out?.['delivery'] as Json | undefined)?.['status'] === 'retrying';
    }, 'a retrying delivery');
    answer = 200;
    await waitFor(async () => receiver.received.some((r) => r.id === reply.json['id']), 'the delivery after retry');
    // The receiver answers before the hub records the outcome: wait for the record, then count.
    const out = await waitFor(async () => {
      const i = (await conversation(sent.conversationId)).interactions.find((x) => x['id'] === reply.json['id']);
      return (i?.['delivery'] as Json | undefined)?.['status'] === 'retrying' ? null : i;
    }, 'the recorded outcome');
    expect(out['delivery']).toMatchObject({ status: 'delivered' });
    expect(receiver.received.filter((r) => r.id === reply.json['id'])).toHaveLength(1);
  });

  it('dead-letters a reply no channel plugin can deliver, with the reason', async () => {
    const ada = await agent('Dead');
    const sms = await call('POST', '/v1/inbound', { channel: 'sms', externalId: unique('sms'), from: { kind: 'phone', value: '+44 7700 900123' }, text: 'hi' });
    expect(sms.status).toBe(202);
    const conversationId = String(sms.json['conversationId']);
    const reply = await call('POST', `/v1/conversations/${conversationId}/replies`, { agentId: ada, text: 'hello' });
    const out = await waitFor(async () => {
      const i = (await conversation(conversationId)).interactions.find((x) => x['id'] === reply.json['id']);
      return (i?.['delivery'] as Json | undefined)?.['status'] === 'dead' ? i : null;
    }, 'a dead delivery');
    expect(out['delivery']).toMatchObject({ status: 'dead', reason: "no channel plugin serves 'sms'" });
  });

  it('takes offer timeouts from 1 to 86,400 seconds and aging rules; refuses others naming the field, creating nothing', async () => {
    for (const seconds of [1, 86_400]) expect((await call('POST', '/v1/queues', { name: unique('timeout'), offerTimeoutSeconds: seconds })).status).toBe(201);
    const name = unique('bad-timeout');
    for (const seconds of [0, 86_401]) {
      const bad = await call('POST', '/v1/queues', { name, offerTimeoutSeconds: seconds });
      expect(bad.status).toBe(422);
      expect(bad.json['errors']).toEqual([expect.objectContaining({ field: 'offerTimeoutSeconds' })]);
    }
    expect(((await call('GET', '/v1/queues?limit=200')).json.items ?? []).some((q) => q['name'] === name)).toBe(false);
    const aged = await call('POST', '/v1/queues', { name: unique('aged'), aging: { everySeconds: 60, maxBoost: 3 } });
    expect(aged.json).toMatchObject({ aging: { everySeconds: 60, maxBoost: 3 } });
  });

  it('transfers to a skilled queue and routes there', async () => {
    const queue = await call('POST', '/v1/queues', { name: unique('billing'), skills: { billing: 3 } });
    expect(queue.status).toBe(201);
    const sent = await inbound(`${unique('xfer')}@example.com`);
    const moved = await call('POST', `/v1/conversations/${sent.conversationId}/transfer`, { queueId: queue.json['id'] });
    expect(moved.json).toMatchObject({ status: 'queued', queueId: queue.json['id'], handoffs: 1, hops: 0 });
    const novice = await agent('Novice', { skills: { billing: 1 } });
    const routing = await waitFor(async () => {
      const r = await call('GET', `/v1/conversations/${sent.conversationId}/routing`);
      return (r.json['reasons'] as Json[]).length > 0 ? r.json : null;
    }, 'no_skilled_agent');
    expect((routing['reasons'] as Json[])[0]?.['code']).toBe('no_skilled_agent');
    expect(await pendingOffers(novice)).toEqual([]);
    const expert = await agent('Expert', { skills: { billing: 4 } });
    await offerFor(expert, sent.conversationId);

    // Straight to an agent: refused while the agent is away, offered to them once available.
    const direct = await inbound(`${unique('direct')}@example.com`);
    const named = await agent('Named');
    await call('PUT', `/v1/agents/${named}/presence`, { status: 'away' });
    const refused = await call('POST', `/v1/conversations/${direct.conversationId}/transfer`, { agentId: named });
    expect(refused.status).toBe(409);
    expect(refused.json['code']).toBe('TRANSFER.AGENT_UNAVAILABLE');
    await call('PUT', `/v1/agents/${named}/presence`, { status: 'available' });
    const moved2 = await call('POST', `/v1/conversations/${direct.conversationId}/transfer`, { agentId: named });
    expect(moved2.json).toMatchObject({ status: 'offered' });
    await offerFor(named, direct.conversationId);
  });

  it('expires an unanswered offer, sets the agent away and re-queues the item', async () => {
    const queues = (await call('GET', '/v1/queues')).json.items ?? [];
    const defaultQueue = queues.find((q) => q['name'] === 'default');
    await call('PATCH', `/v1/queues/${String(defaultQueue?.['id'])}`, { offerTimeoutSeconds: 5 });
    try {
      const sleepy = await agent('Sleepy');
      const sent = await inbound(`${unique('expire')}@example.com`);
      await offerFor(sleepy, sent.conversationId);
      const away = await waitFor(async () => {
        const a = await call('GET', `/v1/agents/${sleepy}`);
        return a.json['presence'] === 'away' ? a.json : null;
      }, 'the agent set away', 15_000);
      expect(away['presence']).toBe('away');
      const all = (await call('GET', `/v1/agents/${sleepy}/offers?status=all`)).json.items ?? [];
      expect(all.map((o) => o['status'])).toEqual(['expired']);
      expect((await conversation(sent.conversationId))['status']).toBe('queued');
    } finally {
      await call('PATCH', `/v1/queues/${String(defaultQueue?.['id'])}`, { offerTimeoutSeconds: 60 });
    }
  });
});

describe('bad input gets a problem and changes nothing', () => {
  const count = async () => (await call('GET', '/v1/conversations?limit=200')).json.items?.length ?? 0;
  const good = { channel: 'webhook', externalId: 'bad-1', from: { kind: 'email', value: 'bad@example.com' }, text: 'x' };

  it.each([
    ['malformed JSON', '{"channel": "webhook",', 400, undefined],
    ['a missing field', { ...good, text: undefined }, 422, 'text'],
    ['a wrong-typed field', { ...good, externalId: 42 }, 422, 'externalId'],
    ['an invalid email', { ...good, from: { kind: 'email', value: 'not-an-email' } }, 422, 'from.value'],
    ['an unknown identity kind', { ...good, from: { kind: 'fax', value: '123' } }, 422, 'from.kind'],
    ['a body over the limit', { ...good, text: 'x'.repeat(1024 * 1024 + 10) }, 413, undefined],
  ])('%s', async (_what, body, status, field) => {
    const before = await count();
    const response = await call('POST', '/v1/inbound', body);
    expect(response.status).toBe(status);
    expect(response.type).toContain('application/problem+json');
    expect(response.json['status']).toBe(status);
    expect(typeof response.json['detail']).toBe('string');
    if (field) expect((response.json['errors'] as Json[]).map((e) => e['field'])).toContain(field);
    expect(await count()).toBe(before);
    expect((await call('GET', '/v1/customers?identity=email:bad@example.com')).json.items).toEqual([]);
  });

  it('dead-letters a job whose payload breaks its schema, with the reason, without retrying', async () => {
    const queue = hub.hub.container.get<JobQueue>(JobQueue);
    const jobId = unique('poisoned');
    await queue.enqueue('routing.evaluate-queue', { queue: 'not the field it needs' }, { jobId, attempts: 5 });
    const failed = await waitFor(async () => (await queue.failed(50)).find((j) => j.id === jobId), 'the dead letter');
    expect(failed).toMatchObject({ name: 'routing.evaluate-queue', attempts: 1 });
    expect(failed.reason).toMatch(/^routing\.evaluate-queue: invalid payload: queueId: /);
  });

  it('answers 401 without a key and 403 without the scope', async () => {
    expect((await call('POST', '/v1/inbound', good, null)).status).toBe(401);
    const readKey = await call('POST', '/v1/api-keys', { name: 'reader', scopes: ['read'] });
    expect(readKey.status).toBe(201);
    const key = String(readKey.json['key']);
    const forbidden = await call('POST', '/v1/inbound', good, key);
    expect(forbidden.status).toBe(403);
    expect(forbidden.type).toContain('application/problem+json');
    expect((await call('GET', '/v1/queues', undefined, key)).status).toBe(200);
    expect(JSON.stringify((await call('GET', '/v1/api-keys')).json)).not.toContain(key);
  });

  it('lists the plugins with their name, version, kinds and health', async () => {
    const plugins = (await call('GET', '/v1/plugins')).json.items ?? [];
    expect(plugins.map((p) => [p['id'], p['name'], p['kinds'], (p['health'] as Json)['status']])).toEqual([
      ['queue', '@switchboard/queue-local', ['queue'], 'up'],
      ['store', '@switchboard/storage-postgres', ['storage'], 'up'],
      ['webhook', '@switchboard/channel-webhook', ['channel'], 'up'],
    ]);
    expect(plugins.every((p) => typeof p['version'] === 'string' && p['enabled'] === true)).toBe(true);
    // The webhook's signing secret is configured, and must not show anywhere in the answer.
    expect(JSON.stringify(plugins)).not.toContain('whsec_');
  });

  it('pages the plugins with cursor and limit', async () => {
    const first = await call('GET', '/v1/plugins?limit=2');
    expect(first.json.items?.map((p) => p['id'])).toEqual(['queue', 'store']);
    expect(first.json['nextCursor']).toEqual(expect.any(String));
    const second = await call('GET', `/v1/plugins?limit=2&cursor=${String(first.json['nextCursor'])}`);
    expect(second.json.items?.map((p) => p['id'])).toEqual(['webhook']);
    expect(second.json['nextCursor']).toBeNull();
    expect((await call('GET', '/v1/plugins?limit=3')).json['nextCursor']).toBeNull();

    const damaged = await call('GET', '/v1/plugins?cursor=not-a-cursor');
    expect(damaged.status).toBe(422);
    expect(damaged.json['errors']).toEqual([{ field: 'cursor', message: expect.any(String) }]);
    expect((await call('GET', '/v1/plugins?limit=0')).status).toBe(422);
  });

  it('takes cursor and limit on the identity lookup, which has one page at most', async () => {
    const sent = await inbound('paged@example.com');
    const found = await call('GET', '/v1/customers?identity=email:paged@example.com&limit=1');
    expect(found.json.items?.map((c) => c['id'])).toEqual([sent.customerId]);
    expect(found.json['nextCursor']).toBeNull();
    const foreign = await call('GET', '/v1/customers?identity=email:paged@example.com&cursor=WyJ4Il0');
    expect(foreign.status).toBe(422);
    expect(foreign.json['errors']).toEqual([{ field: 'cursor', message: expect.any(String) }]);
    expect((await call('GET', '/v1/customers?identity=email:paged@example.com&limit=0')).status).toBe(422);
  });

  it('serves the OpenAPI document and the docs without a key', async () => {
    const doc = await call('GET', '/openapi.json', undefined, null);
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.json['paths'] as Json)).toEqual(expect.arrayContaining(['/v1/inbound', '/v1/conversations/{id}/replies', '/v1/agents/{id}/offers']));
    const page = await hub.hub.fetch(new Request('http://hub.test/docs'));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger-ui-bundle.js');
  });
});
