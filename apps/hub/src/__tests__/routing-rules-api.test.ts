import { Store } from '@switchboard/core';
import { aCustomer, anIdentity } from '@switchboard/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, startReceiver, waitFor } from './hub-fixture.js';

type Json = Record<string, unknown> & { items?: Record<string, unknown>[] };
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let hub: Awaited<ReturnType<typeof startHub>>;
const call = (...args: Parameters<typeof hub.call>) => hub.call(...args);
let seq = 0;
const unique = (prefix: string) => `${prefix}-${Date.now()}-${(seq += 1)}`;

beforeAll(async () => {
  receiver = await startReceiver();
  hub = await startHub({ callbackUrl: receiver.url });
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  await receiver?.close();
});

const created = async (path: string, body: unknown): Promise<Json> => {
  const answer = await call('POST', path, body);
  expect(answer.status, JSON.stringify(answer.json)).toBe(201);
  return answer.json;
};
const ruleNames = async () => ((await call('GET', '/v1/routing-rules?limit=200')).json.items ?? []).map((r) => [r['position'], r['name']]);
const clearRules = async () => {
  for (const rule of (await call('GET', '/v1/routing-rules?limit=200')).json.items ?? []) expect((await call('DELETE', `/v1/routing-rules/${String(rule['id'])}`)).status).toBe(204);
};

