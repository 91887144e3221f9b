import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, startReceiver, waitFor } from './hub-fixture.js';

// Broken object-level authorisation: a key bound to one agent must not act for another.
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

const createAgent = async (name: string) => {
  const created = await call('POST', '/v1/agents', { name });
  expect(created.status).toBe(201);
  return String(created.json['id']);
};
const presence = async (agentId: string) => (await call('GET', `/v1/agents/${agentId}`)).json['presence'];
const setPresence = async (agentId: string, status: string, key?: string) => call('PUT', `/v1/agents/${agentId}/presence`, { status }, key);
const inbound = async (from: string) => {
  const response = await call('POST', '/v1/inbound', { channel: 'webhook', externalId: unique('msg'), from: { kind: 'email', value: from }, subject: 'Help', text: 'hello' });
  expect(response.status).toBe(202);
  return String(response.json['conversationId']);
};
const pendingOffers = async (agentId: string) => (await call('GET', `/v1/agents/${agentId}/offers`)).json.items ?? [];
const offerFor = (agentId: string, conversationId: string) =>
  waitFor(async () => (await pendingOffers(agentId)).find((o) => o['conversationId'] === conversationId), `an offer to ${agentId}`);
const conversation = async (id: string) => (await call('GET', `/v1/conversations/${id}`)).json as Json & { interactions: Json[] };

