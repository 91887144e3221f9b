import { INBOUND_LIMITS } from '@switchboard/core';
import { signWebhook } from '@switchboard/channel-webhook';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startHub } from './hub-fixture.js';

// POST /v1/inbound and the webhook channel's POST /plugins/webhook/inbound take one set of limits.

const INBOUND_SECRET = `whsec_${Buffer.from('inbound-limits-test-secret-32b!!').toString('base64')}`;
let hub: Awaited<ReturnType<typeof startHub>>;
let seq = 0;

beforeAll(async () => {
  hub = await startHub({ callbackUrl: 'http://127.0.0.1:9/unused', inboundSecret: INBOUND_SECRET });
}, 60_000);

afterAll(async () => {
  await hub?.stop();
});

type Message = Record<string, unknown> & { from: Record<string, unknown> };

const routes = {
  api: async (message: Message) => {
    const response = await hub.hub.fetch(
      new Request('http://hub.test/v1/inbound', {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'webhook', ...message }),
      }),
    );
    return { status: response.status, json: (await response.json()) as { errors?: { field: string }[] } };
  },
  webhook: async (message: Message) => {
    const body = JSON.stringify(message);
    const headers = signWebhook({ id: `msg_${(seq += 1)}`, timestamp: new Date(), body, secret: INBOUND_SECRET });
    const response = await hub.hub.fetch(new Request('http://hub.test/plugins/webhook/inbound', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body }));
    return { status: response.status, json: (await response.json()) as { errors?: { field: string }[] } };
  },
};

/** A string of exactly `length` characters that no other test uses (ids must be fresh). */
const exactly = (length: number) => `${(seq += 1)}-`.padEnd(length, 'x');
const base = (): Message => ({ externalId: exactly(20), from: { kind: 'email', value: 'limits@example.com' }, text: 'hello' });
const attachment = { name: 'a.txt', contentType: 'text/plain' };

// Each case: the field as problems name it, and a message with it at `length` characters (or items).
const cases: [field: string, (length: number) => Message, max: number][] = [
  ['externalId', (n) => ({ ...base(), externalId: exactly(n) }), INBOUND_LIMITS.externalId],
  ['threadRef', (n) => ({ ...base(), threadRef: exactly(n) }), INBOUND_LIMITS.threadRef],
  ['subject', (n) => ({ ...base(), subject: exactly(n) }), INBOUND_LIMITS.subject],
  ['text', (n) => ({ ...base(), text: exactly(n) }), INBOUND_LIMITS.text],
  ['html', (n) => ({ ...base(), html: exactly(n) }), INBOUND_LIMITS.html],
  ['from.name', (n) => ({ ...base(), from: { kind: 'email', value: 'limits@example.com', name: exactly(n) } }), INBOUND_LIMITS.fromName],
  ['attachments', (n) => ({ ...base(), attachments: Array.from({ length: n }, () => attachment) }), INBOUND_LIMITS.attachments],
  ['attachments.0.name', (n) => ({ ...base(), attachments: [{ ...attachment, name: exactly(n) }] }), INBOUND_LIMITS.attachmentName],
  ['attachments.0.contentType', (n) => ({ ...base(), attachments: [{ ...attachment, contentType: exactly(n) }] }), INBOUND_LIMITS.attachmentContentType],
];

describe.each(Object.entries(routes))('the inbound limits on the %s route', (_, send) => {
  it.each(cases)('accepts %s at its longest and refuses one more with 422 naming it', async (field, make, max) => {
    const longest = await send(make(max));
    expect(longest.status, JSON.stringify(longest.json)).toBe(202);
    const over = await send(make(max + 1));
    expect(over.status).toBe(422);
    expect(over.json.errors?.map((e) => e.field)).toEqual([field]);
  });

  it('refuses a from.value over the limit', async () => {
    const over = await send({ ...base(), from: { kind: 'email', value: `${'a'.repeat(INBOUND_LIMITS.fromValue)}@x.io` } });
    expect(over.status).toBe(422);
    expect(over.json.errors?.map((e) => e.field)).toEqual(['from.value']);
  });
});
