import type { Customer, CustomerView, Identity } from '../../identity/customer.entity.js';
import type { IdentityKey } from '../../identity/identity.value-object.js';
import type { CustomerMerge } from '../../identity/customer-merge.entity.js';
import type { MergeSuggestion } from '../../identity/merge-suggestion.entity.js';
import type {
  CustomerMergeRepository,
  CustomerRepository,
  IdentityRepository,
  MergeSuggestionFilter,
  MergeSuggestionRepository,
} from '../../identity/ports/identity-store.port.js';
import type { Page, PageRequest } from '../../shared/page.js';
import { asJson, byText, byTime, ConstraintError, copy, keysetPage, sortedCopies, validIds, type Ordering } from './rows.js';
import { pairKey, type Db } from './tables.js';

/** A customer's identities, oldest first (then kind, value). */
const identitiesOf = (db: Db, customerId: string): Identity[] =>
  sortedCopies(
    db.identities.values().filter((i) => i.customerId === customerId),
    (a, b) => byTime(a.createdAt, b.createdAt) || byText(a.kind, b.kind) || byText(a.value, b.value),
  );

const stored = (customer: Customer): Customer => ({ ...copy(customer), attributes: asJson(customer.attributes) });

export class InMemoryCustomerRepository implements CustomerRepository {
  constructor(private readonly db: Db) {}

  async insert(customer: Customer): Promise<void> {
    await this.insertMany([customer]);
  }

  async get(id: string): Promise<Customer | null> {
    const row = this.db.customers.get(id);
    return row ? copy(row) : null;
  }

  async update(customer: Customer): Promise<void> {
    if (this.db.customers.has(customer.id)) this.db.customers.set(customer.id, stored(customer));
  }

  async updateMany(customers: readonly Customer[]): Promise<void> {
    for (const customer of customers) await this.update(customer);
  }

  async getMany(ids: readonly string[]): Promise<Customer[]> {
    return validIds(ids).flatMap((id) => {
      const row = this.db.customers.get(id);
      return row ? [copy(row)] : [];
    });
  }

  async insertMany(customers: readonly Customer[]): Promise<void> {
    this.db.customers.insertNew('customers', customers, (c) => c.id, stored);
  }

  async familyOf(id: string): Promise<string[]> {
    if (!this.db.customers.has(id)) return [];
    const family = new Set([id]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const c of this.db.customers.values()) {
        if (c.mergedInto !== null && family.has(c.mergedInto) && !family.has(c.id)) {
          family.add(c.id);
          grew = true;
        }
      }
    }
    return [id, ...[...family].filter((other) => other !== id).sort(byText)];
  }

  async viewByIdentity(key: IdentityKey): Promise<CustomerView | null> {
    const identity = this.db.identities.get(pairKey(key.kind, key.value));
    let current = identity ? this.db.customers.get(identity.customerId) : undefined;
    const seen = new Set<string>();
    while (current?.mergedInto) {
      if (seen.has(current.id)) return null;
      seen.add(current.id);
      current = this.db.customers.get(current.mergedInto);
    }
    if (!current) return null;
    return { ...copy(current), identities: identitiesOf(this.db, current.id) };
  }
}

export class InMemoryIdentityRepository implements IdentityRepository {
  constructor(private readonly db: Db) {}

  async insert(identity: Identity): Promise<void> {
    await this.insertMany([identity]);
  }

  async find(key: IdentityKey): Promise<Identity | null> {
    const row = this.db.identities.get(pairKey(key.kind, key.value));
    return row ? copy(row) : null;
  }

  async listByCustomer(customerId: string): Promise<Identity[]> {
    return identitiesOf(this.db, customerId);
  }

  async findMany(keys: readonly IdentityKey[]): Promise<Identity[]> {
    return keys.flatMap((key) => {
      const row = this.db.identities.get(pairKey(key.kind, key.value));
      return row ? [copy(row)] : [];
    });
  }

  async insertMany(identities: readonly Identity[]): Promise<void> {
    const keys = new Set<string>();
    for (const i of identities) {
      const key = pairKey(i.kind, i.value);
      if (this.db.identities.has(key) || keys.has(key)) throw new ConstraintError('identities', `${i.kind}:${i.value}`);
      keys.add(key);
    }
    for (const i of identities) this.db.identities.set(pairKey(i.kind, i.value), { kind: i.kind, value: i.value, customerId: i.customerId, verified: i.verified, createdAt: new Date(i.createdAt) });
  }

