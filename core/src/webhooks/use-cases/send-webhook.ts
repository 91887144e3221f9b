import type { Clock } from '../../shared/ports/clock.port.js';
import { SecretBox } from '../../shared/secret-box.js';
import { signWebhook } from '../webhook-signature.js';
import type { WebhookTransport } from '../ports/webhook-transport.port.js';
import type { WebhookSettings } from '../webhook-settings.js';

/** One message as Standard Webhooks puts it: `{type, timestamp, data}`, plus our event id and sequence number. */
export interface WebhookMessage {
  id: string;
  seq: number | null;
  type: string;
  timestamp: Date;
  data: Record<string, unknown>;
}

export interface SendOutcome {
  ok: boolean;
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
}

const ERROR_LENGTH = 300;

/** Signs and POSTs one message; never throws: a failure is an outcome with its reason. */
export const sendWebhook = async (
  deps: { transport: WebhookTransport; clock: Clock; settings: WebhookSettings; secrets?: SecretBox },
  target: { url: string; secret: string; previousSecret: string | null; previousSecretUntil: Date | null },
  message: WebhookMessage,
): Promise<SendOutcome> => {
  const body = JSON.stringify({ id: message.id, seq: message.seq, type: message.type, timestamp: message.timestamp.toISOString(), data: message.data });
  const secrets = deps.secrets ?? SecretBox.none;
  const previousSecret = target.previousSecretUntil !== null && target.previousSecretUntil > deps.clock.now() ? target.previousSecret : null;
  let signature: Record<string, string>;
  try {
    signature = signWebhook({
      secret: secrets.open(target.secret),
      previousSecret: previousSecret === null ? null : secrets.open(previousSecret),
      id: message.id,
      timestamp: deps.clock.now(),
      body,
    });
  } catch (error) {
    // A secret sealed under a key this hub lacks: an attempt that failed, with the reason (no secret in it).
    return { ok: false, httpStatus: null, error: (error instanceof Error ? error.message : String(error)).slice(0, ERROR_LENGTH), durationMs: 0 };
  }
  const headers = { 'content-type': 'application/json', 'user-agent': 'Switchboard-Webhooks/1.0', ...signature };
  const started = performance.now();
  try {
    const response = await deps.transport.post({ url: target.url, headers, body, timeoutMs: deps.settings.timeoutMs, allowPrivateNetworks: deps.settings.allowPrivateNetworks });
    const durationMs = Math.round(performance.now() - started);
    const ok = response.status >= 200 && response.status < 300;
    const excerpt = response.bodyExcerpt.trim();
    return { ok, httpStatus: response.status, error: ok ? null : `HTTP ${response.status}${excerpt ? `: ${excerpt}` : ''}`.slice(0, ERROR_LENGTH), durationMs };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, httpStatus: null, error: reason.slice(0, ERROR_LENGTH), durationMs: Math.round(performance.now() - started) };
  }
};
