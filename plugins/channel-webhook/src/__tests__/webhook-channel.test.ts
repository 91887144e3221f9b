import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '@switchboard/core';
import type { OutboundMessage } from '@switchboard/core';
import { WebhookChannel } from '../webhook-channel.js';
import { verifyWebhook } from '../webhook-signature.js';
import { startReceiver, type LoopbackReceiver } from './loopback-receiver.js';

const SECRET = `whsec_${Buffer.from('outbound-test-key-0123456789abcd').toString('base64')}`;
const NOW = new Date('2025-03-01T12:00:00Z');

const message: OutboundMessage = {
  interactionId: 'int_01HZX',
  conversationId: 'conv_1',
  customerId: 'cust_1',
  channel: 'webhook',
  to: { kind: 'external', value: 'shop:42', name: 'Ann' },
  subject: 'Your order',
  text: 'It ships today.',
  html: '<p>It ships today.</p>',
  attachments: [{ name: 'invoice.pdf', contentType: 'application/pdf', size: 1200, url: 'https://files.example.com/i.pdf' }],
  inReplyTo: 'ext-7',
  threadRef: 'thread-7',
  agent: { id: 'agent_1', name: 'Bo' },
  attempt: 2,
};

const channelFor = (callbackUrl: string | undefined, timeoutMs = 2000) =>
  new WebhookChannel({ instanceId: 'shop-hook', channel: 'webhook', callbackUrl, signingSecret: SECRET, timeoutMs, clock: { now: () => NOW } });

const deliveryError = async (promise: Promise<unknown>): Promise<DeliveryError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DeliveryError)) throw new Error(`expected a DeliveryError, got ${String(error)}`);
  return error;
};

describe('WebhookChannel.send', () => {
  let receiver: LoopbackReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('POSTs the exact JSON with a signature the receiver can verify', async () => {
    receiver = await startReceiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'rcv-99' }));
    });

    const result = await channelFor(receiver.url).send(message);

    expect(result).toEqual({ providerMessageId: 'rcv-99' });
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    if (request === undefined) throw new Error('no request received');
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/hooks/switchboard?token=abc');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toBe('Switchboard-Webhook/0.1');
    expect(request.headers['webhook-id']).toBe('int_01HZX');
    expect(request.headers['webhook-timestamp']).toBe(String(NOW.getTime() / 1000));
    expect(JSON.parse(request.body)).toEqual({
      type: 'message.outbound',
      interactionId: 'int_01HZX',
      conversationId: 'conv_1',
      customerId: 'cust_1',
      channel: 'webhook',
      to: { kind: 'external', value: 'shop:42', name: 'Ann' },
      subject: 'Your order',
      text: 'It ships today.',
      html: '<p>It ships today.</p>',
      attachments: [{ name: 'invoice.pdf', contentType: 'application/pdf', size: 1200, url: 'https://files.example.com/i.pdf' }],
      inReplyTo: 'ext-7',
      threadRef: 'thread-7',
      agent: { id: 'agent_1', name: 'Bo' },
      attempt: 2,
    });
    expect(verifyWebhook({ headers: request.headers, rawBody: request.body, secret: SECRET, now: NOW })).toEqual({
      id: 'int_01HZX',
      timestamp: NOW.getTime() / 1000,
    });
  });

  it('resolves without a provider id when a 2xx body is not JSON', async () => {
    receiver = await startReceiver((_req, res) => res.writeHead(204).end());
    await expect(channelFor(receiver.url).send(message)).resolves.toEqual({});
  });

  it('treats a 500 as retryable', async () => {
    receiver = await startReceiver((_req, res) => res.writeHead(500).end('database down'));
    const error = await deliveryError(channelFor(receiver.url).send(message));
    expect(error.permanent).toBe(false);
    expect(error.message).toBe('callback answered 500 Internal Server Error: database down');
  });

  it.each([408, 425, 429, 503])('treats a %i as retryable', async (status) => {
    receiver = await startReceiver((_req, res) => res.writeHead(status).end());
    expect((await deliveryError(channelFor(receiver.url).send(message))).permanent).toBe(false);
  });

  it('treats a 410 as permanent', async () => {
    receiver = await startReceiver((_req, res) => res.writeHead(410).end());
    const error = await deliveryError(channelFor(receiver.url).send(message));
    expect(error.permanent).toBe(true);
    expect(error.message).toBe('callback answered 410 Gone');
  });

  it('does not follow redirects', async () => {
    receiver = await startReceiver((_req, res) => res.writeHead(307, { location: 'http://127.0.0.1:1/elsewhere' }).end());
    const error = await deliveryError(channelFor(receiver.url).send(message));
    expect(error.permanent).toBe(true);
    expect(receiver.requests).toHaveLength(1);
  });

  it('treats a timeout as retryable', async () => {
    receiver = await startReceiver(() => {
      // never answers
    });
    const error = await deliveryError(channelFor(receiver.url, 150).send(message));
    expect(error.permanent).toBe(false);
    expect(error.message).toMatch(/^POST to http:\/\/127\.0\.0\.1:\d+ timed out after 150 ms$/);
  });

  it('treats a refused connection as retryable, naming the cause', async () => {
    receiver = await startReceiver(() => {});
    const url = receiver.url;
    await receiver.close();
    receiver = undefined;
    const error = await deliveryError(channelFor(url).send(message));
    expect(error.permanent).toBe(false);
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('fails permanently without a callbackUrl', async () => {
    const error = await deliveryError(channelFor(undefined).send(message));
    expect(error.permanent).toBe(true);
    expect(error.message).toBe("channel instance 'shop-hook' has no callbackUrl configured");
  });

  it('never puts the secret, the path or the query in an error', async () => {
    receiver = await startReceiver((_req, res) => res.writeHead(400).end());
    const error = await deliveryError(channelFor(receiver.url).send(message));
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain('token=abc');
  });
});

describe('WebhookChannel.testConnection', () => {
  it('reports a reachable callback as up and an unreachable one as down', async () => {
    const receiver = await startReceiver((_req, res) => res.writeHead(405).end());
    try {
      await expect(channelFor(receiver.url).testConnection()).resolves.toMatchObject({ status: 'up' });
      expect(receiver.requests[0]?.method).toBe('HEAD');
    } finally {
      await receiver.close();
    }
    await expect(channelFor(receiver.url).testConnection()).resolves.toMatchObject({ status: 'down' });
  });
});
