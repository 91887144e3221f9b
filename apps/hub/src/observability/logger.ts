import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { Logger } from '@switchboard/core';

export const REDACTED = '[redacted]';

const SENSITIVE_KEYS = ['password', 'secret', 'apiKey', 'key', 'token', 'authorization', 'cookie'];

// pino paths match exact keys at fixed depths ('*' is one level), so list the depths logs use.
export const REDACT_PATHS: readonly string[] = [
  ...SENSITIVE_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'request.headers.authorization',
  '*.headers.authorization',
  'headers["x-api-key"]',
  'req.headers["x-api-key"]',
];

// Key suffixes the fixed paths cannot express: signingSecret, clientSecret, dbPassword, accessToken…
const SENSITIVE_KEY_PATTERN = /(secret|password|passwd|token|apikey|authorization)$/i;
// scheme://user:password@host — keep the URL readable, drop the password.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]+@/gi;
const MAX_DEPTH = 8;

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/** Returns a copy with secret-looking fields and URL passwords censored; Errors and class instances pass through. */
export const scrubSecrets = (value: unknown, depth = 0): unknown => {
  if (typeof value === 'string') return value.includes('://') ? value.replace(URL_CREDENTIALS, `$1:${REDACTED}@`) : value;
  if (depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => scrubSecrets(item, depth + 1));
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] = SENSITIVE_KEY_PATTERN.test(key) && item !== undefined && item !== null ? REDACTED : scrubSecrets(item, depth + 1);
  }
  return copy;
};

export interface CreateLoggerOptions {
  level: string;
  /** Where lines go; stdout when omitted. Tests pass a stream to read them back. */
  destination?: DestinationStream;
  /** Bindings on every line (service, role…). */
  base?: Record<string, unknown>;
}

/** The hub's JSON logger, with secrets redacted by path and by key pattern. */
export const createLogger = (options: CreateLoggerOptions): PinoLogger => {
  const scrub = (fields: Record<string, unknown>): Record<string, unknown> => {
    const scrubbed = scrubSecrets(fields);
    return isPlainObject(scrubbed) ? scrubbed : fields;
  };
  const settings = {
    level: options.level,
    base: options.base ?? {},
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    formatters: {
      level: (label: string) => ({ level: label }),
      log: scrub,
      bindings: scrub,
    },
    // Error messages may carry a connection string: scrub the serialised error as well.
    serializers: {
      err: (error: unknown) => scrubSecrets(error instanceof Error ? { ...pino.stdSerializers.err(error) } : error),
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
};

/** Adapts pino to the core's Logger port. */
export const toCoreLogger = (logger: PinoLogger): Logger => ({
  debug: (fields, message) => logger.debug(fields, message),
  info: (fields, message) => logger.info(fields, message),
  warn: (fields, message) => logger.warn(fields, message),
  error: (fields, message) => logger.error(fields, message),
  child: (bindings) => toCoreLogger(logger.child(bindings)),
});
