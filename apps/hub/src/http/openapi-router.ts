import { OpenAPIHono, type Hook } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { HubEnv } from './hub-env.js';
import { validationProblem } from './problem.js';
import { hasBody, readLimitedBody } from './request-body.js';

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

/**
 * Refuses bodies over `maxBytes` (declared or streamed) with 413 problem+json, after draining the
 * rest so the sender, or a proxy piping its body on, reads the answer (see DRAIN_LIMITS).
 *
 * The body read here goes into Hono's body cache, from which `c.req.json()`/`text()` (and so the
 * validators) read it.
 */
export const bodyLimitMiddleware = (maxBytes: number): MiddlewareHandler<HubEnv> => async (c, next) => {
  if (!hasBody(c)) return next();
  const read = await readLimitedBody(c, maxBytes);
  if ('refusal' in read) return read.refusal;
  const { body } = read;
  // Hono keeps each body reading as a promise, by method name; its type says otherwise.
  const cache = c.req.bodyCache as Record<string, Promise<unknown>>;
  cache['arrayBuffer'] = Promise.resolve(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  cache['text'] = Promise.resolve(body.toString('utf8'));
  await next();
  return undefined;
};
