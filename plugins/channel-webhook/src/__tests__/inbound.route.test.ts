import { beforeEach, describe, expect, it } from 'vitest';
import { DomainError, silentLogger } from '@switchboard/core';
import type { PluginHttpRequest, PluginHttpRoute } from '@switchboard/core';
import { createInboundRoute } from '../inbound.route.js';
import { signWebhook } from '../webhook-signature.js';
import { RecordingIngest } from './recording-ingest.js';

const SECRET = `whsec_${Buffer.from('inbound-test-key-0123456789abcde').toString('base64')}`;
const NOW = new Date('2025-03-01T12:00:00Z');

const validBody = {
  externalId: 'shop-msg-1',
  from: { kind: 'email', value: 'Ann@Example.com', name: 'Ann' },
  threadRef: 'order-42',
  subject: 'Where is my order?',
  text: 'Hello, order 42 has not arrived.',
  html: '<p>Hello</p>',
  occurredAt: '2025-03-01T11:59:00+01:00',
  attachments: [{ name: 'photo.jpg', contentType: 'image/jpeg', size: 2048, url: 'https://files.example.com/p.jpg' }],
};

const request = (body: string, headers: Record<string, string>): PluginHttpRequest => ({
  method: 'POST',
  path: '/inbound',
  headers: { 'content-type': 'application/json', ...headers },
  query: {},
  rawBody: new TextEncoder().encode(body),
});

const signed = (body: string, signedAt = NOW, secret = SECRET): PluginHttpRequest =>
  request(body, { ...signWebhook({ id: 'msg_1', timestamp: signedAt, body, secret }) });

describe('POST /inbound', () => {
  let ingest: RecordingIngest;
  let route: PluginHttpRoute;
  beforeEach(() => {
    ingest = new RecordingIngest();
    route = createInboundRoute({ instanceId: 'shop-hook', channel: 'shop', inboundSecret: SECRET, ingest, clock: { now: () => NOW }, logger: silentLogger });
  });

  it('declares POST /inbound with a 1 MiB body limit', () => {
    expect(route).toMatchObject({ method: 'POST', path: '/inbound', bodyLimit: 1024 * 1024 });
  });

  it('ingests a correctly signed message once and answers 202 with the ingest result', async () => {
    const response = await route.handle(signed(JSON.stringify(validBody)));

    expect(response).toEqual({
      status: 202,
      headers: { 'content-type': 'application/json' },
      body: { interactionId: 'int_1', customerId: 'cust_1', conversationId: 'conv_1', duplicate: false },
    });
    expect(ingest.received).toEqual([
      {
        channel: 'shop',
        externalId: 'shop-msg-1',
        from: { kind: 'email', value: 'ann@example.com', name: 'Ann' },
        threadRefs: ['order-42'],
        subject: 'Where is my order?',
        text: 'Hello, order 42 has not arrived.',
        html: '<p>Hello</p>',
        occurredAt: new Date('2025-03-01T10:59:00Z'),
        attachments: [{ name: 'photo.jpg', contentType: 'image/jpeg', size: 2048, url: 'https://files.example.com/p.jpg' }],
        sourcePlugin: 'shop-hook',
      },
    ]);
  });

  it('accepts a minimal message', async () => {
    const body = JSON.stringify({ externalId: 'm2', from: { kind: 'phone', value: '+44 20 7946 0958' }, text: 'hi' });
    expect((await route.handle(signed(body))).status).toBe(202);
    expect(ingest.received[0]).toMatchObject({ channel: 'shop', externalId: 'm2', from: { kind: 'phone', value: '+442079460958' }, text: 'hi' });
  });

  it.each([
    ['a wrong signature', () => signed(JSON.stringify(validBody), NOW, 'whsec_' + Buffer.from('someone else').toString('base64'))],
    ['missing signature headers', () => request(JSON.stringify(validBody), {})],
    ['a stale timestamp', () => signed(JSON.stringify(validBody), new Date(NOW.getTime() - 301_000))],
    ['a body changed after signing', () => ({ ...signed(JSON.stringify(validBody)), rawBody: new TextEncoder().encode(JSON.stringify({ ...validBody, text: 'x' })) })],
  ])('answers 401 to %s and ingests nothing', async (_case, make) => {
    const response = await route.handle(make());
    expect(response.status).toBe(401);
    expect(response.headers).toEqual({ 'content-type': 'application/problem+json' });
    expect(response.body).toMatchObject({ status: 401, title: 'Invalid webhook signature' });
    expect(ingest.received).toHaveLength(0);
  });

  it('answers 400 to malformed JSON', async () => {
    const response = await route.handle(signed('{"externalId": "m1",'));
    expect(response.status).toBe(400);
    expect(response.headers).toEqual({ 'content-type': 'application/problem+json' });
    expect(response.body).toMatchObject({ status: 400, title: 'Malformed JSON' });
    expect(ingest.received).toHaveLength(0);
  });

  it('answers 422 naming the field when text is missing', async () => {
    const { text: _text, ...withoutText } = validBody;
    const response = await route.handle(signed(JSON.stringify(withoutText)));
    expect(response.status).toBe(422);
    expect(response.headers).toEqual({ 'content-type': 'application/problem+json' });
    expect(response.body).toMatchObject({ status: 422, errors: [{ field: 'text' }] });
    expect(ingest.received).toHaveLength(0);
  });

  it('answers 422 naming from.value for an invalid email', async () => {
    const response = await route.handle(signed(JSON.stringify({ ...validBody, from: { kind: 'email', value: 'not-an-address' } })));
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ status: 422, errors: [{ field: 'from.value', message: expect.stringContaining("'not-an-address' is not a valid email address") }] });
    expect(ingest.received).toHaveLength(0);
  });

  it('answers 422 naming from.kind for an unknown identity kind', async () => {
    const response = await route.handle(signed(JSON.stringify({ ...validBody, from: { kind: 'fax', value: '123' } })));
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ errors: [{ field: 'from.kind' }] });
  });

  it('answers 422 when ingest refuses the message as invalid', async () => {
    ingest.failWith = new DomainError('invalid', 'LEDGER.TOO_LONG', 'text is too long', { field: 'text' });
    const response = await route.handle(signed(JSON.stringify(validBody)));
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ status: 422, errors: [{ field: 'text', message: 'text is too long' }] });
  });

  it('lets other ingest failures reach the hub', async () => {
    ingest.failWith = new DomainError('unavailable', 'STORE.DOWN', 'store unavailable');
    await expect(route.handle(signed(JSON.stringify(validBody)))).rejects.toThrow('store unavailable');
  });

  it('answers 404 when no inboundSecret is configured', async () => {
    const disabled = createInboundRoute({ instanceId: 'shop-hook', channel: 'shop', ingest });
    const response = await disabled.handle(signed(JSON.stringify(validBody)));
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ status: 404, title: 'inbound disabled' });
    expect(ingest.received).toHaveLength(0);
  });
});
