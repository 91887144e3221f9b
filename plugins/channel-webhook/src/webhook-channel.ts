import { STATUS_CODES } from 'node:http';
import { DeliveryError, silentLogger, systemClock } from '@switchboard/core';
import type { Channel, Clock, Health, Logger, OutboundMessage, SendResult } from '@switchboard/core';
import { signWebhook } from './webhook-signature.js';

export const WEBHOOK_USER_AGENT = 'Switchboard-Webhook/0.1';

export interface WebhookChannelOptions {
  /** The plugin instance id, named in errors. */
  instanceId: string;
  /** The channel name this instance serves. */
  channel: string;
  callbackUrl?: string | undefined;
  signingSecret?: string | undefined;
  timeoutMs: number;
  clock?: Clock;
  logger?: Logger;
}

/** The JSON body POSTed to the callback for each outbound message. */
export interface OutboundWebhookPayload extends OutboundMessage {
  type: 'message.outbound';
}

// Statuses that mean "try again later" even though they are 4xx.
const RETRYABLE_4XX = new Set([408, 425, 429]);
const SNIPPET_LENGTH = 200;

const statusLine = (status: number): string => {
  const phrase = STATUS_CODES[status];
  return phrase === undefined ? String(status) : `${status} ${phrase}`;
};

const snippet = (text: string): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length === 0) return '';
  return `: ${flat.length > SNIPPET_LENGTH ? `${flat.slice(0, SNIPPET_LENGTH)}…` : flat}`;
};

const describeFailure = (error: unknown): string => {
  if (error instanceof Error) {
    // undici reports network failures as TypeError('fetch failed') with the real reason in `cause`.
    const cause: unknown = error.cause;
    if (cause instanceof Error) {
      const code = 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined;
      return code === undefined ? cause.message : `${code} (${cause.message})`;
    }
    return error.message;
  }
  return String(error);
};

const providerIdOf = (text: string): string | undefined => {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && 'id' in parsed) {
      const id = parsed.id;
      if (typeof id === 'string' && id.length > 0) return id;
      if (typeof id === 'number') return String(id);
    }
  } catch {
    // A 2xx with a non-JSON body is still a delivery.
  }
  return undefined;
};

/** Delivers outbound messages by POSTing them, signed per Standard Webhooks, to a callback URL. */
export class WebhookChannel implements Channel {
  readonly channel: string;
  readonly #options: WebhookChannelOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;

  constructor(options: WebhookChannelOptions) {
    this.channel = options.channel;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
  }

  /** The callback's origin only: paths and query strings may carry tokens. */
  get #target(): string {
    const url = this.#options.callbackUrl;
    return url === undefined ? 'callback' : new URL(url).origin;
  }

  /**
   * An outbound message is known by the `webhook-id` it is signed with (the interaction id): the
   * receiving system answers with it as `threadRef`, and the answer joins the conversation.
   */
  outboundExternalId(message: { interactionId: string }): string {
    return message.interactionId;
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    const { callbackUrl, signingSecret, instanceId, timeoutMs } = this.#options;
    if (callbackUrl === undefined) {
      throw new DeliveryError(`channel instance '${instanceId}' has no callbackUrl configured`, { permanent: true });
    }
    if (signingSecret === undefined) {
      throw new DeliveryError(`channel instance '${instanceId}' has no signingSecret configured`, { permanent: true });
    }

    const payload: OutboundWebhookPayload = {
      type: 'message.outbound',
      interactionId: message.interactionId,
      conversationId: message.conversationId,
      customerId: message.customerId,
      channel: message.channel,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      attachments: message.attachments,
      inReplyTo: message.inReplyTo,
      threadRef: message.threadRef,
      agent: message.agent,
      attempt: message.attempt,
    };
    const body = JSON.stringify(payload);
    // webhook-id is the interaction id, stable across retries, so the receiver can dedupe.
    const signature = signWebhook({ id: message.interactionId, timestamp: this.#clock.now(), body, secret: signingSecret });

    let response: Response;
    try {
      response = await fetch(callbackUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': WEBHOOK_USER_AGENT, ...signature },
        body,
        // A redirect would resend the signed message to a host nobody configured.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      const reason = timedOut
        ? `POST to ${this.#target} timed out after ${timeoutMs} ms`
        : `POST to ${this.#target} failed: ${describeFailure(error)}`;
      this.#logger.warn({ instanceId, interactionId: message.interactionId, attempt: message.attempt }, reason);
      throw new DeliveryError(reason, { permanent: false, cause: error });
    }

    const text = await response.text().catch(() => '');
    const status = response.status;
    if (status >= 200 && status < 300) {
      const providerMessageId = providerIdOf(text);
      this.#logger.debug({ instanceId, interactionId: message.interactionId, status }, 'webhook delivered');
      return providerMessageId === undefined ? {} : { providerMessageId };
    }

    const reason = `callback answered ${statusLine(status)}${snippet(text)}`;
    const permanent = status < 500 && !RETRYABLE_4XX.has(status);
    this.#logger.warn({ instanceId, interactionId: message.interactionId, status, permanent }, reason);
    throw new DeliveryError(reason, { permanent });
  }

  /** Reachability of the callback: any HTTP answer means it is reachable; nothing is sent to it. */
  async testConnection(): Promise<Health> {
    const { callbackUrl, timeoutMs } = this.#options;
    if (callbackUrl === undefined) return { status: 'up', detail: 'no callbackUrl configured (inbound only)' };
    try {
      const response = await fetch(callbackUrl, {
        method: 'HEAD',
        headers: { 'user-agent': WEBHOOK_USER_AGENT },
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      const detail = `${this.#target} answered ${statusLine(response.status)}`;
      return { status: response.status >= 500 ? 'degraded' : 'up', detail };
    } catch (error) {
      return { status: 'down', detail: `${this.#target} is unreachable: ${describeFailure(error)}` };
    }
  }
}
