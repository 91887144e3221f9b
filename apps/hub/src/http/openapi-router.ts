import { OpenAPIHono, type Hook } from '@hono/zod-openapi';
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

/** Refuses bodies over `maxBytes` (declared or streamed) with 413 problem+json. */
export const bodyLimitMiddleware = (maxBytes: number): MiddlewareHandler =>
  bodyLimit({ maxSize: maxBytes, onError: () => bodyTooLargeProblem(maxBytes) });
