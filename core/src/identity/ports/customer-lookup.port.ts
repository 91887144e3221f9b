import type { CustomerView } from '../customer.entity.js';

/** Finding customers: what desks and CRM connectors read about the people behind a message. */
export interface CustomerLookup {
  /** A customer with its identities; a merged customer answers as it is, with `mergedInto` set. Rejects with a `not_found` DomainError for an unknown id. */
  customer(id: string): Promise<CustomerView>;
  /** The customer owning an identity written `kind:value` (normalised first), following merges; empty when none does. */
  customersByIdentity(identity: string): Promise<CustomerView[]>;
}
export const CustomerLookup = Symbol.for('switchboard.CustomerLookup');
