import { createRoute, z } from '@hono/zod-openapi';
import http from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyLimitMiddleware, createRouter } from '../openapi-router.js';
import { DRAIN_LIMITS } from '../request-body.js';
import { createErrorHandler, notFoundHandler } from '../problem.js';
import { readProblem } from './problem-body.js';
import { silentLogger } from '@switchboard/core';

const Body = z.object({
  channel: z.string().min(1),
  from: z.object({ kind: z.enum(['email', 'phone']), value: z.string().min(1) }),
  tags: z.array(z.string().max(5)).optional(),
});

const postRoute = createRoute({
  method: 'post',
  path: '/things',
  request: { body: { required: true, content: { 'application/json': { schema: Body } } } },
  responses: { 201: { description: 'Created', content: { 'application/json': { schema: Body } } } },
});

const listRoute = createRoute({
  method: 'get',
  path: '/things',
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(100).optional() }) },
  responses: { 200: { description: 'List', content: { 'application/json': { schema: z.object({ limit: z.number() }) } } } },
});

const makeApp = (maxBytes = 1024) => {
  const app = createRouter();
  app.onError(createErrorHandler(silentLogger));
  app.notFound(notFoundHandler);
  app.use('*', bodyLimitMiddleware(maxBytes));
  app.openapi(postRoute, (c) => c.json(c.req.valid('json'), 201));
  app.openapi(listRoute, (c) => c.json({ limit: c.req.valid('query').limit ?? 50 }, 200));
  return app;
};

const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  makeApp().request('/things', { method: 'POST', body, headers });

describe('createRouter: validation', () => {
  it('passes a valid body to the handler', async () => {
    const response = await post(JSON.stringify({ channel: 'webhook', from: { kind: 'email', value: 'ann@example.com' } }));
    expect(response.status).toBe(201);
  });

  it('answers 422 problem+json naming every invalid field', async () => {
    const response = await post(JSON.stringify({ channel: '', from: { kind: 'fax', value: 'x' }, tags: ['toolong'] }));
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const body = await readProblem(response);
    expect(body).toMatchObject({ type: 'about:blank', title: 'Unprocessable Content', status: 422, code: 'VALIDATION_FAILED' });
    expect(body.errors?.map((e) => e.field)).toEqual(['channel', 'from.kind', 'tags.0']);
    expect(body.detail).toBe('Invalid channel, from.kind, tags.0');
  });

  it('names the body itself when it is not an object', async () => {
    const response = await post('[1, 2]');
    expect(response.status).toBe(422);
    expect((await readProblem(response)).errors?.[0]?.field).toBe('body');
  });

  it('answers malformed JSON with 400 problem+json (hono/validator throws HTTPException 400)', async () => {
    const response = await post('{"channel": "webhook",');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'The request body is not valid JSON',
      code: 'MALFORMED_JSON',
      errors: [{ field: 'body', message: 'malformed JSON' }],
    });
  });

  it('answers a non-JSON content type with 415 problem+json', async () => {
    const response = await post('channel=x', { 'content-type': 'text/plain' });
    expect(response.status).toBe(415);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  it('names the query parameter at fault', async () => {
    const response = await makeApp().request('/things?limit=500');
    expect(response.status).toBe(422);
    expect((await readProblem(response)).errors).toEqual([{ field: 'limit', message: expect.any(String) }]);
  });

  it('records the route in the OpenAPI document', () => {
    const document = makeApp().getOpenAPIDocument({ openapi: '3.0.0', info: { title: 't', version: '1' } });
    expect(Object.keys(document.paths)).toEqual(['/things']);
  });
});

describe('bodyLimitMiddleware', () => {
  const big = JSON.stringify({ channel: 'x'.repeat(2000), from: { kind: 'email', value: 'a@b.c' } });

  it('answers 413 problem+json when Content-Length is over the limit', async () => {
    const response = await makeApp(1024).request('/things', {
      method: 'POST',
      body: big,
      headers: { 'content-type': 'application/json', 'content-length': String(big.length) },
    });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 413, code: 'BODY_TOO_LARGE', errors: [{ field: 'body' }] });
  });

  it('answers 413 when a streamed body without Content-Length grows over the limit', async () => {
    const bytes = new TextEncoder().encode(big);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < bytes.length; offset += 256) controller.enqueue(bytes.slice(offset, offset + 256));
        controller.close();
      },
    });
    const request = new Request('http://hub/things', {
      method: 'POST',
      body: stream,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    });
    const response = await makeApp(1024).request(request);
    expect(response.status).toBe(413);
  });

  it('lets a body under the limit through', async () => {
    const response = await makeApp(4096).request('/things', {
      method: 'POST',
      body: big,
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(201);
  });
});

