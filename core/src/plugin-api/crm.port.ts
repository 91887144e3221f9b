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
  /**
   * What the entry is: a `message` (inbound or outbound), an internal `note`, or the `summary` of a
   * resolved conversation. A connector picks the CRM's activity type from it (and from `address`).
   */
  kind?: 'message' | 'note' | 'summary' | undefined;
  /** Whom a message came from or went to on its channel (`email:ann@example.com`): an email is logged as an email. */
  address?: CrmIdentity | null | undefined;
}

/** How `logInteraction` is asked. */
export interface CrmLogOptions {
  /**
   * The hub may have logged this interaction before without learning the answer (it crashed, or
   * the call timed out): the connector looks in the CRM for an activity it made for this id before
   * it creates one.
   */
  recheck?: boolean | undefined;
}

/** What the hub does with a CRM instance; the connector's configuration says (issue 12's names). */
export interface CrmSyncPolicy {
  /** Identity kinds used to find a contact (`email`, `phone`). */
  match: readonly string[];
  /** Create a contact for a customer the CRM does not know. */
  createContacts: boolean;
  /** Every interaction on the contact's timeline. */
  logInteractions: boolean;
  /** Erasure in the hub also deletes the CRM contact. */
  eraseInCrm: boolean;
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
 * contact; `invalid` is input the CRM refuses; `unauthorized`: the CRM refuses the credentials
 * (retried, never given up: fixing the token brings everything through); others are transient and retried.
 */
export class CrmError extends Error {
  readonly code: 'rate_limited' | 'not_found' | 'invalid' | 'unauthorized' | 'unavailable';
  readonly retryAt: Date | null;
  constructor(code: CrmError['code'], message: string, options: { retryAt?: Date; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CrmError';
    this.code = code;
    this.retryAt = options.retryAt ?? null;
  }
}

/** The code of a CrmError (from this copy of the core or another), `unavailable` for any other error. */
export const crmErrorCode = (error: unknown): CrmError['code'] =>
  error instanceof Error && error.name === 'CrmError' && typeof (error as CrmError).code === 'string' ? (error as CrmError).code : 'unavailable';

/**
 * The driven port of a CRM (HubSpot, Salesforce, Pipedrive…): who a customer is in the CRM, and
 * what happened with them in the hub. Called from jobs, so a slow or limited CRM holds nothing up.
 * `runCrmConnectorContract` from `@switchboard/core/testing` checks an adapter.
 */
export interface CrmConnector {
  /** The CRM's name in identities: a linked customer holds `crm:<system>:<contact id>` (`crm:hubspot:123`). Default: the instance id. */
  readonly system?: string;
  /** What the hub does with this CRM; without it the hub only matches (email and phone) and logs. */
  readonly policy?: CrmSyncPolicy;
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
  logInteraction(contactId: string, summary: CrmInteractionSummary, options?: CrmLogOptions): Promise<{ activityId: string; created: boolean }>;
  /** The contacts with these ids, as they are now (unknown ids are left out); the hub caches them for customer 360 and desk cards. */
  readContacts?(contactIds: readonly string[]): Promise<CrmContact[]>;
  /** Deletes the contact and its personal data for good (a GDPR delete); an unknown contact is no error. */
  eraseContact?(contactId: string): Promise<void>;
  /** Reachability and the rate-limit window as last seen; cheap, makes no call when it need not. */
  state(): Promise<CrmState>;
}
