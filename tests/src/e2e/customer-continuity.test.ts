import { randomUUID } from 'node:crypto';
import { signWebhook } from '@switchboard/channel-webhook';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cleanup, newWebhookSecret, startFreshStack, type HubClient, type HubStack } from '../harness/index.js';
import { trackFailures } from '../harness/track-failures.js';

// Issue 7: one customer, one conversation across channels. Three instances of the webhook channel
// stand in for the email, web chat and SMS plugins, on PostgreSQL with api and worker processes.

const cleanup = new Cleanup();
const failures = trackFailures();
const CHANNELS = ['email', 'webchat', 'sms'] as const;
const secrets = Object.fromEntries(CHANNELS.map((c) => [c, newWebhookSecret()])) as Record<(typeof CHANNELS)[number], string>;
let stack: HubStack;
let hub: HubClient;

beforeAll(async () => {
  ({ stack } = await startFreshStack(cleanup, {
    keepFiles: () => failures.failed,
    env: Object.fromEntries(CHANNELS.map((c) => [`INBOUND_${c.toUpperCase()}`, secrets[c]])),
    config: {
      hub: { sweepIntervalMs: 1000, continuityWindowSeconds: 3600, identity: { defaultRegion: 'GB' } },
      plugins: CHANNELS.map((channel) => ({
        id: channel,
        use: '@switchboard/channel-webhook',
        config: { channel, inboundSecret: { env: `INBOUND_${channel.toUpperCase()}` } },
      })),
    },
  }));
  hub = stack.client;
}, 240_000);

afterAll(() => cleanup.run(), 120_000);

type Json = Record<string, unknown>;
/** A signed inbound webhook to the instance named for the channel, as that channel's system would send it. */
const write = async (channel: (typeof CHANNELS)[number], body: Json): Promise<Json> => {
  const raw = JSON.stringify({ externalId: `${channel}-${randomUUID()}`, ...body });
  const headers = signWebhook({ id: randomUUID(), timestamp: new Date(), body: raw, secret: secrets[channel] });
  const response = await hub.request('POST', `/plugins/${channel}/inbound`, undefined, { raw, headers: { ...headers } });
  expect(response.status, response.text).toBe(202);
  return response.body as Json;
};
const get = async (path: string): Promise<Json> => {
  const response = await hub.get(path);
  expect(response.status, response.text).toBe(200);
  return response.body as Json;
};

describe('one customer across email, web chat and phone', () => {
  it('Ann by email, then web chat giving her address, then her phone once an agent links it: one customer, one conversation, two hops', async () => {
    const address = `ann.${randomUUID().slice(0, 8)}@Example.com`;
    const byMail = await write('email', { from: { kind: 'email', value: address, name: 'Ann' }, subject: 'Order 1234', text: 'Where is my order?' });
    const byChat = await write('webchat', {
      from: { kind: 'webchat', value: `visitor-${randomUUID().slice(0, 8)}` },
      identities: [{ kind: 'email', value: address.toLowerCase() }],
      text: 'Following up on my email',
    });
    expect(byChat).toMatchObject({ customerId: byMail['customerId'], conversationId: byMail['conversationId'] });

    const phone = `07700 9${String(Date.now()).slice(-5)}`;
    const linked = await hub.post(`/v1/customers/${String(byMail['customerId'])}/identities`, { kind: 'phone', value: phone });
    expect(linked.status, linked.text).toBe(200);
    const bySms = await write('sms', { from: { kind: 'phone', value: `+44 ${phone.slice(1)}` }, text: 'Texting now' });
    expect(bySms).toMatchObject({ customerId: byMail['customerId'], conversationId: byMail['conversationId'] });

    const conversation = await get(`/v1/conversations/${String(byMail['conversationId'])}`);
    expect(conversation).toMatchObject({ channels: ['email', 'webchat', 'sms'], hops: 2, handoffs: 0 });
    const messages = (conversation['interactions'] as Json[]).filter((i) => i['type'] === 'message');
    expect(messages.map((m) => [m['channel'], m['hop']])).toEqual([
      ['email', null],
      ['webchat', { from: 'email', to: 'webchat' }],
      ['sms', { from: 'webchat', to: 'sms' }],
    ]);
    const timeline = await get(`/v1/customers/${String(byMail['customerId'])}/timeline`);
    expect((timeline['items'] as Json[]).map((i) => i['channel'])).toEqual(['sms', 'webchat', 'email']);
    const customer = await get(`/v1/customers/${String(byMail['customerId'])}`);
    expect((customer['identities'] as Json[]).map((i) => i['kind']).sort()).toEqual(['email', 'phone', 'webchat']);
    expect(await get(`/v1/conversations/${String(byMail['conversationId'])}/verify`)).toMatchObject({ ok: true, entries: 3 });
  });

  it('20 messages at once from one new identity: one customer, one conversation', async () => {
    const from = { kind: 'phone', value: `+4420794${String(Date.now()).slice(-5)}` };
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => hub.post('/v1/inbound', { channel: 'sms', externalId: `burst-${randomUUID()}`, from, text: `part ${i}` })));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 20 }, () => 202));
    const bodies = answers.map((a) => a.body as Json);
    expect(new Set(bodies.map((b) => b['customerId'])).size).toBe(1);
    expect(new Set(bodies.map((b) => b['conversationId'])).size).toBe(1);
    const found = await get(`/v1/customers?identity=${encodeURIComponent(`phone:${from.value}`)}`);
    expect((found['items'] as Json[]).map((c) => c['id'])).toEqual([bodies[0]!['customerId']]);
    expect(await get(`/v1/conversations/${String(bodies[0]!['conversationId'])}/verify`)).toMatchObject({ ok: true, entries: 20 });
  });

  it('a merge racing new messages for both customers: nothing lost, nothing left on the merged side', async () => {
    const [a, b] = ['a', 'b'].map((p) => ({ kind: 'email', value: `${p}.${randomUUID().slice(0, 8)}@example.com` }));
    const say = (from: { kind: string; value: string }) => hub.post('/v1/inbound', { channel: 'email', externalId: `race-${randomUUID()}`, from, text: 'racing' });
    const first = [await say(a!), await say(b!)].map((r) => r.body as Json);
    const [survivor, merged] = first.map((f) => String(f['customerId']));
    const [messages, merge] = await Promise.all([
      Promise.all(Array.from({ length: 20 }, (_, i) => say(i % 2 === 0 ? a! : b!))),
      hub.post(`/v1/customers/${survivor}/merge`, { from: merged }),
    ]);
    expect(merge.status, merge.text).toBe(200);
    expect(messages.map((m) => m.status)).toEqual(Array.from({ length: 20 }, () => 202));
    // Every message is in the ledger, in a conversation that now belongs to the survivor.
    for (const answer of messages.map((m) => m.body as Json)) {
      const conversation = await get(`/v1/conversations/${String(answer['conversationId'])}`);
      expect(conversation['customerId']).toBe(survivor);
      expect((conversation['interactions'] as Json[]).map((i) => i['id'])).toContain(answer['interactionId']);
      expect(await get(`/v1/conversations/${String(answer['conversationId'])}/verify`)).toMatchObject({ ok: true });
    }
    expect((await get(`/v1/conversations?customerId=${merged}`))['items']).toEqual([]);
    expect(await get(`/v1/customers/${merged}`)).toMatchObject({ mergedInto: survivor, identities: [] });
    const byB = await get(`/v1/customers?identity=${encodeURIComponent(`email:${b!.value}`)}`);
    expect((byB['items'] as Json[]).map((c) => c['id'])).toEqual([survivor]);
  });
});