describe('bodyLimitMiddleware on a Node server (the body read from the socket)', () => {
  let server: ServerType;
  let base: URL;

  beforeAll(async () => {
    const app = makeApp(1024);
    // The raw body as the handler sees it, for the test of a non-JSON read.
    app.post('/raw', async (c) => c.text(`${(await c.req.arrayBuffer()).byteLength}:${await c.req.text()}`));
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
        base = new URL(`http://127.0.0.1:${info.port}`);
        resolve();
      });
    });
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  /** One request on its own socket, body written in `chunks` (chunked when no content-length is given). */
  const send = (path: string, chunks: string[], headers: Record<string, string>) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }>((resolve, reject) => {
      const request = http.request(new URL(path, base), { method: 'POST', headers, agent: false }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
      });
      // The server may answer 413 and close before the whole body is written.
      request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
      for (const chunk of chunks) request.write(chunk);
      request.end();
    });

  const good = JSON.stringify({ channel: 'web', from: { kind: 'email', value: 'a@b.c' } });

  it('validates a body sent with Content-Length', async () => {
    const response = await send('/things', [good], { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(good)) });
    expect(response.status).toBe(201);
    expect(JSON.parse(response.text)).toEqual(JSON.parse(good));
  });

  it('validates a chunked body that arrives in pieces', async () => {
    const response = await send('/things', [good.slice(0, 10), good.slice(10, 30), good.slice(30)], { 'content-type': 'application/json' });
    expect(response.status).toBe(201);
  });

  it('hands the same bytes to arrayBuffer() and text(), multi-byte characters included', async () => {
    const body = 'grüße ☃';
    const response = await send('/raw', [body], { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(body)) });
    expect(response.text).toBe(`${Buffer.byteLength(body)}:${body}`);
  });

  it('answers malformed JSON with 400 and a schema break with 422', async () => {
    expect((await send('/things', ['{"channel":'], { 'content-type': 'application/json' })).status).toBe(400);
    expect((await send('/things', ['{"channel":""}'], { 'content-type': 'application/json' })).status).toBe(422);
  });

  it('answers 413 after draining a body declared over the limit, and keeps the connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const ports: number[] = [];
      const once = (body: string) =>
        new Promise<number>((resolve, reject) => {
          const request = http.request(new URL('/things', base), { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } }, (response) => {
            response.resume();
            response.on('end', () => resolve(response.statusCode ?? 0));
          });
          request.on('socket', (socket) => socket.once('connect', () => ports.push(socket.localPort ?? 0)));
          request.on('error', reject);
          request.end(body);
        });
      expect(await once('x'.repeat(2000))).toBe(413);
      expect(await once(good)).toBe(201);
      // One connection for both: the refused body was read to its end, so the next request could follow it.
      expect(ports).toHaveLength(1);
    } finally {
      agent.destroy();
    }
  });

  it('answers 413 at once and closes when the declared length is past what the hub drains', async () => {
    const declared = 1024 + DRAIN_LIMITS.bytes + 1;
    const response = await new Promise<{ status: number; connection: string | undefined; text: string }>((resolve, reject) => {
      const request = http.request(new URL('/things', base), { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': String(declared) } }, (r) => {
        let text = '';
        r.setEncoding('utf8');
        r.on('data', (chunk: string) => (text += chunk));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, connection: r.headers.connection, text }));
      });
      request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
      // A few bytes only: the answer must not wait for the rest.
      request.write('x'.repeat(100));
    });
    expect(response.status).toBe(413);
    expect(response.connection).toBe('close');
    expect(JSON.parse(response.text)).toMatchObject({ code: 'BODY_TOO_LARGE' });
  });

  it('answers 413 when a chunked body grows over the limit', async () => {
    const response = await send('/things', Array.from({ length: 8 }, () => 'x'.repeat(256)), { 'content-type': 'application/json' });
    expect(response.status).toBe(413);
  });

  it('still answers requests without a body', async () => {
    const response = await new Promise<number>((resolve, reject) => {
      http.get(new URL('/things?limit=7', base), { agent: false }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(response).toBe(200);
  });
});

describe('a router mounted under the hub app', () => {
  it('answers malformed JSON and invalid bodies as problems through the parent’s onError', async () => {
    const resource = createRouter().openapi(postRoute, (c) => c.json(c.req.valid('json'), 201));
    const app = createRouter();
    app.onError(createErrorHandler(silentLogger));
    app.route('/v1', resource);
    const send = (body: string) => app.request('/v1/things', { method: 'POST', body, headers: { 'content-type': 'application/json' } });

    const malformed = await send('not json');
    expect(malformed.status).toBe(400);
    expect((await readProblem(malformed)).code).toBe('MALFORMED_JSON');

    const invalid = await send('{}');
    expect(invalid.status).toBe(422);
    expect((await readProblem(invalid)).errors?.map((e) => e.field)).toEqual(['channel', 'from']);
  });
});
