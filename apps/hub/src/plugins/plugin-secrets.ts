import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ConfigPathPattern, Logger } from '@switchboard/core';

export const REDACTED = '[redacted]';

type ConfigPath = readonly (string | number)[];
type SecretRef = { env: string } | { file: string };

/** A refusal while resolving: the field it concerns and a message that never holds a secret. */
export class SecretResolutionError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'SecretResolutionError';
  }
}

/** `config.mailboxes[1].password` */
export const formatConfigPath = (path: ConfigPath): string =>
  ['config', ...path].map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : `${i === 0 ? '' : '.'}${segment}`)).join('');

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const asSecretRef = (value: unknown): SecretRef | undefined => {
  if (!isRecord(value)) return undefined;
  if (Object.keys(value).length !== 1) return undefined;
  const env = value['env'];
  const file = value['file'];
  if (typeof env === 'string' && env !== '') return { env };
  if (typeof file === 'string' && file !== '') return { file };
  return undefined;
};

const matches = (pattern: ConfigPathPattern, path: ConfigPath): boolean =>
  pattern.length === path.length && pattern.every((segment, i) => segment === '*' || segment === String(path[i]));

const isSecretPath = (patterns: readonly ConfigPathPattern[], path: ConfigPath): boolean => path.length > 0 && patterns.some((p) => matches(p, path));

export interface ResolvedConfig {
  config: Record<string, unknown>;
  /** Every value given by reference: scrubbed from messages and log lines. */
  values: string[];
}

/**
 * Replaces `{ env: NAME }` / `{ file: PATH }` references anywhere in the configuration by their
 * values. Secret fields (`patterns`) must be given that way; other fields may be.
 */
export const resolveConfigSecrets = async (
  config: Record<string, unknown>,
  patterns: readonly ConfigPathPattern[],
  options: { env: NodeJS.ProcessEnv; resolveFrom: string },
): Promise<ResolvedConfig> => {
  const values: string[] = [];
  const walk = async (value: unknown, path: ConfigPath): Promise<unknown> => {
    const ref = asSecretRef(value);
    if (ref !== undefined) {
      const secret = await resolveRef(ref, path, options);
      values.push(secret);
      return secret;
    }
    if (isSecretPath(patterns, path) && value !== undefined && value !== null) {
      throw new SecretResolutionError(formatConfigPath(path), 'secrets are given by reference ({ env: NAME } or { file: PATH }), not inline');
    }
    if (Array.isArray(value)) return Promise.all(value.map((item: unknown, index) => walk(item, [...path, index])));
    if (isRecord(value)) {
      const copy: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) copy[key] = await walk(item, [...path, key]);
      return copy;
    }
    return value;
  };
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) resolved[key] = await walk(value, [key]);
  return { config: resolved, values };
};

const resolveRef = async (ref: SecretRef, path: ConfigPath, options: { env: NodeJS.ProcessEnv; resolveFrom: string }): Promise<string> => {
  if ('env' in ref) {
    const secret = options.env[ref.env];
    if (secret === undefined || secret === '') throw new SecretResolutionError(formatConfigPath(path), `environment variable ${ref.env} is not set`);
    return secret;
  }
  const file = resolve(options.resolveFrom, ref.file);
  try {
    // Secret files usually end with a newline that is not part of the secret.
    return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
  } catch (error) {
    const code = isRecord(error) && typeof error['code'] === 'string' ? error['code'] : 'unreadable';
    throw new SecretResolutionError(formatConfigPath(path), `cannot read secret file ${file} (${code})`);
  }
};

/** The configuration as written, with secret fields and every reference replaced by '[redacted]'. */
export const redactConfig = (config: Record<string, unknown>, patterns: readonly ConfigPathPattern[]): Record<string, unknown> => {
  const walk = (value: unknown, path: ConfigPath): unknown => {
    if (asSecretRef(value) !== undefined) return REDACTED;
    if (isSecretPath(patterns, path) && value !== undefined && value !== null) return REDACTED;
    if (Array.isArray(value)) return value.map((item: unknown, index) => walk(item, [...path, index]));
    if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, [...path, key])]));
    return value;
  };
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, walk(value, [key])]));
};

// Shorter values would blank out ordinary words; no real secret is that short.
const MIN_SCRUBBED_LENGTH = 4;

/** Replaces every occurrence of the given values in a text by '[redacted]'. */
export const makeRedactor = (values: readonly string[]): ((text: string) => string) => {
  const secrets = [...new Set(values.filter((v) => v.length >= MIN_SCRUBBED_LENGTH))].sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return (text) => text;
  return (text) => secrets.reduce((result, secret) => result.split(secret).join(REDACTED), text);
};

const scrubValue = (value: unknown, redact: (text: string) => string, depth = 0): unknown => {
  if (typeof value === 'string') return redact(value);
  if (depth > 8) return value;
  if (value instanceof Error) return redact(value.message);
  if (Array.isArray(value)) return value.map((item: unknown) => scrubValue(item, redact, depth + 1));
  if (isRecord(value) && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubValue(item, redact, depth + 1)]));
  }
  return value;
};

/** A logger that scrubs the plugin's secret values from messages and fields, whatever the plugin logs. */
export const redactingLogger = (logger: Logger, redact: (text: string) => string): Logger => {
  const fields = (given: Record<string, unknown>): Record<string, unknown> => {
    const scrubbed = scrubValue(given, redact);
    return isRecord(scrubbed) ? scrubbed : {};
  };
  return {
    debug: (given, message) => logger.debug(fields(given), redact(message)),
    info: (given, message) => logger.info(fields(given), redact(message)),
    warn: (given, message) => logger.warn(fields(given), redact(message)),
    error: (given, message) => logger.error(fields(given), redact(message)),
    child: (bindings) => redactingLogger(logger.child(fields(bindings)), redact),
  };
};

/** An Error safe to keep as a cause: the same name, message and stack with the secrets scrubbed. */
export const scrubbedError = (error: unknown, redact: (text: string) => string): Error => {
  const safe = new Error(redact(error instanceof Error ? error.message : String(error)));
  if (error instanceof Error) {
    safe.name = error.name;
    if (error.stack !== undefined) safe.stack = redact(error.stack);
  }
  return safe;
};
