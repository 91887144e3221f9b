import type { Customer, Identity } from '../customer.entity.js';
import type { IdentityKey } from '../identity.value-object.js';

export interface CustomerRepository {
  insert(customer: Customer): Promise<void>;
  get(id: string): Promise<Customer | null>;
  update(customer: Customer): Promise<void>;
  getMany(ids: readonly string[]): Promise<Customer[]>;
  insertMany(customers: readonly Customer[]): Promise<void>;
  /**
   * The customer and every customer merged into it, directly or through others (following
   * `mergedInto` backwards), in one read: the customer first, then the others by id. Empty when
   * there is no such customer. Use it through `customerAndMerged`.
   */
  familyOf(id: string): Promise<string[]>;
}

export interface IdentityRepository {
  /** Inserting an existing `(kind, value)` fails: callers lock the identity key first. */
  insert(identity: Identity): Promise<void>;
  find(key: IdentityKey): Promise<Identity | null>;
  listByCustomer(customerId: string): Promise<Identity[]>;
  findMany(keys: readonly IdentityKey[]): Promise<Identity[]>;
  insertMany(identities: readonly Identity[]): Promise<void>;
  /** Removes these identities (unknown keys are ignored). */
  removeMany(keys: readonly IdentityKey[]): Promise<void>;
}

export interface IdentitySession {
  readonly customers: CustomerRepository;
  readonly identities: IdentityRepository;
}
