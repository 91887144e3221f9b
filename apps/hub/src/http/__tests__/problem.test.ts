import { Writable } from 'node:stream';
import { DomainError, invalid, type Logger } from '@switchboard/core';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger, toCoreLogger } from '../../observability/logger.js';
import { createErrorHandler, notFoundHandler, problemResponse } from '../problem.js';
import { readProblem } from './problem-body.js';

const capture = () => {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')));
      done();
    },
  });
  const logger: Logger = toCoreLogger(createLogger({ level: 'info', destination }));
  return { lines, logger };
};

const appThrowing = (error: unknown, logger?: Logger) => {
  const app = new Hono();
  app.onError(createErrorHandler(logger));
  app.notFound(notFoundHandler);
  app.get('/boom', () => {
    throw error;
  });
  return app;
};

const call = async (error: unknown, logger?: Logger) => {
  const response = await appThrowing(error, logger).request('/boom');
  return { response, body: await response.clone().json() };
};

describe('problemResponse', () => {
  it('answers an RFC 9457 body with application/problem+json', async () => {
    const response = problemResponse(422, {
      title: 'Unprocessable Content',
      detail: 'Invalid from.value',
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'from.value', message: 'not an email address' }],
      instance: '/v1/inbound',
    });
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toEqual({
      type: 'about:blank',
      title: 'Unprocessable Content',
      status: 422,
      detail: 'Invalid from.value',
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'from.value', message: 'not an email address' }],
      instance: '/v1/inbound',
    });
  });

  it('leaves out members that are not given', async () => {
    const body = await problemResponse(404, { title: 'Not Found', detail: 'x', type: 'https://example.com/p' }).json();
    expect(body).toEqual({ type: 'https://example.com/p', title: 'Not Found', status: 404, detail: 'x' });
  });
});

describe('createErrorHandler', () => {
  it.each([
    ['invalid', 422],
    ['not_found', 404],
    ['conflict', 409],
    ['forbidden', 403],
    ['unauthorized', 401],
    ['unavailable', 503],
  ] as const)('maps DomainError kind %s to %i', async (kind, status) => {
    const { response, body } = await call(new DomainError(kind, 'TEST.CODE', 'Something about it'));
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(body).toMatchObject({ status, code: 'TEST.CODE', detail: 'Something about it' });
    expect(body).not.toHaveProperty('errors');
  });

  it('names the field of a DomainError', async () => {
    const { body } = await call(invalid('IDENTITY.INVALID_EMAIL', 'not an email address', 'from.value'));
    expect(body).toEqual({
      type: 'about:blank',
      title: 'Unprocessable Content',
      status: 422,
      detail: 'not an email address',
      code: 'IDENTITY.INVALID_EMAIL',
      errors: [{ field: 'from.value', message: 'not an email address' }],
    });
  });

  it('answers a zod error with 422 naming every field by its dotted path', async () => {
    const schema = z.object({ from: z.object({ kind: z.string() }), attachments: z.array(z.object({ name: z.string() })) });
    const parsed = schema.safeParse({ from: {}, attachments: [{}] });
    const { response } = await call(parsed.error);
    expect(response.status).toBe(422);
    const body = await readProblem(response);
    expect(body.errors?.map((e) => e.field)).toEqual(['from.kind', 'attachments.0.name']);
    expect(body.detail).toBe('Invalid from.kind, attachments.0.name');
  });

  it('keeps the status of an HTTPException', async () => {
    const { response, body } = await call(new HTTPException(415, { message: 'Unsupported Media Type' }));
    expect(response.status).toBe(415);
    expect(body).toEqual({ type: 'about:blank', title: 'Unsupported Media Type', status: 415, detail: 'Unsupported Media Type' });
  });

  it('answers hono’s malformed JSON exception with a 400 problem', async () => {
    const { response, body } = await call(new HTTPException(400, { message: 'Malformed JSON in request body' }));
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(body).toMatchObject({ status: 400, code: 'MALFORMED_JSON', errors: [{ field: 'body' }] });
  });

  it('answers anything else with a generic 500, logging the cause but never echoing it', async () => {
    const { lines, logger } = capture();
    const { response, body } = await call(new Error('connect to postgres://sb:hunter2@db failed'), logger);
    expect(response.status).toBe(500);
    expect(body).toEqual({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'An unexpected error occurred' });
    expect(JSON.stringify(body)).not.toContain('hunter2');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'error', msg: 'unhandled error', path: '/boom', method: 'GET' });
    expect(JSON.stringify(lines[0])).toContain('postgres://sb:[redacted]@db');
    expect(JSON.stringify(lines[0])).not.toContain('hunter2');
  });
});

describe('notFoundHandler', () => {
  it('answers 404 problem+json', async () => {
    const response = await appThrowing(new Error('unused')).request('/nowhere', { method: 'DELETE' });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'No route for DELETE /nowhere',
      code: 'ROUTE_NOT_FOUND',
    });
  });
});
