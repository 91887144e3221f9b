/** Behaviour settings the hub's configuration passes to the use cases. */
export interface CoreSettings {
  /** A new message joins the customer's open conversation if it was active within this window. */
  continuityWindowSeconds: number;
  /** Channel → name of its default queue; otherwise the queue named `default`. */
  channelQueues: Record<string, string>;
  /** An agent who lets an offer expire is set `away`. */
  setAwayOnOfferExpiry: boolean;
  /** An agent who goes offline hands back its assigned conversations (default true). */
  requeueOnOffline?: boolean | undefined;
  /** Once every eligible agent declined an item, seconds before one of them sees it again (default 30). */
  declineCooldownSeconds?: number | undefined;
  delivery: { maxAttempts: number; baseDelayMs: number };
}

export const DEFAULT_SETTINGS: CoreSettings = {
  continuityWindowSeconds: 7 * 24 * 3600,
  channelQueues: {},
  setAwayOnOfferExpiry: true,
  delivery: { maxAttempts: 8, baseDelayMs: 2000 },
};

export const CoreSettings = Symbol.for('switchboard.CoreSettings');