describe('routing rules API', () => {
  it('creates, reads, lists in order, reorders by PATCH, disables and deletes rules', async () => {
    await clearRules();
    const queue = await created('/v1/queues', { name: unique('billing') });
    const a = await created('/v1/routing-rules', { name: 'A', match: { keywords: ['invoice'], channels: ['webhook'] }, actions: { queue: queue['name'], priority: 2, skills: { billing: 3, spanish: { level: 2, optional: true } } } });
    expect(a).toMatchObject({ position: 1, enabled: true, match: { keywords: ['invoice'], channels: ['webhook'] }, actions: { queueId: queue['id'], priority: 2, skills: { billing: 3, spanish: { level: 2, optional: true } } } });
    const b = await created('/v1/routing-rules', { name: 'B', match: { attributes: { tier: 'gold', region: { in: ['EU', 'UK'] } } } });
    const c = await created('/v1/routing-rules', { name: 'C', position: 1, match: { regex: { pattern: 'INV-\\d+', caseInsensitive: true }, field: 'subject' }, actions: { queueId: queue['id'] } });
    expect(await ruleNames()).toEqual([[1, 'C'], [2, 'A'], [3, 'B']]);
    expect((await call('GET', `/v1/routing-rules/${String(b['id'])}`)).json).toMatchObject({ name: 'B', position: 3, match: { attributes: { tier: 'gold', region: { in: ['EU', 'UK'] } } } });

    const moved = await call('PATCH', `/v1/routing-rules/${String(c['id'])}`, { position: 3 });
    expect(moved.status).toBe(200);
    expect(moved.json['position']).toBe(3);
    expect(await ruleNames()).toEqual([[1, 'A'], [2, 'B'], [3, 'C']]);
    const off = await call('PATCH', `/v1/routing-rules/${String(a['id'])}`, { enabled: false, name: 'A off' });
    expect(off.json).toMatchObject({ enabled: false, name: 'A off', position: 1, actions: { queueId: queue['id'], priority: 2 } });

    const page = await call('GET', '/v1/routing-rules?limit=2');
    expect(page.json.items?.map((r) => r['name'])).toEqual(['A off', 'B']);
    expect((await call('GET', `/v1/routing-rules?limit=2&cursor=${String(page.json['nextCursor'])}`)).json.items?.map((r) => r['name'])).toEqual(['C']);

    expect((await call('DELETE', `/v1/routing-rules/${String(b['id'])}`)).status).toBe(204);
    expect((await call('GET', `/v1/routing-rules/${String(b['id'])}`)).status).toBe(404);
    expect(await ruleNames()).toEqual([[1, 'A off'], [2, 'C']]);
    // The queue is named by a rule: it stays.
    expect((await call('DELETE', `/v1/queues/${String(queue['id'])}`)).status).toBe(409);
  });

  it('answers 422 naming the field for bad input, an unknown queue and a regex RE2 refuses, and changes nothing', async () => {
    await clearRules();
    const cases: [unknown, string][] = [
      [{ name: 'x', actions: { queue: 'no-such-queue' } }, 'actions.queue'],
      [{ name: 'x', actions: { queueId: '00000000-0000-4000-8000-000000000000' } }, 'actions.queueId'],
      [{ name: 'x', match: { regex: { pattern: '(a)\\1' } } }, 'match.regex.pattern'],
      [{ name: 'x', match: { regex: { pattern: '(?<=x)y' } } }, 'match.regex.pattern'],
      [{ name: 'x', match: { keywords: ['...'] } }, 'match.keywords.0'],
      [{ name: 'x', match: { identityKinds: ['fax'] } }, 'match.identityKinds.0'],
      [{ name: 'x', match: { attributes: { tier: { in: [] } } } }, 'match.attributes.tier'],
      [{ name: 'x', actions: { priority: -1 } }, 'actions.priority'],
      [{ name: 'x', actions: { skills: { vip: 6 } } }, 'actions.skills.vip'],
      [{ name: '' }, 'name'],
      [{ name: 'x', colour: 'red' }, 'body'],
    ];
    for (const [body, field] of cases) {
      const answer = await call('POST', '/v1/routing-rules', body);
      expect(answer.status, JSON.stringify(body)).toBe(422);
      expect(answer.type).toContain('application/problem+json');
      const fields = (answer.json['errors'] as { field: string }[]).map((e) => e.field);
      expect(fields.some((f) => f.startsWith(field)), `${JSON.stringify(body)} → ${fields.join(', ')}`).toBe(true);
    }
    expect((await call('GET', '/v1/routing-rules')).json.items).toEqual([]);
    const rule = await created('/v1/routing-rules', { name: 'ok' });
    expect((await call('PATCH', `/v1/routing-rules/${String(rule['id'])}`, { match: { regex: { pattern: '(x' } } })).status).toBe(422);
    expect((await call('GET', `/v1/routing-rules/${String(rule['id'])}`)).json['match']).toEqual({});
    expect((await call('PATCH', '/v1/routing-rules/00000000-0000-4000-8000-000000000000', { enabled: false })).status).toBe(404);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const document = (await call('GET', '/openapi.json', undefined, null)).json as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(document.paths['/v1/routing-rules'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(document.paths['/v1/routing-rules/{id}'] ?? {}).sort()).toEqual(['delete', 'get', 'patch']);
  });
});

describe('queue relaxation through the API', () => {
  it('stores steps (queues by name answered as ids) and answers 422 naming the field for steps out of order or an unknown queue', async () => {
    const tier2 = await created('/v1/queues', { name: unique('tier2'), skills: { general: 1 } });
    const queue = await created('/v1/queues', {
      name: unique('relaxing'),
      skills: { billing: 4 },
      optionalSkills: { spanish: 3 },
      relaxation: [{ afterSeconds: 60, dropOptionalSkills: true }, { afterSeconds: 120, lowerLevelsBy: 1 }, { afterSeconds: 300, alsoQueues: [tier2['name']] }],
    });
    expect(queue).toMatchObject({ optionalSkills: { spanish: 3 }, relaxation: [{ afterSeconds: 60 }, { afterSeconds: 120 }, { afterSeconds: 300, alsoQueues: [tier2['id']] }] });
    const cases: [unknown, string][] = [
      [[{ afterSeconds: 120, lowerLevelsBy: 1 }, { afterSeconds: 60, dropOptionalSkills: true }], 'relaxation.1.afterSeconds'],
      [[{ afterSeconds: 60, alsoQueues: ['no-such-queue'] }], 'relaxation.0.alsoQueues.0'],
      [[{ afterSeconds: 60 }], 'relaxation.0'],
      [[{ afterSeconds: 0, dropOptionalSkills: true }], 'relaxation.0.afterSeconds'],
    ];
    for (const [relaxation, field] of cases) {
      const answer = await call('PATCH', `/v1/queues/${String(queue['id'])}`, { relaxation });
      expect(answer.status, JSON.stringify(relaxation)).toBe(422);
      expect((answer.json['errors'] as { field: string }[]).map((e) => e.field)).toEqual([field]);
    }
    expect((await call('GET', `/v1/queues/${String(queue['id'])}`)).json['relaxation']).toEqual(queue['relaxation']);
  });
});

describe('a gold-tier customer routed by a rule (end to end)', () => {
  it('goes to the rule’s queue with priority 1 and the added skill, and is offered ahead of older items', async () => {
    await clearRules();
    const queue = await created('/v1/queues', { name: unique('support'), cost: 10 });
    const gold = await created('/v1/routing-rules', { name: 'Gold', match: { attributes: { tier: 'gold' } }, actions: { queue: queue['name'], priority: 1, skills: { vip: 2 } } });
    await created('/v1/routing-rules', { name: 'Everyone else', match: { channels: ['webhook'] }, actions: { queue: queue['id'] } });

    // The tier comes from elsewhere (a CRM sync, an import): the customer is known with it.
    const customer = aCustomer({ attributes: { tier: 'gold' } });
    const goldAddress = `${unique('gold')}@example.com`;
    const store = hub.hub.container.get<Store>(Store);
    await store.transaction(async (s) => {
      await s.customers.insert(customer);
      await s.identities.insertMany([anIdentity({ customerId: customer.id, kind: 'email', value: goldAddress })]);
    });

    const send = async (from: string) => {
      const answer = await call('POST', '/v1/inbound', { channel: 'webhook', externalId: unique('msg'), from: { kind: 'email', value: from }, text: 'hello' });
      expect(answer.status).toBe(202);
      return String(answer.json['conversationId']);
    };
    const older = [await send(`${unique('a')}@example.com`), await send(`${unique('b')}@example.com`)];
    const vip = await send(goldAddress);

    const conversation = (await call('GET', `/v1/conversations/${vip}`)).json;
    expect(conversation).toMatchObject({ queueId: queue['id'], priority: 1, customerId: customer.id });
    const explained = (await call('GET', `/v1/conversations/${vip}/routing`)).json;
    expect(explained['waiting']).toMatchObject({ queueId: queue['id'], priority: 1, skills: { vip: 2 } });
    const decisions = explained['decisions'] as Record<string, unknown>[];
    expect(decisions).toEqual([expect.objectContaining({ outcome: 'queued', rule: `routing-rule:${String(gold['id'])}` })]);
    expect(String(decisions[0]?.['detail'])).toContain("routing rule 'Gold' (#1) matched");
    for (const id of older) expect((await call('GET', `/v1/conversations/${id}`)).json).toMatchObject({ queueId: queue['id'], priority: 0 });

    // One agent with room for one item and the skill: the gold conversation is offered first.
    const agent = await created('/v1/agents', { name: unique('Vic'), skills: { vip: 3 }, capacity: { units: 10 } });
    expect((await call('PUT', `/v1/agents/${String(agent['id'])}/presence`, { status: 'available' })).status).toBe(200);
    const offers = await waitFor(async () => {
      const items = (await call('GET', `/v1/agents/${String(agent['id'])}/offers`)).json.items ?? [];
      return items.length > 0 ? items : null;
    }, 'an offer');
    expect(offers.map((o) => o['conversationId'])).toEqual([vip]);
  });
});

describe('a tier set through PATCH /v1/customers/{id}', () => {
  it('is what the next routing decision matches', async () => {
    await clearRules();
    const queue = await created('/v1/queues', { name: unique('gold-desk') });
    await created('/v1/routing-rules', { name: 'Gold', match: { attributes: { tier: 'gold' } }, actions: { queue: queue['id'], priority: 1 } });
    const address = `${unique('gwen')}@example.com`;
    // Recorded without routing first: the conversation stays open, unqueued, until the next message.
    const first = await call('POST', '/v1/inbound', { channel: 'webhook', externalId: unique('msg'), from: { kind: 'email', value: address }, text: 'hello', routing: 'record' });
    expect(first.status).toBe(202);
    const customerId = String(first.json['customerId']);

    const patched = await call('PATCH', `/v1/customers/${customerId}`, { attributes: { tier: 'gold' } });
    expect(patched).toMatchObject({ status: 200, json: { id: customerId, attributes: { tier: 'gold' } } });

    const second = await call('POST', '/v1/inbound', { channel: 'webhook', externalId: unique('msg'), from: { kind: 'email', value: address }, text: 'still there?' });
    expect(second.json['conversationId']).toBe(first.json['conversationId']);
    expect((await call('GET', `/v1/conversations/${String(second.json['conversationId'])}`)).json).toMatchObject({ status: 'queued', queueId: queue['id'], priority: 1 });
  });
});
