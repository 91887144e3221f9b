import type { IdentityKey } from './identity.value-object.js';

/** The golden record of one person across channels. */
export interface Customer {
  id: string;
  displayName: string | null;
  attributes: Record<string, unknown>;
  mergedInto: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An identity linked to a customer. `(kind, value)` is unique across the hub. */
export interface Identity extends IdentityKey {
  customerId: string;
  verified: boolean;
  createdAt: Date;
}

/** A customer as the API and desks show it: with its identities. */
export type CustomerView = Customer & { identities: Identity[] };
