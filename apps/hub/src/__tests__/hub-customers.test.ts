import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, startReceiver } from './hub-fixture.js';

// Links, merges, suggestions and reports through the API, on the embedded store, with a default phone region.
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let hub: Awaited<ReturnType<typeof startHub>>;
const call = (...args: Parameters<typeof hub.call>) => hub.call(...args);
let seq = 0;
const unique = (prefix: string) => `${prefix}-${Date.now()}-${(seq += 1)}`;

beforeAll(async () => {
  receiver = await startReceiver(() => 200);
  hub = await startHub({ callbackUrl: receiver.url, identity: { defaultRegion: 'GB', rules: ['exact', 'shared-contact'] } });
}, 120_000);

afterAll(async () => {
  await hub?.stop();
  await receiver?.close();
});

const inbound = async (channel: string, from: { kind: string; value: string }, extra: Record<string, unknown> = {}) => {
  const response = await call('POST', '/v1/inbound', { channel, externalId: unique('msg'), from, text: 'hello', routing: 'record', ...extra });
  expect(response.status).toBe(202);
  return response.json as { interactionId: string; customerId: string; conversationId: string };
};

describe('customers through the API', () => {
  it('links a national phone number, refuses bad and taken ones with a problem, unlinks', async () => {
    const ann = await inbound('webhook', { kind: 'email', value: `${unique('ann')}@example.com` });
    const bob = await inbound('webhook', { kind: 'email', value: `${unique('bob')}@example.com` });
    const number = `01632 96${String(Date.now()).slice(-4)}`;
    const e164 = `+441632${number.slice(-6).replace(' ', '')}`;
    const linked = await call('POST', `/v1/customers/${ann.customerId}/identities`, { kind: 'phone', value: number });
    expect(linked.status).toBe(200);
    expect(linked.json['identities']).toContainEqual({ kind: 'phone', value: e164, verified: true });
    expect((await call('GET', `/v1/customers?identity=${encodeURIComponent(`phone:${number}`)}`)).json.items).toEqual([expect.objectContaining({ id: ann.customerId })]);

    const bad = await call('POST', `/v1/customers/${ann.customerId}/identities`, { kind: 'phone', value: '12' });
    expect(bad).toMatchObject({ status: 422, json: { code: 'IDENTITY.INVALID_PHONE', errors: [expect.objectContaining({ field: 'value', message: expect.stringContaining('national form in GB') })] } });
    const taken = await call('POST', `/v1/customers/${bob.customerId}/identities`, { kind: 'phone', value: e164 });
    expect(taken).toMatchObject({ status: 409, json: { code: 'IDENTITY.TAKEN' } });
    expect((await call('DELETE', `/v1/customers/${bob.customerId}/identities/${encodeURIComponent(`phone:${e164}`)}`)).status).toBe(404);
    const unlinked = await call('DELETE', `/v1/customers/${ann.customerId}/identities/${encodeURIComponent(`phone:${e164}`)}`);
    expect(unlinked.status).toBe(200);
    expect((unlinked.json['identities'] as unknown[]).length).toBe(1);
  });

  it('sets the display name and attributes by merge patch, refuses bad changes with a problem and changes nothing', async () => {
    const ann = await inbound('webhook', { kind: 'email', value: `${unique('ann')}@example.com` });
    const path = `/v1/customers/${ann.customerId}`;
    const set = await call('PATCH', path, { displayName: 'Ann Lee', attributes: { tier: 'gold', seats: 40, beta: true, plan: 'pro' } });
    expect(set).toMatchObject({ status: 200, json: { id: ann.customerId, displayName: 'Ann Lee', attributes: { tier: 'gold', seats: 40, beta: true, plan: 'pro' } } });
    const changed = await call('PATCH', path, { attributes: { plan: null, tier: 'platinum' } });
    expect(changed.json['attributes']).toEqual({ tier: 'platinum', seats: 40, beta: true });
    const after = await call('GET', path);
    expect(after.json).toMatchObject({ displayName: 'Ann Lee', attributes: { tier: 'platinum', seats: 40, beta: true } });

    const refused = [
      [{ attributes: { 'bad key': 'x' } }, 422],
      [{ attributes: { nested: { a: 1 } } }, 422],
      [{ displayName: '' }, 422],
      [{}, 422],
      [{ attributes: { tier: 'x' }, mergedInto: 'someone' }, 422],
    ] as const;
    for (const [body, status] of refused) {
      const answer = await call('PATCH', path, body);
      expect(answer.status, JSON.stringify(body)).toBe(status);
      expect(answer.type).toContain('application/problem+json');
    }
    // 3 held + 62 new keys: one over the limit.
    const tooMany = await call('PATCH', path, { attributes: Object.fromEntries(Array.from({ length: 62 }, (_, i) => [`k${i}`, i])) });
    expect(tooMany).toMatchObject({ status: 422 });
    expect(tooMany.json).toMatchObject({ code: 'CUSTOMER.TOO_MANY_ATTRIBUTES', errors: [expect.objectContaining({ field: 'attributes' })] });
    expect((await call('GET', path)).json['attributes']).toEqual(after.json['attributes']);

    expect((await call('PATCH', `/v1/customers/00000000-0000-4000-8000-000000000000`, { displayName: 'Nobody' })).status).toBe(404);
    const bob = await inbound('webhook', { kind: 'email', value: `${unique('bob')}@example.com` });
    expect((await call('POST', `${path}/merge`, { from: bob.customerId })).status).toBe(200);
    expect(await call('PATCH', `/v1/customers/${bob.customerId}`, { displayName: 'Bob' })).toMatchObject({ status: 409, json: { code: 'CUSTOMER.MERGED' } });
  });

  it('merges with a dry run first, answers the merged customer with mergedInto, unmerges; suggestions accept and dismiss', async () => {
    const annAddress = `${unique('ann')}@example.com`;
    const ann = await inbound('email', { kind: 'email', value: annAddress });
    const chat = await inbound('webchat', { kind: 'webchat', value: unique('visitor') });
    const before = await call('GET', `/v1/customers/${chat.customerId}`);

    const preview = await call('POST', `/v1/customers/${ann.customerId}/merge?dryRun=true`, { from: chat.customerId });
    expect(preview).toMatchObject({ status: 200, json: { dryRun: true, mergeId: null, moved: { conversations: [chat.conversationId] } } });
    expect(await call('GET', `/v1/customers/${chat.customerId}`)).toEqual(before);

    const merged = await call('POST', `/v1/customers/${ann.customerId}/merge`, { from: chat.customerId });
    expect(merged).toMatchObject({ status: 200, json: { dryRun: false, merged: { id: chat.customerId, mergedInto: ann.customerId } } });
    expect((await call('GET', `/v1/customers/${chat.customerId}`)).json).toMatchObject({ id: chat.customerId, mergedInto: ann.customerId });
    expect((await call('GET', `/v1/conversations/${chat.conversationId}`)).json).toMatchObject({ customerId: ann.customerId });
    expect((await call('GET', `/v1/conversations/${chat.conversationId}/verify`)).json).toMatchObject({ ok: true, entries: 2 });
    expect((await call('POST', `/v1/customers/${ann.customerId}/merge`, { from: ann.customerId })).status).toBe(422);

    const undone = await call('POST', `/v1/customers/${ann.customerId}/unmerge`, { customerId: chat.customerId });
    expect(undone).toMatchObject({ status: 200, json: { restored: { id: chat.customerId, mergedInto: null }, moved: { conversations: [chat.conversationId] } } });
    expect((await call('POST', `/v1/customers/${ann.customerId}/unmerge`, { customerId: chat.customerId })).status).toBe(404);

    // A known sender naming the visitor's identity: a suggestion, accepted here.
    await inbound('email', { kind: 'email', value: annAddress }, { identities: [{ kind: 'webchat', value: String((before.json['identities'] as { value: string }[])[0]!.value) }] });
    const listed = await call('GET', `/v1/customers/merge-suggestions?status=pending&customerId=${ann.customerId}`);
    expect(listed.json.items).toEqual([expect.objectContaining({ customerId: ann.customerId, otherCustomerId: chat.customerId })]);
    const id = String(listed.json.items?.[0]?.['id']);
    const accepted = await call('POST', `/v1/customers/merge-suggestions/${id}/accept`, {});
    expect(accepted).toMatchObject({ status: 200, json: { suggestion: { status: 'accepted' }, merge: { merged: { mergedInto: ann.customerId } } } });
    expect((await call('POST', `/v1/customers/merge-suggestions/${id}/dismiss`, {})).status).toBe(409);
  });
});

