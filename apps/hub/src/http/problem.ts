import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { isDomainError, type DomainErrorKind, type Logger } from '@switchboard/core';
import { createLogger, toCoreLogger } from '../observability/logger.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemFieldError {
  field: string;
  message?: string;
}

export interface ProblemInit {
  title: string;
  detail: string;
  type?: string;
  code?: string;
  errors?: ProblemFieldError[];
  instance?: string;
  /** Extension members (RFC 9457 §3.2), e.g. requestId. */
  extensions?: Record<string, unknown>;
}

/** The RFC 9457 body as sent. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code?: string;
  errors?: ProblemFieldError[];
  instance?: string;
  [extension: string]: unknown;
}

export const problemBody = (status: number, init: ProblemInit): ProblemDetails => {
  const body: ProblemDetails = { ...init.extensions, type: init.type ?? 'about:blank', title: init.title, status, detail: init.detail };
  if (init.code !== undefined) body.code = init.code;
  if (init.errors !== undefined) body.errors = init.errors;
  if (init.instance !== undefined) body.instance = init.instance;
  return body;
};

export const problemResponse = (status: number, init: ProblemInit, headers?: ConstructorParameters<typeof Headers>[0]): Response => {
  const response = new Response(JSON.stringify(problemBody(status, init)), { status, headers });
  response.headers.set('content-type', PROBLEM_CONTENT_TYPE);
  return response;
};

export const STATUS_TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};
export const titleFor = (status: number): string => STATUS_TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Request Error');

export const DOMAIN_ERROR_STATUS: Readonly<Record<DomainErrorKind, number>> = {
  invalid: 422,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  unauthorized: 401,
  unavailable: 503,
};

interface IssueLike {
  path: readonly PropertyKey[];
  message: string;
}

// Structural, so a ZodError from any copy of zod (a plugin's own) is recognised too.
export const isZodErrorLike = (error: unknown): error is Error & { issues: IssueLike[] } =>
  error instanceof Error && error.name === 'ZodError' && 'issues' in error && Array.isArray(error.issues);

/** `from.kind`, `attachments.0.url`; an issue about the whole input names `root`. */
export const issueField = (path: readonly PropertyKey[], root = 'body'): string =>
  path.length === 0 ? root : path.map((segment) => String(segment)).join('.');

export const validationProblem = (issues: readonly IssueLike[], root = 'body'): Response => {
  const errors = issues.map((issue) => ({ field: issueField(issue.path, root), message: issue.message }));
  const fields = [...new Set(errors.map((error) => error.field))];
  return problemResponse(422, {
    title: titleFor(422),
    detail: `Invalid ${fields.join(', ')}`,
    code: 'VALIDATION_FAILED',
    errors,
  });
};

export const malformedJsonProblem = (): Response =>
  problemResponse(400, {
    title: titleFor(400),
    detail: 'The request body is not valid JSON',
    code: 'MALFORMED_JSON',
    errors: [{ field: 'body', message: 'malformed JSON' }],
  });

/** 413; `close` when the rest of the body was left unread, so the connection cannot carry another request. */
export const bodyTooLargeProblem = (maxBytes: number, { close }: { close: boolean }): Response =>
  problemResponse(
    413,
    {
      title: titleFor(413),
      detail: `The request body exceeds the limit of ${maxBytes} bytes`,
      code: 'BODY_TOO_LARGE',
      errors: [{ field: 'body', message: `at most ${maxBytes} bytes` }],
    },
    close ? { connection: 'close' } : undefined,
  );

// hono/validator's wording for a body c.req.json() cannot parse.
const MALFORMED_JSON_MESSAGE = /malformed json/i;

const requestIdOf = (c: Context): string | undefined => {
  const fromContext: unknown = c.get('requestId');
  return typeof fromContext === 'string' ? fromContext : undefined;
};

// Made on first use only; the hub passes its own logger to createErrorHandler.
let fallbackLogger: Logger | undefined;
const defaultLogger = (): Logger => (fallbackLogger ??= toCoreLogger(createLogger({ level: 'error' })));

/**
 * The one place errors become HTTP answers (`app.onError(createErrorHandler(logger))`).
 * DomainError kinds map to statuses; anything unexpected is logged and answered with a generic 500.
 */
export const createErrorHandler =
  (logger?: Logger) =>
  (err: unknown, c: Context): Response => {
    if (isDomainError(err)) {
      const status = DOMAIN_ERROR_STATUS[err.kind];
      const init: ProblemInit = { title: titleFor(status), detail: err.message, code: err.code };
      if (err.field !== undefined) init.errors = [{ field: err.field, message: err.message }];
      return problemResponse(status, init);
    }
    if (isZodErrorLike(err)) return validationProblem(err.issues);
    if (err instanceof HTTPException) {
      if (err.status === 400 && MALFORMED_JSON_MESSAGE.test(err.message)) return malformedJsonProblem();
      // Keep headers such as WWW-Authenticate or Retry-After from a prepared response.
      const headers = err.res?.headers;
      const detail = err.message === '' ? titleFor(err.status) : err.message;
      const response = problemResponse(err.status, { title: titleFor(err.status), detail });
      headers?.forEach((value, name) => {
        if (name !== 'content-type' && name !== 'content-length') response.headers.set(name, value);
      });
      return response;
    }
    const requestId = requestIdOf(c);
    const log = logger ?? defaultLogger();
    log.error(
      { err, method: c.req.method, path: c.req.path, requestId },
      'unhandled error',
    );
    // Never echo internals: the request id lets an operator find the log line.
    return problemResponse(500, {
      title: titleFor(500),
      detail: 'An unexpected error occurred',
      ...(requestId === undefined ? {} : { extensions: { requestId } }),
    });
  };

/** `app.onError(handleError)` when no logger is at hand: logs with a default JSON logger. */
export const handleError = createErrorHandler();

export const notFoundHandler = (c: Context): Response =>
  problemResponse(404, { title: titleFor(404), detail: `No route for ${c.req.method} ${c.req.path}`, code: 'ROUTE_NOT_FOUND' });
