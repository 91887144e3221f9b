/** What the receiver answered. */
export interface WebhookResponse {
  status: number;
  /** The start of the answer's body, for the attempt record. */
  bodyExcerpt: string;
}

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Whether the URL may resolve to a loopback, private or link-local address. */
  allowPrivateNetworks: boolean;
}

/**
 * Sends one webhook POST. Resolves with any HTTP answer (2xx or not, redirects not followed);
 * rejects with a short, secret-free message when no answer came (refused address, DNS, connect,
 * timeout).
 */
export interface WebhookTransport {
  post(request: WebhookRequest): Promise<WebhookResponse>;
}
export const WebhookTransport = Symbol.for('switchboard.WebhookTransport');