describe('cross-channel reports', () => {
  it('counts each channel’s messages and the hops between channels in the window asked for', async () => {
    const ann = { kind: 'email', value: `${unique('ann')}@example.com` };
    const bob = { kind: 'email', value: `${unique('bob')}@example.com` };
    // Dated in a window of their own, so what other tests record does not count.
    const first = await inbound('email', ann, { occurredAt: '2019-05-01T09:00:00Z' });
    const again = await inbound('webchat', ann, { occurredAt: '2019-05-01T09:05:00Z' });
    expect(again.conversationId).toBe(first.conversationId);
    await inbound('webchat', bob, { occurredAt: '2019-05-01T10:00:00Z' });
    await inbound('email', bob, { occurredAt: '2019-05-03T10:00:00Z' });

    const report = await call('GET', '/v1/reports/channels?from=2019-05-01T00:00:00Z&to=2019-05-02T00:00:00Z');
    expect(report.status).toBe(200);
    expect(report.json).toEqual({
      from: '2019-05-01T00:00:00.000Z',
      to: '2019-05-02T00:00:00.000Z',
      channels: [
        { channel: 'email', inbound: 1, outbound: 0, conversations: 1, customers: 1, firstResponse: { answered: 0, medianSeconds: null } },
        { channel: 'webchat', inbound: 2, outbound: 0, conversations: 2, customers: 2, firstResponse: { answered: 0, medianSeconds: null } },
      ],
      hops: [{ from: 'email', to: 'webchat', count: 1 }],
      totals: { inbound: 3, outbound: 0, conversations: 2, crossChannelConversations: 1, hops: 1 },
    });

    for (const query of ['from=2019-05-02T00:00:00Z&to=2019-05-01T00:00:00Z', 'from=2010-01-01T00:00:00Z&to=2019-05-01T00:00:00Z', 'from=yesterday']) {
      const refused = await call('GET', `/v1/reports/channels?${query}`);
      expect(refused.status, query).toBe(422);
      expect(refused.type).toContain('application/problem+json');
    }
    expect((await call('GET', '/v1/reports/channels', undefined, null)).status).toBe(401);
  });
});
