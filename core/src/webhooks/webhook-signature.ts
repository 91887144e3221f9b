import { createHmac, randomBytes } from 'node:crypto';

/** A new Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/**
 * The Standard Webhooks headers for one message: `webhook-id` (stable across retries),
 * `webhook-timestamp` (Unix seconds of this attempt) and `webhook-signature`, `v1,` + base64 of
 * HMAC-SHA256 over `id.timestamp.body`, keyed with the base64-decoded part of the secret.
 */
export const signWebhook = (input: { secret: string; id: string; timestamp: Date; body: string; previousSecret?: string | null }): Record<string, string> => {
  const seconds = String(Math.floor(input.timestamp.getTime() / 1000));
  const sign = (secret: string): string => {
    const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
    return `v1,${createHmac('sha256', key).update(`${input.id}.${seconds}.${input.body}`).digest('base64')}`;
  };
  // During a rotation both signatures go, space-separated: a receiver with either secret verifies.
  const signatures = [input.secret, ...(input.previousSecret ? [input.previousSecret] : [])].map(sign);
  return { 'webhook-id': input.id, 'webhook-timestamp': seconds, 'webhook-signature': signatures.join(' ') };
};
