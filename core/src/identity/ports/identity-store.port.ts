import type { Page, PageRequest } from '../../shared/page.js';
import type { Customer, CustomerView, Identity } from '../customer.entity.js';
import type { IdentityKey } from '../identity.value-object.js';
import type { CustomerMerge } from '../customer-merge.entity.js';
import type { MergeSuggestion, MergeSuggestionStatus } from '../merge-suggestion.entity.js';

export interface CustomerRepository {
  insert(customer: Customer): Promise<void>;
  get(id: string): Promise<Customer | null>;
  update(customer: Customer): Promise<void>;
  /** `update` of each, in one write; customers not stored are left out. */
  updateMany(customers: readonly Customer[]): Promise<void>;
  getMany(ids: readonly string[]): Promise<Customer[]>;
  insertMany(customers: readonly Customer[]): Promise<void>;
  /**
   * The customer and every customer merged into it, directly or through others (following
   * `mergedInto` backwards), in one read: the customer first, then the others by id. Empty when
   * there is no such customer. Use it through `customerAndMerged`.
   */
  familyOf(id: string): Promise<string[]>;
  /**
   * The customer an identity names, in one read: its owner, or the survivor its owner was merged
   * into (following `mergedInto` to a customer that is not merged), with the survivor's identities
   * ordered as `listByCustomer` orders them. Null when nobody holds the identity, or when the
   * pointers lead to a missing customer or round in a circle.
   */
  viewByIdentity(key: IdentityKey): Promise<CustomerView | null>;
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
  /** Removes an identity; answers whether there was one. The caller holds the identity's lock. */
  remove(key: IdentityKey): Promise<boolean>;
  /** Moves identities to another customer (merge and unmerge). The caller holds their owners' locks. */
  reassign(keys: readonly IdentityKey[], customerId: string): Promise<void>;
}

export interface MergeSuggestionFilter {
  status?: MergeSuggestionStatus | undefined;
  /** Suggestions naming this customer on either side. */
  customerId?: string | undefined;
}

export interface MergeSuggestionRepository {
  /**
   * Records suggestions, skipping any whose pair of customers (in either order) already has a
   * pending one, in the store or earlier in `suggestions`. Answers the ones recorded.
   */
  addPending(suggestions: readonly MergeSuggestion[]): Promise<MergeSuggestion[]>;
  get(id: string): Promise<MergeSuggestion | null>;
  update(suggestion: MergeSuggestion): Promise<void>;
  /** Newest first (createdAt desc, then id). */
  list(filter: MergeSuggestionFilter, page: PageRequest): Promise<Page<MergeSuggestion>>;
  /** Deletes every suggestion naming one of these customers on either side (erasure); answers how many. */
  removeFor(customerIds: readonly string[]): Promise<number>;
}

export interface CustomerMergeRepository {
  insert(merge: CustomerMerge): Promise<void>;
  get(id: string): Promise<CustomerMerge | null>;
  /** Records `undoneAt`; what a merge moved never changes. */
  update(merge: Pick<CustomerMerge, 'id' | 'undoneAt'>): Promise<void>;
  /** The merge of `mergedId` into `survivorId` that is not undone, if any. */
  findActive(survivorId: string, mergedId: string): Promise<CustomerMerge | null>;
  /**
   * Erasure: empties the personal part (identities moved, attribute values, the display name
   * before) of every merge record naming one of these customers on either side, and marks it
   * undone so it can no longer be reversed. Answers how many records it scrubbed.
   */
  scrubFor(customerIds: readonly string[], at: Date): Promise<number>;
}

export interface IdentitySession {
  readonly customers: CustomerRepository;
  readonly identities: IdentityRepository;
  readonly mergeSuggestions: MergeSuggestionRepository;
  readonly merges: CustomerMergeRepository;
}
