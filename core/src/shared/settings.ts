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
  identity: IdentitySettings;
}

/**
 * The ways a message's sender is recognised as a customer the hub knows (`hub.identity.rules`); a
 * rule left out is off. `exact`: the sender's own identity is known (always tried first).
 * `shared-contact`: an email address or phone number the message names (normalised) belongs to a
 * customer. An explicit link (`POST /v1/customers/{id}/identities`) always holds. A CRM match is
 * still to come (CRM connectors are not wired into the hub yet).
 */
export const RESOLUTION_RULES = ['exact', 'shared-contact'] as const;
export type ResolutionRule = (typeof RESOLUTION_RULES)[number];

export interface IdentitySettings {
  /** Region of phone numbers written in national form (ISO 3166-1 alpha-2, e.g. `GB`); null: only international form. */
  defaultRegion: string | null;
  rules: readonly ResolutionRule[];
}

export const DEFAULT_SETTINGS: CoreSettings = {
  continuityWindowSeconds: 7 * 24 * 3600,
  channelQueues: {},
  setAwayOnOfferExpiry: true,
  delivery: { maxAttempts: 8, baseDelayMs: 2000 },
  identity: { defaultRegion: null, rules: RESOLUTION_RULES },
};

export const CoreSettings = Symbol.for('switchboard.CoreSettings');
