import { createHmac, randomBytes } from 'node:crypto';

/** A new Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/**
 * The Standard Webhooks headers for one message: `webhook-id` (stable across retries),
 * `webhook-timestamp` (Unix seconds of this attempt) and `webhook-signature`, `v1,` + base64 of
 * HMAC-SHA256 over `id.timestamp.body`, keyed with the base64-decoded part of the secret.
 */
export const signWebhook = (input: { secret: string; id: string; timestamp: Date; body: string }): Record<string, string> => {
  const seconds = String(Math.floor(input.timestamp.getTime() / 1000));
  const key = Buffer.from(input.secret.startsWith('whsec_') ? input.secret.slice('whsec_'.length) : input.secret, 'base64');
  const signature = createHmac('sha256', key).update(`${input.id}.${seconds}.${input.body}`).digest('base64');
  return { 'webhook-id': input.id, 'webhook-timestamp': seconds, 'webhook-signature': `v1,${signature}` };
};
