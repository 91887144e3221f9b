import { once } from 'node:events';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startHub } from './hub-fixture.js';

// A body over the limit, sent through a proxy that pipes the request on as it arrives (as a
// validating or TLS-terminating proxy does) and the answer back: the client must get the hub's 413.

const MiB = 1024 * 1024;
let hub: Awaited<ReturnType<typeof startHub>>;
let server: ServerType;
let proxy: Server;
let hubPort = 0;
let proxyPort = 0;

const portOf = (s: { address(): AddressInfo | string | null }) => (s.address() as AddressInfo).port;

beforeAll(async () => {
  hub = await startHub({ callbackUrl: 'http://127.0.0.1:9/unused' });
  server = serve({ fetch: hub.hub.fetch, port: 0, hostname: '127.0.0.1' });
  await once(server, 'listening');
  hubPort = portOf(server);
  proxy = createServer((incoming, outgoing) => {
    const upstream = request({ host: '127.0.0.1', port: hubPort, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    // What a proxy does when the hub resets the connection under it: 502, or drop the client.
    upstream.on('error', () => (outgoing.headersSent ? outgoing.destroy() : outgoing.writeHead(502).end()));
    incoming.pipe(upstream);
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  proxyPort = portOf(proxy);
}, 60_000);

afterAll(async () => {
  proxy?.close();
  server?.close();
  await hub?.stop();
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** POSTs `total` bytes in 64 KiB chunks, each written after the last one drained; rejects on any socket error. */
const send = (port: number, path: string, total: number, framing: 'content-length' | 'chunked') =>
  new Promise<Answer>((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` };
    if (framing === 'content-length') headers['content-length'] = String(total);
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    const writeMore = () => {
      while (sent < total) {
        const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
        sent += piece.length;
        if (!req.write(piece)) return void req.once('drain', writeMore);
      }
      req.end();
    };
    writeMore();
  });

const expectTooLarge = (answer: Answer) => {
  expect(answer.status).toBe(413);
  expect(answer.headers['content-type']).toBe('application/problem+json');
  expect(JSON.parse(answer.text)).toMatchObject({ status: 413, code: 'BODY_TOO_LARGE', errors: [{ field: 'body' }] });
};

describe.each([
  ['an API route', '/v1/inbound'],
  ['a plugin endpoint', '/plugins/webhook/inbound'],
])('a body over the limit on %s', (_, path) => {
  it.each(['content-length', 'chunked'] as const)('reaches a client behind a proxy as 413 (%s)', async (framing) => {
    expectTooLarge(await send(proxyPort, path, 4 * MiB, framing));
  });

  it.each(['content-length', 'chunked'] as const)('reaches a direct client as 413 (%s)', async (framing) => {
    expectTooLarge(await send(hubPort, path, 4 * MiB, framing));
  });
});
