import type { Health } from '../shared/health.js';

/** An identity as a CRM matches it: `email` / `phone` / … and the normalised value. */
export interface CrmIdentity {
  kind: string;
  value: string;
}

/** A CRM contact as the hub shows it to agents; no CRM vendor's types. */
export interface CrmContact {
  /** The contact's id in the CRM. */
  id: string;
  name: string | null;
  company: string | null;
  /** The CRM user who owns the contact (a name or an email), when it has one. */
  owner: string | null;
  /** The CRM's lifecycle stage (`lead`, `customer`, …), as the CRM names it. */
  lifecycleStage: string | null;
  /** A link to the contact in the CRM's own interface. */
  url: string | null;
  /** The identities the CRM holds for the contact. */
  identities: CrmIdentity[];
}

/** What `findContacts` answers for one identity asked. */
export interface CrmContactMatch {
  identity: CrmIdentity;
  /** Every contact holding the identity; empty when none does. */
  contacts: CrmContact[];
}

/** The customer a hub asks a CRM to know about. */
export interface CrmCustomer {
  /** The hub's customer id: a connector may store it on the contact to find it again. */
  customerId: string;
  displayName: string | null;
  attributes?: Record<string, unknown> | undefined;
}

/** A short account of one ledger entry, for the CRM's activity timeline. */
export interface CrmInteractionSummary {
  /** The hub's interaction id: logging the same id again must not log twice. */
  interactionId: string;
  conversationId: string;
  channel: string;
  direction: 'inbound' | 'outbound' | 'internal';
  subject: string | null;
  /** A summary or excerpt, never the whole message body. */
  text: string;
  occurredAt: Date;
  /** The agent who answered, for outbound entries. */
  agent?: { id: string; name: string } | null | undefined;
  /** A link back to the conversation in the hub, when the hub has a public address. */
  url?: string | undefined;
}

export interface CrmRateLimit {
  /** True while the CRM refuses calls for rate; callers wait until `resetAt`. */
  limited: boolean;
  /** Calls left in the current window, when the CRM says. */
  remaining: number | null;
  resetAt: Date | null;
}

export interface CrmState {
  health: Health;
  rateLimit: CrmRateLimit;
}

/**
 * Thrown by a connector. `rate_limited` errors carry `retryAt`; `not_found` names an unknown
 * contact; `invalid` is input the CRM refuses; others are transient and retried.
 */
export class CrmError extends Error {
  readonly code: 'rate_limited' | 'not_found' | 'invalid' | 'unavailable';
  readonly retryAt: Date | null;
  constructor(code: CrmError['code'], message: string, options: { retryAt?: Date; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CrmError';
    this.code = code;
    this.retryAt = options.retryAt ?? null;
  }
}

/**
 * The driven port of a CRM (HubSpot, Salesforce, Pipedrive…): who a customer is in the CRM, and
 * what happened with them in the hub. Called from jobs, so a slow or limited CRM holds nothing up.
 * `runCrmConnectorContract` from `@switchboard/core/testing` checks an adapter.
 */
export interface CrmConnector {
  /** The most identities one `findContacts` call takes; the hub splits larger batches. */
  readonly maxBatch: number;
  /**
   * Looks up many identities in one round trip (or as few as the CRM allows). Answers one match per
   * identity asked, in the order asked, duplicates included.
   */
  findContacts(identities: readonly CrmIdentity[]): Promise<CrmContactMatch[]>;
  /**
   * Creates the contact for a customer, or updates the one that holds any of its identities (or
   * the hub's customer id). Idempotent: the same customer twice yields the same contact.
   */
  upsertContact(customer: CrmCustomer, identities: readonly CrmIdentity[]): Promise<{ contact: CrmContact; created: boolean }>;
  /**
   * Records a ledger entry on the contact's timeline. Idempotent by `summary.interactionId`: a
   * repeat answers the first activity with `created: false`. Rejects with a `not_found` CrmError
   * for an unknown contact.
   */
  logInteraction(contactId: string, summary: CrmInteractionSummary): Promise<{ activityId: string; created: boolean }>;
  /** Reachability and the rate-limit window as last seen; cheap, makes no call when it need not. */
  state(): Promise<CrmState>;
}
