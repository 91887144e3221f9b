import { DeliveryError, type Channel, type Health, type Logger, type OutboundMessage, type SendResult } from '@switchboard/core';

export interface EmailChannelOptions {
  channel: string;
  baseUrl: string;
  apiKey: string;
  logger: Logger;
  timeoutMs?: number;
}

/**
 * The Channel port for Email channel: how the hub reaches a customer. It posts each message
 * to `<baseUrl>/messages` with the apiKey as a bearer token; adapt the path and the body to the
 * provider's API. A `DeliveryError` makes the hub retry, or dead-letter when `permanent`.
 */
export class EmailChannel implements Channel {
  readonly channel: string;
  readonly #options: EmailChannelOptions;

  constructor(options: EmailChannelOptions) {
    this.channel = options.channel;
    this.#options = options;
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    const response = await this.#call('messages', {
      method: 'POST',
      // The interaction id is stable across retries: the provider drops a repeat it has seen.
      headers: { 'content-type': 'application/json', 'idempotency-key': message.interactionId },
      body: JSON.stringify({ to: message.to.value, subject: message.subject, text: message.text, html: message.html, inReplyTo: message.inReplyTo }),
    });
    if (!response.ok) {
      // A 4xx other than a timeout or a rate limit will not pass on a retry either.
      const permanent = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
      throw new DeliveryError(`email answered ${response.status}`, { permanent });
    }
    const body: unknown = await response.json().catch(() => null);
    const id = typeof body === 'object' && body !== null && 'id' in body && typeof body.id === 'string' ? body.id : undefined;
    this.#options.logger.debug({ interactionId: message.interactionId, attempt: message.attempt }, 'message handed to email');
    return { providerMessageId: id };
  }

  /** Checks the apiKey against the provider without sending anything. */
  async testConnection(): Promise<Health> {
    try {
      const response = await this.#call('', { method: 'GET' });
      if (response.ok) return { status: 'up', detail: `reached ${this.#options.baseUrl}` };
      if (response.status === 401 || response.status === 403) return { status: 'down', detail: `${this.#options.baseUrl} refused the apiKey` };
      return { status: 'degraded', detail: `${this.#options.baseUrl} answered ${response.status}` };
    } catch (error) {
      return { status: 'down', detail: error instanceof Error ? error.message : String(error) };
    }
  }

  async #call(path: string, init: { method: string; headers?: Record<string, string>; body?: string }): Promise<Response> {
    const url = `${this.#options.baseUrl.replace(/\/+$/, '')}/${path}`;
    try {
      return await fetch(url, {
        ...init,
        headers: { ...init.headers, authorization: `Bearer ${this.#options.apiKey}` },
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new DeliveryError(`email unreachable at ${url}`, { cause: error });
    }
  }
}
