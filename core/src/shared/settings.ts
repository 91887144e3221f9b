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
  /** Ledger writes also write `interaction.recorded` events (a CRM instance is configured): off, they cost nothing. */
  crmEvents?: boolean | undefined;
  /** CRM sync: how long contact facts are cached, attempts per entry before it is dead, the lease of one attempt. */
  crm?: CrmSettings | undefined;
}

export interface CrmSettings {
  factsTtlSeconds: number;
  maxAttempts: number;
  leaseSeconds: number;
}

export const DEFAULT_CRM_SETTINGS: CrmSettings = { factsTtlSeconds: 300, maxAttempts: 8, leaseSeconds: 30 };

/**
 * The ways a message's sender is recognised as a customer the hub knows (`hub.identity.rules`); a
 * rule left out is off. `exact`: the sender's own identity is known (always tried first).
 * `shared-contact`: an email address or phone number the message names (normalised) belongs to a
 * customer. `crm-match`: after commit, a customer without a CRM link is looked up in each CRM by
 * its email and phone (the instance's `match`) and gets the `crm:<system>:<id>` identity of the
 * contact found; a contact linked to another customer gives a merge suggestion. An explicit link
 * (`POST /v1/customers/{id}/identities`) always holds.
 */
export const RESOLUTION_RULES = ['exact', 'shared-contact', 'crm-match'] as const;
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
