import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeHttpWebhookTransport } from '../node-http-webhook-transport.js';

// The transport against a real loopback server: what it sends, what it reads back, and which
// addresses it refuses when private networks are off (in the URL, and after a DNS lookup).

let server: Server;
let port = 0;
const seen: { method: string; url: string; headers: Record<string, string | string[] | undefined>; body: string }[] = [];
const transport = new NodeHttpWebhookTransport();

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (req.url === '/slow') return void setTimeout(() => res.writeHead(200).end('late'), 1500);
      if (req.url === '/moved') return void res.writeHead(302, { location: '/elsewhere' }).end();
      if (req.url === '/big') return void res.writeHead(500).end('x'.repeat(200_000));
      res.writeHead(201, { 'content-type': 'text/plain' }).end('created it');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  port = address.port;
});

afterAll(async () => {
  transport.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const post = (url: string, allowPrivateNetworks = true, timeoutMs = 5000) =>
  transport.post({ url, headers: { 'content-type': 'application/json', 'webhook-id': 'evt-1' }, body: '{"a":1}', timeoutMs, allowPrivateNetworks });

describe('NodeHttpWebhookTransport', () => {
  it('POSTs the body with its headers and answers the status and the start of the body', async () => {
    const answer = await post(`http://127.0.0.1:${port}/hook?x=1`);
    expect(answer).toEqual({ status: 201, bodyExcerpt: 'created it' });
    const request = seen.at(-1);
    expect(request).toMatchObject({ method: 'POST', url: '/hook?x=1', body: '{"a":1}' });
    expect(request?.headers).toMatchObject({ 'content-type': 'application/json', 'webhook-id': 'evt-1', 'content-length': '7' });
  });

  it('does not follow redirects, and keeps only the start of a large answer', async () => {
    expect(await post(`http://127.0.0.1:${port}/moved`)).toEqual({ status: 302, bodyExcerpt: '' });
    expect(seen.some((r) => r.url === '/elsewhere')).toBe(false);
    const big = await post(`http://127.0.0.1:${port}/big`);
    expect(big.status).toBe(500);
    expect(big.bodyExcerpt).toBe('x'.repeat(200));
  });

  it('gives up after its timeout', async () => {
    await expect(post(`http://127.0.0.1:${port}/slow`, true, 300)).rejects.toThrow('no answer within 300 ms');
  });

  it('refuses private addresses when they are not allowed: in the URL, and behind a host name', async () => {
    const before = seen.length;
    await expect(post(`http://127.0.0.1:${port}/hook`, false)).rejects.toThrow(/refused: 127\.0\.0\.1 is a private address/);
    await expect(post(`http://[::1]:${port}/hook`, false)).rejects.toThrow(/refused: ::1 is a private address/);
    // `localhost` is looked up: the address it resolves to is what is refused.
    await expect(post(`http://localhost:${port}/hook`, false)).rejects.toThrow(/refused: localhost resolves to the private address/);
    expect(seen.length).toBe(before);
    // Allowed, the same name reaches the server.
    expect((await post(`http://localhost:${port}/hook`, true)).status).toBe(201);
  });

  it('reports a refused connection without a response', async () => {
    await expect(post('http://127.0.0.1:1/hook')).rejects.toThrow(/ECONNREFUSED/);
  });
});