  async removeMany(keys: readonly IdentityKey[]): Promise<void> {
    for (const key of keys) this.db.identities.delete(pairKey(key.kind, key.value));
  }

  async remove(key: IdentityKey): Promise<boolean> {
    const had = this.db.identities.has(pairKey(key.kind, key.value));
    if (had) this.db.identities.delete(pairKey(key.kind, key.value));
    return had;
  }

  async reassign(keys: readonly IdentityKey[], customerId: string): Promise<void> {
    for (const key of keys) {
      const row = this.db.identities.get(pairKey(key.kind, key.value));
      if (row) this.db.identities.set(pairKey(key.kind, key.value), { ...copy(row), customerId });
    }
  }
}

const suggestionsNewestFirst: Ordering<MergeSuggestion> = { shape: ['date'], key: (s) => ({ keys: [s.createdAt], id: s.id }), direction: 'desc' };
const pairOf = (s: Pick<MergeSuggestion, 'customerId' | 'otherCustomerId'>) => [s.customerId, s.otherCustomerId].sort().join('\u0000');

export class InMemoryMergeSuggestionRepository implements MergeSuggestionRepository {
  constructor(private readonly db: Db) {}

  async addPending(suggestions: readonly MergeSuggestion[]): Promise<MergeSuggestion[]> {
    const pending = new Set(this.db.mergeSuggestions.values().filter((s) => s.status === 'pending').map(pairOf));
    const added: MergeSuggestion[] = [];
    for (const suggestion of suggestions) {
      if (this.db.mergeSuggestions.has(suggestion.id)) throw new ConstraintError('merge_suggestions', suggestion.id);
      if (suggestion.status === 'pending' && pending.has(pairOf(suggestion))) continue;
      if (suggestion.status === 'pending') pending.add(pairOf(suggestion));
      this.db.mergeSuggestions.set(suggestion.id, copy(suggestion));
      added.push(copy(suggestion));
    }
    return added;
  }

  async get(id: string): Promise<MergeSuggestion | null> {
    const row = this.db.mergeSuggestions.get(id);
    return row ? copy(row) : null;
  }

  async update(suggestion: MergeSuggestion): Promise<void> {
    if (this.db.mergeSuggestions.has(suggestion.id)) this.db.mergeSuggestions.set(suggestion.id, copy(suggestion));
  }

  async list(filter: MergeSuggestionFilter, page: PageRequest): Promise<Page<MergeSuggestion>> {
    const rows = this.db.mergeSuggestions.values().filter(
      (s) =>
        (filter.status === undefined || s.status === filter.status) &&
        (filter.customerId === undefined || s.customerId === filter.customerId || s.otherCustomerId === filter.customerId),
    );
    return keysetPage(rows, suggestionsNewestFirst, page);
  }

  async removeFor(customerIds: readonly string[]): Promise<number> {
    const named = new Set(customerIds);
    const hits = this.db.mergeSuggestions.values().filter((s) => named.has(s.customerId) || named.has(s.otherCustomerId));
    for (const s of hits) this.db.mergeSuggestions.delete(s.id);
    return hits.length;
  }
}

export class InMemoryCustomerMergeRepository implements CustomerMergeRepository {
  constructor(private readonly db: Db) {}

  async insert(merge: CustomerMerge): Promise<void> {
    if (this.db.merges.has(merge.id)) throw new ConstraintError('customer_merges', merge.id);
    this.db.merges.set(merge.id, copy(merge));
  }

  async get(id: string): Promise<CustomerMerge | null> {
    const row = this.db.merges.get(id);
    return row ? copy(row) : null;
  }

  async update(merge: Pick<CustomerMerge, 'id' | 'undoneAt'>): Promise<void> {
    const row = this.db.merges.get(merge.id);
    if (row) this.db.merges.set(merge.id, { ...copy(row), undoneAt: merge.undoneAt });
  }

  async findActive(survivorId: string, mergedId: string): Promise<CustomerMerge | null> {
    const found = this.db.merges.values().find((m) => m.survivorId === survivorId && m.mergedId === mergedId && m.undoneAt === null);
    return found ? copy(found) : null;
  }

  async scrubFor(customerIds: readonly string[], at: Date): Promise<number> {
    const named = new Set(customerIds);
    const hits = this.db.merges.values().filter((m) => named.has(m.survivorId) || named.has(m.mergedId));
    for (const m of hits) {
      this.db.merges.set(m.id, { ...copy(m), identities: [], attributes: [], displayNameBefore: null, undoneAt: m.undoneAt ?? new Date(at) });
    }
    return hits.length;
  }
}
