/** `hub.webhooks` in the configuration. */
export interface WebhookSettings {
  /** Whether a subscription may point at loopback, private or link-local addresses (off in production). */
  allowPrivateNetworks: boolean;
  /** How long one delivery may take before it counts as failed. */
  timeoutMs: number;
  /** The first retry waits this long, each next one twice as long, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Failed attempts in a row (on one event) after which the subscription is disabled. */
  disableAfterFailures: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  allowPrivateNetworks: false,
  timeoutMs: 10_000,
  baseDelayMs: 5_000,
  maxDelayMs: 3_600_000,
  disableAfterFailures: 15,
};

/** The wait before the next attempt after `failures` failed ones in a row. */
export const retryDelayMs = (settings: Pick<WebhookSettings, 'baseDelayMs' | 'maxDelayMs'>, failures: number): number =>
  Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));

/** How long a delivery run holds a subscription without renewing: longer than any one attempt. */
export const leaseMs = (settings: Pick<WebhookSettings, 'timeoutMs'>): number => settings.timeoutMs * 2 + 5_000;
