import { createHmac, timingSafeEqual } from 'node:crypto';

/** The three Standard Webhooks headers (https://www.standardwebhooks.com). */
export interface WebhookSignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export type WebhookVerificationFailure =
  | 'missing_headers'
  | 'invalid_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'no_matching_signature';

/** Why a request failed verification. The message never contains the secret or the expected signature. */
export class WebhookVerificationError extends Error {
  readonly reason: WebhookVerificationFailure;
  constructor(reason: WebhookVerificationFailure, message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
    this.reason = reason;
  }
}

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const SIGNATURE_VERSION = 'v1';

/** True when the secret is usable: `whsec_<base64>` or any non-empty raw string. */
export const isValidWebhookSecret = (secret: string): boolean =>
  secret.startsWith(SECRET_PREFIX) ? BASE64.test(secret.slice(SECRET_PREFIX.length)) : secret.length > 0;

const secretKey = (secret: string): Buffer => {
  if (!isValidWebhookSecret(secret)) {
    // Node's base64 decoder skips bad characters silently, which would sign with the wrong key.
    throw new Error(`webhook secret is malformed: expected '${SECRET_PREFIX}' followed by base64, or a raw string`);
  }
  return secret.startsWith(SECRET_PREFIX)
    ? Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64')
    : Buffer.from(secret, 'utf8');
};

const hmac = (key: Buffer, id: string, timestamp: string, body: string | Uint8Array): Buffer =>
  // The body goes in as bytes so what is signed is exactly what travels on the wire.
  createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();

const toUnixSeconds = (timestamp: number | Date): number =>
  Math.floor(timestamp instanceof Date ? timestamp.getTime() / 1000 : timestamp);

/** Signs a webhook body; `timestamp` is a Date or unix seconds. Returns the headers to send. */
export const signWebhook = (input: {
  id: string;
  timestamp: number | Date;
  body: string | Uint8Array;
  secret: string;
}): WebhookSignatureHeaders => {
  const timestamp = String(toUnixSeconds(input.timestamp));
  const signature = hmac(secretKey(input.secret), input.id, timestamp, input.body).toString('base64');
  return {
    'webhook-id': input.id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `${SIGNATURE_VERSION},${signature}`,
  };
};

export type WebhookHeaderInput = Headers | Record<string, string | readonly string[] | undefined>;

const header = (headers: WebhookHeaderInput, name: string): string | undefined => {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  const value = entry?.[1];
  return typeof value === 'string' ? value : value?.join(' ');
};

export interface VerifiedWebhook {
  id: string;
  /** Unix seconds. */
  timestamp: number;
}

/**
 * Verifies a Standard Webhooks signature over the raw body. Throws a WebhookVerificationError
 * when headers are missing, the timestamp is outside `toleranceSeconds` of `now`, or no `v1`
 * signature in the (space-separated) list matches.
 */
export const verifyWebhook = (input: {
  headers: WebhookHeaderInput;
  rawBody: string | Uint8Array;
  secret: string;
  toleranceSeconds?: number;
  now?: Date;
}): VerifiedWebhook => {
  const id = header(input.headers, 'webhook-id');
  const timestampText = header(input.headers, 'webhook-timestamp');
  const signatures = header(input.headers, 'webhook-signature');
  if (!id || !timestampText || !signatures) {
    throw new WebhookVerificationError(
      'missing_headers',
      'missing webhook-id, webhook-timestamp or webhook-signature header',
    );
  }
  if (!/^\d{1,12}$/.test(timestampText)) {
    throw new WebhookVerificationError('invalid_timestamp', 'webhook-timestamp must be unix seconds');
  }
  const timestamp = Number(timestampText);
  const tolerance = input.toleranceSeconds ?? 300;
  const now = toUnixSeconds(input.now ?? new Date());
  // Both directions: a far-future timestamp would otherwise stay replayable for a long time.
  if (timestamp < now - tolerance) {
    throw new WebhookVerificationError('timestamp_too_old', `webhook-timestamp is more than ${tolerance} s in the past`);
  }
  if (timestamp > now + tolerance) {
    throw new WebhookVerificationError('timestamp_too_new', `webhook-timestamp is more than ${tolerance} s in the future`);
  }

  const expected = hmac(secretKey(input.secret), id, timestampText, input.rawBody);
  const matched = signatures
    .split(' ')
    .filter((entry) => entry.length > 0)
    .some((entry) => {
      const comma = entry.indexOf(',');
      if (comma < 0 || entry.slice(0, comma) !== SIGNATURE_VERSION) return false;
      const candidate = Buffer.from(entry.slice(comma + 1), 'base64');
      // timingSafeEqual throws on unequal lengths; the length of an HMAC-SHA256 is no secret.
      return candidate.length === expected.length && timingSafeEqual(candidate, expected);
    });
  if (!matched) {
    throw new WebhookVerificationError('no_matching_signature', 'no webhook-signature matches the body and secret');
  }
  return { id, timestamp };
};
