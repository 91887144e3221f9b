import { runChannelContract } from '@switchboard/core/testing';
import { WebhookChannel } from '../webhook-channel.js';
import { startReceiver } from './loopback-receiver.js';

const SECRET = `whsec_${Buffer.from('contract-test-key-0123456789abcd').toString('base64')}`;

runChannelContract('WebhookChannel to a loopback receiver', async () => {
  const receiver = await startReceiver((_request, response) => response.writeHead(200).end());
  const channel = new WebhookChannel({ instanceId: 'contract', channel: 'webhook', callbackUrl: receiver.url, signingSecret: SECRET, timeoutMs: 5000, clock: { now: () => new Date() } });
  return {
    channel,
    // webhook-id carries the interaction id (Standard Webhooks).
    received: () => receiver.requests.map((request) => String(request.headers['webhook-id'])),
    dispose: () => receiver.close(),
  };
});
