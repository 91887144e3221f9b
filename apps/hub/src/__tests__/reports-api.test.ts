import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, startReceiver } from './hub-fixture.js';

// GET /v1/reports/channels on the embedded store, over messages dated in a window of their own.
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let hub: Awaited<ReturnType<typeof startHub>>;
const call = (...args: Parameters<typeof hub.call>) => hub.call(...args);
let seq = 0;
const unique = (prefix: string) => `${prefix}-${Date.now()}-${(seq += 1)}`;

beforeAll(async () => {
  receiver = await startReceiver(() => 200);
  hub = await startHub({ callbackUrl: receiver.url });
}, 120_000);

afterAll(async () => {
  await hub?.stop();
  await receiver?.close();
});

const inbound = async (channel: string, email: string, occurredAt: string) => {
  const answer = await call('POST', '/v1/inbound', { channel, externalId: unique('msg'), from: { kind: 'email', value: email }, text: 'hello', occurredAt, routing: 'record' });
  expect(answer.status).toBe(202);
  return answer.json as { conversationId: string };
};

describe('cross-channel reports', () => {
  it('counts each channel’s messages and the hops between channels in the window asked for', async () => {
    const ann = `${unique('ann')}@example.com`;
    const bob = `${unique('bob')}@example.com`;
    const first = await inbound('email', ann, '2019-05-01T09:00:00Z');
    const again = await inbound('webchat', ann, '2019-05-01T09:05:00Z');
    expect(again.conversationId).toBe(first.conversationId);
    await inbound('webchat', bob, '2019-05-01T10:00:00Z');
    await inbound('email', bob, '2019-05-03T10:00:00Z');

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
