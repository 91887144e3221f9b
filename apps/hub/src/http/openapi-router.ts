import { OpenAPIHono, type Hook } from '@hono/zod-openapi';
import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { HubEnv } from './hub-env.js';
import { bodyTooLargeProblem, validationProblem } from './problem.js';

export type { HubEnv };

// What a failed request part is called when the issue is about the whole of it.
const TARGET_NAMES: Readonly<Record<string, string>> = {
  json: 'body',
  form: 'body',
  query: 'query',
  param: 'path',
  header: 'headers',
  cookie: 'cookies',
};

/**
 * Every validation failure of an OpenAPI route answers 422 problem+json naming the fields.
 * A body that is not JSON never reaches this hook: hono/validator throws HTTPException(400,
 * 'Malformed JSON in request body'), which the error handler answers as a 400 problem.
 */
export const validationHook: Hook<unknown, HubEnv, string, Response | undefined> = (result) => {
  if (result.success) return undefined;
  return validationProblem(result.error.issues, TARGET_NAMES[result.target] ?? result.target);
};

/** A router for one resource; mount it with `app.route()`. */
export const createRouter = () => new OpenAPIHono<HubEnv>({ defaultHook: validationHook });

/** The whole body of a Node request, or null once it passes `maxBytes` (the rest is left unread). */
const readBody = (incoming: IncomingMessage, maxBytes: number): Promise<Buffer | null> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        done();
        incoming.pause();
        resolve(null);
      } else {
        chunks.push(chunk);
      }
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    const onClose = () => {
      done();
      reject(new Error('the client closed the connection before the request body ended'));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });

/**
 * Refuses bodies over `maxBytes` (declared or streamed) with 413 problem+json.
 *
 * On Node the body is read straight from the socket's request stream and handed to Hono's body
 * cache, from which `c.req.json()`/`text()` (and so the validators) read it. Going through
 * `c.req.raw.body` instead would build a WHATWG Request and stream for every call, which
 * measured as a tenth of the API's CPU on the ingest path. Without Node bindings (`app.request()`
 * in tests) Hono's own body limit does the same job.
 */
export const bodyLimitMiddleware = (maxBytes: number): MiddlewareHandler<HubEnv> => {
  const portable = bodyLimit({ maxSize: maxBytes, onError: () => bodyTooLargeProblem(maxBytes) });
  return async (c, next) => {
    const incoming = c.env?.incoming;
    if (incoming === undefined || incoming.readableEnded) return portable(c, next);
    const declared = incoming.headers['content-length'];
    if (declared === undefined && incoming.headers['transfer-encoding'] === undefined) return next();
    if (declared !== undefined && Number(declared) > maxBytes) return bodyTooLargeProblem(maxBytes);
    const body = await readBody(incoming, maxBytes);
    if (body === null) return bodyTooLargeProblem(maxBytes);
    // Hono keeps each body reading as a promise, by method name; its type says otherwise.
    const cache = c.req.bodyCache as Record<string, Promise<unknown>>;
    cache['arrayBuffer'] = Promise.resolve(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
    cache['text'] = Promise.resolve(body.toString('utf8'));
    await next();
    return undefined;
  };
};
