import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { DeliveryError, silentLogger } from '@switchboard/core';
import { anOutboundMessage, runChannelContract } from '@switchboard/core/testing';
import { describe, expect, it } from 'vitest';
import { EmailChannel } from '../email-channel.js';

const API_KEY = 'test-secret';

/** The provider on loopback: records the idempotency keys of the messages it accepts. */
const startProvider = async (answer: (request: IncomingMessage, response: ServerResponse) => void = (_request, response) => response.writeHead(202, { 'content-type': 'application/json' }).end('{"id":"m-1"}')) => {
  const received: string[] = [];
  const server = createServer((request, response) => {
    request.resume();
    if (request.headers.authorization !== `Bearer ${API_KEY}`) {
      response.writeHead(401).end();
      return;
    }
    if (request.method === 'POST' && request.url === '/messages') received.push(String(request.headers['idempotency-key']));
    answer(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the provider has no port');
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { url: `http://127.0.0.1:${address.port}`, received, close };
};

const channelTo = (baseUrl: string, apiKey = API_KEY) => new EmailChannel({ channel: 'email', baseUrl, apiKey, logger: silentLogger });

runChannelContract('EmailChannel to a loopback provider', async () => {
  const provider = await startProvider();
  return { channel: channelTo(provider.url), received: () => provider.received, dispose: provider.close };
});

describe('EmailChannel', () => {
  it('answers a refusal with a permanent DeliveryError', async () => {
    const provider = await startProvider((_request, response) => response.writeHead(422).end());
    try {
      const sent = channelTo(provider.url).send(anOutboundMessage('email'));
      await expect(sent).rejects.toBeInstanceOf(DeliveryError);
      await expect(sent).rejects.toMatchObject({ permanent: true });
    } finally {
      await provider.close();
    }
  });

  it('tests its connection with the apiKey', async () => {
    const provider = await startProvider();
    try {
      expect(await channelTo(provider.url).testConnection()).toMatchObject({ status: 'up' });
      expect(await channelTo(provider.url, 'wrong-key').testConnection()).toMatchObject({ status: 'down' });
    } finally {
      await provider.close();
    }
  });
});