describe('API keys bound to an agent', () => {
  let ada: string;
  let bob: string;
  let adaKey: string;

  beforeAll(async () => {
    ada = await createAgent('Ada');
    bob = await createAgent('Bob');
    const created = await call('POST', '/v1/api-keys', { name: 'ada desk', scopes: ['agent'], agentId: ada });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'ada desk', scopes: ['agent'], agentId: ada, revokedAt: null });
    adaKey = String(created.json['key']);
  });

  it('refuses to bind a key to an agent that does not exist, naming agentId', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const before = (await call('GET', '/v1/api-keys')).json.items?.length;
    const answer = await call('POST', '/v1/api-keys', { name: 'ghost', scopes: ['agent'], agentId: missing });
    expect(answer.status).toBe(422);
    expect(answer.type).toBe('application/problem+json');
    expect(answer.json).toMatchObject({ code: 'API_KEY.AGENT_NOT_FOUND', errors: [{ field: 'agentId' }] });
    expect(String(answer.json['detail'])).toContain(missing);
    expect((await call('GET', '/v1/api-keys')).json.items?.length).toBe(before);
    // admin acts for anyone: a key bound to one agent cannot hold it
    expect((await call('POST', '/v1/api-keys', { name: 'x', scopes: ['admin'], agentId: ada })).status).toBe(422);
  });

  it("refuses another agent's offers, presence and conversations, and changes nothing", async () => {
    expect((await setPresence(bob, 'available')).status).toBe(200);
    const conversationId = await inbound(`${unique('bola')}@example.com`);
    const offer = await offerFor(bob, conversationId);
    const offerId = String(offer['id']);

    const offersOfBob = await call('GET', `/v1/agents/${bob}/offers`, undefined, adaKey);
    expect(offersOfBob.status).toBe(403);
    expect(offersOfBob.type).toBe('application/problem+json');
    expect((await call('POST', `/v1/offers/${offerId}/accept`, undefined, adaKey)).status).toBe(403);
    expect((await call('POST', `/v1/offers/${offerId}/decline`, { reason: 'not mine' }, adaKey)).status).toBe(403);
    expect((await pendingOffers(bob)).map((o) => o['id'])).toEqual([offerId]);
    expect((await conversation(conversationId))['status']).toBe('offered');

    expect((await setPresence(bob, 'offline', adaKey)).status).toBe(403);
    expect(await presence(bob)).toBe('available');

    // Bob takes it (the admin key acts for anyone); Ada's key may not touch it.
    expect((await call('POST', `/v1/offers/${offerId}/accept`)).json['status']).toBe('accepted');
    const before = await conversation(conversationId);
    expect(before['assignment']).toMatchObject({ agentId: bob });
    const path = `/v1/conversations/${conversationId}`;
    const refused = [
      await call('POST', `${path}/replies`, { text: 'I am Ada' }, adaKey),
      await call('POST', `${path}/replies`, { agentId: bob, text: 'I am Bob, honestly' }, adaKey),
      await call('POST', `${path}/notes`, { text: 'sneaky note' }, adaKey),
      await call('POST', `${path}/resolve`, {}, adaKey),
      await call('POST', `${path}/transfer`, { agentId: ada }, adaKey),
    ];
    expect(refused.map((r) => r.status)).toEqual([403, 403, 403, 403, 403]);
    const after = await conversation(conversationId);
    expect(after.interactions.map((i) => i['id'])).toEqual(before.interactions.map((i) => i['id']));
    expect(after).toMatchObject({ status: 'assigned', assignment: { agentId: bob } });
    expect((await call('GET', `${path}/verify`)).json).toMatchObject({ ok: true, entries: before.interactions.length });
    expect(receiver.received.some((r) => r.body['text'] === 'I am Ada' || r.body['text'] === 'I am Bob, honestly')).toBe(false);

    expect((await call('POST', `${path}/resolve`, {})).json['status']).toBe('resolved');
    expect((await setPresence(bob, 'offline')).status).toBe(200);
  });

  it('lets the bound agent set its presence, read and accept its own offer, reply without naming itself and resolve', async () => {
    expect((await setPresence(ada, 'available', adaKey)).json['presence']).toBe('available');
    const conversationId = await inbound(`${unique('own')}@example.com`);
    const offer = await waitFor(async () => {
      const own = await call('GET', `/v1/agents/${ada}/offers`, undefined, adaKey);
      expect(own.status).toBe(200);
      return (own.json.items ?? []).find((o) => o['conversationId'] === conversationId);
    }, 'an offer to Ada');

    const accepted = await call('POST', `/v1/offers/${String(offer['id'])}/accept`, undefined, adaKey);
    expect(accepted).toMatchObject({ status: 200, json: { status: 'accepted', agentId: ada } });

    const reply = await call('POST', `/v1/conversations/${conversationId}/replies`, { text: 'Ada here' }, adaKey);
    expect(reply.status).toBe(201);
    expect(reply.json).toMatchObject({ direction: 'outbound', agentId: ada, text: 'Ada here' });
    await waitFor(async () => receiver.received.find((r) => r.id === reply.json['id']), 'the reply delivered');

    const resolved = await call('POST', `/v1/conversations/${conversationId}/resolve`, {}, adaKey);
    expect(resolved).toMatchObject({ status: 200, json: { status: 'resolved' } });
    expect((await setPresence(ada, 'offline', adaKey)).status).toBe(200);
  });

  it('lets a key with the agent scope but no binding act for any agent', async () => {
    const created = await call('POST', '/v1/api-keys', { name: 'desk bridge', scopes: ['agent'] });
    expect(created.json['agentId']).toBeNull();
    const bridge = String(created.json['key']);
    expect((await setPresence(bob, 'busy', bridge)).status).toBe(200);
    expect(await presence(bob)).toBe('busy');
    expect((await call('GET', `/v1/agents/${ada}/offers`, undefined, bridge)).status).toBe(200);
    await setPresence(bob, 'offline');
  });

  it('stops a revoked key', async () => {
    const created = await call('POST', '/v1/api-keys', { name: 'short lived', scopes: ['agent'], agentId: bob });
    const key = String(created.json['key']);
    expect((await call('GET', `/v1/agents/${bob}/offers`, undefined, key)).status).toBe(200);
    const revoked = await call('POST', `/v1/api-keys/${String(created.json['id'])}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.json['revokedAt']).not.toBeNull();
    // the middleware trusts a verified key for up to 5 s
    await waitFor(async () => (await call('GET', `/v1/agents/${bob}/offers`, undefined, key)).status === 401, 'the key refused', 8_000);
  });
});
